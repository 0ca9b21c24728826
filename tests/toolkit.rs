//! The helpers around the API give the kernel's answers on the real /proc
//! of each architecture: directory listings (`ReadDir::new`) are the
//! directory's entries, whole-file reads (`OwnedFd::read_whole`) the whole
//! file, the errno constants libc's, and error messages name the syscall
//! or rule, the base and the errno.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{
    DIR_BUF_MIN, DirEntry, ErrorKind, FileType, Handle, NAME_MAX, OpenFlags, ProcBase, ReadDir,
    errno, unmasked_proc_root,
};
use std::collections::BTreeSet;

const RD: OpenFlags = OpenFlags::O_RDONLY;
const DIR: OpenFlags = OpenFlags::O_RDONLY.union(OpenFlags::O_DIRECTORY);

fn list(fd: &safe_procfs::OwnedFd, buf_len: usize) -> Vec<DirEntry> {
    let mut buf = vec![0u8; buf_len];
    ReadDir::new(fd, &mut buf).map(|e| e.unwrap()).collect()
}

fn names(entries: &[DirEntry]) -> BTreeSet<Vec<u8>> {
    entries.iter().map(|e| e.name().to_vec()).collect()
}

/// Our fds, listed without allocation, are exactly the open ones.
fn own_fds_match() -> Result<(), Msg> {
    let h = try_ok!(Handle::open(&[]), "open");
    let fds = try_ok!(h.open_self("fd", DIR), "open_self fd");
    let mut buf = [0u8; 1024];
    let mut listed = [false; 4096];
    let (mut dots, mut count) = (0, 0);
    for entry in ReadDir::new(&fds, &mut buf) {
        let entry = try_ok!(entry, "ReadDir::new");
        if entry.is_dot_or_dotdot() {
            ensure!(entry.file_type() == FileType::Directory, "{entry:?}");
            dots += 1;
            continue;
        }
        let Some(n) = entry.number() else {
            fail!("not a number in fd/: {entry:?}")
        };
        ensure!(entry.file_type() == FileType::Symlink, "{entry:?}");
        ensure!(entry.ino() != 0, "{entry:?}");
        listed[n as usize] = true;
        count += 1;
    }
    ensure!(dots == 2, ". and .. yielded {dots} times");
    ensure!(
        listed[fds.as_raw_fd() as usize],
        "the listing's own fd is missing"
    );
    for (fd, &was_listed) in listed.iter().enumerate() {
        // SAFETY: F_GETFD has no memory effects.
        let open = unsafe { libc::fcntl(fd as i32, libc::F_GETFD) } >= 0;
        ensure!(
            open == was_listed,
            "fd {fd}: open {open}, listed {was_listed}"
        );
    }
    ensure!(count == count_fds(), "{count} listed, {} open", count_fds());
    Ok(())
}

#[test]
fn listing_our_own_fds() {
    if !require_root("listing_our_own_fds") {
        return;
    }
    // In a child: other tests open fds concurrently in this process.
    in_child(own_fds_match).unwrap();
    under_qemu();
    for mode in MODES {
        in_child(|| {
            mode.enter()?;
            own_fds_match()
        })
        .unwrap_or_else(|e| panic!("mode '{}': {e}", mode.name));
    }
}

