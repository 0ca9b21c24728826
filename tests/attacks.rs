//! An overmount of the test process's own /proc entries never gets the
//! attacker's object handed out: every operation gives the genuine procfs
//! object or a refusal (EXDEV / a safety violation). Which of the two is
//! fixed per handle kind (the table [`allowed`]): on the host /proc a
//! refusal; on a private or detached procfs, which the attack cannot
//! reach, the genuine object. Each attack runs in a private mount
//! namespace of a forked child, under every fallback mode (seccomp filters
//! natively, fault injection under qemu-user).

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use core::fmt::Write as _;
use safe_procfs::{
    Error, ErrorKind, Handle, HandleKind, NoPin, OpenFlags, OwnedFd, ProcBase, unmasked_proc_root,
};

const RD: OpenFlags = OpenFlags::O_RDONLY;
const SCRATCH: &str = "/tmp/safe-procfs-attacks";

/// What an attack's probe saw.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Outcome {
    Genuine,
    Refused,
}

/// What the child knows before the attack.
struct Ctx {
    pid: u32,
    /// An fd of ours to a scratch file, and that file's (dev, ino).
    test_fd: i32,
    test_id: (u64, u64),
    /// (dev, ino) of our executable as the kernel links it.
    exe_id: (u64, u64),
    /// core_pattern before the attack.
    core_pattern: heapless::Vec<u8, 256>,
}

/// Classifies an operation's result; `Err` if it handed out something else.
fn classify<T>(
    r: Result<T, Error>,
    what: &str,
    genuine: impl FnOnce(&T) -> bool,
) -> Result<Outcome, Msg> {
    match r {
        Ok(v) if genuine(&v) => Ok(Outcome::Genuine),
        Ok(_) => fail!("{what}: handed out the attacker's object"),
        Err(e)
            if e.raw_os_error() == Some(libc::EXDEV) || e.kind() == ErrorKind::SafetyViolation =>
        {
            Ok(Outcome::Refused)
        }
        Err(e) => fail!("{what}: unexpected error {e}"),
    }
}

fn content_is(fd: &OwnedFd, pred: impl FnOnce(&[u8]) -> bool) -> bool {
    let mut buf = [0u8; 8192];
    match read_all(fd, &mut buf) {
        Ok(n) => fs_magic(fd.as_raw_fd()) == PROC_SUPER_MAGIC && pred(&buf[..n]),
        Err(_) => false,
    }
}

fn is_our_status(fd: &OwnedFd, pid: u32) -> bool {
    content_is(fd, |t| status_pid(t) == Some(pid))
}

/// Combines outcomes of several operations of one probe: all must agree
/// except that a refusal is always allowed.
fn worst(outcomes: &[Outcome]) -> Outcome {
    if outcomes.contains(&Outcome::Refused) {
        Outcome::Refused
    } else {
        Outcome::Genuine
    }
}

fn probe_status(h: &Handle, c: &Ctx) -> Result<Outcome, Msg> {
    let a = classify(h.open_self("status", RD), "open_self status", |f| {
        is_our_status(f, c.pid)
    })?;
    let b = classify(h.open_pid(c.pid, "status", RD), "open_pid status", |f| {
        is_our_status(f, c.pid)
    })?;
    let d = classify(
        h.open_root("self/status", RD),
        "open_root self/status",
        |f| is_our_status(f, c.pid),
    )?;
    Ok(worst(&[a, b, d]))
}

fn probe_attr(h: &Handle, _c: &Ctx) -> Result<Outcome, Msg> {
    let on_proc = |f: &OwnedFd| fs_magic(f.as_raw_fd()) == PROC_SUPER_MAGIC;
    let a = classify(
        h.open_self("attr/current", RD),
        "open_self attr/current",
        on_proc,
    )?;
    let b = classify(
        h.open_self("attr/exec", OpenFlags::O_WRONLY | OpenFlags::O_NOFOLLOW),
        "attr/exec",
        on_proc,
    )?;
    Ok(worst(&[a, b]))
}

fn probe_fd(h: &Handle, c: &Ctx) -> Result<Outcome, Msg> {
    let path = cpath!("fd/{}", c.test_fd);
    let same = |f: &OwnedFd| {
        let (d, i, _) = fd_stat(f.as_raw_fd());
        (d, i) == c.test_id
    };
    let a = classify(h.open_self(path.as_str(), RD), "open_self fd/N", same)?;
    let mut buf = [0u8; 256];
    let want = cpath!("{SCRATCH}/ours");
    let b = classify(
        h.readlink(ProcBase::ProcSelf, path.as_str(), &mut buf),
        "readlink fd/N",
        |t| *t == want.as_str().as_bytes(),
    )?;
    Ok(worst(&[a, b]))
}

