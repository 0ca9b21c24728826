//! The trailing magic-link follow hands out only what the kernel would:
//!
//! 1. Something mounted on a magic-link's name (possible on our own
//!    private or detached procfs since Linux 6.15, through
//!    `/proc/<pid>/fd/<root fd>/`, and on the host `/proc` always) is
//!    refused with `EXDEV` *before* it is opened with the caller's flags:
//!    such an open would truncate a victim file (`O_TRUNC`), block on a
//!    FIFO, or answer with the attacker's file's errno. An `O_PATH` open of
//!    it, which follows without asking `openat2` first, is refused too.
//! 2. The crate's errno for magic-link paths equals the kernel's answer
//!    (openat2, and the plain open of the link when openat2 says ELOOP), as
//!    root and as nobody, in every handle kind.

#![allow(clippy::result_large_err)]

mod common;

use common::*;
use safe_procfs::{Handle, HandleKind, NoPin, OpenFlags, ProcBase, unmasked_proc_root};

const SCRATCH: &str = "/tmp/safe-procfs-red-follow";
const PRECIOUS: &[u8] = b"precious contents\n";

/// The handle kinds to attack: one mode per kind, with its short name
/// ("private", "detached", "host").
fn kinds() -> impl Iterator<Item = (&'static str, &'static Mode)> {
    ONE_MODE_PER_KIND
        .into_iter()
        .map(|m| (m.name.split(',').next().unwrap_or(m.name), m))
}

/// The kinds that can be had here: qemu-user has no `fsopen`, so no
/// private instance (said on stdout; natively every kind is tested).
fn attackable_kinds() -> impl Iterator<Item = (&'static str, &'static Mode)> {
    kinds().filter(|(kind, _)| {
        let skip = *kind == "private" && under_qemu();
        if skip {
            println!("private: n/a under qemu-user: no private procfs instance");
        }
        !skip
    })
}

/// Mounts `src` on `dst`; on the host /proc through fds (this child may
/// have `open_tree` blocked).
fn mount_over(src: &CPath, dst: &CPath) -> Result<(), Msg> {
    if dst.as_str().matches('/').count() == 3 {
        return bind_via_fds(src, dst);
    }
    move_tree_onto(src, dst)
}

/// The attack's mount could not be made: nothing to test only where the
/// kernel forbids it (a private or detached procfs before Linux 6.15, said
/// on stdout); anywhere else the test fails.
fn mount_refused(kind: &str, e: Msg) -> Result<Msg, Msg> {
    if kind == "host" || kernel_at_least(6, 15) {
        return Err(e);
    }
    let mut m = Msg::new();
    let _ = core::fmt::Write::write_fmt(
        &mut m,
        format_args!("{kind}: no mount on our own procfs before Linux 6.15 ({e}): no window"),
    );
    Ok(m)
}

/// Scratch tmpfs with the victim's file and a FIFO.
fn prepare() -> Result<(), Msg> {
    private_mount_ns()?;
    mkdir(&cpath!("{SCRATCH}"))?;
    mount_tmpfs(&cpath!("{SCRATCH}"))?;
    write_file(&cpath!("{SCRATCH}/victim"), PRECIOUS)?;
    // SAFETY: valid NUL-terminated path.
    let r = unsafe { libc::mkfifo(cpath!("{SCRATCH}/fifo").ptr(), 0o666) };
    ensure!(r == 0, "mkfifo: errno {}", errno());
    Ok(())
}

/// A fresh (uncached) unmasked handle of the wanted kind and where a mount
/// on its `<pid>/<name>` is made from outside: through our fd of its root
/// (private, detached) or on /proc itself (host).
fn handle_and_prefix(kind: &str, mode: &Mode) -> Result<(Handle, CPath), Msg> {
    mode.enter()?;
    let before = procfs_root_fds();
    let h = try_ok!(Handle::open(&[unmasked_proc_root]), "Handle::open");
    let want = match kind {
        "private" => HandleKind::PrivateInstance,
        "detached" => HandleKind::DetachedClone,
        _ => HandleKind::HostMount,
    };
    ensure!(h.kind() == want, "{kind}: got {:?}", h.kind());
    let pid = getpid();
    let prefix = if want == HandleKind::HostMount {
        cpath!("/proc/{pid}")
    } else {
        let after = procfs_root_fds();
        let Some(fd) = after.iter().find(|f| !before.contains(f)) else {
            fail!("{kind}: the handle's fd not found");
        };
        cpath!("/proc/{pid}/fd/{fd}/{pid}")
    };
    Ok((h, prefix))
}

