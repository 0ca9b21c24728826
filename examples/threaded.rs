//! A threaded program where one thread leaves the process's shared
//! filesystem context (`unshare(CLONE_FS)`) and changes its working
//! directory. Its own view of /proc is `thread-self`: `self` names the
//! process (the main thread's cwd), `thread-self` the calling thread.
//! Every /proc access goes through safe-procfs; `unshare` and `chdir` are
//! the program's own business.

use safe_procfs::{Handle, NoPin, OpenFlags, ProcBase, ReadDir};

fn link(proc: &Handle, base: ProcBase, path: &str) -> Result<String, safe_procfs::Error> {
    let mut buf = [0u8; 4096];
    Ok(String::from_utf8_lossy(proc.readlink(base, path, &mut buf)?).into_owned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proc = Handle::open(&[])?;
    let start = link(&proc, ProcBase::ProcSelf, "cwd")?;
    println!("main: cwd (self) {start}");
    let dir = std::env::temp_dir();
    let worker = std::thread::spawn(move || -> Result<(), safe_procfs::Error> {
        // SAFETY: unshare takes no pointers; CLONE_FS affects this thread only.
        if unsafe { libc::unshare(libc::CLONE_FS) } != 0 {
            panic!("unshare(CLONE_FS): {}", std::io::Error::last_os_error());
        }
        std::env::set_current_dir(&dir).expect("chdir");
        let proc = Handle::open(&[])?;
        // Name this thread through thread-self (pinned: std threads are OS threads).
        let (comm, closer) = proc.open_thread_self("comm", OpenFlags::O_WRONLY, &NoPin)?;
        comm.write_all(b"fs-worker")?;
        drop(comm);
        closer.close();
        let mut buf = [0u8; 64];
        let (comm, closer) = proc.open_thread_self("comm", OpenFlags::O_RDONLY, &NoPin)?;
        let name = String::from_utf8_lossy(comm.read_whole(&mut buf)?).into_owned();
        drop(comm);
        closer.close();
        println!("worker: comm (thread-self) {}", name.trim_end());
        // readlink needs no pinning, even for thread-self.
        println!(
            "worker: cwd (thread-self) {}",
            link(&proc, ProcBase::ProcThreadSelf, "cwd")?
        );
        println!(
            "worker: cwd (self) {}",
            link(&proc, ProcBase::ProcSelf, "cwd")?
        );
        // The process's threads, listed without allocation.
        let tasks = proc.open_self("task", OpenFlags::O_RDONLY | OpenFlags::O_DIRECTORY)?;
        let mut dirbuf = [0u8; 1024];
        let mut n = 0;
        for entry in ReadDir::new(&tasks, &mut dirbuf) {
            if entry?.number().is_some() {
                n += 1;
            }
        }
        println!("worker: threads in self/task {n}");
        Ok(())
    });
    worker.join().expect("worker panicked")?;
    println!(
        "main: cwd (self) {}",
        link(&proc, ProcBase::ProcSelf, "cwd")?
    );
    Ok(())
}
