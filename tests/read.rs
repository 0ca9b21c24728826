//! Reading with no allocator gives what the file holds: `LineReader`
//! (lines and NUL fields of files of any size), `read_at`/`rewind`, and the
//! splitters of `parse` each answer as a model on generated input (random
//! lines, pipes with random write sizes, random bytes biased to the
//! separators) and as the kernel's real files say, also with hostile
//! command names set by `prctl(PR_SET_NAME)`. None of these needs root.

#![allow(clippy::result_large_err)] // tests/common's Msg is a fixed-size buffer

mod common;

use common::under_qemu;
use safe_procfs::parse::{Stat, cgroup_v2_path, nul_fields, status_value};
use safe_procfs::{Handle, LineReader, NoPin, OpenFlags, OwnedFd};
use std::io::Write as _;
use std::os::fd::{FromRawFd, IntoRawFd};

const RD: OpenFlags = OpenFlags::O_RDONLY;

/// Set for the child of the cmdline test.
const CHILD: &str = "SAFE_PROCFS_READ_CHILD";

/// The body of that child: waits until its stdin closes. (In a normal run,
/// without the variable, there is nothing to do.)
#[test]
fn child_waits_for_stdin() {
    if std::env::var_os(CHILD).is_some() {
        use std::io::Read as _;
        let _ = std::io::stdin().read(&mut [0u8; 1]);
    }
}

/// xorshift64*: the same sequence for the same seed, on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn owned(file: std::fs::File) -> OwnedFd {
    // SAFETY: into_raw_fd hands over sole ownership of an open fd.
    unsafe { OwnedFd::from_raw_fd(file.into_raw_fd()) }
}

/// What a reader with a buffer of `cap` bytes must answer for `data`:
/// each record (ended by `term`, or by the end of the data) whole if it is
/// shorter than `cap`, else `Err` (ERANGE).
/// What a reader hands out: each record, or the errno of its error.
type Records = Vec<Result<Vec<u8>, i32>>;

fn model(data: &[u8], term: u8, cap: usize) -> Records {
    let mut records: Vec<&[u8]> = data.split(|&b| b == term).collect();
    if data.last() == Some(&term) || data.is_empty() {
        records.pop(); // the terminator of the last record starts none
    }
    records
        .into_iter()
        .map(|r| {
            if r.len() < cap {
                Ok(r.to_vec())
            } else {
                Err(libc::ERANGE)
            }
        })
        .collect()
}

fn read_records(r: &mut LineReader<'_, '_>) -> Records {
    let mut out = Vec::new();
    loop {
        match r.next_line() {
            Ok(Some(line)) => out.push(Ok(line.to_vec())),
            Ok(None) => return out,
            Err(e) => out.push(Err(e.raw_os_error().unwrap())),
        }
        assert!(out.len() < 1_000_000, "the reader does not end");
    }
}

/// Random records of lengths around `cap` (shorter, exactly, longer, much
/// longer), empty ones among them, sometimes no terminator at the end.
fn random_data(rng: &mut Rng, term: u8, cap: usize) -> Vec<u8> {
    let mut data = Vec::new();
    for _ in 0..rng.below(12) {
        let len = match rng.below(6) {
            0 => 0,
            1 => cap.saturating_sub(1),
            2 => cap,
            3 => cap + 1,
            4 => rng.below(4 * cap + 2),
            _ => rng.below(cap + 1),
        };
        data.extend((0..len).map(|_| match rng.below(8) {
            0 => {
                if term == 0 {
                    b'\n'
                } else {
                    0
                }
            } // the other terminator is data
            _ => b'a' + rng.below(26) as u8,
        }));
        data.push(term);
    }
    if rng.below(3) == 0 {
        data.pop();
    }
    data
}

fn reader_for(term: u8) -> fn(&OwnedFd, &mut [u8]) -> Records {
    if term == 0 {
        |fd, buf| read_records(&mut LineReader::nul_fields(fd, buf))
    } else {
        |fd, buf| read_records(&mut LineReader::new(fd, buf))
    }
}

