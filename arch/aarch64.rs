//! aarch64: the raw syscall entry and the ABI values that differ per architecture.
//!
//! The entry is our own `asm!` rather than `syscalls::raw`, so that all three
//! architectures declare their clobbers in one place we control (see
//! `arch/riscv64.rs` for why that matters).

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
    // With SVE, the kernel zeroes p0-p15, ffr and the bits of z0-z31 above
    // v0-v31 (Documentation/arch/arm64/sve.rst): the predicates are declared
    // clobbered; the upper z bits cannot be named in `asm!` and hold nothing
    // live, as this crate is not built with `+sve`.
    //
    // SAFETY: `svc 0` takes x8 and x0..x5, returns in x0, keeps every other
    // general register, the flags and our stack (SVE: see above). Memory
    // effects: the caller's contract.
    unsafe {
        core::arch::asm!(
            "svc 0",
            in("x8") nr,
            inlateout("x0") a[0] as isize => ret,
            in("x1") a[1],
            in("x2") a[2],
            in("x3") a[3],
            in("x4") a[4],
            in("x5") a[5],
            out("p0") _, out("p1") _, out("p2") _, out("p3") _,
            out("p4") _, out("p5") _, out("p6") _, out("p7") _,
            out("p8") _, out("p9") _, out("p10") _, out("p11") _,
            out("p12") _, out("p13") _, out("p14") _, out("p15") _,
            out("ffr") _,
            options(nostack, preserves_flags),
        );
    }
    ret
}

// open(2) flags that differ per architecture, as the arm64 kernel defines
// them (arch/arm64/include/uapi/asm/fcntl.h).
pub const O_DIRECTORY: u64 = 0o40000;
pub const O_NOFOLLOW: u64 = 0o100000;
pub const O_DIRECT: u64 = 0o200000;
pub const O_LARGEFILE: u64 = 0o400000;

include!("generic_stat.rs");
