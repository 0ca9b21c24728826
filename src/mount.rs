//! What a file descriptor is and where it lives: filesystem magic, device,
//! inode, type and mount id. Mount ids come from `statx(STATX_MNT_ID_UNIQUE |
//! STATX_MNT_ID)`, or, when the kernel lacks that, refuses it, or reports an
//! id of 0 (qemu-user), from the `mnt_id:` line of the fd's `fdinfo`, whose
//! `ino:` line (Linux 5.14+) is cross-checked against the fd's real inode.

use crate::arch;
use crate::error::Error;
use crate::fd::{BorrowedFd, OwnedFd};
use crate::path::{self, ShortPathBuf};
use crate::probe::{self, Feature};
use crate::procfs;
use crate::step::Step;
use crate::sys::{self, Errno, FileId, StatxIds};
use core::ffi::CStr;

/// How every `openat2` of the crate resolves: the kernel refuses escapes
/// from the root, magic-links and mount crossings.
pub(crate) const RESOLVE: u64 =
    sys::RESOLVE_BENEATH | sys::RESOLVE_NO_MAGICLINKS | sys::RESOLVE_NO_XDEV;

/// A mount id, remembering which kind it is: the 64-bit unique id
/// (Linux 6.8+, never reused) and the classic id (reused once its mount is
/// gone) are different numbers for one mount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MountId {
    pub(crate) id: u64,
    pub(crate) unique: bool,
}

/// The fd of a procfs root, through which `fdinfo` files are read: a type
/// of its own, so that it cannot be swapped with the fd being inspected.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProcRootFd<'fd>(pub(crate) BorrowedFd<'fd>);

/// What [`inspect`] learns about a file descriptor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FileInfo {
    pub(crate) ino: u64,
    pub(crate) mnt: MountId,
    mode: u32,
}

impl FileInfo {
    pub(crate) fn is_dir(&self) -> bool {
        self.mode & sys::S_IFMT == sys::S_IFDIR
    }
    pub(crate) fn is_symlink(&self) -> bool {
        self.mode & sys::S_IFMT == sys::S_IFLNK
    }
}

/// Fails with `EXDEV` unless `fd` is on a procfs.
pub(crate) fn check_procfs(fd: BorrowedFd<'_>) -> Result<(), Error> {
    match sys::fstatfs_type(fd) {
        Ok(sys::PROC_SUPER_MAGIC) => Ok(()),
        Ok(_) => Err(Error::unsafe_path(Step::NotOnProcfs)),
        Err(e) => Err(Error::os(e, Step::Fstatfs)),
    }
}

/// The mount id in a `statx` result, if the kernel gave a usable one
/// (qemu-user sets the mask bit with an id of 0; kernels before 5.8 give none).
fn statx_mount_id(stx: &StatxIds) -> Option<MountId> {
    let (id, unique) = (stx.mnt_id, stx.mask & sys::STATX_MNT_ID_UNIQUE != 0);
    let given = unique || stx.mask & sys::STATX_MNT_ID != 0;
    let usable = given && id != 0 && !probe::missing(Feature::StatxMountId);
    usable.then_some(MountId { id, unique })
}

/// Device, inode and mode of `fd`, and its mount id where `statx` gives
/// one: one syscall (`statx`, or `fstat` where `statx` is refused).
pub(crate) fn identify(fd: BorrowedFd<'_>) -> Result<(FileId, Option<MountId>), Error> {
    if !probe::missing(Feature::Statx) {
        let flags = sys::AT_EMPTY_PATH | sys::AT_SYMLINK_NOFOLLOW;
        let mask = sys::STATX_TYPE | sys::STATX_MODE | sys::STATX_INO | sys::STATX_CTIME;
        let mask = mask | sys::STATX_MNT_ID | sys::STATX_MNT_ID_UNIQUE;
        match sys::statx(fd, c"", flags, mask) {
            Ok(stx) => {
                let mnt = statx_mount_id(&stx);
                if mnt.is_none() {
                    probe::mark_missing(Feature::StatxMountId);
                }
                return Ok((stx.file, mnt));
            }
            Err(e) if probe::is_unavailable(e) => probe::mark_missing(Feature::Statx),
            Err(e) => return Err(Error::os(e, Step::Statx)),
        }
    }
    let id = sys::fstat(fd).map_err(|e| Error::os(e, Step::Fstat))?;
    Ok((id, None))
}