#[test]
fn line_reader_answers_as_the_model_on_random_files() {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("safe-procfs-lines-{}", std::process::id()));
    let mut rng = Rng(0x5afe_970c);
    let mut cases = 0;
    for term in [b'\n', 0] {
        for _ in 0..600 {
            let cap = 1 + rng.below(40);
            let data = random_data(&mut rng, term, cap);
            std::fs::write(&path, &data).unwrap();
            let fd = owned(std::fs::File::open(&path).unwrap());
            let mut buf = vec![0u8; cap];
            let got = reader_for(term)(&fd, &mut buf);
            assert_eq!(got, model(&data, term, cap), "cap {cap}, data {data:?}");
            // rewind: the same records again.
            let mut lines = if term == 0 {
                LineReader::nul_fields(&fd, &mut buf)
            } else {
                LineReader::new(&fd, &mut buf)
            };
            lines.rewind().unwrap();
            assert_eq!(read_records(&mut lines), model(&data, term, cap));
            cases += 1;
        }
    }
    std::fs::remove_file(&path).unwrap();
    eprintln!("{cases} random files read as the model says");
}

#[test]
fn line_reader_answers_as_the_model_on_pipes_with_short_reads() {
    // A pipe hands out what was written so far: records arrive split at
    // every place, across every refill of the buffer.
    let mut rng = Rng(0x0091_99e5);
    for round in 0..300 {
        let term = if round % 2 == 0 { b'\n' } else { 0 };
        let cap = 1 + rng.below(24);
        let data = random_data(&mut rng, term, cap);
        let mut fds = [0; 2];
        // SAFETY: a valid array of two ints.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: pipe2 just returned both fds, owned by us.
        let (rd, mut wr) = unsafe {
            (
                OwnedFd::from_raw_fd(fds[0]),
                std::fs::File::from_raw_fd(fds[1]),
            )
        };
        let chunks: Vec<usize> = (0..data.len()).map(|_| 1 + rng.below(7)).collect();
        let to_write = data.clone();
        let writer = std::thread::spawn(move || {
            let mut rest = &to_write[..];
            for n in chunks {
                if rest.is_empty() {
                    break;
                }
                let n = n.min(rest.len());
                wr.write_all(&rest[..n]).unwrap();
                rest = &rest[n..];
                std::thread::yield_now();
            }
        });
        let mut buf = vec![0u8; cap];
        let got = reader_for(term)(&rd, &mut buf);
        writer.join().unwrap();
        assert_eq!(got, model(&data, term, cap), "cap {cap}, data {data:?}");
    }
}

#[test]
fn a_line_longer_than_the_buffer_is_erange_and_reading_goes_on() {
    let path = std::env::temp_dir().join(format!("safe-procfs-long-{}", std::process::id()));
    std::fs::write(&path, b"short\n0123456789abcdef\nnext\nlast").unwrap();
    let fd = owned(std::fs::File::open(&path).unwrap());
    let mut buf = [0u8; 8];
    let mut lines = LineReader::new(&fd, &mut buf);
    assert_eq!(lines.next_line().unwrap(), Some(&b"short"[..]));
    let e = lines.next_line().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ERANGE));
    assert_eq!(e.kind(), safe_procfs::ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("longer than the buffer"), "{e}");
    // Not the tail of the long line: the line after it.
    assert_eq!(lines.next_line().unwrap(), Some(&b"next"[..]));
    assert_eq!(lines.next_line().unwrap(), Some(&b"last"[..])); // no newline at the end
    assert_eq!(lines.next_line().unwrap(), None);
    assert_eq!(lines.next_line().unwrap(), None);
    std::fs::remove_file(&path).unwrap();

    // An empty buffer fits no record, not even an empty one.
    let mut empty: [u8; 0] = [];
    let mut lines = LineReader::new(&fd, &mut empty);
    for _ in 0..3 {
        assert_eq!(
            lines.next_line().unwrap_err().raw_os_error(),
            Some(libc::ERANGE)
        );
    }
}

