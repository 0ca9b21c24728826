//! Lists every process (pid and name) with no allocation in the listing
//! itself: the procfs root read with `ReadDir::new`, each `comm` with
//! `read_whole`. An unmasked handle, because the default one hides other
//! users' processes (`hidepid=ptraceable`) and everything but processes.

use safe_procfs::{Handle, OpenFlags, ReadDir, unmasked_proc_root};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proc = Handle::open(&[unmasked_proc_root])?;
    let root = proc.open_root(".", OpenFlags::O_RDONLY | OpenFlags::O_DIRECTORY)?;
    let (mut dirbuf, mut buf) = ([0u8; 4096], [0u8; 64]);
    let mut count = 0;
    println!("{:>7} COMMAND", "PID");
    for entry in ReadDir::new(&root, &mut dirbuf) {
        let Some(pid) = entry?.number() else { continue }; // not a process
        let comm = match proc.open_pid(pid, "comm", OpenFlags::O_RDONLY) {
            Ok(fd) => fd.read_whole(&mut buf)?,
            // It exited between the listing and the open.
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e.into()),
        };
        println!("{pid:>7} {}", String::from_utf8_lossy(comm).trim_end());
        count += 1;
    }
    println!("{count} processes");
    proc.close()?;
    Ok(())
}
