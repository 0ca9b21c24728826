//! The typed system-call layer: the only safe doorway to the kernel for the
//! rest of the crate. Every wrapper checks its arguments' memory safety by
//! construction (slices, `&CStr`, owned result structs) and returns
//! `Result<_, Errno>`, never a raw negative number.

use crate::arch::{
    self, F_DUPFD_CLOEXEC, FSCONFIG_CMD_CREATE, FSCONFIG_SET_STRING, MADV_WIPEONFORK,
    MAP_PRIVATE_ANONYMOUS, OpenHow, PAGE, PIDFD_GET_INFO, PIDFD_INFO_PID, PROT_READ_WRITE,
    PidfdInfo, SEEK_SET, Stat, Statfs, Statx, Utsname,
};
pub(crate) use crate::arch::{
    AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, FSMOUNT_CLOEXEC, FSOPEN_CLOEXEC, MOUNT_ATTR_NODEV,
    MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID, OPEN_TREE_CLONE, PROC_ROOT_INO, PROC_SUPER_MAGIC,
    RESOLVE_BENEATH, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_XDEV, S_IFDIR, S_IFLNK, S_IFMT, STATX_CTIME,
    STATX_INO, STATX_MNT_ID, STATX_MNT_ID_UNIQUE, STATX_MODE, STATX_TYPE,
};
use crate::fd::{BorrowedFd, OwnedFd};
use core::ffi::CStr;
use core::mem::MaybeUninit;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Release};
use core::sync::atomic::{AtomicU64, AtomicUsize};
pub(crate) use syscalls::Errno;
use syscalls::Sysno;

type Result<T> = core::result::Result<T, Errno>;

// SAFETY: not a descriptor but the kernel's name for the current directory,
// valid for as long as the process lives; it is never closed.
pub(crate) const AT_FDCWD: BorrowedFd<'static> = unsafe { BorrowedFd::borrow_raw(-100) };

/// Issues a system call and turns `-errno` into `Err`.
///
/// # Safety
/// As [`arch::syscall6`]: the arguments must be valid for `nr`.
#[inline(always)]
unsafe fn call(nr: Sysno, a: [usize; 6]) -> Result<usize> {
    #[cfg(feature = "__fault_injection")]
    if let Some(e) = crate::__fault_injection::injected(nr as usize) {
        return Err(e);
    }
    // SAFETY: forwarded from this function's own contract.
    let ret = unsafe { arch::syscall6(nr as usize, a) };
    if (-4095..0).contains(&ret) {
        Err(Errno::new(-ret as i32))
    } else {
        Ok(ret as usize)
    }
}

/// How a wrapper's argument goes into its register (an `i32` sign-extended,
/// as the C ABI passes an `int`).
trait Arg {
    fn to_reg(self) -> usize;
}