#[test]
fn mountinfo_line_by_line_is_the_whole_file_at_every_buffer_size() {
    let h = Handle::open(&[]).unwrap();
    let whole = std::fs::read("/proc/self/mountinfo").unwrap();
    let want: Vec<&[u8]> = whole
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let longest = want.iter().map(|l| l.len()).max().unwrap();
    let fd = h.open_self("mountinfo", RD).unwrap();
    for cap in (longest + 1)..(longest + 200) {
        fd.rewind().unwrap();
        let mut buf = vec![0u8; cap];
        let mut lines = LineReader::new(&fd, &mut buf);
        let mut got = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            got.push(line.to_vec());
        }
        assert_eq!(got, want, "buffer of {cap} bytes");
    }
    // A buffer the longest line does not fit: that line is ERANGE, the
    // others are read.
    fd.rewind().unwrap();
    let mut buf = vec![0u8; longest];
    let got = read_records(&mut LineReader::new(&fd, &mut buf));
    assert_eq!(got, model(&whole, b'\n', longest));
    assert!(got.contains(&Err(libc::ERANGE)));
}

#[test]
fn a_cmdline_and_environ_larger_than_the_buffer_come_back_field_by_field() {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    // Empty arguments, arguments with newlines and spaces, 100 KiB in all;
    // an environment with an empty value and one of 70 KiB.
    let mut args: Vec<Vec<u8>> = vec![b"".to_vec(), b"a b\nc".to_vec(), b"".to_vec()];
    for i in 0..50 {
        args.push(
            format!("{i:04}-")
                .into_bytes()
                .into_iter()
                .cycle()
                .take(2000)
                .collect(),
        );
    }
    let big_env = "x".repeat(70_000);
    // A child that waits for its stdin to close, with our argv: this test
    // binary running only `child_waits_for_stdin` (the VM's initramfs has
    // no shell); under qemu-user, which cannot exec a guest binary without
    // binfmt_misc, the host's /bin/sh with its builtin `read`.
    let prefix: Vec<Vec<u8>> = if under_qemu() {
        ["/bin/sh", "-c", "read x", "sh"]
            .map(|a| a.as_bytes().to_vec())
            .into()
    } else {
        let exe = std::env::current_exe().unwrap().into_os_string().into_vec();
        [
            &exe[..],
            b"child_waits_for_stdin",
            b"--exact",
            b"--nocapture",
        ]
        .map(<[u8]>::to_vec)
        .into()
    };
    let mut cmd = std::process::Command::new(std::ffi::OsStr::from_bytes(&prefix[0]));
    for a in prefix[1..].iter().chain(&args) {
        cmd.arg(std::ffi::OsStr::from_bytes(a));
    }
    let mut child = cmd
        .env_clear()
        .env("BIG", &big_env)
        .env("EMPTY", "")
        .env(CHILD, "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut want = prefix.clone();
    want.extend(args.iter().cloned());
    assert!(want.iter().map(|a| a.len() + 1).sum::<usize>() > 100_000);

    let h = Handle::open(&[]).unwrap();
    let mut buf = [0u8; 4096];
    // A vfork-style spawn returns once the child released our memory,
    // before the kernel set up its new argv: until then cmdline is empty.
    let cmdline = h.open_pid(child.id(), "cmdline", RD).unwrap();
    let mut got = Records::new();
    for _ in 0..1000 {
        cmdline.rewind().unwrap();
        got = read_records(&mut LineReader::nul_fields(&cmdline, &mut buf));
        if !got.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(g.as_deref() == Ok(&w[..]), "field {i} differs");
    }
    // The splitter over one buffer answers the same; its fields go into a
    // fixed-capacity heapless::Vec as into anything else.
    let mut whole = vec![0u8; 200_000];
    let text = cmdline.read_at(&mut whole, 0).map(|n| &whole[..n]).unwrap();
    let fields: heapless::Vec<&[u8], 64> = nul_fields(text).collect();
    assert_eq!(fields.len(), want.len());
    assert!(fields.iter().zip(&want).all(|(f, w)| f == w));

    let environ = h.open_pid(child.id(), "environ", RD).unwrap();
    let env = read_records(&mut LineReader::nul_fields(&environ, &mut buf));
    let mut sorted = env.clone();
    sorted.sort();
    // 70 KiB in a 4 KiB buffer: ERANGE for that one, the others whole.
    let child_var = format!("{CHILD}=1").into_bytes();
    assert_eq!(
        sorted,
        [
            Ok(b"EMPTY=".to_vec()),
            Ok(child_var.clone()),
            Err(libc::ERANGE)
        ]
    );
    let mut big = vec![0u8; 80_000];
    environ.rewind().unwrap();
    let mut env = read_records(&mut LineReader::nul_fields(&environ, &mut big));
    env.sort();
    assert_eq!(
        env,
        [
            Ok(format!("BIG={big_env}").into_bytes()),
            Ok(b"EMPTY=".to_vec()),
            Ok(child_var),
        ]
    );

    drop(child.stdin.take());
    child.wait().unwrap();
}

#[test]
fn read_at_reads_at_the_offset_and_leaves_the_file_offset_alone() {
    let h = Handle::open(&[]).unwrap();
    let fd = h.open_self("environ", RD).unwrap();
    let whole = std::fs::read("/proc/self/environ").unwrap();
    let mut rng = Rng(7);
    for _ in 0..200 {
        let off = rng.below(whole.len() + 10);
        let mut buf = vec![0u8; rng.below(64) + 1];
        let n = fd.read_at(&mut buf, off as u64).unwrap();
        let want = &whole[off.min(whole.len())..];
        assert_eq!(&buf[..n], &want[..n.min(want.len())]);
        assert_eq!(n, buf.len().min(want.len()), "offset {off}");
    }
    // The file offset did not move: a plain read starts at 0.
    let mut head = [0u8; 16];
    let n = fd.read(&mut head).unwrap();
    assert_eq!(&head[..n], &whole[..n]);
    // A pipe has no offset: ESPIPE.
    let mut fds = [0; 2];
    // SAFETY: a valid array of two ints.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: pipe2 returned both fds, owned by us.
    let (rd, _wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    assert_eq!(
        rd.read_at(&mut head, 0).unwrap_err().raw_os_error(),
        Some(libc::ESPIPE)
    );
    assert_eq!(rd.rewind().unwrap_err().raw_os_error(), Some(libc::ESPIPE));
}

/// Runs `f` on a new thread named `name` (by `prctl(PR_SET_NAME)`, which
/// truncates to 15 bytes) and returns what it returns.
fn as_thread_named<T: Send + 'static>(name: &'static [u8], f: fn(&Handle) -> T) -> T {
    std::thread::spawn(move || {
        let mut c = name.to_vec();
        c.push(0);
        // SAFETY: a NUL-terminated string; PR_SET_NAME reads up to 16 bytes of it.
        assert_eq!(unsafe { libc::prctl(libc::PR_SET_NAME, c.as_ptr()) }, 0);
        f(&Handle::open(&[]).unwrap())
    })
    .join()
    .unwrap()
}

fn read_thread_self(h: &Handle, path: &str) -> Vec<u8> {
    let (fd, closer) = h.open_thread_self(path, RD, &NoPin).unwrap();
    let mut buf = [0u8; 8192];
    let text = fd.read_whole(&mut buf).unwrap().to_vec();
    closer.close();
    text
}

/// Command names a process may choose: each is 15 bytes or fewer, so the
/// kernel keeps it whole.
const HOSTILE_NAMES: &[&[u8]] = &[
    b"x) R 1 2 3",
    b")",
    b"((",
    b")) S 0 0 0 0 0",
    b"a\nb) Z 1",
    b"\n",
    b" ",
    b"a b c",
    b") 99 (",
    b"Uid:\t0\t0\t0\t0",
    b"0::/evil",
    b")))))))))))))))",
];

#[test]
fn stat_is_split_right_for_hostile_command_names() {
    for &name in HOSTILE_NAMES {
        let (text, tid, ppid, pgrp, sid) = as_thread_named(name, |h| {
            // SAFETY: these calls have no preconditions.
            let ids = unsafe {
                (
                    libc::gettid() as u64,
                    libc::getppid() as u64,
                    libc::getpgrp() as u64,
                    libc::getsid(0) as u64,
                )
            };
            (read_thread_self(h, "stat"), ids.0, ids.1, ids.2, ids.3)
        });
        let stat =
            Stat::parse(&text).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(&text)));
        assert_eq!(stat.comm(), name, "{:?}", String::from_utf8_lossy(&text));
        assert_eq!(stat.pid(), Some(tid as u32));
        assert_eq!(
            stat.field(3),
            Some(&b"R"[..]),
            "state of a thread reading its own stat"
        );
        assert_eq!(stat.field_u64(4), Some(ppid));
        assert_eq!(stat.field_u64(5), Some(pgrp));
        assert_eq!(stat.field_u64(6), Some(sid));
        // The number of threads (field 20) is at least this one and main.
        assert!(stat.field_u64(20).unwrap() >= 2);
        // 52 fields since Linux 3.5; none after the last.
        assert!(stat.field(52).is_some());
        assert_eq!(stat.field(53), None);
        assert_eq!(stat.field(0), None);
    }
    // prctl keeps 15 bytes of a longer name.
    let text = as_thread_named(b"0123456789abcdef-and-more", |h| {
        read_thread_self(h, "stat")
    });
    assert_eq!(Stat::parse(&text).unwrap().comm(), b"0123456789abcde");
}