/// The mount id of `name` in `dirfd` (a trailing symlink not followed, a
/// mount on it seen), where `statx` gives one.
pub(crate) fn mount_id_at(dirfd: BorrowedFd<'_>, name: &CStr) -> Result<Option<MountId>, Error> {
    if probe::missing(Feature::Statx) || probe::missing(Feature::StatxMountId) {
        return Ok(None);
    }
    let mask = sys::STATX_MNT_ID | sys::STATX_MNT_ID_UNIQUE;
    match sys::statx(dirfd, name, sys::AT_SYMLINK_NOFOLLOW, mask) {
        Ok(stx) => Ok(statx_mount_id(&stx)),
        Err(e) if probe::is_unavailable(e) => Ok(None),
        Err(e) => Err(Error::os(e, Step::Statx)),
    }
}

/// Identity and mount id of `fd`. `proc_root` is the procfs root used to
/// read `fdinfo` when `statx` cannot give the mount id.
pub(crate) fn inspect(proc_root: ProcRootFd<'_>, fd: BorrowedFd<'_>) -> Result<FileInfo, Error> {
    let (FileId { ino, mode, .. }, mnt) = identify(fd)?;
    let mnt = match mnt {
        Some(mnt) => mnt,
        None => MountId {
            id: fdinfo_mount_id(proc_root, fd, ino)?,
            unique: false,
        },
    };
    Ok(FileInfo { ino, mnt, mode })
}

/// Fails with `EXDEV` unless `fd` is on the procfs mount `root_mnt` of
/// `proc_root`. Returns what it learnt about `fd`.
pub(crate) fn check_same_mount(
    proc_root: ProcRootFd<'_>,
    root_mnt: MountId,
    fd: BorrowedFd<'_>,
) -> Result<FileInfo, Error> {
    check_procfs(fd)?;
    let mut info = inspect(proc_root, fd)?;
    let mut root_id = root_mnt.id;
    if info.mnt.unique != root_mnt.unique {
        root_id = classic_ids(proc_root, fd, &mut info)?;
    }
    if info.mnt.id != root_id {
        return Err(Error::unsafe_path(Step::CrossesMount));
    }
    Ok(info)
}

/// statx changed behaviour since the root was measured (a seccomp filter
/// arrived): classic ids, both from fdinfo, `fd`'s put in `info` and
/// `proc_root`'s returned (apart from [`check_same_mount`] so that their
/// frames do not add up).
fn classic_ids(
    proc_root: ProcRootFd<'_>,
    fd: BorrowedFd<'_>,
    info: &mut FileInfo,
) -> Result<u64, Error> {
    let root = sys::fstat(proc_root.0).map_err(|e| Error::os(e, Step::Fstat))?;
    let root_classic = fdinfo_mount_id(proc_root, proc_root.0, root.ino)?;
    let id = fdinfo_mount_id(proc_root, fd, info.ino)?;
    info.mnt = MountId { id, unique: false };
    Ok(root_classic)
}

/// The classic mount id of `fd`, from `<proc_root>/self/fdinfo/<fd>`.
fn fdinfo_mount_id(proc_root: ProcRootFd<'_>, fd: BorrowedFd<'_>, ino: u64) -> Result<u64, Error> {
    read_mount_id(&open_fdinfo(proc_root, fd)?, ino)
}

