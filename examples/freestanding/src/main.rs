//! A freestanding init: no libc, no allocator, its own `_start`, statically
//! linked. Before "starting its payload" it reads its own status and the
//! kernel's ostype, resolves its executable and names its thread, all
//! through safe-procfs, and reports each step on stdout. Any failure exits
//! with status 1.
//!
//! Booted as PID 1 of a machine (scripts/vm.sh), with nothing mounted, it
//! also reads the kernel command line through `ProcRoot` and its own
//! mountinfo, prefixes every line with `pid1: ` and powers the machine off
//! with `reboot(2)` instead of exiting (PID 1 exiting panics the kernel).
#![no_std]
#![no_main]

use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use safe_procfs::{Handle, HandleKind, NoPin, OpenFlags, OwnedFd, ProcBase};

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

fn out_errno(e: safe_procfs::Error) {
    out(e.step().as_bytes());
    out(b": errno ");
    let mut digits = [0u8; 10];
    let mut n = e.raw_os_error().unwrap_or(0).unsigned_abs();
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

/// Reads `fd` to the end into `buf`; returns the filled part.
fn read_all<'b>(fd: &OwnedFd, buf: &'b mut [u8]) -> Result<&'b [u8], safe_procfs::Error> {
    let mut len = 0;
    while len < buf.len() {
        match fd.read(&mut buf[len..])? {
            0 => break,
            n => len += n,
        }
    }
    Ok(&buf[..len])
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
    let status = read_all(&proc.open_self("status", OpenFlags::O_RDONLY)?, &mut buf)?;
    out(b"status: ");
    out(line_starting(status, b"Pid:"));
    out(b"\n");

    let ostype = read_all(
        &proc.open_root("sys/kernel/ostype", OpenFlags::O_RDONLY)?,
        &mut buf,
    )?;
    out(b"ostype: ");
    out(ostype);

    if PID1.load(Relaxed) {
        let release = read_all(
            &proc.open_root("sys/kernel/osrelease", OpenFlags::O_RDONLY)?,
            &mut buf,
        )?;
        out(b"osrelease: ");
        out(release);

        // The kernel command line, through ProcRoot.
        let cmdline = read_all(&proc.open_root("cmdline", OpenFlags::O_RDONLY)?, &mut buf)?;
        out(b"cmdline: ");
        out(cmdline.strip_suffix(b"\n").unwrap_or(cmdline));
        out(b"\n");

        // Our mount table: with nothing mounted, only the initramfs root.
        let mountinfo = read_all(&proc.open_self("mountinfo", OpenFlags::O_RDONLY)?, &mut buf)?;
        for line in mountinfo.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            out(b"mountinfo: ");
            out(line);
            out(b"\n");
        }
    }

    let exe = proc.readlink(ProcBase::ProcSelf, "exe", &mut buf)?;
    out(b"exe: ");
    out(exe);
    out(b"\n");

    let (comm, closer) = proc.open_thread_self("comm", OpenFlags::O_WRONLY, &NoPin)?;
    comm.write_all(NEW_COMM)?;
    drop(comm);
    closer.close();
    let comm = read_all(&proc.open_self("comm", OpenFlags::O_RDONLY)?, &mut buf)?;
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
            out_errno(e);
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