fn probe_net(h: &Handle, _c: &Ctx) -> Result<Outcome, Msg> {
    let dev = |f: &OwnedFd| content_is(f, |t| t.starts_with(b"Inter-"));
    let a = classify(h.open_root("net/dev", RD), "open_root net/dev", dev)?;
    // (On Linux 5.10 the masked handle's subset=pid hides self/net/*: the
    // crate looks it up on a temporary unmasked instance.)
    let b = classify(h.open_self("net/dev", RD), "open_self net/dev", dev)?;
    Ok(worst(&[a, b]))
}

fn probe_task(h: &Handle, c: &Ctx) -> Result<Outcome, Msg> {
    let a = classify(
        h.open_thread_self("status", RD, &NoPin)
            .map(|(f, _closer)| f),
        "open_thread_self status",
        |f| is_our_status(f, gettid()),
    )?;
    let path = cpath!("task/{}/status", gettid());
    let b = classify(
        h.open_self(path.as_str(), RD),
        "open_self task/tid/status",
        |f| is_our_status(f, c.pid),
    )?;
    Ok(worst(&[a, b]))
}

fn probe_fdinfo(h: &Handle, c: &Ctx) -> Result<Outcome, Msg> {
    let path = cpath!("fdinfo/{}", c.test_fd);
    classify(h.open_self(path.as_str(), RD), "open_self fdinfo/N", |f| {
        content_is(f, |t| t.starts_with(b"pos:"))
    })
}

fn probe_sys(h: &Handle, _c: &Ctx) -> Result<Outcome, Msg> {
    classify(
        h.open_root("sys/kernel/ostype", RD),
        "open_root sys/kernel/ostype",
        |f| content_is(f, |t| t == b"Linux\n"),
    )
}

fn probe_core_pattern(h: &Handle, c: &Ctx) -> Result<Outcome, Msg> {
    classify(
        h.open_root("sys/kernel/core_pattern", RD),
        "open_root core_pattern",
        |f| content_is(f, |t| t == c.core_pattern.as_slice()),
    )
}

fn probe_exe(h: &Handle, c: &Ctx) -> Result<Outcome, Msg> {
    let a = classify(
        h.open_self("exe", OpenFlags::O_PATH),
        "open_self exe",
        |f| {
            let (d, i, _) = fd_stat(f.as_raw_fd());
            (d, i) == c.exe_id
        },
    )?;
    let mut buf = [0u8; 512];
    let b = classify(
        h.readlink(ProcBase::ProcSelf, "exe", &mut buf),
        "readlink exe",
        |t| !t.ends_with(b"fake-exe"),
    )?;
    Ok(worst(&[a, b]))
}

fn probe_whole_proc(h: &Handle, c: &Ctx) -> Result<Outcome, Msg> {
    let a = probe_status(h, c)?;
    let b = classify(h.open_root("uptime", RD), "open_root uptime", |f| {
        content_is(f, |t| !t.is_empty())
    })?;
    Ok(worst(&[a, b]))
}

type Setup = fn(&Ctx) -> Result<(), Msg>;

/// What an attack does to /proc itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ProcFate {
    /// /proc stays; something is mounted beneath it.
    Kept,
    CoveredByTmpfs,
    Unmounted,
}

/// The outcomes a probe may have on a handle of `kind`, in a mode whose new
/// handles are of `mode_kind`, after an attack that left /proc as `fate`
/// says. The first row that matches is the verdict.
fn allowed(kind: HandleKind, mode_kind: HandleKind, fate: ProcFate) -> &'static [Outcome] {
    use HandleKind::*;
    use Outcome::*;
    use ProcFate::*;
    match (kind, mode_kind, fate) {
        // The host /proc is what the attack covered: a refusal.
        (HostMount, _, _) => &[Refused],
        // A cached private handle in a mode with nothing but the host
        // /proc: a call that needs a temporary unmasked procfs could only
        // have the host's, and is refused.
        (_, HostMount, _) => &[Genuine, Refused],
        // A private or detached procfs, which a mount on /proc cannot reach.
        (_, _, Kept) => &[Genuine],
        // /proc covered or gone: a call that needs a temporary unmasked
        // procfs has none to clone.
        (_, _, CoveredByTmpfs | Unmounted) => &[Genuine, Refused],
    }
}