macro_rules! arg_by_cast {
    ($([$($g:ident)?] $t:ty $(: $to_num:ident)?),*) => {$(
        impl<$($g)?> Arg for $t {
            fn to_reg(self) -> usize {
                self$(.$to_num())? as usize
            }
        }
    )*};
}
arg_by_cast!([] usize, [] u64, [] u32, [] i32, [T] *const T, [T] *mut T);
arg_by_cast!([] BorrowedFd<'_>: as_raw_fd, [] &CStr: as_ptr);

/// `syscall!(name, args...)`: [`call`] of `Sysno::name` with each argument
/// converted by [`Arg`] and the remaining registers zero. Unsafe as `call`
/// is.
macro_rules! syscall {
    (@ $nr:ident [$a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr]) => {
        call(Sysno::$nr, [$a, $b, $c, $d, $e, $f])
    };
    (@ $nr:ident [$($r:expr),*]) => {
        syscall!(@ $nr [$($r,)* 0])
    };
    ($nr:ident $(, $a:expr)*) => {
        syscall!(@ $nr [$($a.to_reg()),*])
    };
}

fn new_fd(r: Result<usize>) -> Result<OwnedFd> {
    let fd = r? as i32;
    // SAFETY: the kernel just returned `fd` as a new descriptor owned by us.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub(crate) fn openat(dirfd: BorrowedFd<'_>, path: &CStr, flags: u64) -> Result<OwnedFd> {
    // SAFETY: `path` is NUL-terminated.
    new_fd(unsafe { syscall!(openat, dirfd, path, flags) })
}

pub(crate) fn openat2(
    dirfd: BorrowedFd<'_>,
    path: &CStr,
    flags: u64,
    resolve: u64,
) -> Result<OwnedFd> {
    let how = OpenHow {
        flags,
        mode: 0,
        resolve,
    };
    // SAFETY: `how` is a live `open_how` of the size passed; `path` ends in NUL.
    new_fd(unsafe { syscall!(openat2, dirfd, path, &raw const how, size_of::<OpenHow>()) })
}

pub(crate) fn dup_cloexec(fd: BorrowedFd<'_>) -> Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC touches no memory; a bad fd gives EBADF.
    new_fd(unsafe { syscall!(fcntl, fd, F_DUPFD_CLOEXEC) })
}

/// `fstatfs(2)`: the filesystem magic of `fd`.
pub(crate) fn fstatfs_type(fd: BorrowedFd<'_>) -> Result<i64> {
    let mut buf = MaybeUninit::<Statfs>::uninit();
    // SAFETY: the kernel writes one `struct statfs` (layout asserted in arch/).
    unsafe { syscall!(fstatfs, fd, buf.as_mut_ptr()) }?;
    // SAFETY: fstatfs succeeded, so the struct was filled.
    Ok(unsafe { buf.assume_init_ref() }.f_type)
}

/// What the crate reads of a `statx(2)` result.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StatxIds {
    /// `stx_mask`: which fields the kernel filled.
    pub(crate) mask: u32,
    pub(crate) file: FileId,
    /// `stx_mnt_id`: unique or classic, as `mask` says.
    pub(crate) mnt_id: u64,
}

pub(crate) fn statx(dirfd: BorrowedFd<'_>, path: &CStr, flags: u32, mask: u32) -> Result<StatxIds> {
    let mut buf = MaybeUninit::<Statx>::zeroed();
    // SAFETY: the kernel writes at most one `struct statx` (size asserted in
    // arch/); `path` is NUL-terminated.
    unsafe { syscall!(statx, dirfd, path, flags, mask, buf.as_mut_ptr()) }?;
    // SAFETY: zero-initialised and partially overwritten by the kernel: every
    // bit pattern is a valid `Statx` (plain integers).
    let stx = unsafe { buf.assume_init_ref() };
    Ok(StatxIds {
        mask: stx.stx_mask,
        file: FileId {
            dev: dev_number(stx.stx_dev_major, stx.stx_dev_minor),
            ino: stx.stx_ino,
            mode: u32::from(stx.stx_mode),
            ctime: nanoseconds(stx.stx_ctime.tv_sec as u64, stx.stx_ctime.tv_nsec),
        },
        mnt_id: stx.stx_mnt_id,
    })
}

/// What identifies a file: device (major << 32 | minor), inode, mode, and
/// the inode's change time in nanoseconds (for a procfs root: see `ctime`
/// in `root`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileId {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) mode: u32,
    pub(crate) ctime: u64,
}

fn nanoseconds(sec: u64, nsec: u32) -> u64 {
    sec.wrapping_mul(1_000_000_000).wrapping_add(nsec.into())
}

fn dev_number(major: u32, minor: u32) -> u64 {
    (u64::from(major) << 32) | u64::from(minor)
}

/// `fstat(2)`, for when `statx` is unavailable.
pub(crate) fn fstat(fd: BorrowedFd<'_>) -> Result<FileId> {
    let mut buf = MaybeUninit::<Stat>::uninit();
    // SAFETY: the kernel writes one `struct stat` (layout asserted in arch/).
    unsafe { syscall!(fstat, fd, buf.as_mut_ptr()) }?;
    // SAFETY: fstat succeeded, so the struct was filled.
    let st = unsafe { buf.assume_init_ref() };
    // st_dev is the kernel's new_encode_dev(): 12 bits of major, 20 of minor.
    let major = (st.st_dev >> 8) & 0xfff;
    let minor = (st.st_dev & 0xff) | ((st.st_dev >> 12) & 0xfff00);
    // st_times: atime, its ns, mtime, its ns, ctime, its ns.
    let [.., ctime, ctime_nsec] = st.st_times;
    Ok(FileId {
        dev: dev_number(major as u32, minor as u32),
        ino: st.st_ino,
        mode: st.st_mode,
        ctime: nanoseconds(ctime, ctime_nsec as u32),
    })
}

