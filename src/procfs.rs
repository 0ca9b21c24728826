//! The procfs map: what the crate assumes about procfs's layout and the
//! text it prints, each assumption in one place.

/// A global file that a `subset=pid` instance hides: that it does not
/// resolve tells such an instance from an unmasked one.
pub(crate) const SUBSET_HIDES: &core::ffi::CStr = c"uptime";

/// Where the walk stands in procfs: magic-links live only in a process's
/// (or thread's) directory (`exe`, `cwd`, `root`) and in its `fd`, `ns`
/// and `map_files` directories. Every other procfs symlink is a regular
/// one (`self`, `thread-self`, `mounts`, `net`, `fs/xfs/stat`, ...), whose
/// text the walk substitutes as `openat2` does (`Cursor::substitute`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    Root,
    /// `<pid>` or `<pid>/task/<tid>`.
    Process,
    /// `<pid>/task`.
    Tasks,
    /// `<pid>/fd`, `<pid>/ns`, `<pid>/map_files`.
    LinkDir,
    Elsewhere,
}

impl Place {
    /// Where stepping into directory `name` from here leads.
    pub(crate) fn enter(self, name: &[u8]) -> Place {
        let number = !name.is_empty() && name.iter().all(u8::is_ascii_digit);
        match self {
            Place::Root | Place::Tasks if number => Place::Process,
            Place::Process if name == b"task" => Place::Tasks,
            Place::Process if matches!(name, b"fd" | b"ns" | b"map_files") => Place::LinkDir,
            _ => Place::Elsewhere,
        }
    }

    /// Whether a symlink `name` here is a magic-link.
    pub(crate) fn holds_magic_link(self, name: &[u8]) -> bool {
        self == Place::LinkDir
            || (self == Place::Process && matches!(name, b"exe" | b"cwd" | b"root"))
    }
}

/// Whether the last component of `path` (beneath the procfs root) is a
/// magic-link by where it lies (`self/exe`, `1234/fd/3`,
/// `thread-self/ns/mnt`, ...), told from the text alone. Only a plain path
/// qualifies: no empty, `.` or `..` component, no trailing `/`.
pub(crate) fn ends_in_magic_link(path: &[u8]) -> bool {
    let mut place = Place::Root;
    let mut rest = path;
    loop {
        let (comp, tail) = match rest.iter().position(|&b| b == b'/') {
            Some(i) => (rest.get(..i).unwrap_or_default(), rest.get(i + 1..)),
            None => (rest, None),
        };
        if comp.is_empty() || comp == b"." || comp == b".." {
            return false;
        }
        let Some(tail) = tail else {
            return place.holds_magic_link(comp);
        };
        place = match (place, comp) {
            (Place::Root, b"self" | b"thread-self") => Place::Process,
            _ => place.enter(comp),
        };
        rest = tail;
    }
}

/// Whether the first component of `path` exists on a `subset=pid` procfs:
/// its root itself (`.`), `self`, `thread-self` and the pids.
pub(crate) fn visible_in_subset(path: &[u8]) -> bool {
    let mut comps = path.split(|&b| b == b'/');
    let first = comps.find(|&c| !matches!(c, b"" | b"."));
    first.is_none_or(|c| matches!(c, b"self" | b"thread-self") || c.iter().all(u8::is_ascii_digit))
}

/// Whether `path` starts with one of procfs's top-level symlinks into
/// `self/` whose name is its target's last component (`net` -> `self/net`,
/// `mounts` -> `self/mounts`, fixed by the kernel), and that link is
/// followed: anything follows it (even a lone `/`), or `nofollow` is not
/// asked. Then `path` beneath `self` is the same file.
pub(crate) fn followed_into_self(path: &[u8], nofollow: bool) -> bool {
    let mut p = path;
    while let Some(rest) = p.strip_prefix(b"./") {
        p = rest;
    }
    match p.strip_prefix(b"net").or_else(|| p.strip_prefix(b"mounts")) {
        Some([]) => !nofollow,
        Some(rest) => rest.first() == Some(&b'/'),
        None => false,
    }
}

/// The kernel that brought `thread-self` (Linux 3.17); before it,
/// `self/task/<tid>` names the thread.
pub(crate) const THREAD_SELF_SINCE: (u32, u32) = (3, 17);

