//! Processes of the tests: forked children that report their verdict
//! through a pipe without allocating, children that wait to be killed or
//! exit at once, a new pid namespace, the unprivileged user `nobody`.

use super::{Msg, errno};

/// A pipe through which a forked process reports its verdict: a message of
/// at most [`Msg`]'s size and an exit status. Neither end allocates, so
/// both can be used in forked children (and their children).
pub struct ReportPipe {
    read: i32,
    write: i32,
}

impl ReportPipe {
    pub fn new() -> Result<ReportPipe, Msg> {
        let mut fds = [0; 2];
        // SAFETY: fds is a valid array of two ints.
        ensure!(
            unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == 0,
            "pipe2: errno {}",
            errno()
        );
        Ok(ReportPipe {
            read: fds[0],
            write: fds[1],
        })
    }

    /// In the child: closes the child's copy of the read end.
    pub fn close_read(&self) {
        // SAFETY: closing our own fd.
        unsafe { libc::close(self.read) };
    }

    /// In the child (or a child of it): writes the verdict's message and
    /// leaves at once, with exit status 0 for `Ok`, 1 for `Err`.
    pub fn exit_with(&self, r: Result<Msg, Msg>) -> ! {
        let (code, msg) = match r {
            Ok(m) => (0, m),
            Err(m) => (1, m),
        };
        // SAFETY: writing a live buffer to our pipe, then leaving at once.
        unsafe {
            libc::write(self.write, msg.as_ptr().cast(), msg.len());
            libc::_exit(code)
        }
    }

    /// In the parent: reads the report until every writer is gone, reaps
    /// `pid` and returns its verdict. A child that failed without a word
    /// (or did not exit) is reported with its wait status.
    pub fn collect(self, pid: i32) -> Result<Msg, Msg> {
        let mut buf = [0u8; 1024];
        let mut len = 0;
        let mut status = 0;
        // SAFETY: closing our write end; reading into the unused tail of a
        // live buffer (or a scratch one when it is full); reaping our own
        // child.
        unsafe {
            libc::close(self.write);
            let mut rest = [0u8; 256];
            loop {
                let n = if len < buf.len() {
                    libc::read(self.read, buf[len..].as_mut_ptr().cast(), buf.len() - len)
                } else {
                    libc::read(self.read, rest.as_mut_ptr().cast(), rest.len())
                };
                if n <= 0 {
                    break;
                }
                len = (len + n as usize).min(buf.len());
            }
            libc::close(self.read);
            libc::waitpid(pid, &mut status, 0);
        }
        let text = match core::str::from_utf8(&buf[..len]) {
            Ok(t) => t,
            Err(e) => core::str::from_utf8(&buf[..e.valid_up_to()]).unwrap_or(""),
        };
        let mut msg = Msg::new();
        let _ = msg.push_str(text);
        match (libc::WIFEXITED(status), libc::WEXITSTATUS(status)) {
            (true, 0) => Ok(msg),
            (true, 1) if !msg.is_empty() => Err(msg),
            _ if msg.is_empty() => fail!("child failed with wait status {status:#x}"),
            _ => fail!("{msg} (wait status {status:#x})"),
        }
    }
}

/// Runs `f` in a forked process and returns its verdict (the child's
/// report on success). Nothing here allocates, in the child or in the
/// parent: usable in a forked child too. A panic in `f` is a failure.
pub fn fork_child(f: impl FnOnce() -> Result<Msg, Msg>) -> Result<Msg, Msg> {
    let pipe = ReportPipe::new()?;
    // SAFETY: the child only runs `f` (no allocation by contract) and _exits.
    let pid = unsafe { libc::fork() };
    ensure!(pid >= 0, "fork: errno {}", errno());
    if pid == 0 {
        pipe.close_read();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .unwrap_or_else(|_| Err(Msg::try_from("child panicked").unwrap_or_default()));
        pipe.exit_with(r);
    }
    pipe.collect(pid)
}

/// Runs `f` in a forked child and returns its verdict. The child reports
/// through a pipe with a fixed-size message and `_exit`s: nothing it does
/// touches the parent's allocator or locks.
pub fn in_child(f: impl FnOnce() -> Result<(), Msg>) -> Result<(), String> {
    in_child_report(|| f().map(|()| Msg::new())).map(drop)
}

/// Like [`in_child`], and the child's report on success is returned too.
pub fn in_child_report(f: impl FnOnce() -> Result<Msg, Msg>) -> Result<String, String> {
    fork_child(f)
        .map(|m| m.as_str().to_owned())
        .map_err(|m| m.as_str().to_owned())
}

/// Makes the next child of this process pid 1 of a new pid namespace
/// (`unshare(CLONE_NEWPID)`); this process stays where it is. For a forked
/// child: it cannot be undone.
pub fn new_pid_namespace() -> Result<(), Msg> {
    // SAFETY: unshare takes no pointers.
    ensure!(
        unsafe { libc::unshare(libc::CLONE_NEWPID) } == 0,
        "unshare(CLONE_NEWPID): errno {}",
        errno()
    );
    Ok(())
}

/// Runs `f` as pid 1 of a new pid namespace, a forked child of this
/// process (itself a forked child: see [`new_pid_namespace`]), and returns
/// its verdict. No allocation.
pub fn in_new_pid_namespace(f: impl FnOnce() -> Result<(), Msg>) -> Result<(), Msg> {
    new_pid_namespace()?;
    fork_child(|| {
        // SAFETY: getpid has no preconditions.
        let pid = unsafe { libc::getpid() };
        ensure!(pid == 1, "pid {pid}, not pid 1 of a new pid namespace");
        f().map(|()| Msg::new())
    })
    .map(drop)
}

