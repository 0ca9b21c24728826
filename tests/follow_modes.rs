//! The trailing magic-link follow answers as the kernel does in every
//! fallback mode, masked and unmasked, under every base: the crate's answer
//! (errno, and for a success the file's identity) equals the kernel's own
//! for magic-link paths and flag sets, including the `O_PATH` follow that
//! skips the first `openat2` for a name that is a magic-link by its place.

#![allow(clippy::result_large_err)]

mod common;

use common::*;
use safe_procfs::{Handle, NoPin, OpenFlags, unmasked_proc_root};

const O_PATH: i32 = libc::O_PATH;

/// (errno, dev, ino) of the kernel's own open beneath `/proc` (nothing is
/// mounted there): openat2 with the crate's resolve flags, then a plain
/// openat of the trailing magic-link where openat2 says ELOOP.
fn kernel(dirfd: i32, path: &CPath, flags: i32) -> (i32, u64, u64) {
    // A magic-link inside the path: the crate refuses it (ELOOP), as openat2.
    let mid = ["root/", "fd/0/"].iter().any(|m| path.as_str().contains(m));
    let opened = if mid {
        openat2_beneath(dirfd, path, flags)
    } else {
        kernel_open(dirfd, path, flags)
    };
    match opened {
        Ok(fd) => {
            let (dev, ino, _) = fd_stat(fd);
            // SAFETY: our fd.
            unsafe { libc::close(fd) };
            (0, dev, ino)
        }
        Err(e) => (e, 0, 0),
    }
}

fn answer(r: Result<safe_procfs::OwnedFd, safe_procfs::Error>) -> (i32, u64, u64) {
    match r {
        Ok(fd) => {
            let (dev, ino, _) = fd_stat(fd.as_raw_fd());
            (0, dev, ino)
        }
        Err(e) => (e.raw_os_error().unwrap_or(0), 0, 0),
    }
}

fn fmt_err(what: &str, e: safe_procfs::Error) -> Msg {
    let mut m = Msg::new();
    let _ = core::fmt::Write::write_fmt(&mut m, format_args!("{what}: {e}"));
    m
}

fn case(mode: &Mode, unmasked: bool) -> Result<Msg, Msg> {
    let me = getpid();
    let tid = gettid();
    let proc_fd = open_unfaked(&cpath!("/proc"), O_PATH | libc::O_DIRECTORY);
    ensure!(proc_fd >= 0, "open /proc");
    let h = || {
        if unmasked {
            Handle::open(&[unmasked_proc_root]).map_err(|e| fmt_err("Handle::open unmasked", e))
        } else {
            Handle::open(&[]).map_err(|e| fmt_err("Handle::open", e))
        }
    };
    let flag_sets: &[i32] = &[
        O_PATH,
        O_PATH | libc::O_DIRECTORY,
        O_PATH | libc::O_NOFOLLOW,
        libc::O_RDONLY,
        libc::O_DIRECTORY,
    ];
    // (base, path under it, the same path beneath /proc)
    let cases: &[(&str, CPath, CPath)] = &[
        ("root", cpath!("self/exe"), cpath!("self/exe")),
        ("root", cpath!("self/cwd"), cpath!("self/cwd")),
        ("root", cpath!("self/root"), cpath!("self/root")),
        ("root", cpath!("self/fd/0"), cpath!("self/fd/0")),
        (
            "root",
            cpath!("self/fd/{proc_fd}"),
            cpath!("self/fd/{proc_fd}"),
        ),
        ("root", cpath!("self/ns/pid"), cpath!("self/ns/pid")),
        ("root", cpath!("self/fd/999"), cpath!("self/fd/999")),
        ("root", cpath!("self/root/etc"), cpath!("self/root/etc")),
        ("root", cpath!("self/fd/0/x"), cpath!("self/fd/0/x")),
        (
            "root",
            cpath!("{me}/task/{tid}/exe"),
            cpath!("{me}/task/{tid}/exe"),
        ),
        (
            "root",
            cpath!("{me}/task/{tid}/fd/0"),
            cpath!("{me}/task/{tid}/fd/0"),
        ),
        ("root", cpath!("1/exe"), cpath!("1/exe")),
        ("root", cpath!("1/root"), cpath!("1/root")),
        ("root", cpath!("999999/exe"), cpath!("999999/exe")),
        ("root", cpath!("thread-self/cwd"), cpath!("thread-self/cwd")),
        ("self", cpath!("exe"), cpath!("self/exe")),
        (
            "self",
            cpath!("task/{tid}/cwd"),
            cpath!("self/task/{tid}/cwd"),
        ),
        ("self", cpath!("ns/mnt"), cpath!("self/ns/mnt")),
        ("pid", cpath!("exe"), cpath!("{me}/exe")),
        ("pid1", cpath!("cwd"), cpath!("1/cwd")),
        ("thread", cpath!("fd/0"), cpath!("thread-self/fd/0")),
        ("thread", cpath!("exe"), cpath!("thread-self/exe")),
    ];
    // The kernel's answers, before any facility is taken away.
    let mut wants = [(0i32, 0u64, 0u64); 128];
    let mut i = 0;
    for (_, _, k) in cases {
        for &f in flag_sets {
            let kf = if f & O_PATH != 0 {
                f | libc::O_CLOEXEC
            } else {
                f | libc::O_CLOEXEC | libc::O_NOCTTY
            };
            wants[i] = kernel(proc_fd, k, kf);
            i += 1;
        }
    }
    mode.enter()?;
    let h = h()?;
    let mut i = 0;
    let mut bad = Msg::new();
    let mut n = 0;
    let mut bad_n = 0;
    for (base, p, _) in cases {
        for &f in flag_sets {
            let cf = OpenFlags::from_bits_truncate(f as u32 as u64);
            let got = answer(match *base {
                "root" => h.open_root(p.as_str(), cf),
                "self" => h.open_self(p.as_str(), cf),
                "pid" => h.open_pid(me, p.as_str(), cf),
                "pid1" => h.open_pid(1, p.as_str(), cf),
                _ => h.open_thread_self(p.as_str(), cf, &NoPin).map(|(fd, c)| {
                    c.close();
                    fd
                }),
            });
            let mut want = wants[i];
            i += 1;
            let mut got = got;
            if f & libc::O_NOFOLLOW != 0 {
                // The link itself: an inode of each procfs instance.
                (want.1, want.2, got.1, got.2) = (0, 0, 0, 0);
            }
            n += 1;
            if got != want {
                bad_n += 1;
                if bad_n > 3 {
                    continue;
                }
                let _ = core::fmt::Write::write_fmt(
                    &mut bad,
                    format_args!(
                        "[{base} {} {f:#x}: kernel {want:?} crate {got:?}]",
                        p.as_str()
                    ),
                );
            }
        }
    }
    ensure!(
        bad_n == 0,
        "{} unmasked {unmasked}: {bad_n} differ: {bad}",
        mode.name
    );
    let mut m = Msg::new();
    let _ = core::fmt::Write::write_fmt(
        &mut m,
        format_args!("{} unmasked {unmasked}: {n} cases agree", mode.name),
    );
    Ok(m)
}

#[test]
fn o_path_follow_answers_as_the_kernel_in_every_mode() {
    if !require_root("o_path_follow_answers_as_the_kernel_in_every_mode") {
        return;
    }
    let qemu = under_qemu();
    let mut failures = Vec::new();
    for mode in MODES {
        if qemu && mode.blocked.is_empty() {
            continue;
        }
        for unmasked in [false, true] {
            match in_child_report(|| case(mode, unmasked)) {
                Ok(r) => println!("{r}"),
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