#[test]
fn listing_all_pids_and_the_root() {
    let u = Handle::open(&[unmasked_proc_root]).unwrap();
    let root = u.open_root(".", DIR).unwrap();
    let entries = list(&root, 4096);
    let pids: BTreeSet<u32> = entries.iter().filter_map(DirEntry::number).collect();
    assert!(pids.contains(&getpid()), "our pid is not listed");
    assert!(pids.contains(&1), "pid 1 is not listed");
    let by_name = |n: &[u8]| entries.iter().find(|e| e.name() == n).unwrap().clone();
    assert_eq!(by_name(b"self").file_type(), FileType::Symlink);
    assert_eq!(by_name(b"sys").file_type(), FileType::Directory);
    assert_eq!(by_name(b"uptime").file_type(), FileType::Regular);
    assert_eq!(by_name(b".").ino(), 1);
    // The smallest buffer takes more getdents64 calls and loses nothing;
    // a second listing of the same fd starts again from the top.
    let again = list(&root, DIR_BUF_MIN);
    let a = names(&entries);
    let b = names(&again);
    // Processes come and go between the listings: compare the stable part.
    let stable = |s: &BTreeSet<Vec<u8>>| -> BTreeSet<Vec<u8>> {
        s.iter()
            .filter(|n| !n.iter().all(u8::is_ascii_digit))
            .cloned()
            .collect()
    };
    assert_eq!(stable(&a), stable(&b));
    assert!(stable(&a).len() > 20, "{:?}", stable(&a).len());
    // The masked (subset=pid) root lists only processes, self and thread-self.
    let h = Handle::open(&[]).unwrap();
    if h.is_cached() {
        let masked = names(&list(&h.open_root(".", DIR).unwrap(), 1024));
        for n in &masked {
            assert!(
                n.iter().all(u8::is_ascii_digit)
                    || [&b"."[..], b"..", b"self", b"thread-self"].contains(&n.as_slice()),
                "{:?}",
                String::from_utf8_lossy(n)
            );
        }
    }
    // Our threads.
    let t = std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_millis(300));
        gettid()
    });
    let tasks = list(&h.open_self("task", DIR).unwrap(), 1024);
    assert!(tasks.iter().filter_map(DirEntry::number).count() >= 2);
    let tid = t.join().unwrap();
    let _ = tid;
}

#[test]
fn listing_errors() {
    let h = Handle::open(&[]).unwrap();
    let fds = h.open_self("fd", DIR).unwrap();
    let mut small = [0u8; DIR_BUF_MIN - 1];
    let mut it = ReadDir::new(&fds, &mut small);
    let e = it.next().unwrap().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EINVAL));
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(it.next().is_none(), "the listing goes on after an error");
    let mut buf = [0u8; 1024];
    let path = h.open_self("fd", OpenFlags::O_PATH).unwrap();
    let e = ReadDir::new(&path, &mut buf).next().unwrap().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EBADF), "{e}");
    let file = h.open_self("status", RD).unwrap();
    let e = ReadDir::new(&file, &mut buf).next().unwrap().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::ENOTDIR), "{e}");
    assert!(e.to_string().contains("getdents64"), "{e}");
    assert_eq!(NAME_MAX, 255);
}

#[test]
fn a_listing_of_an_exited_process_ends_with_an_error() {
    let h = Handle::open(&[]).unwrap();
    let mut child = Sleeper::spawn().unwrap();
    let fds = h.open_pid(child.id(), "fd", DIR).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let mut buf = [0u8; 1024];
    let r: Result<Vec<_>, _> = ReadDir::new(&fds, &mut buf).collect();
    assert_eq!(r.unwrap_err().raw_os_error(), Some(errno::ENOENT));
}

#[test]
fn reading_a_whole_file() {
    let h = Handle::open(&[]).unwrap();
    let mut buf = [0u8; 6];
    let ostype = h.open_root("sys/kernel/ostype", RD).unwrap();
    assert_eq!(ostype.read_whole(&mut buf).unwrap(), b"Linux\n"); // exactly full
    let mut short = [0u8; 5];
    let e = h
        .open_root("sys/kernel/ostype", RD)
        .unwrap()
        .read_whole(&mut short)
        .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EFBIG));
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("larger than the buffer"), "{e}");
    let e = h
        .open_root("sys/kernel/ostype", RD)
        .unwrap()
        .read_whole(&mut [])
        .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EFBIG));
    // A file larger than one read: status, whole.
    let mut big = [0u8; 16384];
    let status = h
        .open_self("status", RD)
        .unwrap()
        .read_whole(&mut big)
        .unwrap();
    assert_eq!(status_pid(status), Some(getpid()));
    assert!(status.ends_with(b"\n"));
    // At the end of the file: empty.
    let fd = h.open_self("comm", RD).unwrap();
    fd.read_whole(&mut big).unwrap();
    assert_eq!(fd.read_whole(&mut big).unwrap(), b"");
    let e = h
        .open_self("status", OpenFlags::O_PATH)
        .unwrap()
        .read_whole(&mut big)
        .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(errno::EBADF));
}

