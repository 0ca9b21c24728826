//! Splitters for the procfs files every init and shim reads: no
//! allocation, no copies (each result borrows the caller's bytes), and
//! each written against the input a hostile process can put there.
//!
//! | file | splitter |
//! |---|---|
//! | `cmdline`, `environ` | [`nul_fields`] (or [`LineReader::nul_fields`](crate::LineReader::nul_fields) for any size) |
//! | `status` | [`status_value`] |
//! | `stat` | [`Stat`] (right for any `comm`: split at the *last* `)`) |
//! | `cgroup` | [`cgroup_v2_path`] |
//!
//! Each takes the bytes as read (e.g. by
//! [`OwnedFd::read_whole`](crate::OwnedFd::read_whole)) and answers `None`
//! for input that is not in the kernel's format: never a guess.
//!
//! ```
//! use safe_procfs::{Handle, OpenFlags, parse};
//!
//! let proc = Handle::open(&[])?;
//! let mut buf = [0u8; 4096];
//! let status = proc.open_self("status", OpenFlags::O_RDONLY)?.read_whole(&mut buf)?;
//! let pid = parse::status_value(status, b"Pid").unwrap();
//! assert_eq!(pid, std::process::id().to_string().as_bytes());
//!
//! let stat = proc.open_self("stat", OpenFlags::O_RDONLY)?.read_whole(&mut buf)?;
//! let stat = parse::Stat::parse(stat).unwrap();
//! assert_eq!(stat.pid(), Some(std::process::id()));
//! assert!(matches!(stat.field(3), Some(b"R" | b"S"))); // state, as `man proc` numbers it
//! # Ok::<(), safe_procfs::Error>(())
//! ```

/// The NUL-terminated fields of `cmdline` or `environ`: each argument or
/// `NAME=value`, without its NUL. An empty argument is an empty field; the
/// NUL that ends the last field does not start another, and a last field
/// without its NUL (a process may overwrite its arguments) is a field too.
///
/// ```
/// use safe_procfs::parse::nul_fields;
///
/// let args: Vec<&[u8]> = nul_fields(b"ls\0\0-l\0").collect();
/// assert_eq!(args, [&b"ls"[..], b"", b"-l"]);
/// assert_eq!(nul_fields(b"").count(), 0);
/// ```
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

/// The value of `key` in a `status` file (or one of its lines): the text
/// after `key:` and the tabs or spaces that follow it, up to the end of
/// that line, from the first line that *starts* with `key:`. `None` if no
/// line does.
///
/// Only whole keys at the start of a line match: `Sig` does not match
/// `SigQ:`, and the `Name:` line of a process that named itself
/// `Uid:\t0\t0` (the kernel keeps the tabs; it escapes only a newline in
/// a name, as `\n`) is not the `Uid:` line.
///
/// ```
/// use safe_procfs::parse::status_value;
///
/// let status = b"Name:\tUid:\t0\t0\nUmask:\t0022\nUid:\t1000\t1000\t1000\t1000\n";
/// assert_eq!(status_value(status, b"Uid"), Some(&b"1000\t1000\t1000\t1000"[..]));
/// assert_eq!(status_value(status, b"Ui"), None);
/// ```
pub fn status_value<'a>(text: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    text.split(|&b| b == b'\n').find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(b":")?;
        let start = rest.iter().position(|&b| b != b'\t' && b != b' ');
        Some(rest.get(start.unwrap_or(rest.len())..).unwrap_or_default())
    })
}

