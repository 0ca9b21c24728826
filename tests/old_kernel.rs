//! The crate works, and refuses overmounts, on older kernels: a 4.18-like
//! kernel (RHEL 8) and a 5.4-like one (Ubuntu 20.04), both with `statx`
//! lacking mount ids and `fdinfo` lacking `ino:`, emulated on this one by a
//! seccomp user-notification supervisor (tests/common/notif.rs).
//!
//! Every emulated kernel runs in a fresh process: the test re-executes its
//! own binary with only itself selected and an environment variable naming
//! the kernel (the crate's probes and cached kernel version are
//! process-wide, and a seccomp filter cannot be removed). That process sets
//! up an overmount attack in a private mount namespace, starts the
//! emulation, checks that the emulation is real, then runs the public API.
//!
//! qemu-user implements no seccomp: there these tests say SKIPPED (and fail
//! under CI=true); scripts/test.sh skips them on the qemu targets.

#![allow(clippy::result_large_err)]

mod common;
#[path = "common/notif.rs"]
mod notif;

use common::*;
use notif::{COUNTERS, Kernel};
use safe_procfs::{
    Error, ErrorKind, Handle, HandleKind, NoPin, OpenFlags, OwnedFd, ProcBase, unmasked_proc_root,
};
use std::sync::atomic::Ordering::Relaxed;

const RD: OpenFlags = OpenFlags::O_RDONLY;
/// Names the kernel to emulate in the re-executed test process.
const ROLE: &str = "SAFE_PROCFS_EMULATED_KERNEL";
const SCRATCH: &str = "/tmp/safe-procfs-old-kernel";
const ATTACKER: &[u8] = b"1 (ATTACKER) S 0 0 0\n";

#[test]
fn old_kernel_4_18_like() {
    run(
        "old_kernel_4_18_like",
        &notif::LINUX_4_18,
        HandleKind::HostMount,
    );
}

#[test]
fn old_kernel_5_4_like() {
    run(
        "old_kernel_5_4_like",
        &notif::LINUX_5_4,
        HandleKind::PrivateInstance,
    );
}

/// In the test harness: re-executes this test alone with the role set, and
/// passes its verdict on. In the re-executed process: the emulation.
fn run(test: &str, k: &'static Kernel, kind: HandleKind) {
    match std::env::var(ROLE) {
        Ok(role) if role == k.name => return in_emulated_kernel(k, kind),
        // A fresh process for another kernel: not ours to run.
        Ok(_) => return,
        Err(_) => {}
    }
    if !require_root(test) {
        return;
    }
    if !skip_unless(
        !under_qemu(),
        test,
        "qemu-user implements no seccomp, so no kernel can be emulated; \
         run it natively or in a VM of that architecture",
    ) {
        return;
    }
    let exe = std::env::current_exe().expect("current_exe");
    // stdout and stderr through one pipe, so that the lines keep their order.
    let (mut r, w) = std::io::pipe().expect("pipe");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(ROLE, k.name)
        .stdout(w.try_clone().expect("dup pipe"))
        .stderr(w);
    let mut child = cmd.spawn().expect("re-executing the test binary");
    drop(cmd); // our copies of the write end
    let mut output = String::new();
    std::io::Read::read_to_string(&mut r, &mut output).expect("reading its output");
    let status = child.wait().expect("wait");
    for line in output.lines() {
        eprintln!("[{} process] {line}", k.name);
    }
    assert!(
        status.success(),
        "emulated {}-like kernel: the API failed ({status})",
        k.name
    );
    // A filter that selected nothing would also exit 0.
    let done = format!("EMULATED {} DONE", k.name);
    assert!(
        output.contains(&done),
        "the emulated {} test did not run",
        k.name
    );
}

