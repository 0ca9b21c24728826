//! PID 1 of the suite run of `scripts/vm.sh`.
//!
//! Mounts `/proc`, `/sys`, `/dev` (devtmpfs) and a tmpfs on `/tmp`, probes
//! the kernel's facilities with raw syscalls, then runs every test binary
//! under `/tests/<feature set>/` (sorted; none is named here) with `CI=true`
//! in its environment and `/crate` (the crate's `Cargo.toml`) as its working
//! directory, as `cargo test` would. Every line it prints itself starts with
//! `suite: `; the test binaries' output is echoed with `  | ` before it.
//! It ends with `suite: total: N passed, N failed` and powers the machine
//! off. A test binary that exits non-zero, or prints `SKIPPED`, counts as a
//! failure even when its own counts say otherwise.

use std::ffi::CStr;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

fn say(msg: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "suite: {msg}");
    let _ = out.flush();
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn mount(fstype: &CStr, target: &CStr) {
    // SAFETY: valid NUL-terminated strings; mkdir's EEXIST is fine.
    let r = unsafe {
        libc::mkdir(target.as_ptr(), 0o755);
        libc::mount(
            fstype.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            libc::MS_NOSUID,
            std::ptr::null(),
        )
    };
    if r != 0 {
        say(&format!(
            "FAIL: mount {fstype:?} on {target:?}: errno {}",
            errno()
        ));
    }
}

/// "yes", or "no (errno N)".
fn answer(ok: bool) -> String {
    if ok {
        "yes".into()
    } else {
        format!("no (errno {})", errno())
    }
}

/// Probes the kernel for what the crate's acquisition and resolution use,
/// with raw syscalls (the libc wrappers may not exist for all of them).
fn probe() {
    const FSOPEN_CLOEXEC: libc::c_long = 1;
    const FSCONFIG_SET_STRING: libc::c_long = 1;
    const OPEN_TREE_CLONE: libc::c_long = 1;
    const OPEN_TREE_CLOEXEC: libc::c_long = libc::O_CLOEXEC as libc::c_long;
    const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
    const RESOLVE_NO_XDEV: u64 = 0x01;
    const STATX_MNT_ID: u32 = 0x1000;
    const STATX_MNT_ID_UNIQUE: u32 = 0x4000;
    // SAFETY (whole function): raw syscalls with valid NUL-terminated
    // strings and live buffers of the sizes given; every fd is closed.
    unsafe {
        let fd = libc::syscall(libc::SYS_fsopen, c"proc".as_ptr(), FSOPEN_CLOEXEC);
        say(&format!("probe: fsopen: {}", answer(fd >= 0)));
        if fd >= 0 {
            let r = libc::syscall(
                libc::SYS_fsconfig,
                fd,
                FSCONFIG_SET_STRING,
                c"subset".as_ptr(),
                c"pid".as_ptr(),
                0,
            );
            say(&format!("probe: subset=pid: {}", answer(r == 0)));
            if r == 0 {
                // Is the per-process net/ directory usable in a subset=pid
                // instance? (The crate's masked handle is one.)
                const FSCONFIG_CMD_CREATE: libc::c_long = 6;
                const FSMOUNT_CLOEXEC: libc::c_long = 1;
                let created = libc::syscall(
                    libc::SYS_fsconfig,
                    fd,
                    FSCONFIG_CMD_CREATE,
                    std::ptr::null::<u8>(),
                    std::ptr::null::<u8>(),
                    0,
                );
                let mnt = if created == 0 {
                    libc::syscall(libc::SYS_fsmount, fd, FSMOUNT_CLOEXEC, 0)
                } else {
                    -1
                };
                let dev = if mnt >= 0 {
                    libc::openat(
                        mnt as i32,
                        c"self/net/dev".as_ptr(),
                        libc::O_RDONLY | libc::O_CLOEXEC,
                    )
                } else {
                    -1
                };
                say(&format!(
                    "probe: subset=pid self/net/dev: {}",
                    answer(dev >= 0)
                ));
                for f in [dev, mnt as i32] {
                    if f >= 0 {
                        libc::close(f);
                    }
                }
            }
            libc::close(fd as i32);
        } else {
            say("probe: subset=pid: no (no fsopen)");
        }

        let fd = libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            c"/proc".as_ptr(),
            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC,
        );
        say(&format!("probe: open_tree: {}", answer(fd >= 0)));
        if fd >= 0 {
            libc::close(fd as i32);
        }

        // struct open_how { u64 flags; u64 mode; u64 resolve; }
        let how: [u64; 3] = [
            (libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) as u64,
            0,
            RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        ];
        let dir = libc::open(c"/proc".as_ptr(), libc::O_PATH | libc::O_CLOEXEC);
        let fd = libc::syscall(
            libc::SYS_openat2,
            dir,
            c"self".as_ptr(),
            how.as_ptr(),
            std::mem::size_of_val(&how),
        );
        say(&format!("probe: openat2: {}", answer(fd >= 0)));
        if fd >= 0 {
            libc::close(fd as i32);
        }
        libc::close(dir);

        // fdinfo's ino: line (Linux 5.14+), the crate's cross-check of mnt_id:.
        let fdinfo = std::fs::read_to_string("/proc/self/fdinfo/0").unwrap_or_default();
        let line = |k: &str| fdinfo.lines().any(|l| l.starts_with(k));
        say(&format!(
            "probe: fdinfo mnt_id: {}",
            if line("mnt_id:") { "yes" } else { "no" }
        ));
        say(&format!(
            "probe: fdinfo ino: {}",
            if line("ino:") { "yes" } else { "no" }
        ));

        for (name, bit) in [
            ("statx STATX_MNT_ID", STATX_MNT_ID),
            ("statx STATX_MNT_ID_UNIQUE", STATX_MNT_ID_UNIQUE),
        ] {
            // struct statx is 256 bytes: stx_mask at 0, stx_mnt_id at 144.
            let mut buf = [0u64; 32];
            let r = libc::syscall(
                libc::SYS_statx,
                libc::AT_FDCWD,
                c"/proc".as_ptr(),
                0,
                bit,
                buf.as_mut_ptr(),
            );
            let mask = buf[0] as u32;
            let id = buf[144 / 8];
            let verdict = if r != 0 {
                format!("no (errno {})", errno())
            } else if mask & bit == 0 {
                "no (not in stx_mask)".into()
            } else if id == 0 {
                "no (id 0)".into()
            } else {
                format!("yes (id {id:#x})")
            };
            say(&format!("probe: {name}: {verdict}"));
        }
    }
}

