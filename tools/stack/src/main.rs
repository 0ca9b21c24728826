//! Stack high-water mark of every public call of safe-procfs, in every
//! fallback mode. Each call runs on a fresh thread whose stack is a mapping
//! of ours, filled with a pattern; after the call, the lowest byte that no
//! longer holds the pattern tells how deep the call went below the thread
//! function's own frame. Each mode runs in a forked child (its seccomp
//! filter, or fault injection under qemu-user, cannot be undone).
//!
//! Usage: safe-procfs-stack [--limit-default BYTES --limit-fallback BYTES]
//! Prints a markdown table; exits 1 if a call exceeds its limit.

#![allow(clippy::result_large_err)]

#[path = "../../../tests/common/mod.rs"]
#[allow(unused_imports, unused_macros)]
mod common;

use common::{MODES, Mode, Msg};
use safe_procfs::{Handle, NoPin, OpenFlags, ProcBase, unmasked_proc_root};
use std::io::Write as _;

const STACK_SIZE: usize = 256 * 1024;
const PATTERN: u8 = 0xa5;
const RD: OpenFlags = OpenFlags::O_RDONLY;

/// One measured operation: a name and what it does (errors are fine: the
/// stack of the failing path counts too, but a failure is reported).
struct Call {
    name: &'static str,
    run: fn() -> Result<(), safe_procfs::Error>,
}

/// The default handle, opened once per mode before the calls that use it
/// (on the host /proc it is not cached: each open would acquire again).
static HANDLE: std::sync::OnceLock<Handle> = std::sync::OnceLock::new();

fn cached() -> Result<&'static Handle, safe_procfs::Error> {
    match HANDLE.get() {
        Some(h) => Ok(h),
        None => Handle::open(&[]).map(|h| HANDLE.get_or_init(|| h)),
    }
}

/// The caller's readlink buffer, kept off the measured stack.
static BUF: std::sync::Mutex<[u8; 256]> = std::sync::Mutex::new([0; 256]);

const CALLS: &[Call] = &[
    Call {
        name: "Handle::open (first: acquires)",
        run: || Handle::open(&[]).map(drop),
    },
    Call {
        name: "Handle::open (cached, or acquiring again)",
        run: || Handle::open(&[]).map(drop),
    },
    Call {
        name: "Handle::open(unmasked) + close",
        run: || Handle::open(&[unmasked_proc_root])?.close(),
    },
    Call {
        name: "open_self(status)",
        run: || cached()?.open_self("status", RD).map(drop),
    },
    Call {
        name: "open_self(exe, O_PATH) follow",
        run: || cached()?.open_self("exe", OpenFlags::O_PATH).map(drop),
    },
    Call {
        name: "open_pid(pid, status)",
        run: || {
            cached()?
                .open_pid(std::process::id(), "status", RD)
                .map(drop)
        },
    },
    Call {
        name: "open_thread_self(comm)",
        run: || {
            let (fd, closer) = cached()?.open_thread_self("comm", RD, &NoPin)?;
            drop(fd);
            closer.close();
            Ok(())
        },
    },
    Call {
        name: "open_root(uptime)",
        run: || cached()?.open_root("uptime", RD).map(drop),
    },
    Call {
        name: "open_root(self/status)",
        run: || cached()?.open_root("self/status", RD).map(drop),
    },
    Call {
        name: "readlink(self, exe)",
        run: || {
            let mut buf = BUF.lock().unwrap_or_else(|e| e.into_inner());
            cached()?
                .readlink(ProcBase::ProcSelf, "exe", &mut buf[..])
                .map(drop)
        },
    },
    Call {
        name: "readlink(thread-self, fd/0)",
        run: || {
            let mut buf = BUF.lock().unwrap_or_else(|e| e.into_inner());
            cached()?
                .readlink(ProcBase::ProcThreadSelf, "fd/0", &mut buf[..])
                .map(drop)
        },
    },
];

