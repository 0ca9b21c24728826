//! An older kernel, emulated on this one by a seccomp user-notification
//! supervisor: syscalls the old kernel lacks fail with `ENOSYS` in the BPF
//! filter itself; `uname`, `statx`, `read` (and `fsconfig` for 5.2–5.7) are
//! sent to a supervisor thread, which answers them as the old kernel would.
//!
//! The filter is installed on the calling thread only (no TSYNC), after the
//! supervisor thread was spawned: the supervisor is unfiltered and shares
//! the address space, fd table, cwd and mount namespace of the thread it
//! supervises, so it performs the syscalls itself on the target's fds and
//! paths, and moves data with `process_vm_readv`/`writev` on its own pid
//! (an `EFAULT` instead of a crash if the target passed a bad pointer).
//!
//! Run it in a fresh process (a re-exec of the test binary): the crate's
//! probes and cached kernel version are process-wide, and a seccomp filter
//! cannot be removed. Not under qemu-user, which implements no seccomp.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use syscalls::Sysno;

/// What an emulated kernel has and lacks.
pub struct Kernel {
    /// Also the value of the role environment variable.
    pub name: &'static str,
    /// What `uname` reports as the release.
    pub release: &'static str,
    /// Syscalls the old kernel does not have: `ENOSYS`.
    pub missing: &'static [Sysno],
    /// `fsconfig` knows neither `subset` nor a non-numeric `hidepid`
    /// (both came in 5.8): `EINVAL`.
    pub old_proc_options: bool,
}

/// RHEL 8: no new mount API (the crate skips it below 5.2 anyway), no
/// `openat2`, `statx` without mount ids, `fdinfo` without `ino:`.
pub const LINUX_4_18: Kernel = Kernel {
    name: "4.18",
    release: "4.18.0",
    missing: &[
        Sysno::fsopen,
        Sysno::fsconfig,
        Sysno::fsmount,
        Sysno::fspick,
        Sysno::move_mount,
        Sysno::open_tree,
        Sysno::pidfd_send_signal,
        Sysno::pidfd_open,
        Sysno::clone3,
        Sysno::openat2,
        Sysno::pidfd_getfd,
        Sysno::faccessat2,
        Sysno::close_range,
        Sysno::mount_setattr,
        Sysno::statmount,
        Sysno::listmount,
    ],
    old_proc_options: false,
};

/// Ubuntu 20.04: the new mount API and `open_tree` (5.2) and pidfds
/// (5.3), but no `openat2` (5.6), procfs without `subset=pid` and
/// `hidepid=ptraceable` (5.8), `statx` without mount ids, `fdinfo` without
/// `ino:`.
pub const LINUX_5_4: Kernel = Kernel {
    name: "5.4",
    release: "5.4.0",
    missing: &[
        Sysno::openat2,
        Sysno::pidfd_getfd,
        Sysno::faccessat2,
        Sysno::close_range,
        Sysno::mount_setattr,
        Sysno::statmount,
        Sysno::listmount,
    ],
    old_proc_options: true,
};

/// What the supervisor did, so that a test can show the emulation was real.
pub struct Counters {
    pub uname: AtomicUsize,
    pub statx: AtomicUsize,
    /// `statx` answers from which mount-id bits were removed.
    pub statx_mnt_id_hidden: AtomicUsize,
    /// `fdinfo` reads whose `ino:` line was removed.
    pub fdinfo_ino_stripped: AtomicUsize,
    /// Other reads, performed unchanged by the kernel.
    pub reads_passed: AtomicUsize,
    pub fsconfig_refused: AtomicUsize,
}

pub static COUNTERS: Counters = Counters {
    uname: AtomicUsize::new(0),
    statx: AtomicUsize::new(0),
    statx_mnt_id_hidden: AtomicUsize::new(0),
    fdinfo_ino_stripped: AtomicUsize::new(0),
    reads_passed: AtomicUsize::new(0),
    fsconfig_refused: AtomicUsize::new(0),
};

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7;
#[cfg(target_arch = "riscv64")]
const AUDIT_ARCH: u32 = 0xc000_00f3;

