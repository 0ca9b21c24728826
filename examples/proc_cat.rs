//! Prints procfs files through safe-procfs, refusing anything an attacker
//! could have put in their place.
//!
//! Usage: `proc_cat [BASE PATH]...` with BASE one of `root`, `self`,
//! `thread-self` or a pid. Without arguments it shows what a container shim
//! typically reads: its own status, the kernel's ostype and its executable.

use safe_procfs::{Handle, NoPin, OpenFlags, OwnedFd, ProcBase};
use std::io::Write;

fn cat(out: &mut impl Write, fd: OwnedFd) -> Result<(), Box<dyn std::error::Error>> {
    // procfs files are small; a larger one fails with EFBIG, not truncated.
    let mut buf = vec![0u8; 1 << 20];
    out.write_all(fd.read_whole(&mut buf)?)?;
    Ok(())
}

fn open(proc: &Handle, base: &str, path: &str) -> Result<OwnedFd, safe_procfs::Error> {
    let flags = OpenFlags::O_RDONLY;
    match base {
        "root" => proc.open_root(path, flags),
        "self" => proc.open_self(path, flags),
        "thread-self" => proc
            .open_thread_self(path, flags, &NoPin)
            .map(|(fd, closer)| {
                closer.close();
                fd
            }),
        pid => proc.open_pid(pid.parse().unwrap_or(0), path, flags),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proc = Handle::open(&[])?;
    let mut out = std::io::stdout().lock();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        writeln!(
            out,
            "procfs handle: {:?}, cached: {}",
            proc.kind(),
            proc.is_cached()
        )?;
        writeln!(out, "--- /proc/self/status (first lines)")?;
        let mut buf = [0u8; 4096];
        let status = proc
            .open_self("status", OpenFlags::O_RDONLY)?
            .read_whole(&mut buf)?;
        for line in String::from_utf8_lossy(status).lines().take(6) {
            writeln!(out, "{line}")?;
        }
        writeln!(out, "--- /proc/sys/kernel/ostype")?;
        cat(
            &mut out,
            proc.open_root("sys/kernel/ostype", OpenFlags::O_RDONLY)?,
        )?;
        let mut link = [0u8; 4096];
        let exe = proc.readlink(ProcBase::ProcSelf, "exe", &mut link)?;
        writeln!(
            out,
            "--- /proc/self/exe -> {}",
            String::from_utf8_lossy(exe)
        )?;
        return Ok(());
    }
    for pair in args.chunks(2) {
        let [base, path] = pair else {
            return Err("arguments come in pairs: BASE PATH".into());
        };
        match open(&proc, base, path) {
            Ok(fd) => cat(&mut out, fd)?,
            Err(e) => {
                eprintln!("{base} {path}: {e}");
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