/// The cgroup v2 path of a `cgroup` file: what follows `0::` on the line
/// that starts with it (the unified hierarchy: id 0, no controllers), e.g.
/// `/user.slice/session-2.scope`. `None` where there is no such line (a
/// cgroup v1 only system).
///
/// Only a line that starts with `0::` counts: a v1 line such as
/// `10:name=x:/a0::/b`, whose path holds `0::` (cgroup names are the
/// choice of whoever may create them), is not it. The path is the kernel's
/// text: it may end with ` (deleted)` for a removed cgroup, and starts with
/// `/..` for a cgroup outside the reader's cgroup namespace.
///
/// ```
/// use safe_procfs::parse::cgroup_v2_path;
///
/// let cgroup = b"1:name=systemd:/x0::/fake\n0::/system.slice/foo.service\n";
/// assert_eq!(cgroup_v2_path(cgroup), Some(&b"/system.slice/foo.service"[..]));
/// ```
pub fn cgroup_v2_path(text: &[u8]) -> Option<&[u8]> {
    text.split(|&b| b == b'\n')
        .find_map(|line| line.strip_prefix(b"0::"))
}

/// The fields of a `stat` file (`/proc/<pid>/stat`,
/// `/proc/<pid>/task/<tid>/stat`), numbered as `man 5 proc_pid_stat` does:
/// 1 is the pid, 2 the command name (`comm`), 3 the state, 4 the parent's
/// pid, and so on.
///
/// The command name is the process's own choice (`prctl(PR_SET_NAME)`,
/// writing `comm`, the executable's name): up to 15 bytes of anything but
/// NUL, spaces, `(`, `)` and newlines included, and the kernel prints it
/// unescaped between parentheses. So the name is what lies between the
/// first `(` and the **last** `)`, and the fields after it are split at
/// single spaces: a name such as `x) R 1 2 3` cannot shift them.
///
/// ```
/// use safe_procfs::parse::Stat;
///
/// let stat = Stat::parse(b"42 (x) R 1 2 3) S 1 42 42 0\n").unwrap();
/// assert_eq!(stat.pid(), Some(42));
/// assert_eq!(stat.comm(), b"x) R 1 2 3");
/// assert_eq!(stat.field(3), Some(&b"S"[..]));
/// assert_eq!(stat.field_u64(4), Some(1));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Stat<'a> {
    pid: &'a [u8],
    comm: &'a [u8],
    /// The fields from the state on, without the trailing newline.
    rest: &'a [u8],
}

impl<'a> Stat<'a> {
    /// Splits the text of a `stat` file. `None` unless it is `PID (COMM) `
    /// followed by at least the state field.
    pub fn parse(text: &'a [u8]) -> Option<Stat<'a>> {
        let text = text.strip_suffix(b"\n").unwrap_or(text);
        let open = text.iter().position(|&b| b == b'(')?;
        let close = text.iter().rposition(|&b| b == b')')?;
        let pid = text.get(..open)?.strip_suffix(b" ")?;
        let comm = text.get(open + 1..close)?;
        let rest = text.get(close + 1..)?.strip_prefix(b" ")?;
        if pid.is_empty() || !pid.iter().all(u8::is_ascii_digit) || rest.is_empty() {
            return None;
        }
        Some(Stat { pid, comm, rest })
    }

    /// Field 1, the pid (a thread's id in `task/<tid>/stat`).
    pub fn pid(&self) -> Option<u32> {
        u32::try_from(decimal(self.pid)?).ok()
    }

    /// Field 2, the command name, without its parentheses: raw bytes, as
    /// the process set them.
    pub fn comm(&self) -> &'a [u8] {
        self.comm
    }

    /// Field `n` (1-based, as `man 5 proc_pid_stat` numbers them), or
    /// `None` past the last field (or for `n` = 0).
    pub fn field(&self, n: usize) -> Option<&'a [u8]> {
        match n {
            0 => None,
            1 => Some(self.pid),
            2 => Some(self.comm),
            n => self.rest.split(|&b| b == b' ').nth(n - 3),
        }
    }

    /// Field `n` as an unsigned decimal number; `None` if it is missing,
    /// not a number (`-1`, say) or above `u64::MAX`.
    pub fn field_u64(&self, n: usize) -> Option<u64> {
        decimal(self.field(n)?)
    }
}

/// An unsigned decimal number, all digits, no sign: `None` otherwise.
pub(crate) fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}
