//! Threads of a forked child agree that it was forked: when four threads of
//! a child make their first call at the same moment, none of them uses a
//! root checked only in the parent. In a child forked into a new pid
//! namespace, `open_pid(<parent's pid>, "status")` through the cached handle
//! or a handle of its own must never give the parent's `status` (that pid
//! does not exist there); in a plain forked child every thread gets its own
//! process's files, the cached root is kept (no new instance), and the
//! first call after the race costs what a warm call costs in the parent.
//!
//! The threads are raw `clone` threads on stacks mapped before the fork
//! (no allocation, no thread-local storage: the crate uses neither), made
//! by a child that is single-threaded.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{Handle, OpenFlags, unmasked_proc_root};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Instant;

const RD: OpenFlags = OpenFlags::O_RDONLY;
const THREADS: usize = 4;
const STACK: usize = 256 * 1024;
/// `comm` of the process that opens the handles.
const PARENT_NAME: &[u8] = b"fork-parent";

/// Forks into a new pid namespace, half of them with the cached handle,
/// half with a handle of the parent's own (about 10 s natively). The race
/// was won in 6 of 300 forks (2%) when the attack was reported; here, with
/// the protection taken away, it was won in 6-19 of the 500 cached-handle
/// forks (the checked generation read outside the sequence lock) and in
/// 13-19 cached and 8-14 own-handle forks (the old fork generation: the
/// sentinel re-armed before the generation was bumped). At 2%, 500 forks
/// all miss with probability 0.98^500 < 5e-5.
const PIDNS_FORKS: usize = 1000;
/// Plain forks.
const PLAIN_FORKS: usize = 300;

// What the threads of one child share (statics: a forked child has its
// own copy of each, as A left it).
static READY: AtomicU32 = AtomicU32::new(0);
static DONE: AtomicU32 = AtomicU32::new(0);
static RESULT: [AtomicU32; THREADS] = [const { AtomicU32::new(0) }; THREADS];

/// A thread's verdict.
const OK: u32 = 1;
/// It was handed the parent's `status`.
const PARENT_STATUS: u32 = 2;
/// Something else went wrong (an error where a file was due, a wrong file).
const OTHER: u32 = 3;

/// What a thread is asked to do.
struct Job<'h> {
    /// The handle to use; `None`: `Handle::open(&[])` (the cached one).
    handle: Option<&'h Handle>,
    parent_pid: u32,
    /// In the parent's pid namespace (a plain fork): the parent's pid is
    /// there, and `self` must be the child.
    same_ns: bool,
}

fn is_parent(f: &safe_procfs::OwnedFd) -> bool {
    let mut buf = [0u8; 4096];
    let n = read_all(f, &mut buf).unwrap_or(0);
    buf[..n]
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"Name:"))
        .is_some_and(|l| l[5..].trim_ascii() == PARENT_NAME)
}

/// One thread: waits for the others, then its first call.
fn thread_body(job: &Job<'_>) -> u32 {
    READY.fetch_add(1, SeqCst);
    while READY.load(SeqCst) < THREADS as u32 {
        std::hint::spin_loop();
    }
    let cached;
    let h = match job.handle {
        Some(h) => h,
        None => match Handle::open(&[]) {
            Ok(h) => {
                cached = h;
                &cached
            }
            Err(_) => return OTHER,
        },
    };
    let parent = h.open_pid(job.parent_pid, "status", RD);
    if job.same_ns {
        let ours = match h.open_self("status", RD) {
            Ok(f) => {
                let mut buf = [0u8; 4096];
                let n = read_all(&f, &mut buf).unwrap_or(0);
                status_pid(&buf[..n]) == Some(getpid())
            }
            Err(_) => false,
        };
        return match parent {
            Ok(f) if ours && is_parent(&f) => OK,
            _ => OTHER,
        };
    }
    match parent {
        Ok(f) if is_parent(&f) => PARENT_STATUS,
        Ok(_) => OTHER,
        Err(_) => OK,
    }
}

