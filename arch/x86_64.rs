//! x86_64: the raw syscall entry and the ABI values that differ per architecture.
//!
//! The entry is our own `asm!` rather than `syscalls::raw`: it is six lines,
//! we state its clobbers exactly, and the riscv64 stub of that crate declares
//! `preserves_flags` and no vector clobbers, which we do not want to inherit
//! on one architecture while trusting it on the others.

include!("common.rs");

/// Issues system call `nr` with six arguments and returns the kernel's raw
/// result (`-4095..=-1` is `-errno`).
///
/// # Safety
/// The arguments must be valid for system call `nr`: every pointer must point
/// to memory of the size and mutability the kernel expects for that call.
#[inline(always)]
pub unsafe fn syscall6(nr: usize, a: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: `syscall` clobbers rcx (return address) and r11 (rflags), both
    // declared; the kernel preserves every other register and does not touch
    // our stack. Memory effects are the caller's contract above.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a[0],
            in("rsi") a[1],
            in("rdx") a[2],
            in("r10") a[3],
            in("r8") a[4],
            in("r9") a[5],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

// open(2) flags that differ per architecture: on x86_64 the asm-generic values
// (include/uapi/asm-generic/fcntl.h); aarch64 has its own.
pub const O_DIRECT: u64 = 0o40000;
pub const O_LARGEFILE: u64 = 0o100000;
pub const O_DIRECTORY: u64 = 0o200000;
pub const O_NOFOLLOW: u64 = 0o400000;

/// `struct stat` of `fstat(2)` on x86_64 (144 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_nlink: u64,
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub pad0: i32,
    pub st_rdev: u64,
    pub st_size: i64,
    pub st_blksize: i64,
    pub st_blocks: i64,
    pub st_times: [u64; 6],
    pub unused: [i64; 3],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<Stat>() == 144);
    assert!(offset_of!(Stat, st_ino) == 8);
    assert!(offset_of!(Stat, st_mode) == 24);
};
