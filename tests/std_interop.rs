//! With the `std` feature, the crate's types convert to std's without
//! losing anything: an `OwnedFd` becomes a `File`, a `Handle` lends its
//! root fd, an `Error` becomes an `io::Error` that keeps its message.
#![cfg(feature = "std")]

use safe_procfs::{Handle, OpenFlags, ProcBase};
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd};

#[test]
fn owned_fd_becomes_a_file() {
    let h = Handle::open(&[]).unwrap();
    let fd = h.open_self("status", OpenFlags::O_RDONLY).unwrap();
    let raw = fd.as_raw_fd();
    assert_eq!(fd.as_fd().as_raw_fd(), raw);
    let mut file = std::fs::File::from(fd);
    assert_eq!(file.as_raw_fd(), raw);
    let mut s = String::new();
    file.read_to_string(&mut s).unwrap();
    assert!(s.contains(&format!("Pid:\t{}\n", std::process::id())));

    let std_fd: std::os::fd::OwnedFd = h.open_root("uptime", OpenFlags::O_RDONLY).unwrap().into();
    let back = safe_procfs::OwnedFd::from(std_fd);
    let mut buf = [0u8; 64];
    assert!(back.read(&mut buf).unwrap() > 0);
}

#[test]
fn handle_exposes_its_root_fd() {
    let h = Handle::open(&[]).unwrap();
    let fd = h.as_fd();
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: fstatfs on a borrowed, open fd into a zeroed struct.
    assert_eq!(unsafe { libc::fstatfs(fd.as_raw_fd(), &mut st) }, 0);
    assert_eq!(st.f_type as i64, 0x9fa0);
    assert_eq!(h.as_raw_fd(), fd.as_raw_fd());
}

#[test]
fn error_becomes_an_io_error_that_keeps_the_message() {
    let h = Handle::open(&[]).unwrap();
    let e = h
        .open_self("no-such-file", OpenFlags::O_RDONLY)
        .unwrap_err();
    let io: std::io::Error = e.into();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    // The message survives: step, base and errno name.
    let msg = io.to_string();
    assert!(msg.contains("/proc/self"), "{msg}");
    assert!(msg.contains("ENOENT (No such file or directory)"), "{msg}");
    // The crate's error (and its errno) is inside.
    let inner = io
        .get_ref()
        .and_then(|i| i.downcast_ref::<safe_procfs::Error>())
        .unwrap();
    assert_eq!(inner.raw_os_error(), Some(libc::ENOENT));
    assert_eq!(*inner, e);
    let e = h.open_self("root/etc", OpenFlags::O_RDONLY).unwrap_err();
    let msg = std::io::Error::from(e).to_string();
    assert!(msg.contains("magic-link inside the path"), "{msg}");
    assert!(msg.contains("ELOOP"), "{msg}");
    let e = h
        .readlink(ProcBase::ProcSelf, "exe", &mut [0u8; 2])
        .unwrap_err();
    let io = std::io::Error::from(e);
    // The kind std gives the errno itself.
    assert_eq!(
        io.kind(),
        std::io::Error::from_raw_os_error(libc::ERANGE).kind()
    );
    assert!(io.to_string().contains("ERANGE"), "{io}");
    // Usable with `?` in std code.
    fn f() -> std::io::Result<()> {
        Handle::open(&[])?.open_self("", OpenFlags::O_RDONLY)?;
        Ok(())
    }
    let io = f().unwrap_err();
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(
        io.to_string(),
        "path is empty beneath /proc/self: EINVAL (Invalid argument)"
    );
}