#[test]
fn errno_constants_match_libc_on_this_architecture() {
    let pairs = [
        (errno::EPERM, libc::EPERM),
        (errno::ENOENT, libc::ENOENT),
        (errno::ESRCH, libc::ESRCH),
        (errno::EINTR, libc::EINTR),
        (errno::EIO, libc::EIO),
        (errno::EBADF, libc::EBADF),
        (errno::ENOMEM, libc::ENOMEM),
        (errno::EACCES, libc::EACCES),
        (errno::EXDEV, libc::EXDEV),
        (errno::ENOTDIR, libc::ENOTDIR),
        (errno::EISDIR, libc::EISDIR),
        (errno::EINVAL, libc::EINVAL),
        (errno::EMFILE, libc::EMFILE),
        (errno::EFBIG, libc::EFBIG),
        (errno::ERANGE, libc::ERANGE),
        (errno::ENAMETOOLONG, libc::ENAMETOOLONG),
        (errno::ENOSYS, libc::ENOSYS),
        (errno::ELOOP, libc::ELOOP),
        (errno::EOPNOTSUPP, libc::EOPNOTSUPP),
    ];
    for (ours, theirs) in pairs {
        assert_eq!(ours, theirs);
    }
}

#[test]
fn messages_name_the_syscall_or_rule_the_base_and_the_errno() {
    let h = Handle::open(&[]).unwrap();
    let cases: [(Result<safe_procfs::OwnedFd, safe_procfs::Error>, &str); 7] = [
        (
            h.open_self("no-such-file", RD),
            "beneath /proc/self: ENOENT (No such file or directory)",
        ),
        (
            h.open_pid(getpid(), "root/etc", RD),
            &format!(
                "magic-link inside the path beneath /proc/{}: ELOOP",
                getpid()
            ),
        ),
        (
            h.open_root("../x", RD),
            "path's '..' leaves the base beneath /proc: EXDEV (Cross-device link)",
        ),
        (
            h.open_root("self/../x", RD),
            "path contains a '..' component beneath /proc: EINVAL (Invalid argument)",
        ),
        (
            h.open_thread_self("x", OpenFlags::O_CREAT, &safe_procfs::NoPin)
                .map(|(fd, _)| fd),
            "O_CREAT, O_EXCL and O_TMPFILE are not allowed beneath /proc/thread-self: EINVAL",
        ),
        (
            h.open_pid(0, "status", RD),
            "pid out of range beneath /proc/0: EINVAL",
        ),
        (
            // SAFETY: -1 is no fd: it breaks `borrow_raw`'s contract on
            // purpose, as a C caller may; the crate only hands it to the
            // kernel (here it stops before, at its own check).
            h.open_pidfd(
                unsafe { safe_procfs::BorrowedFd::borrow_raw(-1) },
                "status",
                RD,
            ),
            "pidfd is negative beneath /proc/<pid of pidfd -1>: EBADF",
        ),
    ];
    for (r, want) in cases {
        let e = r.unwrap_err();
        assert!(e.to_string().contains(want), "{e} lacks {want}");
        assert!(e.errno_name().is_some());
    }
    let e = h.open_self("no-such-file", RD).unwrap_err();
    assert_eq!(e.base(), Some(ProcBase::ProcSelf.into()));
    assert!(e.is_not_found() && !e.is_permission_denied() && !e.is_safety_violation());
    let mut b = [0u8; 1];
    let e = h.readlink(ProcBase::ProcSelf, "exe", &mut b).unwrap_err();
    assert!(e.to_string().contains("beneath /proc/self: ERANGE"), "{e}");
}

#[test]
fn readlink_of_an_fd_in_a_private_instance_is_relative_to_its_root() {
    let h = Handle::open(&[]).unwrap();
    let fds = h.open_self("fd", DIR).unwrap();
    let mut buf = [0u8; 256];
    let link = format!("fd/{}", fds.as_raw_fd());
    let target = h.readlink(ProcBase::ProcSelf, &link, &mut buf).unwrap();
    if h.kind() == safe_procfs::HandleKind::HostMount {
        assert_eq!(target, format!("/proc/{}/fd", getpid()).as_bytes());
    } else {
        // Mounted nowhere: the path is from that procfs's root.
        assert_eq!(
            target,
            format!("/{}/fd", getpid()).as_bytes(),
            "{}",
            String::from_utf8_lossy(target)
        );
    }
}
