//! riscv64: the raw syscall entry and the ABI values that differ per architecture.
//!
//! The entry is our own `asm!` rather than `syscalls::raw`: the Linux RISC-V
//! vector ABI says system calls clobber the vector registers, and that
//! crate's stub declares no vector clobbers. Ours does, so code built with
//! the `v` extension cannot keep live vector values across a syscall.

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
    // SAFETY: `ecall` takes a7 and a0..a5, returns in a0, keeps the integer
    // and float registers and our stack; the vector registers are declared
    // clobbered (kernel vector ABI). Memory effects: the caller's contract.
    unsafe {
        core::arch::asm!(
            "ecall",
            in("a7") nr,
            inlateout("a0") a[0] as isize => ret,
            in("a1") a[1],
            in("a2") a[2],
            in("a3") a[3],
            in("a4") a[4],
            in("a5") a[5],
            out("v0") _, out("v1") _, out("v2") _, out("v3") _,
            out("v4") _, out("v5") _, out("v6") _, out("v7") _,
            out("v8") _, out("v9") _, out("v10") _, out("v11") _,
            out("v12") _, out("v13") _, out("v14") _, out("v15") _,
            out("v16") _, out("v17") _, out("v18") _, out("v19") _,
            out("v20") _, out("v21") _, out("v22") _, out("v23") _,
            out("v24") _, out("v25") _, out("v26") _, out("v27") _,
            out("v28") _, out("v29") _, out("v30") _, out("v31") _,
            options(nostack),
        );
    }
    ret
}

// open(2) flags that differ per architecture: on riscv64 the asm-generic values
// (include/uapi/asm-generic/fcntl.h); aarch64 has its own.
pub const O_DIRECT: u64 = 0o40000;
pub const O_LARGEFILE: u64 = 0o100000;
pub const O_DIRECTORY: u64 = 0o200000;
pub const O_NOFOLLOW: u64 = 0o400000;
include!("generic_stat.rs");
