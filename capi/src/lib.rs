//! The procfs part of libpathrs's C API on top of `safe-procfs`: the same
//! symbol names, signatures, constants and semantics as libpathrs's
//! `pathrs.h` for `pathrs_procfs_open`, `pathrs_proc_open`,
//! `pathrs_proc_openat`, `pathrs_proc_readlink`, `pathrs_proc_readlinkat`,
//! `pathrs_errorinfo` and `pathrs_errorinfo_free`, plus extras of our own
//! under `safe_procfs_*` names. The header is `include/safe-procfs.h`.
//!
//! `#![no_std]`, no allocator, no libc: errors live in a fixed table (see
//! [`errors`]). Nothing here panics (no `unwrap`, no indexing), and the
//! panic handler traps without unwinding, so nothing unwinds into C.
//! `unsafe` appears only where a raw pointer from C is read or written.
#![no_std]

mod compat;
mod errors;
mod versions;

use core::ffi::{CStr, c_char, c_int};
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};
use safe_procfs::{
    BorrowedFd, Error, Handle, NoPin, OpenFlags, OpenOption, OwnedFd, ProcBase, no_host_fallback,
    unmasked_proc_root,
};

pub use errors::CError;

// errno values (the same on x86_64, aarch64 and riscv64: asm-generic).
const E2BIG: i32 = 7;
const EBADF: i32 = 9;
const EFAULT: i32 = 14;
const EINVAL: i32 = 22;

/// `PATHRS_PROC_DEFAULT_ROOTFD` (`-EBADF`): the default (cached) handle.
pub const PATHRS_PROC_DEFAULT_ROOTFD: c_int = -EBADF;
/// Ours, `SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST`: the default (cached)
/// handle, re-acquired (when its fd was closed or replaced) without ever
/// using the host `/proc`. `pathrs_procfs_open` returns it for
/// `SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK` when the result is the cached
/// handle: `PATHRS_PROC_DEFAULT_ROOTFD` would forget the flag. Not an fd,
/// not -EBADF, and not an error id (those are below -4096).
pub const SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST: c_int = -4095;
/// `PATHRS_PROC_ROOT`.
pub const PATHRS_PROC_ROOT: u64 = 0xFFFF_FFFE_7072_6F63;
/// `PATHRS_PROC_SELF`.
pub const PATHRS_PROC_SELF: u64 = 0xFFFF_FFFE_091D_5E1F;
/// `PATHRS_PROC_THREAD_SELF`.
pub const PATHRS_PROC_THREAD_SELF: u64 = 0xFFFF_FFFE_3EAD_5E1F;
/// `__PATHRS_PROC_TYPE_MASK`: the type bits of a base value.
const TYPE_MASK: u64 = 0xFFFF_FFFF_0000_0000;
/// `__PATHRS_PROC_TYPE_PID`: `PATHRS_PROC_PID(n)` is this | n.
const TYPE_PID: u64 = 0x8000_0000_0000_0000;
/// Our own base type for a pidfd base, `SAFE_PROCFS_PROC_PIDFD(fd)`
/// ("SPFD" in the type bits): see [`Base::PidFd`].
const TYPE_SAFE_PROCFS_PIDFD: u64 = 0x5350_4644_0000_0000;
/// `PATHRS_PROCFS_NEW_UNMASKED`, the one flag libpathrs defines.
const PROCFS_NEW_UNMASKED: u64 = 1;
/// `SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK`, our own flag: fail closed
/// (`EOPNOTSUPP`) rather than use the host `/proc`. libpathrs refuses this
/// bit (`EINVAL`), so a program using it never silently runs unprotected.
const PROCFS_NO_HOST_FALLBACK: u64 = 1 << 63;

/// Whether the default handle (`PATHRS_PROC_DEFAULT_ROOTFD`) is opened with
/// `no_host_fallback`: set by [`safe_procfs_set_default_no_host_fallback`].
static DEFAULT_NO_HOST: AtomicBool = AtomicBool::new(false);

/// libpathrs's `struct pathrs_procfs_open_how`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct ProcfsOpenHow {
    pub flags: u64,
}

