//! A root is used only in the pid namespace it belongs to, whatever the
//! pid numbers say. After `unshare(CLONE_NEWPID)` + `fork`, a grandchild
//! made with `clone3` and `set_tid = [X, X]` has the pid X both in the new
//! namespace and in its parent's, so a pid number compared against `self`
//! cannot tell the two procfs apart. Through every kind of root opened
//! (and checked) before the fork — the cached handle, a handle of its own
//! (unmasked), a caller's adopted `/proc` fd — that grandchild must get
//! its own namespace's files or an error: `self/status` with a one-field
//! `NSpid:` line, no `status` of its grandparent by the grandparent's pid,
//! and its parent's `status` (not the host's pid 1) through a pidfd.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{
    BorrowedFd, ErrorKind, Handle, OpenFlags, OwnedFd, pidfd_open, unmasked_proc_root,
};

const RD: OpenFlags = OpenFlags::O_RDONLY;

/// `comm` of the process that opens the handles (the grandparent).
const PARENT_NAME: &[u8] = b"pidns-parent";
/// `comm` of pid 1 of the new namespace.
const REAPER_NAME: &[u8] = b"pidns-reaper";
/// `comm` of the grandchild with the same pid in both namespaces.
const CHILD_NAME: &[u8] = b"pidns-child";

/// The value of the `key` line of a `status` text (trimmed), if any.
fn status_value<'a>(text: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let line = text.split(|&b| b == b'\n').find(|l| l.starts_with(key))?;
    Some(line[key.len()..].trim_ascii())
}

/// Reads a `status` file into `buf`.
fn read_status<'b>(f: &OwnedFd, buf: &'b mut [u8; 4096]) -> Result<&'b [u8], Msg> {
    let n = try_ok!(read_all(f, buf), "read status");
    Ok(&buf[..n])
}

/// `clone3` without a new stack (fork-like), the child's pid set to `x` in
/// the innermost pid namespace and in its parent's. The child sees 0.
fn clone3_same_pid(x: i32) -> Result<i32, i32> {
    #[repr(C)]
    struct CloneArgs {
        flags: u64,
        pidfd: u64,
        child_tid: u64,
        parent_tid: u64,
        exit_signal: u64,
        stack: u64,
        stack_size: u64,
        tls: u64,
        set_tid: u64,
        set_tid_size: u64,
        cgroup: u64,
    }
    let tids: [libc::pid_t; 2] = [x, x];
    let args = CloneArgs {
        flags: 0,
        pidfd: 0,
        child_tid: 0,
        parent_tid: 0,
        exit_signal: libc::SIGCHLD as u64,
        stack: 0,
        stack_size: 0,
        tls: 0,
        set_tid: tids.as_ptr() as u64,
        set_tid_size: 2,
        cgroup: 0,
    };
    // SAFETY: a fork-like clone3 (no CLONE_VM, no new stack) with a live
    // argument struct of the size given; the caller is single-threaded.
    let r = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &args as *const CloneArgs,
            core::mem::size_of::<CloneArgs>(),
        )
    };
    if r < 0 { Err(errno()) } else { Ok(r as i32) }
}

/// The handles opened in the grandparent, and its pid there.
struct Roots<'h> {
    list: [(&'static str, &'h Handle); 3],
    parent_pid: u32,
    /// `pid_max` in the grandparent's namespace.
    pid_max: i32,
    /// Whether a private procfs instance can be made (the default handle
    /// must then work in the new namespace, not merely fail).
    private: bool,
}