/// Runs `f` on a fresh thread with a pattern-filled stack of ours; returns
/// how many bytes below the thread function's frame were touched.
fn high_water(f: fn() -> Result<(), safe_procfs::Error>) -> (usize, bool) {
    struct Job {
        f: fn() -> Result<(), safe_procfs::Error>,
        entry: usize,
        ok: bool,
    }
    extern "C" fn start(arg: *mut libc::c_void) -> *mut libc::c_void {
        // SAFETY: `arg` is the live `Job` handed to pthread_create below.
        let job = unsafe { &mut *arg.cast::<Job>() };
        let marker = 0u8;
        job.entry = std::hint::black_box(&marker) as *const u8 as usize;
        job.ok = std::hint::black_box(job.f)().is_ok();
        std::ptr::null_mut()
    }
    // SAFETY: an anonymous private mapping of our own, unmapped below.
    let stack = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            STACK_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(stack, libc::MAP_FAILED, "mmap");
    // SAFETY: the mapping is STACK_SIZE writable bytes.
    unsafe { std::ptr::write_bytes(stack.cast::<u8>(), PATTERN, STACK_SIZE) };
    let mut job = Job {
        f,
        entry: 0,
        ok: false,
    };
    // SAFETY: attr initialised and destroyed here; the thread is joined
    // before the mapping and `job` go away.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        assert_eq!(libc::pthread_attr_init(&mut attr), 0);
        assert_eq!(libc::pthread_attr_setstack(&mut attr, stack, STACK_SIZE), 0);
        let mut thread: libc::pthread_t = std::mem::zeroed();
        let arg = (&mut job as *mut Job).cast();
        assert_eq!(libc::pthread_create(&mut thread, &attr, start, arg), 0);
        assert_eq!(libc::pthread_join(thread, std::ptr::null_mut()), 0);
        libc::pthread_attr_destroy(&mut attr);
    }
    let base = stack as usize;
    // SAFETY: reading our own mapping, which no thread uses any more.
    let bytes = unsafe { std::slice::from_raw_parts(stack.cast::<u8>(), STACK_SIZE) };
    let lowest = bytes
        .iter()
        .position(|&b| b != PATTERN)
        .unwrap_or(STACK_SIZE);
    // SAFETY: unmapping the mapping made above.
    unsafe { libc::munmap(stack, STACK_SIZE) };
    (job.entry.saturating_sub(base + lowest), job.ok)
}

/// Measures every call in `mode` (in a forked child) and returns one line
/// of `bytes` per call, `!` marking a call that failed.
fn measure_mode(mode: &Mode) -> Result<String, String> {
    common::in_child_report(|| {
        mode.enter()?;
        let mut out = Msg::new();
        for (i, call) in CALLS.iter().enumerate() {
            if i == 2 {
                // After the two Handle::open measurements: the handle the
                // other calls use.
                let _ = cached();
            }
            let (bytes, ok) = high_water(call.run);
            let _ = core::fmt::Write::write_fmt(
                &mut out,
                format_args!("{bytes}{}\n", if ok { "" } else { "!" }),
            );
        }
        Ok(out)
    })
}

fn arg_value(name: &str) -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1)?.parse().ok()
}

fn main() {
    let limit_default = arg_value("--limit-default");
    let limit_fallback = arg_value("--limit-fallback");
    common::under_qemu();
    let mut columns = Vec::new();
    for mode in MODES {
        match measure_mode(mode) {
            Ok(report) => columns.push(report.lines().map(str::to_owned).collect::<Vec<_>>()),
            Err(e) => {
                eprintln!("error: mode {}: {e}", mode.name);
                std::process::exit(1);
            }
        }
    }
    let mut table = String::from("| call | ");
    table += &MODES.iter().map(|m| m.name).collect::<Vec<_>>().join(" | ");
    table += " |\n|---|";
    table += &"---|".repeat(MODES.len());
    table.push('\n');
    let mut over = Vec::new();
    let mut failed = Vec::new();
    for (i, call) in CALLS.iter().enumerate() {
        table += &format!("| {} |", call.name);
        for (m, col) in columns.iter().enumerate() {
            let cell = col.get(i).map_or("?", String::as_str);
            table += &format!(" {cell} |");
            let bytes: usize = cell.trim_end_matches('!').parse().unwrap_or(usize::MAX);
            if cell.ends_with('!') {
                failed.push(format!("{} in mode {}", call.name, MODES[m].name));
            }
            let limit = if m == 0 {
                limit_default
            } else {
                limit_fallback
            };
            if let Some(limit) = limit
                && bytes > limit
            {
                over.push(format!(
                    "{} in mode {}: {bytes} B > {limit} B",
                    call.name, MODES[m].name
                ));
            }
        }
        table.push('\n');
    }
    let max_default = columns[0]
        .iter()
        .filter_map(|c| c.trim_end_matches('!').parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    let max_all = columns
        .iter()
        .flatten()
        .filter_map(|c| c.trim_end_matches('!').parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    let _ = writeln!(std::io::stdout(), "{table}");
    println!("max: default mode {max_default} B, any mode {max_all} B");
    for f in &failed {
        eprintln!("error: call failed: {f}");
    }
    for o in &over {
        eprintln!("error: over the limit: {o}");
    }
    if !failed.is_empty() || !over.is_empty() {
        std::process::exit(1);
    }
}