pub(crate) fn readlinkat(dirfd: BorrowedFd<'_>, path: &CStr, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { syscall!(readlinkat, dirfd, path, buf.as_mut_ptr(), buf.len()) }
}

pub(crate) fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { syscall!(read, fd, buf.as_mut_ptr(), buf.len()) }
}

pub(crate) fn write(fd: BorrowedFd<'_>, buf: &[u8]) -> Result<usize> {
    // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`.
    unsafe { syscall!(write, fd, buf.as_ptr(), buf.len()) }
}

/// `close(2)` of `fd`, reporting the kernel's answer (a drop ignores it).
pub(crate) fn close(fd: OwnedFd) -> Result<()> {
    close_number(fd.into_raw_fd())
}

/// Only for [`close`] and the drop of an [`OwnedFd`], which own `fd`.
fn close_number(fd: i32) -> Result<()> {
    // SAFETY: closing a descriptor touches no memory of ours; callers own `fd`.
    unsafe { syscall!(close, fd) }.map(drop)
}

/// Descriptors are made here (`new_fd`) and closed here.
impl Drop for OwnedFd {
    fn drop(&mut self) {
        // Errors from close(2) cannot be acted on here (the fd is gone either way).
        let _ = close_number(self.as_raw_fd());
    }
}

pub(crate) fn fsopen(fsname: &CStr, flags: u32) -> Result<OwnedFd> {
    // SAFETY: `fsname` is NUL-terminated.
    new_fd(unsafe { syscall!(fsopen, fsname, flags) })
}

pub(crate) fn fsconfig_set_string(fd: BorrowedFd<'_>, key: &CStr, value: &CStr) -> Result<()> {
    // SAFETY: both strings are NUL-terminated; aux must be 0 for SET_STRING.
    unsafe { syscall!(fsconfig, fd, FSCONFIG_SET_STRING, key, value) }.map(drop)
}

pub(crate) fn fsconfig_create(fd: BorrowedFd<'_>) -> Result<()> {
    // SAFETY: CMD_CREATE takes no pointers (key and value must be NULL).
    unsafe { syscall!(fsconfig, fd, FSCONFIG_CMD_CREATE) }.map(drop)
}

pub(crate) fn fsmount(fd: BorrowedFd<'_>, flags: u32, attr: u32) -> Result<OwnedFd> {
    // SAFETY: no pointers are passed.
    new_fd(unsafe { syscall!(fsmount, fd, flags, attr) })
}

pub(crate) fn open_tree(dirfd: BorrowedFd<'_>, path: &CStr, flags: u32) -> Result<OwnedFd> {
    // SAFETY: `path` is NUL-terminated.
    new_fd(unsafe { syscall!(open_tree, dirfd, path, flags) })
}

/// Cannot fail.
pub(crate) fn gettid() -> u32 {
    // SAFETY: no arguments, no memory effects.
    unsafe { syscall!(gettid) }.unwrap_or(0) as u32
}

/// Cannot fail.
pub(crate) fn getpid() -> u32 {
    // SAFETY: no arguments, no memory effects.
    unsafe { syscall!(getpid) }.unwrap_or(0) as u32
}

/// The first word of a private page that the kernel zeroes in a forked
/// child (`MADV_WIPEONFORK`, Linux 4.14+), set up at most once and never
/// unmapped: the page's address, 0 while there is none.
pub(crate) struct WipeOnForkWord(AtomicUsize);

impl WipeOnForkWord {
    pub(crate) const fn new() -> WipeOnForkWord {
        WipeOnForkWord(AtomicUsize::new(0))
    }