/// In the grandchild (pid X in both namespaces): every root gives files of
/// the new namespace, or an error.
fn grandchild_checks(roots: &Roots<'_>, x: u32) -> Result<(), Msg> {
    set_name(CHILD_NAME);
    // SAFETY: getpid/getppid have no preconditions.
    let (pid, ppid) = unsafe { (libc::getpid(), libc::getppid()) };
    ensure!(pid as u32 == x, "the grandchild's pid is {pid}, not {x}");
    ensure!(ppid == 1, "the grandchild's parent is {ppid}, not pid 1");
    let reaper = try_ok!(pidfd_open(1), "pidfd_open(1)");
    let mut failures = Msg::new();
    for (name, h) in roots.list {
        if let Err(m) = root_checks(name, h, roots, x, reaper.as_fd()) {
            let _ = core::fmt::Write::write_fmt(&mut failures, format_args!("{m}"));
        }
    }
    ensure!(failures.is_empty(), "{failures}");
    Ok(())
}

/// Which error a root may give in the grandchild instead of a file of
/// the new namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OnError {
    /// None: the call must work.
    Never,
    /// Any error.
    Any,
    /// A safety violation only: the root is not ours.
    SafetyViolation,
}

/// The verdict by root, and by whether a private procfs instance can be
/// made in the mode.
const EXPECTED: &[(&str, bool, OnError)] = &[
    // The cached handle is made again: a private instance of the new
    // namespace, or, where none can be made, an error.
    ("default", true, OnError::Never),
    ("default", false, OnError::Any),
    // A handle of its own and an adopted fd are roots of the old
    // namespace's procfs: refused as not ours.
    ("own", true, OnError::SafetyViolation),
    ("own", false, OnError::SafetyViolation),
    ("adopted", true, OnError::SafetyViolation),
    ("adopted", false, OnError::SafetyViolation),
];

/// The three checks of [`grandchild_checks`] on one root, each run (the
/// failures of all are reported).
fn root_checks(
    name: &str,
    h: &Handle,
    roots: &Roots<'_>,
    x: u32,
    reaper: BorrowedFd<'_>,
) -> Result<(), Msg> {
    let Some(&(_, _, on_error)) = EXPECTED
        .iter()
        .find(|(root, private, _)| (*root, *private) == (name, roots.private))
    else {
        fail!("no expected outcome for {name}");
    };
    let refused = |e: safe_procfs::Error| -> Result<(), Msg> {
        match on_error {
            OnError::Never => fail!("failed: {e}"),
            OnError::Any => Ok(()),
            OnError::SafetyViolation => {
                ensure!(
                    e.kind() == ErrorKind::SafetyViolation,
                    "not a safety violation: {e}"
                );
                Ok(())
            }
        }
    };
    let mut buf = [0u8; 4096];
    // (a) our own status: of the new namespace's procfs (NSpid: X), never
    // of the parent's (NSpid: X X).
    let a = match h.open_self("status", RD) {
        Ok(f) => (|| {
            let text = read_status(&f, &mut buf)?;
            let nspid = status_value(text, b"NSpid:").unwrap_or(b"?");
            ensure!(
                nspid.split(|b| b.is_ascii_whitespace()).count() == 1,
                "of the parent's pid namespace: NSpid {:?}",
                core::str::from_utf8(nspid)
            );
            ensure!(status_pid(text) == Some(x), "not ours");
            Ok(())
        })(),
        Err(e) => refused(e),
    };
    // (b) the grandparent's pid does not exist in the new namespace.
    let b = match h.open_pid(roots.parent_pid, "status", RD) {
        Ok(f) => (|| {
            let text = read_status(&f, &mut buf)?;
            let who = status_value(text, b"Name:").unwrap_or(b"?");
            fail!("gave {:?}", core::str::from_utf8(who))
        })(),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(()),
        Err(e) => refused(e),
    };
    // (c) our parent by pidfd: pid 1 of the new namespace, not the host's.
    let c = match h.open_pidfd(reaper, "status", RD) {
        Ok(f) => (|| {
            let text = read_status(&f, &mut buf)?;
            let who = status_value(text, b"Name:").unwrap_or(b"?");
            ensure!(who == REAPER_NAME, "gave {:?}", core::str::from_utf8(who));
            Ok(())
        })(),
        Err(e) => refused(e),
    };
    let mut m = Msg::new();
    for (what, r) in [
        ("open_self(status)", a),
        ("open_pid(grandparent, status)", b),
        ("open_pidfd(our parent, status)", c),
    ] {
        if let Err(e) = r {
            let _ = core::fmt::Write::write_fmt(&mut m, format_args!("{name}: {what} {e}; "));
        }
    }
    ensure!(m.is_empty(), "{m}");
    Ok(())
}

