// The kernel ABI that is the same on every supported architecture: the
// crate's one hand-kept copy of kernel constants and structures (with
// compile-time checks of the offsets it reads). System-call numbers and
// errno names come from the `syscalls` crate. Included by each
// `arch/<arch>.rs`.

// open(2) flags whose values are the same on x86_64, aarch64 and riscv64.
// The four that differ (O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE) are
// defined by each architecture's file.
pub const O_RDONLY: u64 = 0o0;
pub const O_WRONLY: u64 = 0o1;
pub const O_RDWR: u64 = 0o2;
pub const O_CREAT: u64 = 0o100;
pub const O_EXCL: u64 = 0o200;
pub const O_NOCTTY: u64 = 0o400;
pub const O_TRUNC: u64 = 0o1000;
pub const O_APPEND: u64 = 0o2000;
pub const O_NONBLOCK: u64 = 0o4000;
pub const O_DSYNC: u64 = 0o10000;
pub const O_NOATIME: u64 = 0o1000000;
pub const O_CLOEXEC: u64 = 0o2000000;
pub const O_SYNC: u64 = 0o4000000 | O_DSYNC;
pub const O_PATH: u64 = 0o10000000;
pub const O_TMPFILE: u64 = 0o20000000 | O_DIRECTORY;

/// `struct open_how` of `openat2(2)`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct OpenHow {
    pub flags: u64,
    pub mode: u64,
    pub resolve: u64,
}

/// `struct statfs` (64-bit `__statfs_word`); only `f_type` is read.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Statfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}

/// `struct statx_timestamp`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct StatxTimestamp {
    pub tv_sec: i64,
    pub tv_nsec: u32,
    pub reserved: i32,
}

/// `struct statx` (256 bytes); the crate reads mask, mode, ino and mnt_id.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Statx {
    pub stx_mask: u32,
    pub stx_blksize: u32,
    pub stx_attributes: u64,
    pub stx_nlink: u32,
    pub stx_uid: u32,
    pub stx_gid: u32,
    pub stx_mode: u16,
    pub spare0: u16,
    pub stx_ino: u64,
    pub stx_size: u64,
    pub stx_blocks: u64,
    pub stx_attributes_mask: u64,
    pub stx_atime: StatxTimestamp,
    pub stx_btime: StatxTimestamp,
    pub stx_ctime: StatxTimestamp,
    pub stx_mtime: StatxTimestamp,
    pub stx_rdev_major: u32,
    pub stx_rdev_minor: u32,
    pub stx_dev_major: u32,
    pub stx_dev_minor: u32,
    pub stx_mnt_id: u64,
    pub spare2: [u64; 13],
}

/// `struct new_utsname`: six 65-byte fields.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Utsname {
    pub sysname: [u8; 65],
    pub nodename: [u8; 65],
    pub release: [u8; 65],
    pub version: [u8; 65],
    pub machine: [u8; 65],
    pub domainname: [u8; 65],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<OpenHow>() == 24);
    assert!(offset_of!(Statfs, f_type) == 0);
    assert!(size_of::<Statfs>() == 120);
    assert!(size_of::<Statx>() == 256);
    assert!(offset_of!(Statx, stx_mask) == 0);
    assert!(offset_of!(Statx, stx_mode) == 28);
    assert!(offset_of!(Statx, stx_ino) == 32);
    assert!(offset_of!(Statx, stx_mnt_id) == 144);
    assert!(size_of::<Utsname>() == 390);
    assert!(offset_of!(Utsname, release) == 130);
};

// Flags and numbers of the system calls the crate makes, the same on the
// three architectures.
pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
pub const AT_EMPTY_PATH: u32 = 0x1000;

pub const RESOLVE_NO_XDEV: u64 = 0x01;
pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub const RESOLVE_BENEATH: u64 = 0x08;

pub const STATX_TYPE: u32 = 0x0001;
pub const STATX_MODE: u32 = 0x0002;
pub const STATX_CTIME: u32 = 0x0080;
pub const STATX_INO: u32 = 0x0100;
pub const STATX_MNT_ID: u32 = 0x1000;
pub const STATX_MNT_ID_UNIQUE: u32 = 0x4000;

pub const S_IFMT: u32 = 0o170000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFLNK: u32 = 0o120000;

pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;
pub const PROC_ROOT_INO: u64 = 1;

pub const FSOPEN_CLOEXEC: u32 = 1;
pub const FSCONFIG_SET_STRING: u32 = 1;
pub const FSCONFIG_CMD_CREATE: u32 = 6;
pub const FSMOUNT_CLOEXEC: u32 = 1;
pub const MOUNT_ATTR_NOSUID: u32 = 0x2;
pub const MOUNT_ATTR_NODEV: u32 = 0x4;
pub const MOUNT_ATTR_NOEXEC: u32 = 0x8;
pub const OPEN_TREE_CLONE: u32 = 1;
pub const F_DUPFD_CLOEXEC: usize = 1030;
pub const PAGE: usize = 4096;
pub const MADV_WIPEONFORK: usize = 18;
pub const PROT_READ_WRITE: usize = 0x1 | 0x2;
pub const MAP_PRIVATE_ANONYMOUS: usize = 0x02 | 0x20;
pub const SEEK_SET: usize = 0;

/// `struct pidfd_info` as of Linux 6.13 (`PIDFD_INFO_SIZE_VER0`, 64 bytes):
/// the size every kernel with `PIDFD_GET_INFO` accepts.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct PidfdInfo {
    pub mask: u64,
    pub cgroupid: u64,
    pub pid: u32,
    pub tgid: u32,
    pub ppid: u32,
    pub ids: [u32; 8],
    pub exit_code: i32,
}

const _: () = assert!(core::mem::size_of::<PidfdInfo>() == 64);

/// `PIDFD_INFO_PID`: ask for (and be told of) the pid fields.
pub const PIDFD_INFO_PID: u64 = 1;
/// `PIDFD_GET_INFO = _IOWR(0xFF, 11, struct pidfd_info)`, the same on the
/// three architectures (all use the generic ioctl encoding).
pub const PIDFD_GET_INFO: usize = (3 << 30) | (64 << 16) | (0xFF << 8) | 11;