/// Drops every privilege for good: as root, becomes `nobody` (65534), with
/// no supplementary groups, and dumpable again as a process started as
/// `nobody` is (a uid change clears the flag, which would make its own
/// `/proc/self` files root's). As any other user: stays that user, already
/// without privileges.
pub fn become_nobody() -> Result<(), Msg> {
    const NOBODY: u32 = 65534;
    // SAFETY: plain syscalls on our own credentials.
    unsafe {
        if libc::getuid() != 0 {
            return Ok(());
        }
        ensure!(
            libc::setgroups(0, std::ptr::null()) == 0,
            "setgroups: errno {}",
            errno()
        );
        ensure!(
            libc::setresgid(NOBODY, NOBODY, NOBODY) == 0,
            "setresgid: errno {}",
            errno()
        );
        ensure!(
            libc::setresuid(NOBODY, NOBODY, NOBODY) == 0,
            "setresuid: errno {}",
            errno()
        );
        ensure!(
            libc::prctl(libc::PR_SET_DUMPABLE, 1) == 0,
            "PR_SET_DUMPABLE: errno {}",
            errno()
        );
    }
    Ok(())
}

/// Sets the calling thread's `comm` (at most 15 bytes).
pub fn set_name(name: &[u8]) {
    let mut buf = [0u8; 16];
    let n = name.len().min(15);
    buf[..n].copy_from_slice(&name[..n]);
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    unsafe { libc::prctl(libc::PR_SET_NAME, buf.as_ptr()) };
}

/// A child process that sleeps until killed: forked, so that it needs no
/// program on disk (the VM test's initramfs has none but the test binaries).
/// It dies with the thread that made it (a failing test ends it without
/// `kill`): it must not hold the test's output open.
pub struct Sleeper {
    pid: libc::pid_t,
}

impl Sleeper {
    pub fn spawn() -> std::io::Result<Sleeper> {
        // SAFETY: the child only waits for signals, allocating nothing.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if pid == 0 {
            Self::sleep_forever();
        }
        Ok(Sleeper { pid })
    }

    /// A sleeper that first runs `setup` (its failure is returned, and the
    /// child reaped): a process that does something, then stays until it
    /// is killed. No allocation.
    pub fn spawn_after(setup: impl FnOnce() -> Result<(), Msg>) -> Result<Sleeper, Msg> {
        let pipe = ReportPipe::new()?;
        // SAFETY: the child runs `setup` (no allocation by contract), then
        // reports and waits for signals, or _exits.
        let pid = unsafe { libc::fork() };
        ensure!(pid >= 0, "fork: errno {}", errno());
        if pid == 0 {
            pipe.close_read();
            if let Err(m) = setup() {
                pipe.exit_with(Err(m));
            }
            // SAFETY: closing our write end: the parent's read sees EOF.
            unsafe { libc::close(pipe.write) };
            Self::sleep_forever();
        }
        let mut msg = Msg::new();
        let mut buf = [0u8; 1024];
        // SAFETY: closing the parent's write end; reading into a live buffer.
        let n = unsafe {
            libc::close(pipe.write);
            let n = libc::read(pipe.read, buf.as_mut_ptr().cast(), buf.len());
            libc::close(pipe.read);
            n
        };
        if n > 0 {
            let _ = msg.push_str(core::str::from_utf8(&buf[..n as usize]).unwrap_or("?"));
            let _ = kill_and_reap(pid);
            return Err(msg);
        }
        Ok(Sleeper { pid })
    }

    fn sleep_forever() -> ! {
        // SAFETY: prctl with integer arguments only.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        loop {
            // SAFETY: pause has no preconditions.
            unsafe { libc::pause() };
        }
    }

    pub fn id(&self) -> u32 {
        self.pid as u32
    }

    pub fn kill(&mut self) -> std::io::Result<()> {
        // SAFETY: signalling our own child.
        match unsafe { libc::kill(self.pid, libc::SIGKILL) } {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    }

    /// Reaps the child.
    pub fn wait(&mut self) -> std::io::Result<()> {
        let mut status = 0;
        // SAFETY: reaping our own child.
        match unsafe { libc::waitpid(self.pid, &mut status, 0) } {
            p if p == self.pid => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    }

    /// Kills and reaps the child (no allocation).
    pub fn end(self) -> Result<(), Msg> {
        kill_and_reap(self.pid)
    }
}

/// Kills our child `pid` and reaps it.
pub fn kill_and_reap(pid: i32) -> Result<(), Msg> {
    // SAFETY: signalling and waiting for our own child.
    unsafe {
        ensure!(
            libc::kill(pid, libc::SIGKILL) == 0,
            "kill: errno {}",
            errno()
        );
        let mut status = 0;
        ensure!(
            libc::waitpid(pid, &mut status, 0) == pid,
            "waitpid: errno {}",
            errno()
        );
    }
    Ok(())
}

/// A child process that exits at once, left unreaped (a zombie).
pub fn spawn_exiting() -> std::io::Result<u32> {
    // SAFETY: the child only exits.
    let pid = unsafe { libc::fork() };
    match pid {
        0 => unsafe { libc::_exit(0) },
        p if p < 0 => Err(std::io::Error::last_os_error()),
        p => Ok(p as u32),
    }
}