/// The whole run in the fresh process; panics listing every failure.
fn in_emulated_kernel(k: &'static Kernel, kind: HandleKind) {
    assert!(is_root(), "needs root");
    let pid = getpid();
    let exe = std::env::current_exe().expect("current_exe");
    let exe_id = {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(&exe).expect("stat exe");
        (m.dev(), m.ino())
    };

    // The attack first, in this thread's own mount namespace (unshare on a
    // thread unshares its fs context only), so that the supervisor spawned
    // below shares it: the attacker's file over /proc/<our pid>/stat.
    std::fs::create_dir_all(SCRATCH).unwrap();
    let setup = || -> Result<(), Msg> {
        private_mount_ns()?;
        mount_tmpfs(&cpath!("{SCRATCH}"))?;
        write_file(&cpath!("{SCRATCH}/stat"), ATTACKER)?;
        bind(&cpath!("{SCRATCH}/stat"), &cpath!("/proc/{pid}/stat"))
    };
    setup().unwrap();
    let mountinfo = open_mountinfo();
    let at = format!("/proc/{pid}/stat");
    assert_eq!(
        mounted_at(mountinfo, &at).as_deref(),
        Some("tmpfs"),
        "the attack is not in place"
    );
    assert_eq!(
        std::fs::read(&at).unwrap(),
        ATTACKER,
        "the attack is not in place"
    );

    notif::emulate(k).unwrap();
    verify_emulation(k, pid);
    eprintln!(
        "emulation of {} verified: uname says {}, no openat2, statx without mount ids, fdinfo without ino:",
        k.name, k.release
    );

    let stripped_before = COUNTERS.fdinfo_ino_stripped.load(Relaxed);
    let hidden_before = COUNTERS.statx_mnt_id_hidden.load(Relaxed);
    let mut failures = Vec::new();
    let ctx = Ctx { pid, exe, exe_id };
    let unmasked: &[safe_procfs::OpenOption] = &[unmasked_proc_root];
    for (label, opts) in [("Handle::open(&[])", &[][..]), ("unmasked", unmasked)] {
        match Handle::open(opts) {
            Ok(h) => {
                if h.kind() != kind {
                    failures.push(format!("{label}: {:?}, expected {kind:?}", h.kind()));
                }
                api_checks(&h, &ctx, label, &mut failures);
            }
            Err(e) => failures.push(format!("{label}: Handle::open failed: {e}")),
        }
    }
    // The crate did go through the emulated paths.
    let stripped = COUNTERS.fdinfo_ino_stripped.load(Relaxed) - stripped_before;
    let hidden = COUNTERS.statx_mnt_id_hidden.load(Relaxed) - hidden_before;
    eprintln!(
        "supervisor: uname {}, statx {} ({hidden} by the crate, mount ids hidden), fdinfo reads without ino: {} ({stripped} by the crate), other reads {}, fsconfig refused {}",
        COUNTERS.uname.load(Relaxed),
        COUNTERS.statx.load(Relaxed),
        COUNTERS.fdinfo_ino_stripped.load(Relaxed),
        COUNTERS.reads_passed.load(Relaxed),
        COUNTERS.fsconfig_refused.load(Relaxed),
    );
    // On the host /proc without openat2 or statx mount ids, fdinfo is the
    // only mount-id oracle: a crate that never read it checked nothing.
    // (On a private instance it may legitimately need no mount ids.)
    if kind == HandleKind::HostMount && stripped == 0 {
        failures.push("the crate never read an fdinfo through the emulation".into());
    }
    assert!(
        failures.is_empty(),
        "on an emulated {}-like kernel, {} checks failed:\n{}",
        k.name,
        failures.len(),
        failures.join("\n")
    );
    eprintln!("EMULATED {} DONE", k.name);
}