/// The process's own `status` and `stat` (the main thread's, where the
/// tests above read a thread's) give its pid; the main thread, waiting for
/// the tests, is running or sleeping.
#[test]
fn own_status_and_stat_give_our_pid() {
    let h = Handle::open(&[]).unwrap();
    let mut buf = [0u8; 4096];
    let pid = std::process::id();
    let status = h.open_self("status", RD).unwrap();
    let status = status.read_whole(&mut buf).unwrap();
    assert_eq!(
        status_value(status, b"Pid"),
        Some(pid.to_string().as_bytes())
    );
    let stat = h.open_self("stat", RD).unwrap();
    let stat = Stat::parse(stat.read_whole(&mut buf).unwrap()).unwrap();
    assert_eq!(stat.pid(), Some(pid));
    assert!(matches!(stat.field(3), Some(b"R" | b"S")), "{stat:?}");
}

#[test]
fn status_lookup_finds_each_real_key_and_not_the_one_a_name_forges() {
    let text = as_thread_named(b"Uid:\t0\t0\t0\t0", |h| read_thread_self(h, "status"));
    // SAFETY: getuid/geteuid have no preconditions.
    let (uid, euid) = unsafe { (libc::getuid(), libc::geteuid()) };
    let uids = status_value(&text, b"Uid").unwrap();
    let mut fields = uids.split(|&b| b == b'\t');
    assert_eq!(fields.next(), Some(uid.to_string().as_bytes()));
    assert_eq!(fields.next(), Some(euid.to_string().as_bytes()));
    // The name's own "Uid:" line is the value of Name (the kernel keeps
    // its tabs), never the Uid line.
    assert_eq!(status_value(&text, b"Name"), Some(&b"Uid:\t0\t0\t0\t0"[..]));
    assert_eq!(status_value(&text, b"Uid"), Some(uids));
    // A newline in a name is escaped in status (`\n`): no line of its own.
    let text = as_thread_named(b"x\nUid:\t0\t0", |h| read_thread_self(h, "status"));
    assert_eq!(status_value(&text, b"Name"), Some(&b"x\\nUid:\t0\t0"[..]));
    assert_eq!(
        status_value(&text, b"Uid")
            .unwrap()
            .split(|&b| b == b'\t')
            .next(),
        Some(uid.to_string().as_bytes())
    );
    // Every key of the real file gives the value on its line.
    let mut keys = 0;
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let colon = line.iter().position(|&b| b == b':').unwrap();
        let (key, value) = (&line[..colon], &line[colon + 1..]);
        let value = &value[value
            .iter()
            .position(|&b| b != b'\t' && b != b' ')
            .unwrap_or(value.len())..];
        assert_eq!(
            status_value(&text, key),
            Some(value),
            "{}",
            String::from_utf8_lossy(key)
        );
        keys += 1;
    }
    assert!(keys > 30, "{keys} keys");
    // Whole keys only: prefixes of real keys are no keys.
    for prefix in [
        &b"Sig"[..],
        b"Vm",
        b"Ui",
        b"Cpus_allowed"[..4].as_ref(),
        b"Name:",
    ] {
        assert_eq!(
            status_value(&text, prefix),
            None,
            "{}",
            String::from_utf8_lossy(prefix)
        );
    }
}