const STATX_MNT_ID: u32 = 0x1000;
const STATX_MNT_ID_UNIQUE: u32 = 0x4000;
/// Offset of `stx_mnt_id` in `struct statx` (uapi/linux/stat.h).
const STX_MNT_ID_OFFSET: usize = 0x90;
const FSCONFIG_SET_STRING: u64 = 1;
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Spawns the supervisor, then makes the calling thread run as kernel `k`.
/// Irreversible for this thread.
pub fn emulate(k: &'static Kernel) -> Result<(), String> {
    let (tx, rx) = std::sync::mpsc::channel::<i32>();
    // First the thread, so that it carries no filter.
    std::thread::Builder::new()
        .name("old-kernel".into())
        .spawn(move || {
            if let Ok(listener) = rx.recv() {
                supervise(k, listener);
            }
        })
        .map_err(|e| format!("spawn supervisor: {e}"))?;

    let stmt = |code: u32, k: u32| libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let jeq_next_else_skip = |nr: u32| libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt: 0,
        jf: 1,
        k: nr,
    };
    let ret = |v: u32| stmt(libc::BPF_RET | libc::BPF_K, v);
    let mut prog = vec![
        // Another architecture's syscall numbers mean other things: allow.
        stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, 4),
        libc::sock_filter {
            code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
            jt: 1,
            jf: 0,
            k: AUDIT_ARCH,
        },
        ret(libc::SECCOMP_RET_ALLOW),
        stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, 0),
    ];
    for &nr in k.missing {
        prog.push(jeq_next_else_skip(nr as u32));
        prog.push(ret(libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32));
    }
    let mut notified = vec![Sysno::uname, Sysno::statx, Sysno::read];
    if k.old_proc_options {
        notified.push(Sysno::fsconfig);
    }
    for nr in notified {
        prog.push(jeq_next_else_skip(nr as u32));
        prog.push(ret(libc::SECCOMP_RET_USER_NOTIF));
    }
    prog.push(ret(libc::SECCOMP_RET_ALLOW));
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_mut_ptr(),
    };
    // SAFETY: prctl/seccomp with a valid, live filter program; no TSYNC,
    // so only this thread is filtered.
    let listener = unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(format!("PR_SET_NO_NEW_PRIVS: errno {}", errno()));
        }
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
            &fprog as *const libc::sock_fprog,
        )
    };
    if listener < 0 {
        return Err(format!("seccomp NEW_LISTENER: errno {}", errno()));
    }
    tx.send(listener as i32)
        .map_err(|_| "the supervisor thread is gone".to_string())
}

/// How the supervisor answers one notification.
enum Answer {
    /// Let the kernel run the syscall as asked.
    Continue,
    Value(i64),
    Errno(i32),
}

/// The supervisor loop: runs until the process exits. Allocates nothing.
fn supervise(k: &Kernel, listener: i32) {
    loop {
        // SAFETY: all-zero is a valid seccomp_notif, and the kernel wants
        // it zeroed.
        let mut req: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: NOTIF_RECV fills one seccomp_notif.
        if unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_RECV, &mut req) } != 0 {
            match errno() {
                // Interrupted, or the target died between notify and recv.
                libc::EINTR | libc::ENOENT => continue,
                _ => return,
            }
        }
        let answer = answer(k, &req.data);
        // SAFETY: all-zero is a valid seccomp_notif_resp.
        let mut resp: libc::seccomp_notif_resp = unsafe { std::mem::zeroed() };
        resp.id = req.id;
        match answer {
            Answer::Continue => resp.flags = libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
            Answer::Value(v) => resp.val = v,
            Answer::Errno(e) => resp.error = -e,
        }
        // SAFETY: NOTIF_SEND reads one seccomp_notif_resp. An ENOENT (the
        // target is gone) needs nothing from us.
        unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_SEND, &mut resp) };
    }
}