#[derive(Default)]
struct Counts {
    passed: u64,
    failed: u64,
}

/// Runs one test binary; echoes its output and returns its counts.
fn run_test(bin: &std::path::Path) -> Counts {
    let mut fds = [0; 2];
    // SAFETY: fds is an array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        say(&format!("FAIL: pipe2: errno {}", errno()));
        return Counts {
            passed: 0,
            failed: 1,
        };
    }
    // SAFETY: both fds were just created and are owned here alone.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let wr2 = wr.try_clone().expect("dup of a pipe end");
    let child = Command::new(bin)
        .current_dir("/crate")
        .env_clear()
        .env("CI", "true")
        // Full emulation is slow: the fault sweep runs its short form.
        .env("SAFE_PROCFS_FAULT_SWEEP", "short")
        .env("SAFE_PROCFS_VM", "1")
        .env("PATH", "/bin")
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::from(wr))
        .stderr(Stdio::from(wr2))
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            say(&format!("FAIL: cannot start {}: {e}", bin.display()));
            return Counts {
                passed: 0,
                failed: 1,
            };
        }
    };
    let mut counts = Counts::default();
    let mut results = 0;
    let mut skipped = 0;
    let mut out = std::io::stdout().lock();
    for line in BufReader::new(std::fs::File::from(rd)).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line);
        let _ = writeln!(out, "  | {line}");
        if line.contains("SKIPPED") {
            skipped += 1;
        }
        // "test result: ok. 14 passed; 0 failed; 0 ignored; ..."
        if let Some(rest) = line.strip_prefix("test result: ") {
            results += 1;
            let words: Vec<&str> = rest.split_whitespace().collect();
            for w in words.windows(2) {
                let n: u64 = w[0].parse().unwrap_or(0);
                match w[1].trim_end_matches([';', ',']) {
                    "passed" => counts.passed += n,
                    "failed" => counts.failed += n,
                    _ => {}
                }
            }
        }
    }
    let _ = out.flush();
    drop(out);
    let status = child.wait();
    let ok = matches!(&status, Ok(s) if s.success());
    if !ok && counts.failed == 0 {
        say(&format!("FAIL: {} exited with {status:?}", bin.display()));
        counts.failed += 1;
    }
    if results == 0 {
        say(&format!("FAIL: {} printed no test result", bin.display()));
        counts.failed += 1;
    }
    if skipped > 0 {
        say(&format!(
            "FAIL: {} skipped {skipped} test(s); a skip is a failure here",
            bin.display()
        ));
        counts.failed += skipped;
    }
    counts
}

fn sorted_entries(dir: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn power_off() -> ! {
    // SAFETY: sync and reboot take no pointers.
    unsafe {
        libc::sync();
        libc::reboot(libc::RB_POWER_OFF);
    }
    say(&format!("FAIL: reboot(RB_POWER_OFF): errno {}", errno()));
    // Exiting PID 1 panics the kernel, which the harness reports.
    std::process::exit(1)
}

fn main() {
    if std::process::id() != 1 {
        eprintln!("vm-suite-init mounts over /proc and powers the machine off: PID 1 only");
        std::process::exit(2);
    }
    mount(c"proc", c"/proc");
    mount(c"sysfs", c"/sys");
    mount(c"devtmpfs", c"/dev");
    mount(c"tmpfs", c"/tmp");
    // SAFETY: uname fills a zeroed struct utsname.
    let (release, machine) = unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        libc::uname(&mut u);
        (
            CStr::from_ptr(u.release.as_ptr())
                .to_string_lossy()
                .into_owned(),
            CStr::from_ptr(u.machine.as_ptr())
                .to_string_lossy()
                .into_owned(),
        )
    };
    say(&format!("kernel: {release} {machine}"));
    probe();

    let mut total = Counts::default();
    let sets = sorted_entries("/tests");
    if sets.is_empty() {
        say("FAIL: no test binaries under /tests");
        total.failed += 1;
    }
    for set in sets {
        let name = set.file_name().unwrap_or_default().to_string_lossy();
        for bin in sorted_entries(&set.to_string_lossy()) {
            let test = bin.file_name().unwrap_or_default().to_string_lossy();
            say(&format!("running {name}/{test}"));
            let start = std::time::Instant::now();
            let c = run_test(&bin);
            say(&format!(
                "{name}/{test}: {} passed, {} failed ({:.1} s)",
                c.passed,
                c.failed,
                start.elapsed().as_secs_f64()
            ));
            total.passed += c.passed;
            total.failed += c.failed;
        }
    }
    say(&format!(
        "total: {} passed, {} failed",
        total.passed, total.failed
    ));
    power_off()
}