/// Whether `Handle::open` may refuse (a safety violation) in a mode whose
/// new handles are of `mode_kind`, after an attack that left /proc as
/// `fate` says; `fresh`: the handle is acquired now, not the cached one.
fn open_may_be_refused(fresh: bool, mode_kind: HandleKind, fate: ProcFate) -> bool {
    use HandleKind::*;
    use ProcFate::*;
    match (fresh, mode_kind, fate) {
        // A new handle on the host /proc: its verification reads the
        // attacked entries.
        (true, HostMount, _) => true,
        // /proc itself covered or gone: nothing to clone, and no private
        // instance can be made in this mode.
        (_, DetachedClone | HostMount, CoveredByTmpfs | Unmounted) => true,
        // A private instance, or the cached handle: nothing refuses it.
        _ => false,
    }
}

/// Where the attack mounts something (checked in the mount table, so an
/// attack that silently did not happen fails the test), or "" for an
/// attack that unmounts /proc.
type Target = fn(&Ctx) -> CPath;
type Probe = fn(&Handle, &Ctx) -> Result<Outcome, Msg>;

/// Runs one attack under every mode and checks the verdicts.
fn run(name: &str, target: Target, setup: Setup, probe: Probe, fate: ProcFate) {
    if !require_root(name) {
        return;
    }
    std::fs::create_dir_all(SCRATCH).unwrap();
    let qemu = under_qemu();
    for mode in MODES {
        match in_child_report(|| attack_in_child(mode, qemu, target, setup, probe, fate)) {
            // The matrix of the closing note: `cargo test --test attacks -- --nocapture`.
            Ok(report) => {
                // One write, so that the harness's output cannot split the line.
                // Every outcome printed passed; a handed-out attacker's
                // file fails the test instead.
                let line = format!("MATRIX | {name} | {} |{report}\n", mode.name);
                let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            }
            Err(e) => panic!("attack '{name}', mode '{}': {e}", mode.name),
        }
    }
}

