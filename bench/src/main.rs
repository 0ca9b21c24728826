//! Measures, in one process, the plain unprotected open, safe-procfs and
//! libpathrs (`pathrs` 0.2.6) for six procfs operations: median ns/op over
//! interleaved rounds, ratios, and exact syscalls per operation (counted by
//! running this binary under `strace -f -c` for N operations and for 0, and
//! dividing the difference by N).
//!
//! `safe-procfs-bench` prints the table; `safe-procfs-bench count IMPL OP N`
//! runs one operation N times (used under strace).

use std::ffi::CStr;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Command;
use std::time::Instant;

use pathrs::flags::OpenFlags as POpen;
use pathrs::procfs::{ProcfsBase, ProcfsHandle};
use safe_procfs::{Handle, NoPin, OpenFlags, ProcBase};

const OPS: [&str; 6] = [
    "open_self(status)+read",
    "open_thread_self(status)+read",
    "readlink(self, exe)",
    "open_self(exe, O_PATH) follow",
    "open_root(uptime)+read",
    "cached Handle::open",
];

fn read_close(fd: OwnedFd) {
    let mut buf = [0u8; 4096];
    // SAFETY: reading into a live buffer from an open fd.
    let n = unsafe {
        libc::read(
            std::os::fd::AsRawFd::as_raw_fd(&fd),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    assert!(n > 0);
}

fn plain_open(path: &CStr, flags: i32) -> OwnedFd {
    // SAFETY: a NUL-terminated path; the fd is owned by the result.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    assert!(fd >= 0, "open {path:?}");
    // SAFETY: fd was just opened by us.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// One operation of one implementation.
fn op(imp: usize, op: usize) {
    let mut buf = [0u8; 4096];
    match (imp, op) {
        (0, 0) => read_close(plain_open(c"/proc/self/status", libc::O_RDONLY)),
        (0, 1) => read_close(plain_open(c"/proc/thread-self/status", libc::O_RDONLY)),
        (0, 2) => {
            // SAFETY: valid path and buffer.
            let n = unsafe {
                libc::readlink(
                    c"/proc/self/exe".as_ptr(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                )
            };
            assert!(n > 0);
        }
        (0, 3) => drop(plain_open(c"/proc/self/exe", libc::O_PATH)),
        (0, 4) => read_close(plain_open(c"/proc/uptime", libc::O_RDONLY)),
        (0, 5) => {}
        (1, _) => {
            let h = Handle::open(&[]).unwrap();
            match op {
                0 => read_close(h.open_self("status", OpenFlags::O_RDONLY).unwrap().into()),
                1 => {
                    let (fd, closer) = h
                        .open_thread_self("status", OpenFlags::O_RDONLY, &NoPin)
                        .unwrap();
                    read_close(fd.into());
                    closer.close();
                }
                2 => assert!(
                    !h.readlink(ProcBase::ProcSelf, "exe", &mut buf)
                        .unwrap()
                        .is_empty()
                ),
                3 => drop(h.open_self("exe", OpenFlags::O_PATH).unwrap()),
                4 => read_close(h.open_root("uptime", OpenFlags::O_RDONLY).unwrap().into()),
                _ => {}
            }
        }
        (2, _) => {
            let h = ProcfsHandle::new().unwrap();
            match op {
                0 => read_close(
                    h.open(ProcfsBase::ProcSelf, "status", POpen::O_RDONLY)
                        .unwrap()
                        .into(),
                ),
                1 => read_close(
                    h.open(ProcfsBase::ProcThreadSelf, "status", POpen::O_RDONLY)
                        .unwrap()
                        .into(),
                ),
                2 => assert!(
                    !h.readlink(ProcfsBase::ProcSelf, "exe")
                        .unwrap()
                        .as_os_str()
                        .is_empty()
                ),
                3 => drop(
                    h.open_follow(ProcfsBase::ProcSelf, "exe", POpen::O_PATH)
                        .unwrap(),
                ),
                4 => read_close(
                    h.open(ProcfsBase::ProcRoot, "uptime", POpen::O_RDONLY)
                        .unwrap()
                        .into(),
                ),
                _ => {}
            }
        }
        _ => unreachable!(),
    }
}

/// Total syscalls of `count IMPL OP N` under `strace -f -c`.
fn strace_total(imp: usize, o: usize, n: usize) -> u64 {
    let out = std::env::temp_dir().join(format!(
        "safe-procfs-bench-{}-{imp}-{o}-{n}",
        std::process::id()
    ));
    let exe = std::env::current_exe().unwrap();
    let status = Command::new("strace")
        .args(["-f", "-c", "-o"])
        .arg(&out)
        .arg(&exe)
        .args(["count", &imp.to_string(), &o.to_string(), &n.to_string()])
        .status()
        .expect("strace (apt-get install strace)");
    assert!(status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    // The last line: "100.00 <secs> <usecs/call> <calls> <errors> total".
    let total = text
        .lines()
        .rev()
        .find(|l| l.trim_end().ends_with("total"))
        .expect("strace total line");
    let fields: Vec<&str> = total.split_whitespace().collect();
    fields[fields.len() - 3]
        .parse()
        .or_else(|_| fields[fields.len() - 2].parse())
        .unwrap()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("count") {
        let (imp, o, n): (usize, usize, usize) = (
            args[2].parse().unwrap(),
            args[3].parse().unwrap(),
            args[4].parse().unwrap(),
        );
        op(imp, o); // warm-up: caches and probes, as in a long-running program
        for _ in 0..n {
            op(imp, o);
        }
        return;
    }

    const N: usize = 200;
    let mut calls = [[0f64; 3]; 6];
    for (o, row) in calls.iter_mut().enumerate() {
        for (imp, c) in row.iter_mut().enumerate() {
            let (t0, tn) = (strace_total(imp, o, 0), strace_total(imp, o, N));
            *c = (tn as f64 - t0 as f64) / N as f64;
        }
    }

    // Timing: RUNS runs of ROUNDS rounds, each round running every (op,
    // impl) ITERS times, the implementations interleaved within a round.
    // Each run gives a median per (op, impl); the table shows the median of
    // the runs and the spread (min-max) of the per-run ratio.
    const RUNS: usize = 3;
    const ROUNDS: usize = 15;
    const ITERS: usize = 2000;
    for o in 0..6 {
        for imp in 0..3 {
            op(imp, o);
        }
    }
    // runs[r][o][imp]: the median ns/op of run r.
    let mut runs = vec![[[0f64; 3]; 6]; RUNS];
    for run in runs.iter_mut() {
        let mut samples = vec![vec![Vec::new(); 3]; 6];
        for _ in 0..ROUNDS {
            for (o, per_op) in samples.iter_mut().enumerate() {
                for (imp, s) in per_op.iter_mut().enumerate() {
                    let t = Instant::now();
                    for _ in 0..ITERS {
                        op(imp, o);
                    }
                    s.push(t.elapsed().as_nanos() as f64 / ITERS as f64);
                }
            }
        }
        for o in 0..6 {
            for imp in 0..3 {
                run[o][imp] = median(&mut samples[o][imp]);
            }
        }
    }

    println!(
        "| operation | syscalls: plain / safe-procfs / pathrs | ns/op: plain / safe-procfs / pathrs | safe-procfs ÷ plain (spread of {RUNS} runs) | pathrs ÷ safe-procfs |"
    );
    println!("|---|---|---|---|---|");
    for o in 0..6 {
        let m: Vec<f64> = (0..3)
            .map(|i| median(&mut runs.iter().map(|r| r[o][i]).collect::<Vec<_>>()))
            .collect();
        let mut ratios: Vec<f64> = runs.iter().map(|r| r[o][1] / r[o][0]).collect();
        ratios.sort_by(f64::total_cmp);
        let c = calls[o];
        let ratio = if m[0] > 1.0 {
            format!(
                "{:.2}× ({:.2}–{:.2})",
                median(&mut ratios.clone()),
                ratios[0],
                ratios[RUNS - 1]
            )
        } else {
            "—".into()
        };
        let mut back: Vec<f64> = runs.iter().map(|r| r[o][2] / r[o][1]).collect();
        println!(
            "| {} | {} / {} / {} | {:.0} / {:.0} / {:.0} | {} | {:.2}× |",
            OPS[o],
            c[0],
            c[1],
            c[2],
            m[0],
            m[1],
            m[2],
            ratio,
            median(&mut back)
        );
    }
    println!();
    println!(
        "Medians of {RUNS} runs, each the median of {ROUNDS} interleaved rounds of {ITERS} operations; the ratio's spread is its lowest and highest of the {RUNS} runs. Syscalls per operation from strace -f -c over {N} operations minus 0 (after one warm-up), including the caller's read and close."
    );
}
