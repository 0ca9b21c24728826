//! The smallest runtime a static Linux binary needs without libc: `_start`,
//! `exit_group`, the memory functions the compiler calls, and an empty
//! unwinding personality (core is prebuilt with unwinding; we abort).

/// Entry point: the kernel jumps here with the stack holding argc/argv/envp.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
extern "C" fn _start() -> ! {
    core::arch::naked_asm!("xor ebp, ebp", "and rsp, -16", "call {entry}", "ud2", entry = sym entry)
}

#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
extern "C" fn _start() -> ! {
    core::arch::naked_asm!("mov x29, xzr", "mov x30, xzr", "bl {entry}", "brk #0", entry = sym entry)
}

#[cfg(target_arch = "riscv64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
extern "C" fn _start() -> ! {
    core::arch::naked_asm!("li ra, 0", "li fp, 0", "call {entry}", "unimp", entry = sym entry)
}

extern "C" fn entry() -> ! {
    exit(super::main())
}

/// A raw system call with up to four arguments; returns the kernel's
/// result (a negative errno on failure).
///
/// # Safety
/// As the system call `nr` with these arguments.
pub unsafe fn syscall4(nr: usize, a: usize, b: usize, c: usize, d: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller upholds the system call's contract; the registers
    // the kernel clobbers are declared.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a, in("rsi") b,
            in("rdx") c, in("r10") d, lateout("rcx") _, lateout("r11") _, options(nostack));
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("svc 0", in("x8") nr, inlateout("x0") a as isize => ret, in("x1") b,
            in("x2") c, in("x3") d, options(nostack));
        #[cfg(target_arch = "riscv64")]
        core::arch::asm!("ecall", in("a7") nr, inlateout("a0") a as isize => ret, in("a1") b,
            in("a2") c, in("a3") d, options(nostack));
    }
    ret
}

#[cfg(target_arch = "x86_64")]
mod nr {
    pub const GETPID: usize = 39;
    pub const REBOOT: usize = 169;
}
#[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
mod nr {
    pub const GETPID: usize = 172;
    pub const REBOOT: usize = 142;
}

/// `getpid()`.
pub fn getpid() -> isize {
    // SAFETY: getpid takes no arguments.
    unsafe { syscall4(nr::GETPID, 0, 0, 0, 0) }
}

/// `reboot(LINUX_REBOOT_CMD_POWER_OFF)`: powers the machine off (PID 1 of
/// a VM; returning from PID 1 would panic the kernel). Returns only if the
/// kernel refused, with the negative errno.
pub fn power_off() -> isize {
    const MAGIC1: usize = 0xfee1_dead;
    const MAGIC2: usize = 672_274_793;
    const CMD_POWER_OFF: usize = 0x4321_fedc;
    // SAFETY: reboot with the magic numbers and a command takes no pointers.
    unsafe { syscall4(nr::REBOOT, MAGIC1, MAGIC2, CMD_POWER_OFF, 0) }
}

/// `exit_group(code)`.
pub fn exit(code: i32) -> ! {
    // SAFETY: exit_group takes no pointers and does not return.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("syscall", in("rax") 231, in("rdi") code, options(noreturn, nostack));
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("svc 0", in("x8") 94, in("x0") code, options(noreturn, nostack));
        #[cfg(target_arch = "riscv64")]
        core::arch::asm!("ecall", in("a7") 94, in("a0") code, options(noreturn, nostack));
    }
}

// The memory functions the compiler emits calls to. Byte loops, written so
// that the optimiser cannot turn them back into calls to themselves.

/// # Safety
/// As C `memcpy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        // SAFETY: the caller guarantees both ranges are valid for n bytes.
        unsafe { core::ptr::write_volatile(dst.add(i), *src.add(i)) };
        i += 1;
    }
    dst
}

/// # Safety
/// As C `memmove`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize) <= (src as usize) {
        // SAFETY: forwards copy is correct when dst does not start after src.
        return unsafe { memcpy(dst, src, n) };
    }
    let mut i = n;
    while i > 0 {
        i -= 1;
        // SAFETY: the caller guarantees both ranges are valid for n bytes.
        unsafe { core::ptr::write_volatile(dst.add(i), *src.add(i)) };
    }
    dst
}

/// # Safety
/// As C `memset`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        // SAFETY: the caller guarantees the range is valid for n bytes.
        unsafe { core::ptr::write_volatile(dst.add(i), c as u8) };
        i += 1;
    }
    dst
}

/// # Safety
/// As C `memcmp`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: the caller guarantees both ranges are valid for n bytes.
        let (x, y) = unsafe {
            (
                core::ptr::read_volatile(a.add(i)),
                core::ptr::read_volatile(b.add(i)),
            )
        };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// # Safety
/// As C `bcmp`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}

/// compiler-builtins' aarch64 atomics support asks the C library for the
/// CPU's features (to choose LSE atomics). There is no C library: report
/// none, so the portable LL/SC sequences are used.
#[cfg(target_arch = "aarch64")]
#[unsafe(no_mangle)]
extern "C" fn getauxval(_type: u64) -> u64 {
    0
}

/// Never called: we abort on panic, but the prebuilt core references it.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