fn answer(k: &Kernel, d: &libc::seccomp_data) -> Answer {
    let nr = d.nr as i64;
    let a = d.args;
    if nr == Sysno::uname as i64 {
        uname(k, a[0])
    } else if nr == Sysno::statx as i64 {
        statx(a)
    } else if nr == Sysno::read as i64 {
        read(a[0] as i32, a[1], a[2] as usize)
    } else if nr == Sysno::fsconfig as i64 {
        fsconfig(a)
    } else {
        Answer::Continue
    }
}

/// Copies `data` to address `to` of this process.
fn write_mem(to: u64, data: &[u8]) -> Result<(), i32> {
    let local = libc::iovec {
        iov_base: data.as_ptr() as *mut _,
        iov_len: data.len(),
    };
    let remote = libc::iovec {
        iov_base: to as *mut _,
        iov_len: data.len(),
    };
    // SAFETY: the kernel checks the remote range (EFAULT if unmapped) and
    // reads our live local buffer.
    let n = unsafe { libc::process_vm_writev(libc::getpid(), &local, 1, &remote, 1, 0) };
    if n == data.len() as isize {
        Ok(())
    } else {
        Err(libc::EFAULT)
    }
}

/// Reads the NUL-terminated string at `from` into `buf` (page by page, so
/// that a string near the end of a mapping reads fine).
fn read_cstr(from: u64, buf: &mut [u8; 256]) -> Option<&[u8]> {
    let mut len = 0;
    while len < buf.len() {
        let addr = from + len as u64;
        let chunk = (4096 - (addr % 4096) as usize).min(buf.len() - len);
        let local = libc::iovec {
            iov_base: buf[len..].as_mut_ptr().cast(),
            iov_len: chunk,
        };
        let remote = libc::iovec {
            iov_base: addr as *mut _,
            iov_len: chunk,
        };
        // SAFETY: the kernel checks the remote range and writes at most
        // `chunk` bytes into our live buffer.
        let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
        if n != chunk as isize {
            return None;
        }
        if let Some(end) = buf[len..len + chunk].iter().position(|&b| b == 0) {
            return Some(&buf[..len + end]);
        }
        len += chunk;
    }
    None
}

fn uname(k: &Kernel, to: u64) -> Answer {
    COUNTERS.uname.fetch_add(1, Relaxed);
    // SAFETY: all-zero is a valid utsname; uname fills it.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::uname(&mut u) } != 0 {
        return Answer::Errno(errno());
    }
    u.release = [0; 65];
    for (d, s) in u.release.iter_mut().zip(k.release.bytes()) {
        *d = s as libc::c_char;
    }
    // SAFETY: utsname is plain bytes; we view our own live value.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            (&u as *const libc::utsname).cast::<u8>(),
            std::mem::size_of::<libc::utsname>(),
        )
    };
    match write_mem(to, bytes) {
        Ok(()) => Answer::Value(0),
        Err(e) => Answer::Errno(e),
    }
}

/// `statx` as before 5.8: the same answer without any mount id.
fn statx(a: [u64; 6]) -> Answer {
    COUNTERS.statx.fetch_add(1, Relaxed);
    // struct statx is 256 bytes; u64s keep it aligned.
    let mut stx = [0u64; 32];
    // SAFETY: the path pointer is the target's, in our shared address space
    // (the kernel copies it, EFAULT if bad); the result goes into our
    // 256-byte buffer.
    let r = unsafe {
        libc::syscall(
            libc::SYS_statx,
            a[0] as i32,
            a[1] as *const libc::c_char,
            a[2] as i32,
            a[3] as u32,
            stx.as_mut_ptr(),
        )
    };
    if r != 0 {
        return Answer::Errno(errno());
    }
    // SAFETY: viewing our own [u64; 32] as its 256 bytes.
    let bytes: &mut [u8; 256] = unsafe { &mut *stx.as_mut_ptr().cast::<[u8; 256]>() };
    let mask = u32::from_ne_bytes(bytes[..4].try_into().unwrap_or_default());
    if mask & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE) != 0 {
        COUNTERS.statx_mnt_id_hidden.fetch_add(1, Relaxed);
    }
    let mask = mask & !(STATX_MNT_ID | STATX_MNT_ID_UNIQUE);
    bytes[..4].copy_from_slice(&mask.to_ne_bytes());
    bytes[STX_MNT_ID_OFFSET..STX_MNT_ID_OFFSET + 8].fill(0);
    match write_mem(a[4], bytes) {
        Ok(()) => Answer::Value(0),
        Err(e) => Answer::Errno(e),
    }
}