/// A failure of a C entry point: an error of the crate, or one of this
/// layer's own argument checks.
enum CFail {
    Lib(Error),
    Own(i32, &'static str),
}

impl From<Error> for CFail {
    fn from(e: Error) -> Self {
        CFail::Lib(e)
    }
}

impl CFail {
    fn errno(&self) -> i32 {
        match self {
            CFail::Lib(e) => e.raw_os_error().unwrap_or(0),
            CFail::Own(errno, _) => *errno,
        }
    }
}

impl fmt::Display for CFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CFail::Lib(e) => write!(f, "safe-procfs: {e}"),
            CFail::Own(_, what) => write!(f, "safe-procfs: {what}"),
        }
    }
}

/// The C return value: the success value, or an error id.
fn ret(r: Result<c_int, CFail>) -> c_int {
    match r {
        Ok(v) => v,
        Err(e) => errors::save(e.errno(), &e),
    }
}

#[derive(Clone, Copy)]
enum Base {
    Root,
    SelfProc,
    ThreadSelf,
    Pid(u32),
    /// `SAFE_PROCFS_PROC_PIDFD(fd)`: /proc/<pid of the pidfd>, race-free
    /// against pid recycling (the crate's `ProcBase::ProcPidFd`).
    PidFd(i32),
}

fn parse_base(base: u64) -> Result<Base, CFail> {
    match base {
        PATHRS_PROC_ROOT => Ok(Base::Root),
        PATHRS_PROC_SELF => Ok(Base::SelfProc),
        PATHRS_PROC_THREAD_SELF => Ok(Base::ThreadSelf),
        // pid 0 is refused here, as libpathrs does; pids >= 2^31 by the crate.
        b if b & TYPE_MASK == TYPE_PID && b & !TYPE_MASK != 0 => {
            Ok(Base::Pid((b & !TYPE_MASK) as u32))
        }
        b if b & TYPE_MASK == TYPE_SAFE_PROCFS_PIDFD => Ok(Base::PidFd((b & !TYPE_MASK) as i32)),
        _ => Err(CFail::Own(
            EINVAL,
            "the procfs base must be one of the PATHRS_PROC_* values or PATHRS_PROC_PID(n) with n > 0 (EINVAL)",
        )),
    }
}

/// The crate's base for `base`, a pidfd borrowed from the C caller.
///
/// # Safety
/// A pidfd base's fd must stay open for `'a` (the C call it came with).
unsafe fn proc_base<'a>(base: Base) -> Result<ProcBase<'a>, CFail> {
    match base {
        Base::Root => Ok(ProcBase::ProcRoot),
        Base::SelfProc => Ok(ProcBase::ProcSelf),
        Base::ThreadSelf => Ok(ProcBase::ProcThreadSelf),
        Base::Pid(n) => Ok(ProcBase::ProcPid(n)),
        // SAFETY: as this function's contract.
        Base::PidFd(fd) => Ok(ProcBase::ProcPidFd(unsafe { BorrowedFd::borrow_raw(fd) })),
    }
}

/// Runs `f` on the handle `proc_rootfd` names: the default handle for
/// `PATHRS_PROC_DEFAULT_ROOTFD`, else a handle adopted (after verification)
/// from a duplicate of the caller's fd, which stays the caller's.
fn with_handle<T>(
    proc_rootfd: c_int,
    f: impl FnOnce(&Handle) -> Result<T, CFail>,
) -> Result<T, CFail> {
    let handle = if proc_rootfd == SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST {
        Handle::open(&[no_host_fallback])?
    } else if proc_rootfd == PATHRS_PROC_DEFAULT_ROOTFD {
        let opts: &[OpenOption] = if DEFAULT_NO_HOST.load(Ordering::Relaxed) {
            &[no_host_fallback]
        } else {
            &[]
        };
        Handle::open(opts)?
    } else if proc_rootfd < 0 {
        // As libpathrs: a negative number that names no default is EINVAL.
        return Err(CFail::Own(
            EINVAL,
            "proc_rootfd is negative and not PATHRS_PROC_DEFAULT_ROOTFD (EINVAL)",
        ));
    } else {
        // SAFETY: the C caller keeps `proc_rootfd` open for this call (as
        // for every fd argument of libpathrs); a number that is not open
        // only makes the kernel answer EBADF. It is duplicated, never closed.
        let caller_fd = unsafe { BorrowedFd::borrow_raw(proc_rootfd) };
        Handle::from_fd(caller_fd.try_clone_to_owned()?)?
    };
    let r = f(&handle);
    // A failed close (the fd was taken away meanwhile) has already been
    // reported by `f`'s own per-call check, or does not matter to the result.
    let _ = handle.close();
    r
}