/// The emulation itself must be real, or a broken one could make the test
/// pass.
fn verify_emulation(k: &Kernel, pid: u32) {
    // SAFETY: all-zero is a valid utsname; uname fills it.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    assert_eq!(unsafe { libc::uname(&mut u) }, 0);
    // SAFETY: the kernel NUL-terminates release.
    let release = unsafe { std::ffi::CStr::from_ptr(u.release.as_ptr()) };
    assert_eq!(release.to_bytes(), k.release.as_bytes(), "uname release");

    let errno_of_syscall = |r: libc::c_long| {
        if r < 0 {
            std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
        } else {
            0
        }
    };
    // SAFETY: openat2 with a valid path and open_how; ENOSYS expected.
    let r = unsafe {
        let how = [0u64; 3];
        libc::syscall(
            libc::SYS_openat2,
            libc::AT_FDCWD,
            c"/proc".as_ptr(),
            how.as_ptr(),
            24usize,
        )
    };
    assert_eq!(errno_of_syscall(r), libc::ENOSYS, "openat2");
    // SAFETY: fsopen with a valid name; the fd is closed below.
    let fs = unsafe { libc::syscall(libc::SYS_fsopen, c"proc".as_ptr(), 0) };
    if k.old_proc_options {
        assert!(fs >= 0, "fsopen must work on {}", k.name);
        let set = |key: &std::ffi::CStr, value: &std::ffi::CStr| {
            // SAFETY: FSCONFIG_SET_STRING with valid NUL-terminated strings.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_fsconfig,
                    fs as i32,
                    1,
                    key.as_ptr(),
                    value.as_ptr(),
                    0,
                )
            };
            errno_of_syscall(r)
        };
        assert_eq!(set(c"subset", c"pid"), libc::EINVAL, "fsconfig subset");
        assert_eq!(
            set(c"hidepid", c"ptraceable"),
            libc::EINVAL,
            "fsconfig hidepid=ptraceable"
        );
        assert_eq!(set(c"hidepid", c"2"), 0, "fsconfig hidepid=2");
        // SAFETY: our fd.
        unsafe { libc::close(fs as i32) };
    } else {
        assert_eq!(errno_of_syscall(fs), libc::ENOSYS, "fsopen");
    }

    // statx: the same answer, without mount ids. struct statx is 256
    // bytes: stx_mask at 0, stx_ino at 0x20, stx_mnt_id at 0x90.
    let mut stx = [0u64; 32];
    let mask = libc::STATX_INO | 0x1000 | 0x4000;
    // SAFETY: valid path; the kernel writes 256 bytes into stx.
    let r = unsafe {
        libc::syscall(
            libc::SYS_statx,
            libc::AT_FDCWD,
            c"/proc".as_ptr(),
            0,
            mask,
            stx.as_mut_ptr(),
        )
    };
    assert_eq!(r, 0, "statx /proc");
    assert_eq!(stx[0x20 / 8], 1, "statx /proc inode");
    assert_eq!(stx[0] as u32 & (0x1000 | 0x4000), 0, "statx mount-id bits");
    assert_eq!(stx[0x90 / 8], 0, "statx stx_mnt_id");

    // fdinfo: mnt_id: but no ino:, and the supervisor did rewrite it.
    let before = COUNTERS.fdinfo_ino_stripped.load(Relaxed);
    let proc_dir = std::fs::File::open("/proc").unwrap();
    use std::os::fd::AsRawFd;
    let info = std::fs::read(format!("/proc/self/fdinfo/{}", proc_dir.as_raw_fd())).unwrap();
    let text = String::from_utf8_lossy(&info);
    assert!(text.contains("mnt_id:"), "fdinfo without mnt_id: {text:?}");
    assert!(!text.contains("ino:"), "fdinfo still has ino: {text:?}");
    assert!(
        COUNTERS.fdinfo_ino_stripped.load(Relaxed) > before,
        "the supervisor did not see the fdinfo read"
    );
    // Other reads are untouched.
    let status = std::fs::read("/proc/self/status").unwrap();
    assert_eq!(status_pid(&status), Some(pid), "plain reads still work");
}

struct Ctx {
    pid: u32,
    exe: std::path::PathBuf,
    exe_id: (u64, u64),
}