fn attack_in_child(
    mode: &Mode,
    qemu: bool,
    target: Target,
    setup: Setup,
    probe: Probe,
    fate: ProcFate,
) -> Result<Msg, Msg> {
    let mut report = Msg::new();
    // Warm the crate's caches first, as a long-running program would have.
    let cached = try_ok!(Handle::open(&[]), "warm-up Handle::open");
    try_ok!(cached.open_self("status", RD), "warm-up open_self");
    drop(cached);

    private_mount_ns()?;
    mount_tmpfs(&cpath!("{SCRATCH}"))?;
    write_file(&cpath!("{SCRATCH}/ours"), b"our file\n")?;
    write_file(&cpath!("{SCRATCH}/attacker"), b"Name:\tATTACKER\nPid:\t1\n")?;
    // SAFETY: opening a scratch file with a valid NUL-terminated path.
    let test_fd = unsafe {
        libc::open(
            cpath!("{SCRATCH}/ours").ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    };
    ensure!(test_fd >= 0, "open scratch file");
    let (d, i, _) = fd_stat(test_fd);
    let exe = try_ok!(
        Handle::open(&[]).and_then(|h| h.open_self("exe", OpenFlags::O_PATH)),
        "exe"
    );
    let (ed, ei, _) = fd_stat(exe.as_raw_fd());
    let mut core_pattern = heapless::Vec::new();
    let cp = try_ok!(
        Handle::open(&[]).and_then(|h| h.open_root("sys/kernel/core_pattern", RD)),
        "core_pattern"
    );
    let mut buf = [0u8; 256];
    let n = try_ok!(read_all(&cp, &mut buf), "read core_pattern");
    let _ = core_pattern.extend_from_slice(&buf[..n]);
    let ctx = Ctx {
        pid: getpid(),
        test_fd,
        test_id: (d, i),
        exe_id: (ed, ei),
        core_pattern,
    };

    let mountinfo = open_mountinfo();
    ensure!(mountinfo >= 0, "open mountinfo");
    let at = target(&ctx);
    ensure!(
        fate != ProcFate::Kept || mounted_at(mountinfo, at.as_str()).is_none(),
        "{} already mounted",
        at.as_str()
    );
    setup(&ctx)?;
    // The attack must really be in place.
    let top = mounted_at(mountinfo, at.as_str());
    match fate {
        ProcFate::Unmounted => ensure!(top.is_none(), "/proc is still mounted"),
        ProcFate::CoveredByTmpfs => ensure!(
            top.as_deref() == Some("tmpfs"),
            "/proc is not covered by tmpfs"
        ),
        ProcFate::Kept => ensure!(
            top.is_some(),
            "nothing mounted on {}: the attack did not happen",
            at.as_str()
        ),
    }
    mode.enter()?;

    let expected_kind = mode.expected_kind(qemu);
    let unmasked: &[safe_procfs::OpenOption] = &[unmasked_proc_root];
    for (label, opts) in [("cached", &[][..]), ("unmasked", unmasked)] {
        let h = match Handle::open(opts) {
            Ok(h) => h,
            Err(e) => {
                // Natively the "cached" handle is the cached private one;
                // under qemu-user nothing is cached, so it is acquired anew.
                let fresh = label == "unmasked" || qemu;
                ensure!(
                    open_may_be_refused(fresh, expected_kind, fate),
                    "{label} Handle::open failed: {e}"
                );
                ensure!(
                    e.kind() == ErrorKind::SafetyViolation,
                    "{label} Handle::open: {e}"
                );
                let _ = write!(
                    report,
                    " {label}: Handle::open refused ({}) (good: no trustworthy procfs, none used) |",
                    e.step()
                );
                continue;
            }
        };
        if label == "unmasked" {
            ensure!(
                h.kind() == expected_kind,
                "unmasked handle is {:?}, expected {:?}",
                h.kind(),
                expected_kind
            );
        }
        let outcome = probe(&h, &ctx)?;
        ensure!(
            allowed(h.kind(), expected_kind, fate).contains(&outcome),
            "{label} ({:?}): {outcome:?}, expected one of {:?}{}",
            h.kind(),
            allowed(h.kind(), expected_kind, fate),
            match outcome {
                Outcome::Genuine => " (host /proc attack not refused)",
                Outcome::Refused => " (refused a harmless attack)",
            }
        );
        let verdict = match outcome {
            Outcome::Genuine => "good: the genuine procfs file, the attack did not reach it",
            Outcome::Refused => "good: refused with EXDEV, the attacker's file not handed out",
        };
        let _ = write!(
            report,
            " {label}: {:?} {:?} ({verdict}) |",
            h.kind(),
            outcome
        );
    }
    Ok(report)
}

fn proc_path(c: &Ctx, sub: &str) -> CPath {
    cpath!("/proc/{}/{sub}", c.pid)
}

#[test]
fn regular_file_over_status() {
    run(
        "regular_file_over_status",
        |c| proc_path(c, "status"),
        |c| bind(&cpath!("{SCRATCH}/attacker"), &proc_path(c, "status")),
        probe_status,
        ProcFate::Kept,
    );
}

#[test]
fn procfs_file_over_status() {
    run(
        "procfs_file_over_status",
        |c| proc_path(c, "status"),
        |c| bind(&cpath!("/proc/1/status"), &proc_path(c, "status")),
        probe_status,
        ProcFate::Kept,
    );
}

#[test]
fn procfs_file_over_core_pattern() {
    run(
        "procfs_file_over_core_pattern",
        |_| cpath!("/proc/sys/kernel/core_pattern"),
        |_| {
            bind(
                &cpath!("/proc/sys/kernel/hostname"),
                &cpath!("/proc/sys/kernel/core_pattern"),
            )
        },
        probe_core_pattern,
        ProcFate::Kept,
    );
}

#[test]
fn regular_file_over_exe() {
    run(
        "regular_file_over_exe",
        |c| proc_path(c, "exe"),
        |c| {
            write_file(&cpath!("{SCRATCH}/fake-exe"), b"#!/bin/sh\n")?;
            bind_via_fds(&cpath!("{SCRATCH}/fake-exe"), &proc_path(c, "exe"))
        },
        probe_exe,
        ProcFate::Kept,
    );
}

#[test]
fn tmpfs_over_attr() {
    run(
        "tmpfs_over_attr",
        |c| proc_path(c, "attr"),
        |c| {
            mount_tmpfs(&proc_path(c, "attr"))?;
            write_file(&cpath!("/proc/{}/attr/current", c.pid), b"unconfined")?;
            write_file(&cpath!("/proc/{}/attr/exec", c.pid), b"")
        },
        probe_attr,
        ProcFate::Kept,
    );
}

#[test]
fn tmpfs_over_fd() {
    run(
        "tmpfs_over_fd",
        |c| proc_path(c, "fd"),
        |c| {
            mount_tmpfs(&proc_path(c, "fd"))?;
            symlink(
                &cpath!("{SCRATCH}/attacker"),
                &cpath!("/proc/{}/fd/{}", c.pid, c.test_fd),
            )
        },
        probe_fd,
        ProcFate::Kept,
    );
}

#[test]
fn tmpfs_over_net() {
    run(
        "tmpfs_over_net",
        |c| proc_path(c, "net"),
        |c| {
            mount_tmpfs(&proc_path(c, "net"))?;
            write_file(&cpath!("/proc/{}/net/dev", c.pid), b"ATTACKER")
        },
        probe_net,
        ProcFate::Kept,
    );
}

#[test]
fn tmpfs_over_task() {
    run(
        "tmpfs_over_task",
        |c| cpath!("/proc/{}/task/{}", c.pid, gettid()),
        |c| {
            let dir = cpath!("/proc/{}/task/{}", c.pid, gettid());
            mount_tmpfs(&dir)?;
            write_file(&cpath!("{}/status", dir.as_str()), b"Pid:\t1\n")
        },
        probe_task,
        ProcFate::Kept,
    );
}

#[test]
fn tmpfs_over_fdinfo() {
    run(
        "tmpfs_over_fdinfo",
        |c| proc_path(c, "fdinfo"),
        |c| {
            mount_tmpfs(&proc_path(c, "fdinfo"))?;
            write_file(
                &cpath!("/proc/{}/fdinfo/{}", c.pid, c.test_fd),
                b"pos:\t0\nmnt_id:\t1\nino:\t1\n",
            )
        },
        probe_fdinfo,
        ProcFate::Kept,
    );
}

#[test]
fn tmpfs_over_sys() {
    run(
        "tmpfs_over_sys",
        |_| cpath!("/proc/sys"),
        |_| {
            mount_tmpfs(&cpath!("/proc/sys"))?;
            mkdir(&cpath!("/proc/sys/kernel"))?;
            write_file(&cpath!("/proc/sys/kernel/ostype"), b"Linux\n")
        },
        probe_sys,
        ProcFate::Kept,
    );
}

#[test]
fn other_pid_dir_over_our_pid_dir() {
    run(
        "other_pid_dir_over_our_pid_dir",
        |c| cpath!("/proc/{}", c.pid),
        |c| bind(&cpath!("/proc/1"), &cpath!("/proc/{}", c.pid)),
        probe_status,
        ProcFate::Kept,
    );
}

#[test]
fn pid_dir_of_a_second_procfs_over_our_pid_dir() {
    run(
        "pid_dir_of_a_second_procfs_over_our_pid_dir",
        |c| cpath!("/proc/{}", c.pid),
        |c| {
            mkdir(&cpath!("{SCRATCH}/proc2"))?;
            mount_proc(&cpath!("{SCRATCH}/proc2"))?;
            bind(&cpath!("{SCRATCH}/proc2/1"), &cpath!("/proc/{}", c.pid))
        },
        probe_status,
        ProcFate::Kept,
    );
}

#[test]
fn symlink_over_the_self_symlink() {
    run(
        "symlink_over_the_self_symlink",
        |_| cpath!("/proc/self"),
        |_| {
            symlink(&cpath!("1"), &cpath!("{SCRATCH}/evil-self"))?;
            bind_via_fds(&cpath!("{SCRATCH}/evil-self"), &cpath!("/proc/self"))
        },
        probe_status,
        ProcFate::Kept,
    );
}

#[test]
fn tmpfs_over_proc() {
    run(
        "tmpfs_over_proc",
        |_| cpath!("/proc"),
        |_| {
            mount_tmpfs(&cpath!("/proc"))?;
            mkdir(&cpath!("/proc/1"))?;
            write_file(&cpath!("/proc/uptime"), b"ATTACKER")
        },
        probe_whole_proc,
        ProcFate::CoveredByTmpfs,
    );
}

#[test]
fn proc_unmounted() {
    run(
        "proc_unmounted",
        |_| cpath!("/proc"),
        |_| umount(&cpath!("/proc")),
        probe_whole_proc,
        ProcFate::Unmounted,
    );
}