/// The victim's file is mounted on `exe` of our own procfs: opening
/// `self/exe` with `O_WRONLY|O_TRUNC` must fail with EXDEV and leave the
/// victim's file as it was; `O_DIRECTORY` must fail with EXDEV too.
fn truncate_case(kind: &str, mode: &Mode) -> Result<Msg, Msg> {
    prepare()?;
    let (h, prefix) = handle_and_prefix(kind, mode)?;
    if let Err(e) = mount_over(
        &cpath!("{SCRATCH}/victim"),
        &cpath!("{}/exe", prefix.as_str()),
    ) {
        return mount_refused(kind, e);
    }
    let pid = getpid();
    let wr = OpenFlags::O_WRONLY | OpenFlags::O_TRUNC;
    let mut report = Msg::new();
    let mut bad = false;
    for label in ["open_self exe", "open_pid exe", "open_root <pid>/exe"] {
        // One open at a time, each checked before the next.
        let r = match label {
            "open_self exe" => h.open_self("exe", wr),
            "open_pid exe" => h.open_pid(pid, "exe", wr),
            _ => h.open_root(cpath!("{pid}/exe").as_str(), wr),
        };
        let mut buf = [0u8; 64];
        let fd = open_unfaked(&cpath!("{SCRATCH}/victim"), libc::O_RDONLY);
        // SAFETY: reading into a live buffer; closing our fd.
        let n = unsafe {
            let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
            libc::close(fd);
            n
        };
        let intact = n >= 0 && &buf[..n as usize] == PRECIOUS;
        let e = errno_of(&r);
        let _ = core::fmt::Write::write_fmt(
            &mut report,
            format_args!("{kind} {label}: errno {e}, victim intact {intact}; "),
        );
        if !(intact && e == libc::EXDEV) {
            bad = true;
        }
        // Put it back for the next opener.
        write_file(&cpath!("{SCRATCH}/victim"), PRECIOUS)?;
    }
    // O_PATH takes the follow without asking openat2 first: the check
    // after it must refuse the mounted file.
    let e = errno_of(&h.open_self("exe", OpenFlags::O_PATH));
    let _ = core::fmt::Write::write_fmt(
        &mut report,
        format_args!("{kind} open_self exe O_PATH: errno {e} (want EXDEV); "),
    );
    bad |= e != libc::EXDEV;
    let e = errno_of(&h.open_self("exe", OpenFlags::O_DIRECTORY));
    let _ = core::fmt::Write::write_fmt(
        &mut report,
        format_args!("{kind} open_self exe O_DIRECTORY: errno {e} (want EXDEV)"),
    );
    if bad || e != libc::EXDEV {
        return Err(report);
    }
    Ok(report)
}

