//! A freestanding init: no libc, no allocator, its own `_start`, statically
//! linked. Before "starting its payload" it reads its own status, command
//! line and mount table and the kernel's ostype, lists its fds, resolves
//! its executable and names its thread, all through safe-procfs, and
//! reports each step on stdout. Any failure exits with status 1. No
//! hand-written syscall and no `unsafe` touches /proc: the only `unsafe`
//! is borrowing fd 1 for output, and the runtime in rt.rs.
//!
//! Booted as PID 1 of a machine (scripts/vm.sh), with nothing mounted, it
//! reads the kernel's release and command line through `ProcRoot` and its
//! own mountinfo line by line instead, prefixes every line with `pid1: `
//! and powers the machine off with `reboot(2)` instead of exiting (PID 1
//! exiting panics the kernel).
#![no_std]
#![no_main]

use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use safe_procfs::{Handle, HandleKind, NoPin, OpenFlags, OwnedFd, ProcBase, errno};

mod rt;

const NEW_COMM: &[u8] = b"safe-init";

/// Whether we are PID 1 (set once at start).
static PID1: AtomicBool = AtomicBool::new(false);
/// Whether the next byte written starts a line.
static LINE_START: AtomicBool = AtomicBool::new(true);

fn write_raw(bytes: &[u8]) {
    // SAFETY: fd 1 is our stdout; we give it back with into_raw_fd so it is
    // never closed.
    let stdout = unsafe { OwnedFd::from_raw_fd(1) };
    let _ = stdout.write_all(bytes);
    let _ = stdout.into_raw_fd();
}

/// Writes to stdout; as PID 1, every line starts with `pid1: ` so that the
/// VM harness can tell our lines from the kernel's on the console.
fn out(bytes: &[u8]) {
    if !PID1.load(Relaxed) {
        return write_raw(bytes);
    }
    for part in bytes.split_inclusive(|&b| b == b'\n') {
        if LINE_START.load(Relaxed) && !part.is_empty() {
            write_raw(b"pid1: ");
        }
        write_raw(part);
        LINE_START.store(part.ends_with(b"\n"), Relaxed);
    }
}

/// Writes `n` in decimal (no `core::fmt`: its machinery alone would be a
/// third of this binary).
fn out_u64(mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    out(&digits[i..]);
}

/// An error as "step: errno N": the step names the failing syscall or rule.
/// (`Display` says more, with the errno's name and text, at the price of
/// `core::fmt` and the tables.)
fn out_error(e: &safe_procfs::Error) {
    out(e.step().as_bytes());
    out(b": errno ");
    out_u64(u64::from(e.raw_os_error().unwrap_or(0).unsigned_abs()));
}

fn line_starting<'t>(text: &'t [u8], key: &[u8]) -> &'t [u8] {
    text.split(|&b| b == b'\n')
        .find(|l| l.starts_with(key))
        .unwrap_or(b"")
}

/// Reads the whole of `path` under `base` (`/proc` or `/proc/self`) into
/// `buf`. (One copy for every read: this binary counts its bytes.)
#[inline(never)]
fn read<'b>(
    proc: &Handle,
    base: ProcBase,
    path: &str,
    buf: &'b mut [u8],
) -> Result<&'b [u8], safe_procfs::Error> {
    let file = match base {
        ProcBase::ProcRoot => proc.open_root(path, OpenFlags::O_RDONLY)?,
        _ => proc.open_self(path, OpenFlags::O_RDONLY)?,
    };
    file.read_whole(buf)
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
    let status = read(&proc, ProcBase::ProcSelf, "status", &mut buf)?;
    out(b"status: ");
    out(line_starting(status, b"Pid:"));
    out(b"\n");

    if !PID1.load(Relaxed) {
        // cmdline: NUL-separated arguments.
        let cmdline = read(&proc, ProcBase::ProcSelf, "cmdline", &mut buf)?;
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
        match read(&proc, ProcBase::ProcSelf, "mountinfo", &mut table) {
            Ok(text) => {
                let mounts = text.split(|&b| b == b'\n').filter(|l| !l.is_empty());
                let root = mounts
                    .clone()
                    .find(|l| l.split(|&b| b == b' ').nth(4) == Some(b"/"));
                out(b"mountinfo: ");
                out_u64(mounts.count() as u64);
                out(b" mounts");
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
    }

    let ostype = read(&proc, ProcBase::ProcRoot, "sys/kernel/ostype", &mut buf)?;
    out(b"ostype: ");
    out(ostype);

    if PID1.load(Relaxed) {
        let release = read(&proc, ProcBase::ProcRoot, "sys/kernel/osrelease", &mut buf)?;
        out(b"osrelease: ");
        out(release);

        // The kernel command line, through ProcRoot.
        let cmdline = read(&proc, ProcBase::ProcRoot, "cmdline", &mut buf)?;
        out(b"cmdline: ");
        out(cmdline.strip_suffix(b"\n").unwrap_or(cmdline));
        out(b"\n");

        // Our mount table: with nothing mounted, only the initramfs root.
        let mountinfo = read(&proc, ProcBase::ProcSelf, "mountinfo", &mut buf)?;
        for line in mountinfo.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            out(b"mountinfo: ");
            out(line);
            out(b"\n");
        }
    } else {
        // Our fds: an init hands only these to its payload.
        let fds = proc.open_self("fd", OpenFlags::O_RDONLY | OpenFlags::O_DIRECTORY)?;
        let mut dirbuf = [0u8; 512];
        out(b"fds:");
        for entry in fds.read_dir(&mut dirbuf) {
            if let Some(fd) = entry?.number() {
                out(b" ");
                out_u64(u64::from(fd));
            }
        }
        out(b"\n");
        drop(fds);
    }

    let exe = proc.readlink(ProcBase::ProcSelf, "exe", &mut buf)?;
    out(b"exe: ");
    out(exe);
    out(b"\n");

    let (comm, closer) = proc.open_thread_self("comm", OpenFlags::O_WRONLY, &NoPin)?;
    comm.write_all(NEW_COMM)?;
    drop(comm);
    closer.close();
    let comm = read(&proc, ProcBase::ProcSelf, "comm", &mut buf)?;
    out(b"comm: ");
    out(comm);
    if comm.strip_suffix(b"\n") != Some(NEW_COMM) {
        out(b"FAIL: comm was not set\n");
        rt::exit(finish(1));
    }
    proc.close()
}

/// Called by `_start` (see rt.rs).
fn main() -> i32 {
    PID1.store(rt::getpid() == 1, Relaxed);
    let code = match run() {
        Ok(()) => {
            out(b"ok\n");
            0
        }
        Err(e) => {
            out(b"FAIL: ");
            out_error(&e);
            out(b"\n");
            1
        }
    };
    finish(code)
}

/// Exits, or as PID 1 powers the machine off.
fn finish(code: i32) -> i32 {
    if PID1.load(Relaxed) {
        out(b"power off\n");
        let err = rt::power_off();
        out(b"FAIL: reboot(POWER_OFF) returned\n");
        return err as i32;
    }
    code
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    out(b"FAIL: panic\n");
    rt::exit(finish(101))
}