/// The bytes of a C path (NUL-terminated).
///
/// # Safety
/// `path` is NULL or points to a NUL-terminated string.
unsafe fn c_path<'a>(path: *const c_char) -> Result<&'a [u8], CFail> {
    if path.is_null() {
        return Err(CFail::Own(EINVAL, "path is NULL (EINVAL)"));
    }
    // SAFETY: not NULL; the C caller guarantees a NUL-terminated string that
    // outlives this call.
    Ok(unsafe { CStr::from_ptr(path) }.to_bytes())
}

fn open_on(h: &Handle, base: Base, path: &[u8], flags: OpenFlags) -> Result<OwnedFd, CFail> {
    Ok(match base {
        Base::Root => h.open_root(path, flags)?,
        Base::SelfProc => h.open_self(path, flags)?,
        Base::Pid(pid) => h.open_pid(pid, path, flags)?,
        Base::ThreadSelf => {
            // A C thread is an OS thread: nothing to pin.
            let (fd, closer) = h.open_thread_self(path, flags, &NoPin)?;
            closer.close();
            fd
        }
        Base::PidFd(pidfd) => {
            // SAFETY: the C caller keeps the pidfd it passes open for the
            // call (as for every fd argument of libpathrs). A number that is
            // not open only makes the kernel answer EBADF: the crate hands
            // it to the kernel and never closes it.
            let pidfd = unsafe { BorrowedFd::borrow_raw(pidfd) };
            h.open_pidfd(pidfd, path, flags)?
        }
    })
}

/// Buffer for a link target: PATH_MAX. A longer target fails with ERANGE.
const LINK_MAX: usize = 4096;

/// `pathrs_procfs_open(how, size)`: a procfs root handle. Returns
/// `PATHRS_PROC_DEFAULT_ROOTFD` when that is the process-wide cached
/// handle (`SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST` if the flags have
/// `SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK`), else a new `O_PATH|O_CLOEXEC` fd of the procfs root (an
/// unmasked one with `PATHRS_PROCFS_NEW_UNMASKED`: close it soon).
///
/// # Safety
/// `args` is NULL (with `size` 0) or points to `size` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pathrs_procfs_open(args: *const ProcfsOpenHow, size: usize) -> c_int {
    let how = if size == 0 {
        Ok(ProcfsOpenHow::default())
    } else if size > isize::MAX as usize {
        Err(CFail::Own(
            E2BIG,
            "pathrs_procfs_open: size is larger than any struct (E2BIG)",
        ))
    } else if args.is_null() {
        Err(CFail::Own(
            EFAULT,
            "pathrs_procfs_open: args is NULL but size is not 0 (EFAULT)",
        ))
    } else {
        // SAFETY: not NULL; the C caller guarantees `size` readable bytes.
        let bytes = unsafe { core::slice::from_raw_parts(args.cast::<u8>(), size) };
        read_open_how(bytes)
    };
    ret(how.and_then(procfs_open))
}

/// libpathrs's extensible-struct rule: a shorter struct is zero-filled, a
/// longer one may only carry zeros past the fields we know (else E2BIG).
fn read_open_how(bytes: &[u8]) -> Result<ProcfsOpenHow, CFail> {
    let mut known = [0u8; core::mem::size_of::<ProcfsOpenHow>()];
    let (head, tail) = bytes.split_at(bytes.len().min(known.len()));
    for (dst, src) in known.iter_mut().zip(head) {
        *dst = *src;
    }
    if tail.iter().any(|&b| b != 0) {
        return Err(CFail::Own(
            E2BIG,
            "pathrs_procfs_open: struct pathrs_procfs_open_how has unknown non-zero trailing bytes (E2BIG)",
        ));
    }
    Ok(ProcfsOpenHow {
        flags: u64::from_ne_bytes(known),
    })
}