/// The value of the first line of `text` that starts with `key`, without
/// the blanks around it (`fdinfo`'s `mnt_id:\t26`, `Pid:\t-1`).
pub(crate) fn line_value<'t>(text: &'t [u8], key: &[u8]) -> Option<&'t [u8]> {
    text.split(|&b| b == b'\n')
        .find_map(|line| line.strip_prefix(key))
        .map(<[u8]>::trim_ascii)
}

/// An unsigned decimal number that fits a u64: all digits, no sign, no
/// blanks; `None` otherwise. The crate's one number parser.
pub(crate) fn decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add((d - b'0').into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_links_by_place() {
        let pid = Place::Root.enter(b"1234");
        assert_eq!(pid, Place::Process);
        assert!(pid.holds_magic_link(b"exe"));
        assert!(!pid.holds_magic_link(b"status"));
        assert!(pid.enter(b"fd").holds_magic_link(b"0"));
        assert!(pid.enter(b"ns").holds_magic_link(b"mnt"));
        assert!(pid.enter(b"map_files").holds_magic_link(b"1-2"));
        assert!(pid.enter(b"task").enter(b"1235").holds_magic_link(b"cwd"));
        assert!(!Place::Root.holds_magic_link(b"self"));
        let fs = Place::Root.enter(b"fs");
        assert!(!fs.enter(b"xfs").holds_magic_link(b"stat"));
        assert!(!pid.enter(b"fdinfo").holds_magic_link(b"0"));
        assert!(!pid.enter(b"attr").holds_magic_link(b"exec"));
    }

    #[test]
    fn trailing_magic_links_by_text() {
        // Paths separated by blanks.
        let magic =
            "self/exe thread-self/cwd 1/root self/fd/0 self/task/12/ns/mnt 12/map_files/1-2";
        let not = "exe self self/status self/exe/ self/./exe self//exe self/fd self/fdinfo/0 \
                   self/task/exe fs/exe self/fd/0/x";
        for (paths, want) in [(magic, true), (not, false)] {
            for p in paths.split_ascii_whitespace() {
                assert_eq!(ends_in_magic_link(p.as_bytes()), want, "{p}");
            }
        }
        assert!(!ends_in_magic_link(b""));
    }

    #[test]
    fn what_a_subset_instance_shows() {
        // Paths separated by blanks, the first one empty.
        for p in " . self/status ./thread-self/comm 12/stat /self".split(' ') {
            assert!(visible_in_subset(p.as_bytes()), "{p:?}");
        }
        for p in ["uptime", "sys/kernel", "./net/dev", "mounts", "1x/stat"] {
            assert!(!visible_in_subset(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn top_level_links_into_self() {
        assert!(followed_into_self(b"net", false));
        assert!(!followed_into_self(b"net", true));
        assert!(followed_into_self(b"net/", true));
        assert!(followed_into_self(b"./mounts", false));
        assert!(followed_into_self(b"net/dev", true));
        assert!(!followed_into_self(b"network", false));
        assert!(!followed_into_self(b"mountstats", false));
        assert!(!followed_into_self(b"self/net", false));
    }

    #[test]
    fn fdinfo_lines() {
        let t = "pos:\t0\nflags:\t012100000\nmnt_id:\t26\nino:\t4026531840\n";
        for (text, key, num) in [
            (t, "mnt_id:", Some(26)),
            (t, "ino:", Some(4026531840)),
            (t, "nope:", None),
            ("mnt_id:\t\n", "mnt_id:", None),
            ("mnt_id:\t12x\n", "mnt_id:", None),
        ] {
            let got = line_value(text.as_bytes(), key.as_bytes()).and_then(decimal);
            assert_eq!(got, num, "{text:?} {key}");
        }
        assert_eq!(decimal(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(decimal(b"18446744073709551616"), None);
        assert_eq!(decimal(b"-1"), None);
        assert_eq!(line_value(b"pos:\t0\n\nino:\t7", b"ino:"), Some(&b"7"[..]));
        assert_eq!(line_value(b"mnt_ino:\t7\n", b"ino:"), None);
        assert_eq!(line_value(b"", b"ino:"), None);
        let pid = line_value(b"Pid:\t-1\nNSpid:\t-1\n", b"Pid:");
        assert_eq!(pid, Some(&b"-1"[..]));
    }
}