/// The classic mount id (`mnt_id:`) in an open [`open_fdinfo`] file, after
/// checking that its `ino:` line names the fd's inode `ino` (apart from
/// [`open_fdinfo`] so that their frames do not add up).
fn read_mount_id(file: &OwnedFd, ino: u64) -> Result<u64, Error> {
    // mnt_id: and ino: come in the first lines; a longer fdinfo is cut.
    let mut buf = [0u8; 256];
    let mut len = 0;
    while let Some(rest @ [_, ..]) = buf.get_mut(len..) {
        match file.read(rest)? {
            0 => break,
            n => len += n,
        }
    }
    let text = buf.get(..len).unwrap_or_default();
    let mnt_id = procfs::line_value(text, b"mnt_id:").and_then(procfs::decimal);
    let file_ino = procfs::line_value(text, b"ino:").and_then(procfs::decimal);
    match (mnt_id, file_ino) {
        (Some(id), Some(i)) if i == ino => Ok(id),
        (Some(_), Some(_)) => Err(Error::unsafe_path(Step::FdinfoOtherFile)),
        // `ino:` appeared in Linux 5.14: before that, `mnt_id:` alone is all
        // there is (weaker: the content cannot be tied to the fd's inode).
        (Some(id), None) if !probe::kernel_at_least(5, 14) => Ok(id),
        (Some(_), None) => Err(Error::unsafe_path(Step::FdinfoNoIno)),
        // Kernels before 3.15 print no mnt_id: mounts cannot be checked.
        _ => Err(Error::unsupported(Step::NoMountId)),
    }
}

const FDINFO_READ: u64 = arch::O_RDONLY | arch::O_CLOEXEC | arch::O_NOCTTY | arch::O_NOFOLLOW;

/// Opens `self/fdinfo/<fd>` beneath `proc_root` by `openat2`, else as
/// `<getpid()>/fdinfo/<fd>` step by step, each step on a procfs: our pid
/// from the kernel, as an attacker can bind-mount a symlink over "self" on
/// the host /proc (a procfs of another pid namespace is refused when the
/// root is acquired). Its mount id is what we are computing: the caller's
/// `ino:` cross-check covers the content.
fn open_fdinfo(proc_root: ProcRootFd<'_>, fd: BorrowedFd<'_>) -> Result<OwnedFd, Error> {
    if !probe::missing(Feature::Openat2) {
        let mut path = ShortPathBuf::new();
        path.push(b"self/fdinfo/")?;
        path.push_u32(fd.as_raw_fd() as u32)?;
        match sys::openat2(proc_root.0, path.as_cstr(), FDINFO_READ, RESOLVE) {
            Ok(f) => return check_procfs(f.as_fd()).map(|()| f),
            Err(e) if probe::is_unavailable(e) => probe::mark_missing(Feature::Openat2),
            Err(Errno::EXDEV) => return Err(Error::unsafe_path(Step::FdinfoCrossesMount)),
            Err(e) => return Err(Error::os(e, Step::Openat2Fdinfo)),
        }
    }
    let dir_flags = arch::O_PATH | arch::O_DIRECTORY | arch::O_NOFOLLOW | arch::O_CLOEXEC;
    let mut digits = [0u8; 11];
    let pid = path::decimal_cstr(sys::getpid(), &mut digits);
    let pid_dir = open_on_procfs(proc_root.0, pid, dir_flags)?;
    let dir = open_on_procfs(pid_dir.as_fd(), c"fdinfo", dir_flags)?;
    let name = path::decimal_cstr(fd.as_raw_fd() as u32, &mut digits);
    open_on_procfs(dir.as_fd(), name, FDINFO_READ)
}

/// `openat` of one step of [`open_fdinfo`], which must be on a procfs.
fn open_on_procfs(dirfd: BorrowedFd<'_>, name: &CStr, flags: u64) -> Result<OwnedFd, Error> {
    let fd = sys::openat(dirfd, name, flags).map_err(|e| Error::os(e, Step::OpenFdinfo))?;
    check_procfs(fd.as_fd())?;
    Ok(fd)
}