fn read_fd(fd: &OwnedFd) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; 16384];
    let n = read_all(fd, &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

/// The public API on handle `h`; every failure is added to `failures`.
fn api_checks(h: &Handle, c: &Ctx, label: &str, failures: &mut Vec<String>) {
    let mut check = |what: &str, r: Result<Option<String>, Error>| match r {
        Ok(None) => {}
        Ok(Some(wrong)) => failures.push(format!("{label}: {what}: {wrong}")),
        Err(e) => failures.push(format!("{label}: {what}: {e}")),
    };
    let pid = c.pid;

    check(
        "open_self(\"status\")",
        h.open_self("status", RD).and_then(|f| {
            let t = read_fd(&f)?;
            Ok((status_pid(&t) != Some(pid)).then(|| "not our status".into()))
        }),
    );
    check(
        "open_root(\"uptime\")",
        h.open_root("uptime", RD).and_then(|f| {
            let t = read_fd(&f)?;
            Ok(t.is_empty().then(|| "empty".into()))
        }),
    );
    check(
        "open_pid(getpid(), \"status\")",
        h.open_pid(pid, "status", RD).and_then(|f| {
            let t = read_fd(&f)?;
            Ok((status_pid(&t) != Some(pid)).then(|| "not our status".into()))
        }),
    );
    check(
        "open_thread_self(\"comm\")",
        h.open_thread_self("comm", RD, &NoPin)
            .and_then(|(f, closer)| {
                let t = read_fd(&f)?;
                drop(f);
                closer.close();
                let mut name = [0u8; 16];
                // SAFETY: PR_GET_NAME writes at most 16 bytes.
                unsafe { libc::prctl(libc::PR_GET_NAME, name.as_mut_ptr()) };
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(16)];
                Ok((t.strip_suffix(b"\n") != Some(name)).then(|| {
                    format!(
                        "{:?} is not this thread's name {:?}",
                        String::from_utf8_lossy(&t),
                        String::from_utf8_lossy(name)
                    )
                }))
            }),
    );
    let mut buf = [0u8; 4096];
    check(
        "readlink(ProcSelf, \"exe\")",
        h.readlink(ProcBase::ProcSelf, "exe", &mut buf).map(|t| {
            (t != c.exe.as_os_str().as_encoded_bytes())
                .then(|| format!("{:?}, expected {:?}", String::from_utf8_lossy(t), c.exe))
        }),
    );
    check(
        "open_self(\"exe\", O_PATH) (a magic-link)",
        h.open_self("exe", OpenFlags::O_PATH).map(|f| {
            let (d, i, _) = fd_stat(f.as_raw_fd());
            ((d, i) != c.exe_id).then(|| "not our executable".into())
        }),
    );

    // The attack: our stat file is covered by the attacker's. Genuine or
    // refused, never the attacker's; on a private procfs it is harmless.
    let genuine = |r: Result<OwnedFd, Error>| -> Result<bool, String> {
        match r {
            Ok(f) => {
                let t = read_fd(&f).map_err(|e| format!("read: {e}"))?;
                if fs_magic(f.as_raw_fd()) == PROC_SUPER_MAGIC
                    && t.starts_with(format!("{pid} (").as_bytes())
                {
                    Ok(true)
                } else {
                    Err(format!(
                        "handed out the attacker's file: {:?}",
                        String::from_utf8_lossy(&t)
                    ))
                }
            }
            Err(e)
                if e.raw_os_error() == Some(libc::EXDEV)
                    || e.kind() == ErrorKind::SafetyViolation =>
            {
                Ok(false)
            }
            Err(e) => Err(format!("unexpected error {e}")),
        }
    };
    let root_path = format!("{pid}/stat");
    for (what, r) in [
        ("open_self(\"stat\")", h.open_self("stat", RD)),
        ("open_pid(getpid(), \"stat\")", h.open_pid(pid, "stat", RD)),
        ("open_root(\"<pid>/stat\")", h.open_root(&root_path, RD)),
    ] {
        match genuine(r) {
            Ok(false) if h.kind() != HandleKind::HostMount => failures.push(format!(
                "{label}: {what} under attack: refused a harmless attack on a {:?}",
                h.kind()
            )),
            Ok(_) => {}
            Err(e) => failures.push(format!("{label}: {what} under attack: {e}")),
        }
    }
}
