//! A container shim, the way runc-like shims use /proc before they start
//! the payload: set the AppArmor exec label, read a sysctl, list our own
//! fds (to close the ones the payload must not inherit), and re-execute
//! ourselves through an fd of `self/exe` (the CVE-2019-5736 defence: never
//! exec a path an attacker can swap). Every /proc access goes through
//! safe-procfs; the exec itself is `execveat(2)`, outside the crate's scope.
//!
//! Built static with musl (`--target x86_64-unknown-linux-musl` or
//! `aarch64-unknown-linux-musl`), as shims are. Run it without arguments;
//! it re-executes itself with `--payload`.

use safe_procfs::{Handle, OpenFlags, ProcBase, ReadDir, errno};
use std::ffi::CString;

const DIR: OpenFlags = OpenFlags::O_RDONLY.union(OpenFlags::O_DIRECTORY);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proc = Handle::open(&[])?;
    let mut buf = [0u8; 4096];
    if std::env::args().nth(1).as_deref() == Some("--payload") {
        let comm = proc.open_self("comm", OpenFlags::O_RDONLY)?;
        let comm = String::from_utf8_lossy(comm.read_whole(&mut buf)?).into_owned();
        println!(
            "payload: running, re-executed through self/exe, comm {}",
            comm.trim_end()
        );
        return Ok(());
    }
    println!("shim: procfs handle {:?}", proc.kind());

    // 1. The AppArmor label the payload will run under.
    let flags = OpenFlags::O_WRONLY | OpenFlags::O_NOFOLLOW;
    match proc.open_self("attr/apparmor/exec", flags) {
        Ok(attr) => match attr.write_all(b"exec unconfined") {
            Ok(()) => println!("apparmor exec label: set to unconfined"),
            // AppArmor present but refusing (e.g. no such profile loaded).
            Err(e) if e.raw_os_error() == Some(errno::ENOENT) || e.is_permission_denied() => {
                println!("apparmor exec label: refused by AppArmor ({e})")
            }
            Err(e) => return Err(e.into()),
        },
        Err(e) if e.is_not_found() => println!("apparmor exec label: no AppArmor here ({e})"),
        Err(e) => return Err(e.into()),
    }

    // 2. A sysctl, through the procfs root.
    let sysctl = proc.open_root("sys/kernel/pid_max", OpenFlags::O_RDONLY)?;
    let pid_max = std::str::from_utf8(sysctl.read_whole(&mut buf)?)?.trim_end();
    drop(sysctl);
    println!("sysctl kernel.pid_max = {pid_max}");

    // 3. Our own fds, and what each one is.
    let fds = proc.open_self("fd", DIR)?;
    let mut dirbuf = [0u8; 1024];
    for entry in ReadDir::new(&fds, &mut dirbuf) {
        let entry = entry?;
        let Some(fd) = entry.number() else { continue }; // "." and ".."
        let mut link = [0u8; 256];
        let what = match proc.readlink(ProcBase::ProcSelf, format!("fd/{fd}"), &mut link) {
            Ok(target) => String::from_utf8_lossy(target).into_owned(),
            // The listing's own fd can be closed by the time we look.
            Err(e) if e.is_not_found() => "(closed)".into(),
            Err(e) => return Err(e.into()),
        };
        let own = if u32::try_from(fds.as_raw_fd()) == Ok(fd) {
            " (this listing)"
        } else {
            ""
        };
        println!("fd {fd} -> {what}{own}");
    }

    // 4. Re-execute ourselves through an fd of our executable.
    let exe = proc.open_self("exe", OpenFlags::O_PATH)?;
    let mut link = [0u8; 4096];
    let exe_path =
        String::from_utf8_lossy(proc.readlink(ProcBase::ProcSelf, "exe", &mut link)?).into_owned();
    let me = std::env::args().next().unwrap_or_default();
    let mut argv = vec![CString::new(me.clone())?, CString::new("--payload")?];
    if exe_path
        .rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with("qemu-"))
    {
        // Under qemu-user our executable is the emulator: hand it our program.
        argv = vec![
            CString::new(exe_path)?,
            CString::new(me)?,
            CString::new("--payload")?,
        ];
    }
    println!("re-exec: through self/exe, fd {}", exe.as_raw_fd());
    let mut argp: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argp.push(std::ptr::null());
    // SAFETY: execveat with an fd we own, an empty NUL-terminated path,
    // NUL-terminated argv/envp arrays that outlive the call.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            exe.as_raw_fd(),
            c"".as_ptr(),
            argp.as_ptr(),
            environ(),
            libc::AT_EMPTY_PATH,
        );
    }
    Err(std::io::Error::last_os_error().into())
}

fn environ() -> *const *const libc::c_char {
    unsafe extern "C" {
        static environ: *const *const libc::c_char;
    }
    // SAFETY: reading the C library's environ pointer.
    unsafe { environ }
}