#[test]
fn the_cgroup_v2_line_of_the_real_file() {
    let h = Handle::open(&[]).unwrap();
    let mut buf = [0u8; 4096];
    let text = h
        .open_self("cgroup", RD)
        .unwrap()
        .read_whole(&mut buf)
        .unwrap()
        .to_vec();
    let by_hand = std::fs::read("/proc/self/cgroup").unwrap();
    let want = by_hand
        .split(|&b| b == b'\n')
        .find_map(|l| l.strip_prefix(b"0::"));
    assert_eq!(cgroup_v2_path(&text), want);
    if let Some(path) = cgroup_v2_path(&text) {
        assert!(path.starts_with(b"/"), "{}", String::from_utf8_lossy(path));
    }
    // A v1 line whose path holds `0::` comes first: not the v2 line.
    assert_eq!(
        cgroup_v2_path(b"3:name=x:/a0::/fake\n0::/real\n"),
        Some(&b"/real"[..])
    );
    assert_eq!(cgroup_v2_path(b"10::/v1-named\n"), None);
    assert_eq!(
        cgroup_v2_path(b"0::/a (deleted)"),
        Some(&b"/a (deleted)"[..])
    );
}

/// Random bytes drawn mostly from the separators the parsers look at;
/// half of them shaped like a `stat` line (`digits (anything) anything`).
fn hostile_bytes(rng: &mut Rng) -> Vec<u8> {
    const ALPHABET: &[u8] = b"()( ) \n\n\0\0:0123456789\tRSx-/";
    let len = rng.below(48);
    let mut out: Vec<u8> = (0..len)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect();
    if rng.below(2) == 0 {
        let mut stat = rng.below(100_000).to_string().into_bytes();
        stat.extend_from_slice(b" (");
        stat.extend((0..rng.below(16)).map(|_| ALPHABET[rng.below(ALPHABET.len())]));
        stat.extend_from_slice(b") ");
        stat.append(&mut out);
        out = stat;
    }
    out
}

