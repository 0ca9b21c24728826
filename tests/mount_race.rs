//! A mount placed on our own private or detached procfs while a call is
//! in flight is never handed out: since Linux 6.15 a process that may
//! mount can put a file over `<pid>/exe` of it, through
//! `/proc/<pid>/fd/<root fd>/...` (and that mount cannot be removed); one
//! made between the crate's lookup of the parent and its follow of the
//! magic-link is caught after the follow. With `openat2` and in the
//! fallback walk.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{Handle, OpenFlags};

const RD: OpenFlags = OpenFlags::O_RDONLY;

/// One attempt: a victim process calls `open_self("exe")` in a loop while
/// this process mounts a file over `<pid>/exe` of the victim's procfs,
/// after `delay_us`. `Some(true)`: the victim was handed the file;
/// `Some(false)`: the mount was made and never handed out; `None`: the
/// kernel refused the mount (before Linux 6.15). Without the check after
/// the follow, about half of such attempts won (a third in walk mode).
fn mount_race_attempt(walk: bool, delay_us: u64) -> Result<Option<bool>, String> {
    let evil = "/tmp/safe-procfs-mount-race-evil-exe";
    // `up`: the victim tells its root fd; `done`: the attacker says it has
    // made its mount (or failed to), after which the victim stops soon.
    let (mut up, mut done) = ([0i32; 2], [0i32; 2]);
    // SAFETY: valid arrays of two ints.
    unsafe {
        assert_eq!(libc::pipe2(up.as_mut_ptr(), libc::O_CLOEXEC), 0);
        assert_eq!(
            libc::pipe2(done.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK),
            0
        );
    }
    // SAFETY: the child makes syscalls, uses the crate (no allocation) and _exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let code = (|| -> Result<i32, Msg> {
            if walk {
                block(&[Facility::Openat2], libc::ENOSYS)?;
            }
            let h = try_ok!(Handle::open(&[]), "Handle::open");
            try_ok!(h.open_self("status", RD), "open_self status");
            let fds = procfs_root_fds();
            let fd = *fds.last().unwrap_or(&-1);
            // SAFETY: writing a live i32 to our pipe.
            unsafe { libc::write(up[1], (&fd as *const i32).cast(), 4) };
            let mut after = 0;
            for _ in 0..20_000 {
                if let Ok(f) = h.open_self("exe", RD) {
                    let mut b = [0u8; 8];
                    let n = f.read(&mut b).unwrap_or(0);
                    if b[..n].starts_with(b"EVIL") {
                        return Ok(42);
                    }
                }
                let mut byte = [0u8];
                // SAFETY: a non-blocking read of one byte into a live buffer.
                if after == 0 && unsafe { libc::read(done[0], byte.as_mut_ptr().cast(), 1) } == 1 {
                    after = 1;
                } else if after > 0 {
                    after += 1;
                    if after > 20 {
                        break;
                    }
                }
            }
            Ok(0)
        })()
        .unwrap_or(3);
        // SAFETY: leaving the child at once.
        unsafe { libc::_exit(code) };
    }
    let mut fd = -1i32;
    // SAFETY: closing our write end, reading one i32 into a live value.
    unsafe {
        libc::close(up[1]);
        libc::read(up[0], (&mut fd as *mut i32).cast(), 4);
        libc::close(up[0]);
    }
    std::thread::sleep(std::time::Duration::from_micros(delay_us));
    let target = cpath!("/proc/{pid}/fd/{fd}/{pid}/exe");
    let mounted = move_tree_onto(&cpath!("{evil}"), &target).is_ok();
    let mut status = 0;
    // SAFETY: telling the victim, then reaping it.
    unsafe {
        libc::write(done[1], [1u8].as_ptr().cast(), 1);
        libc::close(done[1]);
        libc::close(done[0]);
        libc::waitpid(pid, &mut status, 0);
    }
    match libc::WEXITSTATUS(status) {
        42 => Ok(Some(true)),
        0 if mounted => Ok(Some(false)),
        0 => Ok(None),
        code => Err(format!("victim failed with exit code {code}")),
    }
}

#[test]
fn a_mount_made_on_our_own_procfs_during_a_follow_is_caught() {
    if !require_root("a_mount_made_on_our_own_procfs_during_a_follow_is_caught") {
        return;
    }
    let qemu = under_qemu();
    std::fs::write("/tmp/safe-procfs-mount-race-evil-exe", b"EVIL-EXE\n").unwrap();
    for (walk, attempts) in [(false, 40), (true, 60)] {
        let (mut won, mut mounted) = (0, 0);
        for attempt in 0..attempts {
            match mount_race_attempt(walk, attempt * 7919 % 300) {
                Ok(Some(true)) => won += 1,
                Ok(Some(false)) => mounted += 1,
                // Kernels before 6.15 refuse such a mount: no window here.
                Ok(None) if attempt == 0 && !kernel_at_least(6, 15) => break,
                Ok(None) => {}
                Err(e) => panic!("{e}"),
            }
        }
        println!(
            "mount race (walk: {walk}): {attempts} attempts, {mounted} mounts made, {won} handed out the attacker's file"
        );
        assert_eq!(won, 0, "the attacker's file was handed out");
        // Kernels before 6.15 refuse the mount (no window to test there).
        if !qemu && kernel_at_least(6, 15) {
            assert!(
                mounted >= attempts * 9 / 10,
                "the attack could not be set up ({mounted} of {attempts} mounts made)"
            );
        }
    }
}