/// Whether `fd` is a procfs `fdinfo/N` file.
fn is_fdinfo(fd: i32) -> bool {
    let mut link = [0u8; 256];
    let path = crate::cpath!("/proc/self/fd/{fd}");
    // SAFETY: NUL-terminated path; at most link.len() bytes written.
    let n = unsafe { libc::readlink(path.ptr(), link.as_mut_ptr().cast(), link.len()) };
    if n <= 0 {
        return false;
    }
    let link = &link[..n as usize];
    let Some(i) = link.windows(8).rposition(|w| w == b"/fdinfo/") else {
        return false;
    };
    // SAFETY: fstatfs writes one struct statfs into a zeroed value.
    let magic = unsafe {
        let mut s: libc::statfs = std::mem::zeroed();
        if libc::fstatfs(fd, &mut s) != 0 {
            return false;
        }
        s.f_type as i64
    };
    magic == PROC_SUPER_MAGIC && link[i + 8..].iter().all(u8::is_ascii_digit)
}

/// `read` as before 5.14 on `fdinfo` files (no `ino:` line); every other
/// read runs unchanged.
fn read(fd: i32, to: u64, count: usize) -> Answer {
    if count == 0 || !is_fdinfo(fd) {
        COUNTERS.reads_passed.fetch_add(1, Relaxed);
        return Answer::Continue;
    }
    let mut buf = [0u8; 4096];
    let want = count.min(buf.len());
    // SAFETY: reading into our live buffer of at least `want` bytes; the
    // fd is the target's, in our shared fd table.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), want) };
    if n < 0 {
        return Answer::Errno(errno());
    }
    let mut out = [0u8; 4096];
    let mut len = 0;
    // A procfs fdinfo arrives whole in one read of this size: complete
    // lines only.
    for line in buf[..n as usize].split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"ino:") {
            continue;
        }
        out[len..len + line.len()].copy_from_slice(line);
        len += line.len();
    }
    // Counted whether or not this kernel printed an `ino:` line to strip
    // (before 5.14 it prints none): every fdinfo read went through here.
    COUNTERS.fdinfo_ino_stripped.fetch_add(1, Relaxed);
    match write_mem(to, &out[..len]) {
        Ok(()) => Answer::Value(len as i64),
        Err(e) => Answer::Errno(e),
    }
}

/// `fsconfig` before 5.8: procfs knows neither `subset` nor `hidepid`
/// given by name.
fn fsconfig(a: [u64; 6]) -> Answer {
    if a[1] != FSCONFIG_SET_STRING {
        return Answer::Continue;
    }
    let mut kb = [0u8; 256];
    let Some(key) = read_cstr(a[2], &mut kb) else {
        return Answer::Errno(libc::EFAULT);
    };
    let refuse = match key {
        b"subset" => true,
        b"hidepid" => {
            let mut vb = [0u8; 256];
            match read_cstr(a[3], &mut vb) {
                Some(v) => v.is_empty() || !v.iter().all(u8::is_ascii_digit),
                None => return Answer::Errno(libc::EFAULT),
            }
        }
        _ => false,
    };
    if refuse {
        COUNTERS.fsconfig_refused.fetch_add(1, Relaxed);
        Answer::Errno(libc::EINVAL)
    } else {
        Answer::Continue
    }
}
