//! Acquiring a procfs root. It decides which kinds of procfs are tried, in
//! which order (a private `fsopen("proc")` instance, a detached
//! `open_tree(OPEN_TREE_CLONE)` copy of `/proc`, the host `/proc`), and
//! when a failed one gives way to the next ([`give_way`]). What each must
//! prove is [`verify`]'s.

use crate::arch;
use crate::error::Error;
use crate::fd::OwnedFd;
use crate::mount;
use crate::probe::{self, Feature};
use crate::root::{HandleKind, OwnedRoot, ProcRoot, ROOT_HIDEPID, ROOT_SUBSET, verify};
use crate::step::Step;
use crate::sys::{self, Errno};

/// What [`acquire`] may fall back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Want {
    /// Skip `subset=pid` and `hidepid`.
    pub(crate) unmasked: bool,
    /// Never use the host `/proc`.
    pub(crate) no_host: bool,
    /// The root serves one call and is closed after it: a private
    /// instance then needs no identity recorded (nothing checks it later).
    pub(crate) for_one_call: bool,
}

/// Obtains and verifies a procfs root, which owns its fd: the first of
/// the candidates, strongest first, that is available and works.
pub(crate) fn acquire(want: Want) -> Result<OwnedRoot, Error> {
    use HandleKind::*;
    for kind in [PrivateInstance, DetachedClone, HostMount] {
        let tried = match kind {
            // The new mount API is skipped on kernels before 5.2 (RHEL 8
            // carries a broken backport of it).
            PrivateInstance => (!probe::missing(Feature::NewMountApi)
                && probe::kernel_at_least(5, 2))
            .then(|| private_instance(want)),
            DetachedClone => (!probe::missing(Feature::OpenTree)).then(detached_clone),
            HostMount => (!want.no_host).then(host_mount),
        };
        match tried {
            Some(Ok(root)) => return Ok(root),
            Some(Err(e)) => give_way(e, kind)?,
            None => {}
        }
    }
    Err(Error::unsupported(Step::NoHostFallback))
}

/// The one filter: `Ok` if [`acquire`] tries the next candidate after
/// `e`, the failure of `kind`, else the error it returns. A resource error
/// is returned as it is, never a reason for a weaker or unmasked procfs;
/// the host `/proc`'s failure is a verdict on it. Notes a missing facility.
fn give_way(e: Error, kind: HandleKind) -> Result<(), Error> {
    use Errno as E;
    let feature = match (e.errno(), kind) {
        (E::EMFILE | E::ENFILE | E::ENOMEM | E::ENOSPC | E::EAGAIN | E::EINTR, _) => return Err(e),
        (_, HandleKind::PrivateInstance) => Feature::NewMountApi,
        (_, HandleKind::DetachedClone) => Feature::OpenTree,
        (_, HandleKind::HostMount) => return Err(e.into_safety_violation()),
    };
    if probe::is_unavailable(e.errno()) {
        probe::mark_missing(feature);
    }
    Ok(())
}

#[inline(never)]
fn private_instance(want: Want) -> Result<OwnedRoot, Error> {
    let ctx =
        sys::fsopen(c"proc", sys::FSOPEN_CLOEXEC).map_err(|e| Error::os(e, Step::FsopenProc))?;
    let mut masks = 0;
    if !want.unmasked {
        // Either may be unknown to an older kernel (EINVAL): tolerated, the
        // handle is then simply less masked (and not cached without
        // subset). Any other error is returned, never a weaker handle.
        let options = [
            (c"subset", c"pid", ROOT_SUBSET),
            (c"hidepid", c"ptraceable", ROOT_HIDEPID),
        ];
        for (key, value, bit) in options {
            match sys::fsconfig_set_string(ctx.as_fd(), key, value) {
                Ok(()) => masks |= bit,
                Err(Errno::EINVAL) => {}
                Err(e) => return Err(Error::os(e, Step::FsconfigCreate)),
            }
        }
    }
    sys::fsconfig_create(ctx.as_fd()).map_err(|e| Error::os(e, Step::FsconfigCreate))?;
    let attrs = sys::MOUNT_ATTR_NOSUID | sys::MOUNT_ATTR_NODEV | sys::MOUNT_ATTR_NOEXEC;
    let fd = sys::fsmount(ctx.as_fd(), sys::FSMOUNT_CLOEXEC, attrs)
        .map_err(|e| Error::os(e, Step::Fsmount))?;
    drop(ctx);
    let kind = HandleKind::PrivateInstance;
    if !want.for_one_call {
        return verify(fd, kind, masks);
    }
    // fsmount() returns the root of the new instance, of our own pid
    // namespace, and it is closed after this one call: a procfs is all
    // there is to check.
    mount::check_procfs(fd.as_fd())?;
    Ok(ProcRoot::unidentified(fd, kind, masks))
}

fn detached_clone() -> Result<OwnedRoot, Error> {
    let flags = sys::OPEN_TREE_CLONE | arch::O_CLOEXEC as u32;
    let fd = sys::open_tree(sys::AT_FDCWD, c"/proc", flags)
        .map_err(|e| Error::os(e, Step::OpenTreeProc))?;
    verify(fd, HandleKind::DetachedClone, 0)
}

fn host_mount() -> Result<OwnedRoot, Error> {
    let flags = arch::O_PATH | arch::O_DIRECTORY | arch::O_CLOEXEC;
    let fd =
        sys::openat(sys::AT_FDCWD, c"/proc", flags).map_err(|e| Error::os(e, Step::OpenProc))?;
    verify(fd, HandleKind::HostMount, 0)
}

/// Adopts a caller's fd as a root: it must be the root directory of a
/// procfs of our pid namespace. How it was made cannot be told, so it is
/// treated as the host `/proc` (every result checked for mount crossings,
/// a failure a verdict as there), and as unmasked (no retries on another
/// instance).
pub(crate) fn adopt(fd: OwnedFd) -> Result<OwnedRoot, Error> {
    let root = verify(fd, HandleKind::HostMount, 0);
    root.map_err(|e| give_way(e, HandleKind::HostMount).err().unwrap_or(e))
}