/// `/proc/sys/kernel/pid_max` as this process sees it.
fn read_pid_max() -> i32 {
    let fd = open_unfaked(
        &cpath!("/proc/sys/kernel/pid_max"),
        libc::O_RDONLY | libc::O_CLOEXEC,
    );
    let mut buf = [0u8; 16];
    // SAFETY: reading into a live buffer; closing our fd.
    let n = unsafe {
        let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
        libc::close(fd);
        n
    };
    core::str::from_utf8(&buf[..n.max(0) as usize])
        .ok()
        .and_then(|s| s.trim().parse::<i32>().ok())
        .unwrap_or(32768)
}

/// In pid 1 of the new namespace: makes the grandchild with a pid free in
/// both namespaces and relays its verdict.
fn reaper(roots: &Roots<'_>, report: &ReportPipe) -> Result<(), Msg> {
    set_name(REAPER_NAME);
    // SAFETY: getpid has no preconditions.
    ensure!(
        unsafe { libc::getpid() } == 1,
        "not pid 1 of a new namespace"
    );
    // pid_max is per pid namespace (Linux 6.14+): below both.
    let pid_max = read_pid_max().min(roots.pid_max);
    // A high pid, below pid_max, not taken in the parent's namespace (the
    // new one has only pid 1): clone3 says EEXIST if it is, then the next.
    // SAFETY: getppid has no preconditions.
    let seed = unsafe { libc::getppid() };
    for i in 0..200 {
        let x =
            pid_max - 1 - (seed.wrapping_mul(7919).wrapping_add(i * 101)).rem_euclid(pid_max / 4);
        match clone3_same_pid(x) {
            Ok(0) => report.exit_with(grandchild_checks(roots, x as u32).map(|()| Msg::new())),
            Ok(child) => {
                let mut status = 0;
                // SAFETY: reaping our own child.
                unsafe { libc::waitpid(child, &mut status, 0) };
                ensure!(
                    libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
                    " (in the grandchild, pid {x} in both namespaces)"
                );
                return Ok(());
            }
            Err(libc::EEXIST) => continue,
            Err(e) => fail!("clone3(set_tid = [{x}, {x}]): errno {e}"),
        }
    }
    fail!("no pid free in both namespaces after 200 tries")
}

/// One mode: the grandparent opens and uses the three roots, moves its
/// children to a new pid namespace and lets the grandchild use them.
fn identity_case(mode: &Mode) -> Result<(), Msg> {
    set_name(PARENT_NAME);
    mode.enter()?;
    let default = try_ok!(Handle::open(&[]), "Handle::open");
    let own = try_ok!(
        Handle::open(&[unmasked_proc_root]),
        "Handle::open(unmasked)"
    );
    let proc_fd = open_unfaked(
        &cpath!("/proc"),
        libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
    );
    ensure!(proc_fd >= 0, "open /proc: errno {}", errno());
    // SAFETY: a fresh fd of ours, handed over.
    let adopted = try_ok!(
        Handle::from_fd(unsafe { OwnedFd::from_raw_fd(proc_fd) }),
        "Handle::from_fd(/proc)"
    );
    let roots = Roots {
        list: [("default", &default), ("own", &own), ("adopted", &adopted)],
        parent_pid: getpid(),
        pid_max: read_pid_max(),
        private: mode.expected_kind(under_qemu()) == safe_procfs::HandleKind::PrivateInstance,
    };
    // Each root is used, so checked, in this process first.
    let mut buf = [0u8; 4096];
    for (name, h) in roots.list {
        let f = try_ok!(h.open_self("status", RD), "{name}: open_self in the parent");
        let text = read_status(&f, &mut buf)?;
        ensure!(
            status_value(text, b"Name:") == Some(PARENT_NAME),
            "{name}: not the parent's status"
        );
    }
    // The reaper and the grandchild both report through this pipe.
    let report = ReportPipe::new()?;
    new_pid_namespace()?;
    // SAFETY: the child uses the crate and fixed-size buffers only, and _exits.
    let child = unsafe { libc::fork() };
    ensure!(child >= 0, "fork: errno {}", errno());
    if child == 0 {
        report.close_read();
        let r = reaper(&roots, &report);
        report.exit_with(r.map(|()| Msg::new()));
    }
    report.collect(child).map(drop)
}

