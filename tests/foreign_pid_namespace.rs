//! A procfs of another pid namespace is never used as ours: one mounted
//! on `/proc` by the init of a foreign pid namespace (even with a symlink
//! naming our pid mounted over its `self`) is refused by `Handle::open`
//! where no procfs of our own can be made, and handles opened before a
//! fork into a new pid namespace give the child, pid 1 there, its own
//! files or a refusal, never those of pid 1 of the parent's namespace.

#![allow(clippy::result_large_err)] // Msg is a fixed-size buffer: no allocation in the child

mod common;

use common::*;
use safe_procfs::{ErrorKind, Handle, OpenFlags, OwnedFd, unmasked_proc_root};

const RD: OpenFlags = OpenFlags::O_RDONLY;
const SCRATCH: &str = "/tmp/safe-procfs-foreign-pid-namespace";

/// A procfs of another pid namespace on `/proc`, whose init is the
/// attacker, with the new mount API (and, with `block_open_tree`, also
/// `open_tree`) taken away. With `vouch`, a symlink naming our own pid is
/// mounted over its `self`. The handle must be refused.
fn foreign_pid_namespace_case(block_open_tree: bool, vouch: bool) -> Result<(), Msg> {
    private_mount_ns()?;
    let our_pid = getpid();
    let mut facilities: heapless::Vec<Facility, 2> = heapless::Vec::new();
    let _ = facilities.push(Facility::NewMountApi);
    if block_open_tree {
        let _ = facilities.push(Facility::OpenTree);
    }
    new_pid_namespace()?;
    // The attacker: pid 1 of its namespace mounts that namespace's procfs
    // on /proc (our shared mount namespace), then waits.
    let init = Sleeper::spawn_after(|| {
        // SAFETY: getpid has no preconditions.
        let pid = unsafe { libc::getpid() };
        ensure!(pid == 1, "the foreign init is pid {pid}, not 1");
        mount_proc(&cpath!("/proc"))
    })?;
    let result = (|| {
        if vouch {
            // A symlink naming our pid, mounted over the foreign `self`.
            symlink(&cpath!("{our_pid}"), &cpath!("{SCRATCH}-self"))?;
            move_tree_onto(&cpath!("{SCRATCH}-self"), &cpath!("/proc/self"))?;
        }
        // Only then take the mount API away (the mounts above needed it).
        block(&facilities, libc::ENOSYS)?;
        let unmasked: &[safe_procfs::OpenOption] = &[unmasked_proc_root];
        for opts in [&[][..], unmasked] {
            match Handle::open(opts) {
                Err(e) if e.kind() == ErrorKind::SafetyViolation => {}
                Err(e) => fail!("Handle::open: expected a refusal, got {e}"),
                Ok(h) => {
                    let mut buf = [0u8; 4096];
                    let n = h
                        .open_pid(1, "status", RD)
                        .and_then(|f| read_all(&f, &mut buf))
                        .unwrap_or(0);
                    fail!(
                        "Handle::open accepted the foreign procfs ({:?}); open_pid(1) read: {}",
                        h.kind(),
                        String::from_utf8_lossy(&buf[..n.min(64)]).as_ref() as &str
                    );
                }
            }
        }
        Ok(())
    })();
    let ended = init.end();
    if vouch {
        // SAFETY: valid path.
        unsafe { libc::unlink(cpath!("{SCRATCH}-self").ptr()) };
    }
    result.and(ended)
}

#[test]
fn procfs_of_another_pid_namespace_is_refused() {
    if !require_root("procfs_of_another_pid_namespace_is_refused") {
        return;
    }
    under_qemu();
    for (block_open_tree, vouch) in [(false, false), (true, false), (false, true), (true, true)] {
        let kind = if block_open_tree { "host" } else { "detached" };
        in_child(|| foreign_pid_namespace_case(block_open_tree, vouch)).unwrap_or_else(|e| {
            panic!("{kind} /proc of a foreign pid namespace (self vouched: {vouch}): {e}")
        });
    }
}

/// The `Name:` line of a `status` file.
fn status_name(f: &OwnedFd) -> heapless::Vec<u8, 64> {
    let mut buf = [0u8; 4096];
    let n = read_all(f, &mut buf).unwrap_or(0);
    let line = buf[..n]
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"Name:"))
        .unwrap_or(b"");
    heapless::Vec::from_slice(&line[..line.len().min(64)]).unwrap_or_default()
}

/// Handles opened before `unshare(CLONE_NEWPID)` + `fork` are used in the
/// child, pid 1 of the new namespace: `open_pid(1)` must be the child
/// itself or a refusal, never pid 1 of the parent's namespace.
fn forked_into_new_pid_namespace_case() -> Result<(), Msg> {
    let cached = try_ok!(Handle::open(&[]), "Handle::open");
    let own = try_ok!(
        Handle::open(&[unmasked_proc_root]),
        "Handle::open(unmasked)"
    );
    // Pid 1 of the new namespace will be our child, a copy of us.
    let name = status_name(&try_ok!(cached.open_self("status", RD), "open_self status"));
    ensure!(!name.is_empty(), "no Name line");
    in_new_pid_namespace(|| {
        let again = Handle::open(&[]);
        for (which, h) in [
            ("cached", Some(&cached)),
            ("own", Some(&own)),
            ("opened after the fork", again.as_ref().ok()),
        ] {
            let Some(h) = h else { continue };
            match h.open_pid(1, "status", RD) {
                // Pid 1 of our new namespace is ourselves.
                Ok(f) if status_name(&f) == name => {}
                Ok(_) => fail!("{which} handle: open_pid(1) gave pid 1 of the parent's namespace"),
                Err(e) if e.kind() == ErrorKind::SafetyViolation => {}
                Err(e) => fail!("{which} handle: open_pid(1): {e}, not a refusal"),
            }
        }
        Ok(())
    })
}

#[test]
fn handles_used_after_a_fork_into_a_new_pid_namespace() {
    if !require_root("handles_used_after_a_fork_into_a_new_pid_namespace") {
        return;
    }
    under_qemu();
    in_child(forked_into_new_pid_namespace_case).unwrap_or_else(|e| panic!("{e}"));
}