#[test]
fn the_splitters_never_panic_and_give_back_their_input() {
    // Empty fields are fields; empty input has none.
    let args: Vec<&[u8]> = nul_fields(b"ls\0\0-l\0").collect();
    assert_eq!(args, [&b"ls"[..], b"", b"-l"]);
    assert_eq!(nul_fields(b"").count(), 0);
    let mut rng = Rng(0xf022);
    let mut parsed = 0;
    for _ in 0..200_000 {
        let text = hostile_bytes(&mut rng);
        // nul_fields: the fields joined with NUL are the input, less one
        // ending NUL.
        let joined = nul_fields(&text).collect::<Vec<_>>().join(&b'\0');
        assert_eq!(joined, text.strip_suffix(b"\0").unwrap_or(&text));
        // stat: pid, "(", comm, ")", the fields: the input again, and the
        // comm holds no ")" after which " <digit>" could follow less than
        // the rest does.
        if let Some(stat) = Stat::parse(&text) {
            parsed += 1;
            let mut back = stat.field(1).unwrap().to_vec();
            back.extend_from_slice(b" (");
            back.extend_from_slice(stat.comm());
            back.extend_from_slice(b")");
            let mut n = 3;
            while let Some(f) = stat.field(n) {
                back.push(b' ');
                back.extend_from_slice(f);
                n += 1;
            }
            assert_eq!(back, text.strip_suffix(b"\n").unwrap_or(&text));
            let after_comm = &text[stat.field(1).unwrap().len() + 2 + stat.comm().len() + 1..];
            assert!(!after_comm.contains(&b')'), "split at the last )");
        }
        if let Some(v) = status_value(&text, b"Uid") {
            let at = text.windows(5).position(|w| w == b"\nUid:").map(|i| i + 1);
            assert!(text.starts_with(b"Uid:") || at.is_some());
            assert!(!v.contains(&b'\n'));
        }
        if let Some(p) = cgroup_v2_path(&text) {
            assert!(text.starts_with(b"0::") || text.windows(4).any(|w| w == b"\n0::"));
            assert!(!p.contains(&b'\n'));
        }
    }
    assert!(parsed > 100, "{parsed} inputs parsed as stat");
}