    /// Maps the page and stores `value` in its word; unmaps it again if
    /// `madvise` fails or another thread's page came first (which stays).
    pub(crate) fn set_up(&self, value: u64) -> Result<()> {
        let (prot, flags, no_fd) = (PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, usize::MAX);
        // SAFETY: a new anonymous private mapping: no existing memory is touched.
        let addr = unsafe { syscall!(mmap, 0usize, PAGE, prot, flags, no_fd) }?;
        // SAFETY: advice on the page we just mapped, which nothing refers to.
        let advised = unsafe { syscall!(madvise, addr, PAGE, MADV_WIPEONFORK) };
        if advised.is_ok() {
            // SAFETY: our new page is mapped read-write and page-aligned (so
            // aligned for an AtomicU64), and only ever accessed atomically.
            unsafe { &*(addr as *const AtomicU64) }.store(value, Release);
            if self.0.compare_exchange(0, addr, AcqRel, Acquire).is_ok() {
                return Ok(());
            }
        }
        // SAFETY: unmapping our new page, which nothing refers to any more.
        let _ = unsafe { syscall!(munmap, addr, PAGE) };
        advised.map(drop)
    }

    /// The word, if one was set up.
    pub(crate) fn get(&self) -> Option<&'static AtomicU64> {
        let addr = self.0.load(Acquire);
        // SAFETY: only `set_up` stores a non-zero address: that of a page
        // mapped read-write, page-aligned and never unmapped, whose word is
        // only ever accessed atomically.
        (addr != 0).then(|| unsafe { &*(addr as *const AtomicU64) })
    }
}

/// `uname(2)`: the kernel release (`utsname.release`, NUL-padded).
pub(crate) fn uname_release() -> Result<[u8; 65]> {
    let mut buf = MaybeUninit::<Utsname>::uninit();
    // SAFETY: the kernel writes one `struct new_utsname` (size asserted).
    unsafe { syscall!(uname, buf.as_mut_ptr()) }?;
    // SAFETY: uname succeeded, so the struct was filled.
    Ok(unsafe { buf.assume_init_ref() }.release)
}

/// `pidfd_open(pid, 0)`: the kernel sets `O_CLOEXEC` on every pidfd.
pub(crate) fn pidfd_open(pid: u32) -> Result<OwnedFd> {
    // SAFETY: no pointers are passed.
    new_fd(unsafe { syscall!(pidfd_open, pid) })
}

pub(crate) fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: i32) -> Result<()> {
    // SAFETY: a NULL siginfo is allowed; no other pointers are passed.
    unsafe { syscall!(pidfd_send_signal, pidfd, sig) }.map(drop)
}

/// The pid of the pidfd's process in our pid namespace (`ESRCH`: reaped or
/// not visible here), by `PIDFD_GET_INFO` (Linux 6.13+). Only for an fd that
/// `pidfd_send_signal` accepted (a pidfd or a `/proc/<pid>` directory): an
/// unknown ioctl must not reach an arbitrary device.
pub(crate) fn pidfd_get_pid(pidfd: BorrowedFd<'_>) -> Result<u32> {
    let mut info = PidfdInfo {
        mask: PIDFD_INFO_PID,
        ..PidfdInfo::default()
    };
    // SAFETY: the kernel reads and writes one `struct pidfd_info`, the size
    // encoded in the request number.
    unsafe { syscall!(ioctl, pidfd, PIDFD_GET_INFO, &raw mut info) }?;
    if info.mask & PIDFD_INFO_PID == 0 || info.pid == 0 {
        return Err(Errno::ESRCH);
    }
    Ok(info.pid)
}

/// Fills `buf` with `struct linux_dirent64` records and returns the bytes
/// used (0 at the end of the directory).
pub(crate) fn getdents64(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { syscall!(getdents64, fd, buf.as_mut_ptr(), buf.len()) }
}

pub(crate) fn lseek_set(fd: BorrowedFd<'_>, offset: u64) -> Result<u64> {
    // SAFETY: no pointers are passed.
    unsafe { syscall!(lseek, fd, offset, SEEK_SET) }.map(|o| o as u64)
}

/// Reads at `offset` without moving the file offset (one register on the
/// three 64-bit targets).
pub(crate) fn pread64(fd: BorrowedFd<'_>, buf: &mut [u8], offset: u64) -> Result<usize> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { syscall!(pread64, fd, buf.as_mut_ptr(), buf.len(), offset) }
}

#[cfg(test)]
#[path = "sys_tests.rs"]
pub(crate) mod tests;
