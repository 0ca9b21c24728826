//! Taking kernel facilities away from a forked child: real seccomp filters
//! natively, the crate's fault injection under qemu-user (which has no
//! seccomp); and the fallback modes the tests go through, one table.

use super::{Msg, under_qemu};

/// Kernel facilities a test can take away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facility {
    /// fsopen, fsconfig, fsmount
    NewMountApi,
    OpenTree,
    Openat2,
    Statx,
    /// `fstat`, the identity check's fallback without `statx`
    Fstat,
    /// plain `openat` (the fallback walk's syscall)
    Openat,
}

fn syscalls_of(f: Facility) -> &'static [syscalls::Sysno] {
    use syscalls::Sysno;
    match f {
        Facility::NewMountApi => &[Sysno::fsopen, Sysno::fsconfig, Sysno::fsmount],
        Facility::OpenTree => &[Sysno::open_tree],
        Facility::Openat2 => &[Sysno::openat2],
        Facility::Statx => &[Sysno::statx],
        Facility::Fstat => &[Sysno::fstat],
        Facility::Openat => &[Sysno::openat],
    }
}

/// Makes the syscalls of `what` fail with `errno` in this process from now
/// on: with a real seccomp filter natively, with the crate's fault
/// injection under qemu-user (which implements no seccomp). Call it in a
/// forked child only: a filter cannot be removed.
pub fn block(what: &[Facility], errno: i32) -> Result<(), Msg> {
    let nrs = what.iter().flat_map(|f| syscalls_of(*f)).map(|s| *s as u32);
    if under_qemu() {
        #[cfg(feature = "__fault_injection")]
        {
            for nr in nrs {
                safe_procfs::__fault_injection::block(nr as usize, errno);
            }
            return Ok(());
        }
        #[cfg(not(feature = "__fault_injection"))]
        {
            let _ = nrs;
            fail!("qemu-user has no seccomp: run the tests with --features __fault_injection");
        }
    }
    let mut prog: heapless::Vec<libc::sock_filter, 32> = heapless::Vec::new();
    let stmt = |code: u32, k: u32| libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    // Load the syscall number (offset 0 of struct seccomp_data).
    let _ = prog.push(stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, 0));
    for nr in nrs {
        // if nr == k: return ERRNO(errno), else skip that return.
        let _ = prog.push(libc::sock_filter {
            code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
            jt: 0,
            jf: 1,
            k: nr,
        });
        let _ = prog.push(stmt(
            libc::BPF_RET | libc::BPF_K,
            libc::SECCOMP_RET_ERRNO | (errno as u32 & 0xffff),
        ));
    }
    let _ = prog.push(stmt(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_ALLOW));
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_mut_ptr(),
    };
    // SAFETY: prctl/seccomp with a valid, live filter program.
    unsafe {
        ensure!(
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0,
            "PR_SET_NO_NEW_PRIVS: errno {}",
            super::errno()
        );
        let r = libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &fprog as *const libc::sock_fprog,
        );
        ensure!(r == 0, "seccomp: errno {}", super::errno());
    }
    Ok(())
}

/// Makes `nrs` fail with `errno` in this (child) process through the
/// crate's fault injection, natively too: it needs no seccomp, so it works
/// under qemu-user as well. Fails without `--features __fault_injection`.
pub fn fault_inject(nrs: &[syscalls::Sysno], errno: i32) -> Result<(), Msg> {
    #[cfg(feature = "__fault_injection")]
    {
        for nr in nrs {
            safe_procfs::__fault_injection::block(*nr as usize, errno);
        }
        Ok(())
    }
    #[cfg(not(feature = "__fault_injection"))]
    {
        let _ = (nrs, errno);
        fail!("needs --features __fault_injection")
    }
}

/// A fallback mode: which facilities are taken away, with which errno, and
/// the handle kind an unmasked `Handle::open` must then produce.
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    pub name: &'static str,
    pub blocked: &'static [Facility],
    pub errno: i32,
}

use Facility::*;

/// A private procfs instance: nothing taken away.
pub const MODE_PRIVATE: Mode = Mode {
    name: "private",
    blocked: &[],
    errno: 0,
};

/// A private instance resolved by the fallback walk, checked by `fstat`.
pub const MODE_PRIVATE_NO_OPENAT2_STATX: Mode = Mode {
    name: "private, no openat2/statx (ENOSYS)",
    blocked: &[Openat2, Statx],
    errno: libc::ENOSYS,
};

/// A detached clone of /proc: no new mount API.
pub const MODE_DETACHED: Mode = Mode {
    name: "detached, no new mount API (ENOSYS)",
    blocked: &[NewMountApi],
    errno: libc::ENOSYS,
};

/// The host /proc: neither the new mount API nor `open_tree`.
pub const MODE_HOST: Mode = Mode {
    name: "host, no mount API/open_tree (ENOSYS)",
    blocked: &[NewMountApi, OpenTree],
    errno: libc::ENOSYS,
};

/// The host /proc with nothing but `openat` (an old kernel).
pub const MODE_HOST_OPENAT_ONLY: Mode = Mode {
    name: "host, nothing but openat (ENOSYS)",
    blocked: &[NewMountApi, OpenTree, Openat2, Statx],
    errno: libc::ENOSYS,
};

/// Every fallback combination the tests go through.
pub const MODES: &[Mode] = &[
    MODE_PRIVATE,
    MODE_PRIVATE_NO_OPENAT2_STATX,
    MODE_DETACHED,
    Mode {
        name: "detached, no new mount API (EPERM)",
        blocked: &[NewMountApi],
        errno: libc::EPERM,
    },
    Mode {
        name: "detached, no mount API/openat2/statx (EPERM)",
        blocked: &[NewMountApi, Openat2, Statx],
        errno: libc::EPERM,
    },
    MODE_HOST,
    Mode {
        name: "host, no mount API/open_tree (EPERM)",
        blocked: &[NewMountApi, OpenTree],
        errno: libc::EPERM,
    },
    MODE_HOST_OPENAT_ONLY,
    Mode {
        name: "host, nothing but openat (EPERM)",
        blocked: &[NewMountApi, OpenTree, Openat2, Statx],
        errno: libc::EPERM,
    },
];

/// One mode per handle kind: private instance, detached clone, host /proc.
pub const ONE_MODE_PER_KIND: [&Mode; 3] = [&MODE_PRIVATE, &MODE_DETACHED, &MODE_HOST];

impl Mode {
    /// The kind of handle an unmasked `Handle::open` yields in this mode
    /// (qemu-user has no new mount API at all).
    pub fn expected_kind(&self, qemu: bool) -> safe_procfs::HandleKind {
        use safe_procfs::HandleKind::*;
        if self.blocked.contains(&OpenTree) {
            HostMount
        } else if self.blocked.contains(&NewMountApi) || qemu {
            DetachedClone
        } else {
            PrivateInstance
        }
    }

    /// Takes this mode's facilities away (in a child; `under_qemu` must have
    /// been computed before the fork).
    pub fn enter(&self) -> Result<(), Msg> {
        if self.blocked.is_empty() {
            Ok(())
        } else {
            block(self.blocked, self.errno)
        }
    }
}
