//! Splitters for the procfs files every init and shim reads, written against
//! what a hostile process can put there. Each result borrows the bytes as read
//! (e.g. by [`OwnedFd::read_whole`](crate::OwnedFd::read_whole)); input not in
//! the kernel's format is `None`, never a guess.

use crate::procfs::decimal;

/// The NUL-terminated fields of `cmdline` or `environ` (of any size:
/// [`LineReader::nul_fields`](crate::LineReader::nul_fields)), each without
/// its NUL. An empty argument is an empty field; a last field without its
/// NUL (a process may overwrite its arguments) is a field too.
pub fn nul_fields(bytes: &[u8]) -> NulFields<'_> {
    NulFields { rest: bytes }
}

/// The iterator of [`nul_fields`].
#[derive(Clone, Debug)]
pub struct NulFields<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for NulFields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let field = self.rest.split(|&b| b == 0).next()?;
        // Past the NUL; empty if there is none.
        self.rest = self.rest.get(field.len() + 1..).unwrap_or_default();
        Some(field)
    }
}

/// The value of `key` in a `status` file: the text after `key:` and its
/// tabs or spaces, up to the end of the first line that *starts* with
/// `key:`. Only whole keys at the start of a line match, so a process
/// named `Uid:\t0\t0` (the kernel escapes only a newline in a name) does
/// not forge the `Uid:` line.
pub fn status_value<'a>(text: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    text.split(|&b| b == b'\n').find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(b":")?;
        let start = rest.iter().position(|&b| b != b'\t' && b != b' ');
        Some(rest.get(start.unwrap_or(rest.len())..).unwrap_or_default())
    })
}

/// The cgroup v2 path in a `cgroup` file, e.g. `/user.slice/session-2.scope`:
/// what follows `0::` on the line that *starts* with it (a v1 line such as
/// `10:name=x:/a0::/b` is not it: cgroup names are their creator's choice).
/// `None` on a cgroup v1 only system. The path is the kernel's text: it may
/// end with ` (deleted)`, or start with `/..` outside our cgroup namespace.
pub fn cgroup_v2_path(text: &[u8]) -> Option<&[u8]> {
    text.split(|&b| b == b'\n')
        .find_map(|line| line.strip_prefix(b"0::"))
}

/// The fields of a `stat` file (`/proc/<pid>/stat`, `task/<tid>/stat`),
/// numbered as `man 5 proc_pid_stat` does: 1 the pid, 2 `comm`, 3 the state.
///
/// `comm` is the process's own choice: up to 15 bytes of anything but NUL,
/// printed unescaped between parentheses. So it is what lies between the
/// first `(` and the **last** `)`, and a name such as `x) R 1 2 3` cannot
/// shift the fields after it.
#[derive(Clone, Copy, Debug)]
pub struct Stat<'a> {
    pid: &'a [u8],
    comm: &'a [u8],
    /// The fields from the state on, without the trailing newline.
    rest: &'a [u8],
}

impl<'a> Stat<'a> {
    /// Splits a `stat` file: `None` unless it is `PID (COMM) STATE...`.
    pub fn parse(text: &'a [u8]) -> Option<Stat<'a>> {
        let text = text.strip_suffix(b"\n").unwrap_or(text);
        let open = text.iter().position(|&b| b == b'(')?;
        let close = text.iter().rposition(|&b| b == b')')?;
        let pid = text.get(..open)?.strip_suffix(b" ")?;
        let comm = text.get(open + 1..close)?;
        let rest = text.get(close + 1..)?.strip_prefix(b" ")?;
        let valid = !pid.is_empty() && pid.iter().all(u8::is_ascii_digit) && !rest.is_empty();
        valid.then_some(Stat { pid, comm, rest })
    }

    /// Field 1, the pid (a thread's id in `task/<tid>/stat`).
    pub fn pid(&self) -> Option<u32> {
        u32::try_from(decimal(self.pid)?).ok()
    }

    /// Field 2, `comm`, without its parentheses: raw bytes, as the process set them.
    pub fn comm(&self) -> &'a [u8] {
        self.comm
    }

    /// Field `n`, numbered as above: `None` for 0 or past the last field.
    pub fn field(&self, n: usize) -> Option<&'a [u8]> {
        match n {
            0 => None,
            1 => Some(self.pid),
            2 => Some(self.comm),
            n => self.rest.split(|&b| b == b' ').nth(n - 3),
        }
    }

    /// Field `n` as a decimal `u64`: `None` if it is missing or not one (`-1`, say).
    pub fn field_u64(&self, n: usize) -> Option<u64> {
        decimal(self.field(n)?)
    }
}