fn procfs_open(how: ProcfsOpenHow) -> Result<c_int, CFail> {
    if how.flags & !(PROCFS_NEW_UNMASKED | PROCFS_NO_HOST_FALLBACK) != 0 {
        return Err(CFail::Own(
            EINVAL,
            "pathrs_procfs_open: unknown bits in flags (EINVAL)",
        ));
    }
    let unmasked = how.flags & PROCFS_NEW_UNMASKED != 0;
    let no_host = how.flags & PROCFS_NO_HOST_FALLBACK != 0;
    let handle = match (unmasked, no_host) {
        (false, false) => Handle::open(&[])?,
        (true, false) => Handle::open(&[unmasked_proc_root])?,
        (false, true) => Handle::open(&[no_host_fallback])?,
        (true, true) => Handle::open(&[unmasked_proc_root, no_host_fallback])?,
    };
    if handle.is_cached() {
        // The caller's choice must outlive this handle: a later call that
        // has to re-acquire (the cached fd closed by close_range, the
        // mount API taken away by seccomp) must still refuse the host /proc.
        return Ok(if no_host {
            SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST
        } else {
            PATHRS_PROC_DEFAULT_ROOTFD
        });
    }
    let root = handle.open_root(".", OpenFlags::O_PATH | OpenFlags::O_DIRECTORY);
    let _ = handle.close();
    Ok(root?.into_raw_fd())
}

/// `pathrs_proc_openat(proc_rootfd, base, path, flags)`: opens `path`
/// beneath `base` of the procfs `proc_rootfd` names (or the default handle
/// for `PATHRS_PROC_DEFAULT_ROOTFD`). A caller's fd is verified (procfs,
/// root inode, our pid namespace) on every call, and refused otherwise.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pathrs_proc_openat(
    proc_rootfd: c_int,
    base: u64,
    path: *const c_char,
    flags: u64,
) -> c_int {
    let r = (|| {
        let base = parse_base(base)?;
        // SAFETY: the C caller passes NULL or a NUL-terminated string.
        let path = unsafe { c_path(path) }?;
        let flags = OpenFlags::from_bits_retain(flags);
        with_handle(proc_rootfd, |h| open_on(h, base, path, flags))
    })();
    ret(r.map(OwnedFd::into_raw_fd))
}

/// `pathrs_proc_open(base, path, flags)`: `pathrs_proc_openat` on the
/// default handle.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pathrs_proc_open(base: u64, path: *const c_char, flags: u64) -> c_int {
    // SAFETY: the same contract as ours.
    unsafe { pathrs_proc_openat(PATHRS_PROC_DEFAULT_ROOTFD, base, path, flags) }
}

/// `pathrs_proc_openat@LIBPATHRS_0.2`: the entry point of programs linked
/// against libpathrs before 0.2.5, whose `flags` was a C `int`. The value
/// is taken as the 32 bits it was (not sign-extended), as libpathrs does.
///
/// # Safety
/// As [`pathrs_proc_openat`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __pathrs_proc_openat_v1(
    proc_rootfd: c_int,
    base: u64,
    path: *const c_char,
    flags: c_int,
) -> c_int {
    // SAFETY: the same contract as ours.
    unsafe { pathrs_proc_openat(proc_rootfd, base, path, u64::from(flags as u32)) }
}

/// `pathrs_proc_open@LIBPATHRS_0.2`: as [`__pathrs_proc_openat_v1`], on the
/// default handle.
///
/// # Safety
/// As [`pathrs_proc_openat`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __pathrs_proc_open_v1(
    base: u64,
    path: *const c_char,
    flags: c_int,
) -> c_int {
    // SAFETY: the same contract as ours.
    unsafe {
        pathrs_proc_openat(
            PATHRS_PROC_DEFAULT_ROOTFD,
            base,
            path,
            u64::from(flags as u32),
        )
    }
}

