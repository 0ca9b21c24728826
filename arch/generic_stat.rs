// `struct stat` in the asm-generic layout (include/uapi/asm-generic/stat.h),
// used by aarch64 and riscv64; x86_64 has its own.

/// `struct stat` of `fstat(2)` in the asm-generic layout (128 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_mode: u32,
    pub st_nlink: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub st_rdev: u64,
    pub pad1: u64,
    pub st_size: i64,
    pub st_blksize: i32,
    pub pad2: i32,
    pub st_blocks: i64,
    pub st_times: [u64; 6],
    pub unused: [u32; 2],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<Stat>() == 128);
    assert!(offset_of!(Stat, st_ino) == 8);
    assert!(offset_of!(Stat, st_mode) == 16);
};