/// One mode, in a forked child.
fn run(test: &str, mode: &Mode) {
    if !require_root(test) {
        return;
    }
    under_qemu();
    in_child(|| identity_case(mode)).unwrap_or_else(|e| panic!("{}: {e}", mode.name));
}

#[test]
fn same_pid_in_a_new_namespace_private() {
    run("same_pid_in_a_new_namespace_private", &MODE_PRIVATE);
}

#[test]
fn same_pid_in_a_new_namespace_private_no_openat2_statx() {
    run(
        "same_pid_in_a_new_namespace_private_no_openat2_statx",
        &MODE_PRIVATE_NO_OPENAT2_STATX,
    );
}

#[test]
fn same_pid_in_a_new_namespace_detached() {
    run("same_pid_in_a_new_namespace_detached", &MODE_DETACHED);
}

#[test]
fn same_pid_in_a_new_namespace_host() {
    run("same_pid_in_a_new_namespace_host", &MODE_HOST);
}

/// The identity check reads our `NSpid:` line past a `Groups:` line of
/// any length: a process in 65536 supplementary groups (about 380 KiB of
/// `status` before `NSpid:`) keeps its handles after a fork, cached and new.
#[test]
fn the_namespace_check_reads_past_a_groups_line_of_any_length() {
    if !require_root("the_namespace_check_reads_past_a_groups_line_of_any_length") {
        return;
    }
    let cached = Handle::open(&[]).unwrap();
    cached.open_self("status", RD).unwrap();
    let root_dev = root_dev_of(&cached);
    let r = in_child(|| {
        let groups: [libc::gid_t; 65536] = core::array::from_fn(|i| i as libc::gid_t);
        // SAFETY: a valid array of that many gids.
        let rc = unsafe { libc::setgroups(groups.len(), groups.as_ptr()) };
        ensure!(rc == 0, "setgroups of 65536 groups");
        let mut buf = [0u8; 4096];
        let status = try_ok!(
            cached.open_self("status", RD),
            "cached handle after the fork"
        );
        let mut lines = safe_procfs::LineReader::new(&status, &mut buf);
        let long = loop {
            match lines.next_line() {
                Err(e) if e.raw_os_error() == Some(libc::ERANGE) => break true,
                Ok(Some(_)) => {}
                _ => break false,
            }
        };
        ensure!(long, "the Groups line is not longer than 4 KiB");
        // A check that failed would be hidden by a new instance.
        ensure!(
            root_dev_of(&cached) == root_dev,
            "the cached root was given up after the fork"
        );
        try_ok!(
            Handle::open(&[]).and_then(|h| h.open_self("status", RD)),
            "a new handle"
        );
        Ok(())
    });
    r.unwrap();
}

/// The device of a handle's root: a new procfs instance has a new one.
fn root_dev_of(h: &Handle) -> u64 {
    let root = h
        .open_root(".", OpenFlags::O_PATH | OpenFlags::O_DIRECTORY)
        .unwrap();
    fd_stat(root.as_raw_fd()).0
}
