//! The rest of libpathrs's C API, outside procfs, as stubs that always fail
//! (`ENOSYS`, with an error record saying so), and `pathrs_version`. They
//! exist so that a program built against libpathrs's whole API (go-pathrs's
//! `internal/libpathrs` declares and calls all of it, even when only its
//! `procfs` package is used) links against this library unchanged. The
//! declarations are in `include/safe-procfs-pathrs-compat.h`.

use crate::errors;
use core::ffi::{c_char, c_int, c_uint};
use core::fmt;

const ENOSYS: i32 = 38;
const EFAULT: i32 = 14;

struct NotProvided(&'static str);

impl fmt::Display for NotProvided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "safe-procfs: {} is not provided: this library has only libpathrs's procfs API (ENOSYS)",
            self.0
        )
    }
}

macro_rules! not_provided {
    ($($name:ident($($ty:ty),*);)*) => {$(
        /// Not provided: always an error id (`ENOSYS`).
        #[unsafe(no_mangle)]
        pub extern "C" fn $name($(_: $ty),*) -> c_int {
            errors::save(ENOSYS, &NotProvided(stringify!($name)))
        }
    )*};
}

not_provided! {
    pathrs_open_root(*const c_char);
    pathrs_reopen(c_int, u64);
    pathrs_inroot_resolve(c_int, *const c_char);
    pathrs_inroot_resolve_nofollow(c_int, *const c_char);
    pathrs_inroot_open(c_int, *const c_char, u64);
    pathrs_inroot_readlink(c_int, *const c_char, *mut c_char, usize);
    pathrs_inroot_rename(c_int, *const c_char, c_int, *const c_char, u64);
    pathrs_inroot_rmdir(c_int, *const c_char);
    pathrs_inroot_unlink(c_int, *const c_char);
    pathrs_inroot_remove_all(c_int, *const c_char);
    pathrs_inroot_creat(c_int, *const c_char, u64, c_uint);
    pathrs_inroot_mkdir(c_int, *const c_char, c_uint);
    pathrs_inroot_mkdir_all(c_int, *const c_char, c_uint);
    pathrs_inroot_mknod(c_int, *const c_char, c_uint, u64);
    pathrs_inroot_symlink(*const c_char, c_int, *const c_char);
    pathrs_inroot_hardlink(c_int, *const c_char, c_int, *const c_char, u64);
    // The pre-0.2.5 entry points (int flags), exported only from the shared
    // library, under libpathrs's older versions (src/versions.rs).
    __pathrs_reopen_v1(c_int, c_int);
    __pathrs_inroot_open_v1(c_int, *const c_char, c_int);
    __pathrs_inroot_rename_v1(c_int, *const c_char, c_int, *const c_char, c_int);
    __pathrs_inroot_creat_v1(c_int, *const c_char, c_int, c_uint);
    __pathrs_inroot_symlink_v1(*const c_char, c_int, *const c_char);
    __pathrs_inroot_hardlink_v1(c_int, *const c_char, c_int, *const c_char);
}

/// The version string: the libpathrs API level whose procfs part this is,
/// and ours as build metadata.
static VERSION: &[u8] = b"0.2.6+safe-procfs.0.1.0\0";

/// `pathrs_version(dst, dst_size)`: libpathrs's `pathrs_version_info_t`
/// (one pointer, `version_string`), by the extensible-struct rules: a
/// shorter buffer gets what fits and the return value is the size needed
/// (8), a longer one is zero-filled past it.
///
/// # Safety
/// `dst` is NULL (with `dst_size` 0) or points to `dst_size` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pathrs_version(dst: *mut u8, dst_size: usize) -> c_int {
    let ours = (VERSION.as_ptr() as usize).to_ne_bytes();
    if dst_size == 0 {
        return ours.len() as c_int;
    }
    if dst.is_null() || dst_size > isize::MAX as usize {
        return errors::save(
            EFAULT,
            &"safe-procfs: pathrs_version: dst is NULL or dst_size impossible (EFAULT)",
        );
    }
    // SAFETY: not NULL; the C caller guarantees `dst_size` writable bytes.
    let out = unsafe { core::slice::from_raw_parts_mut(dst, dst_size) };
    for (i, b) in out.iter_mut().enumerate() {
        *b = ours.get(i).copied().unwrap_or(0);
    }
    if dst_size < ours.len() {
        ours.len() as c_int
    } else {
        0
    }
}