extern "C" fn thread_entry(arg: *mut libc::c_void) -> libc::c_int {
    let (job, slot) = {
        // SAFETY: `arg` points at a live (job, index) pair of the spawning
        // child, which waits for DONE before it leaves.
        let pair = unsafe { &*(arg as *const (&Job<'_>, usize)) };
        (pair.0, pair.1)
    };
    RESULT[slot].store(thread_body(job), SeqCst);
    DONE.fetch_add(1, SeqCst);
    0
}

/// In the child: starts the raw threads on `stacks`, waits for them, and
/// returns their verdicts.
fn run_threads(job: &Job<'_>, stacks: &[*mut u8; THREADS]) -> [u32; THREADS] {
    let args: [(&Job<'_>, usize); THREADS] = std::array::from_fn(|i| (job, i));
    let flags = libc::CLONE_VM
        | libc::CLONE_FS
        | libc::CLONE_FILES
        | libc::CLONE_SIGHAND
        | libc::CLONE_THREAD
        | libc::CLONE_SYSVSEM;
    let mut started = 0;
    for (i, arg) in args.iter().enumerate() {
        // SAFETY: a thread sharing our memory on a stack of its own (mapped
        // before the fork, copied into this process); it touches only
        // atomics, the crate and stack buffers, and we wait for it below.
        let tid = unsafe {
            libc::clone(
                thread_entry,
                stacks[i].add(STACK).cast(),
                flags,
                arg as *const (&Job<'_>, usize) as *mut libc::c_void,
            )
        };
        if tid > 0 {
            started += 1;
        }
    }
    if started < THREADS {
        return [OTHER; THREADS];
    }
    while DONE.load(SeqCst) < THREADS as u32 {
        // SAFETY: sched_yield has no preconditions.
        unsafe { libc::sched_yield() };
    }
    std::array::from_fn(|i| RESULT[i].load(SeqCst))
}

/// A fork-like `clone`, into a new pid namespace if `new_pid_ns`.
fn fork_into(new_pid_ns: bool) -> i32 {
    let flags = libc::SIGCHLD | if new_pid_ns { libc::CLONE_NEWPID } else { 0 };
    // SAFETY: a fork-like clone (no new stack, no shared memory) of a
    // single-threaded process.
    unsafe {
        libc::syscall(
            libc::SYS_clone,
            flags as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        ) as i32
    }
}

/// Fixed-size stacks for the threads of every child, mapped once.
fn map_stacks() -> Result<[*mut u8; THREADS], Msg> {
    let mut stacks = [std::ptr::null_mut(); THREADS];
    for s in &mut stacks {
        // SAFETY: a new anonymous private mapping.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                STACK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        ensure!(p != libc::MAP_FAILED, "mmap: errno {}", errno());
        *s = p.cast();
    }
    Ok(stacks)
}

/// The child's exit code from its threads' verdicts: 0 all good, 1 one got
/// the parent's status, 2 something else.
fn exit_code(results: &[u32; THREADS]) -> i32 {
    if results.contains(&PARENT_STATUS) {
        1
    } else if results.iter().all(|&r| r == OK) {
        0
    } else {
        2
    }
}

/// The pid-namespace race: `PIDNS_FORKS` children, alternately with the
/// cached handle and with a shared handle of the parent's own.
fn pidns_race() -> Result<Msg, Msg> {
    set_name(PARENT_NAME);
    let cached = try_ok!(Handle::open(&[]), "Handle::open");
    let own = try_ok!(
        Handle::open(&[unmasked_proc_root]),
        "Handle::open(unmasked)"
    );
    let parent_pid = getpid();
    for h in [&cached, &own] {
        let f = try_ok!(
            h.open_pid(parent_pid, "status", RD),
            "open_pid in the parent"
        );
        ensure!(is_parent(&f), "not the parent's status");
    }
    let stacks = map_stacks()?;
    let start = Instant::now();
    let (mut parent_status, mut other) = ([0usize; 2], [0usize; 2]);
    for i in 0..PIDNS_FORKS {
        let job = Job {
            handle: if i % 2 == 0 { None } else { Some(&own) },
            parent_pid,
            same_ns: false,
        };
        let child = fork_into(true);
        ensure!(child >= 0, "clone(CLONE_NEWPID): errno {}", errno());
        if child == 0 {
            let code = exit_code(&run_threads(&job, &stacks));
            // SAFETY: leaving the child at once.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: reaping our own child.
        unsafe { libc::waitpid(child, &mut status, 0) };
        match (libc::WIFEXITED(status), libc::WEXITSTATUS(status)) {
            (true, 0) => {}
            (true, 1) => parent_status[i % 2] += 1,
            _ => other[i % 2] += 1,
        }
    }
    let secs = start.elapsed().as_secs_f64();
    ensure!(
        parent_status == [0, 0] && other == [0, 0],
        "of {PIDNS_FORKS} forks into a new pid namespace (cached, own handle): {parent_status:?} handed a thread the parent's status, {other:?} failed otherwise"
    );
    let mut m = Msg::new();
    let _ = core::fmt::Write::write_fmt(
        &mut m,
        format_args!("{PIDNS_FORKS} forks, 0 of them wrong, {secs:.1} s"),
    );
    Ok(m)
}

#[test]
#[cfg_attr(
    target_arch = "aarch64",
    ignore = "raw clone threads of this harness fail every call on aarch64 (VM, 6.12): not yet understood"
)]
fn threads_of_a_child_in_a_new_pid_namespace_never_use_the_parents_procfs() {
    if !require_root("threads_of_a_child_in_a_new_pid_namespace_never_use_the_parents_procfs") {
        return;
    }
    let report = in_child_report(pidns_race).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{report}");
}

/// Syscalls of one warm `open_self("status")` (0 without fault injection,
/// which counts them).
fn syscalls_of_open_self(h: &Handle) -> Result<usize, Msg> {
    #[cfg(feature = "__fault_injection")]
    {
        use safe_procfs::__fault_injection as fault;
        fault::fail_nth(usize::MAX - 2, libc::EIO);
        let f = h.open_self("status", RD);
        let n = fault::counted();
        fault::disarm();
        try_ok!(f, "open_self");
        Ok(n)
    }
    #[cfg(not(feature = "__fault_injection"))]
    {
        try_ok!(h.open_self("status", RD), "open_self");
        Ok(0)
    }
}

/// Plain forks: the threads' first calls give the child's own files and
/// keep the cached root; the generation is settled after them.
fn plain_race() -> Result<(), Msg> {
    set_name(PARENT_NAME);
    let cached = try_ok!(Handle::open(&[]), "Handle::open");
    ensure!(cached.is_cached(), "no cached handle");
    let warm = syscalls_of_open_self(&cached)?;
    let roots = procfs_root_fds();
    let parent_pid = getpid();
    let stacks = map_stacks()?;
    for _ in 0..PLAIN_FORKS {
        let job = Job {
            handle: None,
            parent_pid,
            same_ns: true,
        };
        let child = fork_into(false);
        ensure!(child >= 0, "fork: errno {}", errno());
        if child == 0 {
            let mut code = exit_code(&run_threads(&job, &stacks));
            // No new instance in the same pid namespace, and the next call
            // is as warm as in the parent (no check left to make).
            if code == 0 && procfs_root_fds() != roots {
                code = 3;
            }
            if code == 0 && syscalls_of_open_self(&cached).ok() != Some(warm) {
                code = 4;
            }
            // SAFETY: leaving the child at once.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: reaping our own child.
        unsafe { libc::waitpid(child, &mut status, 0) };
        ensure!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "a plain forked child failed with wait status {status:#x} (exit 2: a thread got a wrong file or an error; 3: a new procfs instance; 4: the call after the race was not warm)"
        );
    }
    Ok(())
}

#[test]
#[cfg_attr(
    target_arch = "aarch64",
    ignore = "raw clone threads of this harness fail every call on aarch64 (VM, 6.12): not yet understood"
)]
fn threads_of_a_plain_forked_child_agree_on_its_generation() {
    if !require_root("threads_of_a_plain_forked_child_agree_on_its_generation") {
        return;
    }
    in_child(plain_race).unwrap_or_else(|e| panic!("{e}"));
}