/// `pathrs_proc_readlinkat(proc_rootfd, base, path, linkbuf, size)`: copies
/// up to `linkbuf_size` bytes of the link target (no NUL) and returns the
/// target's full length, as libpathrs does (a short buffer truncates; a
/// NULL buffer counts as size 0). Targets longer than 4096 bytes: ERANGE.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `linkbuf` is NULL or points
/// to `linkbuf_size` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pathrs_proc_readlinkat(
    proc_rootfd: c_int,
    base: u64,
    path: *const c_char,
    linkbuf: *mut c_char,
    linkbuf_size: usize,
) -> c_int {
    let r = (|| {
        // SAFETY: the C caller keeps a pidfd base's fd open for this call
        // (as for every fd argument of libpathrs); one that is not open only
        // makes the kernel answer EBADF (the crate never closes it).
        let base = unsafe { proc_base(parse_base(base)?) }?;
        // SAFETY: the C caller passes NULL or a NUL-terminated string.
        let path = unsafe { c_path(path) }?;
        let mut buf = [0u8; LINK_MAX];
        let target = with_handle(proc_rootfd, |h| Ok(h.readlink(base, path, &mut buf)?))?;
        // An impossible size counts as 0, as libpathrs says of an invalid one.
        if !linkbuf.is_null() && linkbuf_size > 0 && linkbuf_size <= isize::MAX as usize {
            // SAFETY: not NULL; the C caller guarantees `linkbuf_size`
            // writable bytes that nothing else uses during this call.
            let dst =
                unsafe { core::slice::from_raw_parts_mut(linkbuf.cast::<u8>(), linkbuf_size) };
            for (d, s) in dst.iter_mut().zip(target) {
                *d = *s;
            }
        }
        Ok(target.len() as c_int)
    })();
    ret(r)
}

/// `pathrs_proc_readlink(base, path, linkbuf, size)`: on the default handle.
///
/// # Safety
/// As [`pathrs_proc_readlinkat`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pathrs_proc_readlink(
    base: u64,
    path: *const c_char,
    linkbuf: *mut c_char,
    linkbuf_size: usize,
) -> c_int {
    // SAFETY: the same contract as ours.
    unsafe {
        pathrs_proc_readlinkat(
            PATHRS_PROC_DEFAULT_ROOTFD,
            base,
            path,
            linkbuf,
            linkbuf_size,
        )
    }
}

/// `pathrs_errorinfo(err_id)`: the record of an error id (once per id), or
/// NULL for an id that names none. See [`errors`] for a full table.
#[unsafe(no_mangle)]
pub extern "C" fn pathrs_errorinfo(err_id: c_int) -> *mut CError {
    errors::take(err_id)
}

/// `pathrs_errorinfo_free(ptr)`: gives a record back (NULL is ignored).
#[unsafe(no_mangle)]
pub extern "C" fn pathrs_errorinfo_free(ptr: *mut CError) {
    errors::free(ptr)
}

/// Ours: makes the default handle (`PATHRS_PROC_DEFAULT_ROOTFD`, and so
/// `pathrs_proc_open`/`pathrs_proc_readlink`) fail closed with
/// `EOPNOTSUPP` instead of ever using the host `/proc` (`enable` != 0), or
/// allows it again (0). Returns the previous setting (0 or 1).
#[unsafe(no_mangle)]
pub extern "C" fn safe_procfs_set_default_no_host_fallback(enable: c_int) -> c_int {
    DEFAULT_NO_HOST.swap(enable != 0, Ordering::Relaxed) as c_int
}

/// Ours: the number of error slots (errors beyond that, unread or not
/// freed, get overflow records that carry only the errno).
#[unsafe(no_mangle)]
pub extern "C" fn safe_procfs_error_slots() -> c_int {
    errors::SLOTS as c_int
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    // Unreachable by design (nothing here panics); if it ever is reached,
    // stop the process at once with an illegal instruction: never unwind.
    // SAFETY: a trap instruction touches no memory; the kernel kills the
    // process with SIGILL.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("ud2", options(noreturn, nomem, nostack));
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("udf #0", options(noreturn, nomem, nostack));
        #[cfg(target_arch = "riscv64")]
        core::arch::asm!("unimp", options(noreturn, nomem, nostack));
    }
}

/// Debug builds only: the precompiled `core` (built to unwind) keeps a
/// reference to the unwinding personality routine, which nothing here
/// needs (panic = "abort", and the handler above traps); release builds
/// (LTO) drop that reference, so they neither need nor export this.
#[cfg(debug_assertions)]
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
