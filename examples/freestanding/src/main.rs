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
use safe_procfs::{
    Handle, HandleKind, LineReader, NoPin, OpenFlags, OwnedFd, ProcBase, ReadDir, errno,
};

mod rt;

const NEW_COMM: &[u8] = b"safe-init";

/// Whether we are PID 1 (set once at start).
static PID1: AtomicBool = AtomicBool::new(false);

fn write_raw(bytes: &[u8]) {
    // SAFETY: fd 1 is our stdout; we give it back with into_raw_fd so it is
    // never closed.
    let stdout = unsafe { OwnedFd::from_raw_fd(1) };
    let _ = stdout.write_all(bytes);
    let _ = stdout.into_raw_fd();
}

/// Starts a line of output with `label`; as PID 1 the line starts with
/// `pid1: ` first, so that the VM harness can tell our lines from the
/// kernel's on the console. The rest of the line is written with
/// `write_raw`, its end with [`end_line`].
fn begin_line(label: &[u8]) {
    if PID1.load(Relaxed) {
        write_raw(b"pid1: ");
    }
    write_raw(label);
}

fn end_line() {
    write_raw(b"\n");
}

/// One whole line: `label`, then `value` without its trailing newline.
#[inline(never)]
fn line(label: &[u8], value: &[u8]) {
    begin_line(label);
    write_raw(value.strip_suffix(b"\n").unwrap_or(value));
    end_line();
}

/// Writes `n` in decimal (no `core::fmt`: its machinery alone would be a
/// third of this binary).
fn write_u64(mut n: u64) {
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
    write_raw(&digits[i..]);
}

/// The parts of `text` between `sep` bytes. (One splitter for every use:
/// each closure of its own would be another copy of the code.)
fn parts(text: &[u8], sep: u8) -> impl Iterator<Item = &[u8]> + Clone {
    text.split(move |&b| b == sep)
}

fn line_starting<'t>(text: &'t [u8], key: &[u8]) -> &'t [u8] {
    parts(text, b'\n')
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
    let kind: &[u8] = match proc.kind() {
        HandleKind::PrivateInstance => b"private procfs instance",
        HandleKind::DetachedClone => b"detached clone of /proc",
        _ => b"host /proc",
    };
    line(b"handle: ", kind);

    let mut buf = [0u8; 4096];
    let status = read(&proc, ProcBase::ProcSelf, "status", &mut buf)?;
    line(b"status: ", line_starting(status, b"Pid:"));

    if !PID1.load(Relaxed) {
        // cmdline: NUL-separated arguments.
        let cmdline = read(&proc, ProcBase::ProcSelf, "cmdline", &mut buf)?;
        // (Under qemu-user the process is the emulator, its first argument.)
        begin_line(b"cmdline:");
        for arg in parts(cmdline, 0).filter(|a| !a.is_empty()) {
            write_raw(b" ");
            write_raw(arg);
        }
        end_line();

        // mountinfo: one line per mount, any number of them, read line by
        // line through `buf`. A line longer than `buf` (ERANGE) is still a
        // mount: counted, and the reader goes on with the next line.
        let file = proc.open_self("mountinfo", OpenFlags::O_RDONLY)?;
        let mut lines = LineReader::new(&file, &mut buf);
        let mut mounts = 0u64;
        loop {
            match lines.next_line() {
                // The file system of each mount on /: the field after
                // the first "-" (mount points and roots start with "/").
                Ok(Some(l)) => {
                    if let Some(b"/") = parts(l, b' ').nth(4) {
                        let mut dash = false;
                        for field in parts(l, b' ') {
                            if dash {
                                line(b"mountinfo: / is ", field);
                                break;
                            }
                            dash = field == b"-";
                        }
                    }
                }
                Ok(None) => break,
                Err(e) if e.raw_os_error() == Some(errno::ERANGE) => {}
                Err(e) => return Err(e),
            }
            mounts += 1;
        }
        drop(file);
        begin_line(b"mountinfo: ");
        write_u64(mounts);
        write_raw(b" mounts");
        end_line();
    }

    let ostype = read(&proc, ProcBase::ProcRoot, "sys/kernel/ostype", &mut buf)?;
    line(b"ostype: ", ostype);

    if PID1.load(Relaxed) {
        let release = read(&proc, ProcBase::ProcRoot, "sys/kernel/osrelease", &mut buf)?;
        line(b"osrelease: ", release);

        // The kernel command line, through ProcRoot.
        let cmdline = read(&proc, ProcBase::ProcRoot, "cmdline", &mut buf)?;
        line(b"cmdline: ", cmdline);

        // Our mount table: with nothing mounted, only the initramfs root.
        let file = proc.open_self("mountinfo", OpenFlags::O_RDONLY)?;
        let mut lines = LineReader::new(&file, &mut buf);
        while let Some(mount) = lines.next_line()? {
            line(b"mountinfo: ", mount);
        }
    } else {
        // Our fds: an init hands only these to its payload.
        let fds = proc.open_self("fd", OpenFlags::O_RDONLY | OpenFlags::O_DIRECTORY)?;
        let mut dirbuf = [0u8; 512];
        begin_line(b"fds:");
        for entry in ReadDir::new(&fds, &mut dirbuf) {
            if let Some(fd) = entry?.number() {
                write_raw(b" ");
                write_u64(u64::from(fd));
            }
        }
        end_line();
        drop(fds);
    }

    let exe = proc.readlink(ProcBase::ProcSelf, "exe", &mut buf)?;
    line(b"exe: ", exe);

    let (comm, closer) = proc.open_thread_self("comm", OpenFlags::O_WRONLY, &NoPin)?;
    comm.write_all(NEW_COMM)?;
    drop(comm);
    closer.close();
    let comm = read(&proc, ProcBase::ProcSelf, "comm", &mut buf)?;
    line(b"comm: ", comm);
    if comm.strip_suffix(b"\n") != Some(NEW_COMM) {
        line(b"FAIL: ", b"comm was not set");
        rt::exit(finish(1));
    }
    proc.close()
}

/// Called by `_start` (see rt.rs).
fn main() -> i32 {
    PID1.store(rt::getpid() == 1, Relaxed);
    let code = match run() {
        Ok(()) => {
            line(b"ok", b"");
            0
        }
        Err(e) => {
            // "FAIL: step: errno N": the step names the failing syscall or
            // rule. (`Display` says more, with the errno's name and text,
            // at the price of `core::fmt` and the tables.)
            begin_line(b"FAIL: ");
            write_raw(e.step().as_bytes());
            write_raw(b": errno ");
            write_u64(u64::from(e.raw_os_error().unwrap_or(0).unsigned_abs()));
            end_line();
            1
        }
    };
    finish(code)
}

/// Exits, or as PID 1 powers the machine off.
fn finish(code: i32) -> i32 {
    if PID1.load(Relaxed) {
        line(b"power off", b"");
        let err = rt::power_off();
        line(b"FAIL: ", b"reboot(POWER_OFF) returned");
        return err as i32;
    }
    code
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    line(b"FAIL: ", b"panic");
    rt::exit(finish(101))
}