#[test]
fn a_file_mounted_on_a_magic_link_is_refused_before_it_is_opened() {
    if !require_root("a_file_mounted_on_a_magic_link_is_refused_before_it_is_opened") {
        return;
    }
    under_qemu();
    let mut failures = Vec::new();
    for (kind, mode) in attackable_kinds() {
        match in_child_report(|| truncate_case(kind, mode)) {
            Ok(r) => println!("{r}"),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A FIFO mounted on `cwd` of our own procfs: `open_self("cwd")` must fail
/// with EXDEV at once, neither block (O_RDONLY) nor answer ENXIO
/// (O_WRONLY|O_NONBLOCK, no reader).
fn fifo_case(kind: &str, mode: &Mode, nonblock: bool) -> Result<Msg, Msg> {
    prepare()?;
    let (h, prefix) = handle_and_prefix(kind, mode)?;
    if let Err(e) = mount_over(
        &cpath!("{SCRATCH}/fifo"),
        &cpath!("{}/cwd", prefix.as_str()),
    ) {
        return mount_refused(kind, e);
    }
    let flags = if nonblock {
        OpenFlags::O_WRONLY | OpenFlags::O_NONBLOCK
    } else {
        OpenFlags::O_RDONLY
    };
    // A blocked open is ended by SIGALRM: the child dies, the test fails.
    // SAFETY: alarm has no memory effects.
    unsafe { libc::alarm(3) };
    let r = h.open_self("cwd", flags);
    // SAFETY: as above.
    unsafe { libc::alarm(0) };
    ensure!(
        errno_of(&r) == libc::EXDEV,
        "{kind} open_self cwd (FIFO mounted on it, nonblock {nonblock}): errno {} (want EXDEV)",
        errno_of(&r)
    );
    Ok(Msg::new())
}

#[test]
fn a_fifo_mounted_on_a_magic_link_neither_blocks_nor_answers_for_it() {
    if !require_root("a_fifo_mounted_on_a_magic_link_neither_blocks_nor_answers_for_it") {
        return;
    }
    under_qemu();
    let mut failures = Vec::new();
    for (kind, mode) in attackable_kinds() {
        for nonblock in [true, false] {
            match in_child_report(|| fifo_case(kind, mode, nonblock)) {
                Ok(r) if !r.is_empty() => println!("{r}"),
                Ok(_) => {}
                Err(e) => failures.push(format!("{kind} nonblock {nonblock}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---------------------------------------------------------------------
// errno parity on magic-link paths

const O_PATH: i32 = libc::O_PATH;

/// The errno of [`kernel_open`] (0 on success).
fn kernel_answer(dirfd: i32, path: &CPath, flags: i32) -> i32 {
    match kernel_open(dirfd, path, flags) {
        Ok(fd) => {
            // SAFETY: our fd.
            unsafe { libc::close(fd) };
            0
        }
        Err(e) => e,
    }
}

fn crate_flags(f: i32) -> OpenFlags {
    OpenFlags::from_bits_truncate(f as u32 as u64)
}

/// The kernel flags the crate passes for `f`.
fn normalised(f: i32) -> i32 {
    if f & O_PATH != 0 {
        f & (O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW) | libc::O_CLOEXEC
    } else {
        f | libc::O_CLOEXEC | libc::O_NOCTTY
    }
}

/// Compares the crate with the kernel for magic-link paths under several
/// bases; `nobody`: as the user `nobody`. Returns the table of answers.
fn errno_case(kind: &str, mode: &Mode, nobody: bool) -> Result<Msg, Msg> {
    mode.enter()?;
    let me = getpid();
    let tid = gettid();
    // A closed fd number and an open one.
    let closed = lowest_free_fd();
    // A map_files entry of ours (first line of our maps).
    let mut maps = [0u8; 128];
    let mfd = open_unfaked(&cpath!("/proc/self/maps"), libc::O_RDONLY);
    // SAFETY: reading into a live buffer; closing our fd.
    let n = unsafe {
        let n = libc::read(mfd, maps.as_mut_ptr().cast(), maps.len());
        libc::close(mfd);
        n.max(0) as usize
    };
    let range_end = maps[..n].iter().position(|&b| b == b' ').unwrap_or(0);
    let range = core::str::from_utf8(&maps[..range_end]).unwrap_or("0-0");
    let mut range_s: heapless::String<64> = heapless::String::new();
    let _ = range_s.push_str(range);
    if nobody {
        become_nobody()?;
    }
    let h = try_ok!(Handle::open(&[unmasked_proc_root]), "Handle::open");
    let _ = kind;
    // The oracle's root: a procfs of our own (root: private instance; as
    // nobody: /proc, same pid namespace, nothing mounted beneath).
    let proc_fd = open_unfaked(&cpath!("/proc"), libc::O_PATH | libc::O_DIRECTORY);
    ensure!(proc_fd >= 0, "open /proc: errno {}", errno());
    let paths: &[CPath] = &[
        cpath!("self/exe"),
        cpath!("self/cwd"),
        cpath!("self/root"),
        cpath!("self/fd/0"),
        cpath!("self/fd/{closed}"),
        cpath!("self/ns/mnt"),
        cpath!("self/ns/nosuchns"),
        cpath!("self/map_files/{}", range_s.as_str()),
        cpath!("self/map_files/1-2"),
        cpath!("thread-self/exe"),
        cpath!("thread-self/fd/0"),
        cpath!("{me}/task/{tid}/cwd"),
        cpath!("{me}/task/999999/exe"),
        cpath!("1/exe"),
        cpath!("1/cwd"),
        cpath!("1/root"),
        cpath!("1/fd/0"),
        cpath!("1/ns/net"),
        cpath!("1/task/1/root"),
        cpath!("2/exe"),
        cpath!("2/cwd"),
        cpath!("2/fd/0"),
        cpath!("2/ns/mnt"),
        cpath!("999999/exe"),
        cpath!("999999/fd/0"),
        cpath!("self/status/exe"),
    ];
    let flag_sets: &[(&str, i32)] = &[
        ("RD", libc::O_RDONLY),
        ("DIR", libc::O_DIRECTORY),
        ("PATH", O_PATH),
        ("PATH|DIR", O_PATH | libc::O_DIRECTORY),
        ("RDWR", libc::O_RDWR),
        ("NOATIME", libc::O_NOATIME),
        ("NOFOLLOW", libc::O_NOFOLLOW),
        ("PATH|NOFOLLOW", O_PATH | libc::O_NOFOLLOW),
    ];
    let mut mismatches = Msg::new();
    let mut count = 0;
    for p in paths {
        for (fname, f) in flag_sets {
            // O_RDWR only on our own fds, never on other processes' files.
            if *f == libc::O_RDWR && !p.as_str().starts_with("self/fd/") {
                continue;
            }
            let want = kernel_answer(proc_fd, p, normalised(*f));
            let got = errno_of(&h.open_root(p.as_str(), crate_flags(*f)));
            let got = if got == -1 { 0 } else { got };
            count += 1;
            if want != got {
                let _ = core::fmt::Write::write_fmt(
                    &mut mismatches,
                    format_args!("[{} {fname}: kernel {want} crate {got}] ", p.as_str()),
                );
            }
        }
    }
    // The other bases, same kernel answers.
    for (label, got, p) in [
        (
            "open_self exe DIR",
            errno_of(&h.open_self("exe", OpenFlags::O_DIRECTORY)),
            cpath!("self/exe"),
        ),
        (
            "open_pid 1 exe",
            errno_of(&h.open_pid(1, "exe", OpenFlags::O_RDONLY)),
            cpath!("1/exe"),
        ),
        (
            "open_pid 2 exe",
            errno_of(&h.open_pid(2, "exe", OpenFlags::O_RDONLY)),
            cpath!("2/exe"),
        ),
        (
            "thread_self fd/0",
            errno_of(
                &h.open_thread_self("fd/0", OpenFlags::O_RDONLY, &NoPin)
                    .map(|(f, c)| {
                        c.close();
                        f
                    }),
            ),
            cpath!("thread-self/fd/0"),
        ),
        (
            "readlink 1/exe",
            errno_of(&h.readlink(ProcBase::ProcPid(1), "exe", &mut [0u8; 256])),
            cpath!("1/exe"),
        ),
    ] {
        let flags = if label.contains("DIR") {
            libc::O_DIRECTORY
        } else {
            libc::O_RDONLY
        };
        let want = if label.starts_with("readlink") {
            // readlink = O_PATH|O_NOFOLLOW open + readlinkat.
            let fd = open_unfaked(&cpath!("/proc/1/exe"), O_PATH | libc::O_NOFOLLOW);
            let mut b = [0u8; 256];
            // SAFETY: valid fd, buffer of the given size.
            let n = unsafe { libc::readlinkat(fd, c"".as_ptr(), b.as_mut_ptr().cast(), b.len()) };
            let e = if n < 0 { errno() } else { 0 };
            // SAFETY: our fd.
            unsafe { libc::close(fd) };
            e
        } else {
            kernel_answer(proc_fd, &p, normalised(flags))
        };
        let got = if got == -1 { 0 } else { got };
        count += 1;
        if want != got {
            let _ = core::fmt::Write::write_fmt(
                &mut mismatches,
                format_args!("[{label}: kernel {want} crate {got}] "),
            );
        }
    }
    ensure!(
        mismatches.is_empty(),
        "{kind} (nobody {nobody}, handle {:?}): {mismatches}",
        h.kind()
    );
    let mut m = Msg::new();
    let _ = core::fmt::Write::write_fmt(
        &mut m,
        format_args!(
            "{kind} nobody {nobody} ({:?}): {count} cases agree",
            h.kind()
        ),
    );
    Ok(m)
}

#[test]
fn magic_link_errnos_are_the_kernels() {
    if !require_root("magic_link_errnos_are_the_kernels") {
        return;
    }
    under_qemu();
    let mut failures = Vec::new();
    for (kind, mode) in kinds() {
        for nobody in [false, true] {
            match in_child_report(|| errno_case(kind, mode, nobody)) {
                Ok(r) => println!("{r}"),
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
