//! A freestanding init: no libc, no allocator, its own `_start`, statically
//! linked. Before "starting its payload" it reads its own status, command
//! line and mount table and the kernel's ostype, lists its fds, resolves
//! its executable and names its thread, all through safe-procfs, and
//! reports each step on stdout. Any failure exits with status 1. No
//! hand-written syscall and no `unsafe` touches /proc: the only `unsafe`
//! is borrowing fd 1 for output, and the runtime in rt.rs.
#![no_std]
#![no_main]

use core::fmt::Write;
use core::panic::PanicInfo;
use safe_procfs::{Handle, HandleKind, NoPin, OpenFlags, OwnedFd, ProcBase, errno};

mod rt;

const NEW_COMM: &[u8] = b"safe-init";

fn out(bytes: &[u8]) {
    // SAFETY: fd 1 is our stdout; we give it back with into_raw_fd so it is
    // never closed.
    let stdout = unsafe { OwnedFd::from_raw_fd(1) };
    let _ = stdout.write_all(bytes);
    let _ = stdout.into_raw_fd();
}

/// `write!` to stdout, no allocation.
struct Stdout;

impl Write for Stdout {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        out(s.as_bytes());
        Ok(())
    }
}

fn line_starting<'t>(text: &'t [u8], key: &[u8]) -> &'t [u8] {
    text.split(|&b| b == b'\n')
        .find(|l| l.starts_with(key))
        .unwrap_or(b"")
}

fn run() -> Result<(), safe_procfs::Error> {
    let proc = Handle::open(&[])?;
    out(b"handle: ");
    out(match proc.kind() {
        HandleKind::PrivateInstance => b"private procfs instance\n",
        HandleKind::DetachedClone => b"detached clone of /proc\n",
        _ => b"host /proc\n",
    });

    let mut buf = [0u8; 4096];
    let status = proc
        .open_self("status", OpenFlags::O_RDONLY)?
        .read_whole(&mut buf)?;
    out(b"status: ");
    out(line_starting(status, b"Pid:"));
    out(b"\n");

    // cmdline: NUL-separated arguments.
    let cmdline = proc
        .open_self("cmdline", OpenFlags::O_RDONLY)?
        .read_whole(&mut buf)?;
    // (Under qemu-user the process is the emulator, its first argument.)
    out(b"cmdline:");
    for arg in cmdline.split(|&b| b == 0).filter(|a| !a.is_empty()) {
        out(b" ");
        out(arg);
    }
    out(b"\n");

    // mountinfo: one line per mount. A big mount table does not fit:
    // read_whole says so (EFBIG) instead of truncating.
    let mut table = [0u8; 16384];
    match proc
        .open_self("mountinfo", OpenFlags::O_RDONLY)?
        .read_whole(&mut table)
    {
        Ok(text) => {
            let mounts = text.split(|&b| b == b'\n').filter(|l| !l.is_empty());
            let root = mounts
                .clone()
                .find(|l| l.split(|&b| b == b' ').nth(4) == Some(b"/"));
            let _ = write!(Stdout, "mountinfo: {} mounts", mounts.count());
            let fstype = root.and_then(|l| {
                let mut after = l.split(|&b| b == b' ').skip_while(|f| *f != b"-");
                after.nth(1)
            });
            out(b", / is ");
            out(fstype.unwrap_or(b"not mounted"));
            out(b"\n");
        }
        Err(e) if e.raw_os_error() == Some(errno::EFBIG) => {
            out(b"mountinfo: more than 16 KiB of mounts\n");
        }
        Err(e) => return Err(e),
    }

    let ostype = proc
        .open_root("sys/kernel/ostype", OpenFlags::O_RDONLY)?
        .read_whole(&mut buf)?;
    out(b"ostype: ");
    out(ostype);

    // Our fds: an init hands only these to its payload.
    let fds = proc.open_self("fd", OpenFlags::O_RDONLY | OpenFlags::O_DIRECTORY)?;
    let mut dirbuf = [0u8; 512];
    out(b"fds:");
    for entry in fds.read_dir(&mut dirbuf) {
        if let Some(fd) = entry?.number() {
            let _ = write!(Stdout, " {fd}");
        }
    }
    out(b"\n");
    drop(fds);

    let exe = proc.readlink(ProcBase::ProcSelf, "exe", &mut buf)?;
    out(b"exe: ");
    out(exe);
    out(b"\n");

    let (comm, closer) = proc.open_thread_self("comm", OpenFlags::O_WRONLY, &NoPin)?;
    comm.write_all(NEW_COMM)?;
    drop(comm);
    closer.close();
    let comm = proc
        .open_self("comm", OpenFlags::O_RDONLY)?
        .read_whole(&mut buf)?;
    out(b"comm: ");
    out(comm);
    if comm.strip_suffix(b"\n") != Some(NEW_COMM) {
        out(b"FAIL: comm was not set\n");
        rt::exit(1);
    }
    proc.close()
}

/// Called by `_start` (see rt.rs).
fn main() -> i32 {
    match run() {
        Ok(()) => {
            out(b"ok\n");
            0
        }
        Err(e) => {
            // e.g. "FAIL: openat2 beneath /proc/self: ENOENT (No such file or directory)"
            let _ = writeln!(Stdout, "FAIL: {e}");
            1
        }
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    out(b"FAIL: panic\n");
    rt::exit(101)
}
