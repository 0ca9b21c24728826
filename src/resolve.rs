//! Safe resolution of a path beneath a verified procfs root.
//!
//! Fast path: one `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
//! RESOLVE_NO_XDEV)`: the kernel refuses mount crossings, magic-links and
//! escapes. Fallback (no `openat2`, or a seccomp filter refusing it): a walk
//! one component at a time with `O_PATH|O_NOFOLLOW`, checking fs type and
//! mount id at every step and following procfs's regular symlinks by
//! re-resolving their text the same way.

use crate::arch::{O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH};
use crate::error::{Error, ErrorKind};
use crate::fd::{BorrowedFd, OwnedFd};
use crate::mount::{self, FileInfo};
use crate::path::{self, NameBuf, PathBuf};
use crate::probe::{self, Feature};
use crate::root::Root;
use crate::step::Step;
use crate::sys::{self, Errno};
use core::ffi::CStr;

const RESOLVE: u64 = sys::RESOLVE_BENEATH | sys::RESOLVE_NO_MAGICLINKS | sys::RESOLVE_NO_XDEV;
/// Regular symlinks followed in one walk before giving up, as the kernel.
const MAX_SYMLINKS: u32 = 40;
/// The flags for a walk step or a parent directory.
const STEP: u64 = O_PATH | O_NOFOLLOW | O_CLOEXEC;

fn eloop(step: Step) -> Error {
    Error::new(ErrorKind::SafetyViolation, Errno::ELOOP, step)
}

/// Maps an error of a resolution syscall: `EXDEV` is a safety violation.
fn resolve_err(e: Errno, step: Step) -> Error {
    if e == Errno::EXDEV {
        Error::unsafe_path(Step::CrossesMount)
    } else {
        Error::os(e, step)
    }
}

/// Whether an `openat2` failure means "fall back to the walk"; remembers
/// a missing `openat2`. `ENOSYS` always does. `EPERM` may come from a
/// seccomp filter or be the kernel's own answer for this file
/// (`map_files/*` as non-root, `O_NOATIME` on another user's file): it
/// counts only if a harmless `openat2` of the root itself is refused too.
fn openat2_unavailable(root: &Root<'_>, e: Errno) -> bool {
    let missing = match e {
        Errno::ENOSYS => true,
        Errno::EPERM => matches!(
            sys::openat2(root.fd, c".", O_PATH | O_CLOEXEC, RESOLVE),
            Err(e) if probe::is_unavailable(e)
        ),
        _ => false,
    };
    if missing {
        probe::mark_missing(Feature::Openat2);
    }
    missing
}

/// Opens `path` (relative, validated) beneath `root` with the kernel
/// `flags` (already normalised by the caller). `path` is borrowed mutably
/// only to be cut in place; it is unchanged on return.
pub(crate) fn open(root: &Root<'_>, path: &mut PathBuf, flags: u64) -> Result<OwnedFd, Error> {
    if probe::missing(Feature::Openat2) {
        return walk(root, path, flags);
    }
    let follow = flags & O_NOFOLLOW == 0;
    // An O_PATH follow (O_PATH without O_NOFOLLOW; one test of both bits)
    // of a trailing magic-link known by its place starts at once: this
    // openat2 could only refuse it (ELOOP), and the check after the follow
    // catches a mount on the link before anything is handed out. Any other
    // open asks openat2 first: it refuses (EXDEV) a file mounted on the
    // link, which the follow would open with the caller's flags (block on a
    // FIFO, truncate with O_TRUNC) before the check after it could say no.
    if !(flags & (O_PATH | O_NOFOLLOW) == O_PATH && ends_in_magic_link(path.as_bytes())) {
        match sys::openat2(root.fd, path.as_cstr(), flags, RESOLVE) {
            Ok(fd) => {
                if root.attackable() {
                    // The kernel has refused crossings; on the host /proc we
                    // still check where we landed.
                    root.check_same_mount(fd.as_fd())?;
                }
                return Ok(fd);
            }
            Err(Errno::ELOOP) if follow => {}
            Err(e) if openat2_unavailable(root, e) => return walk(root, path, flags),
            Err(e) => return Err(resolve_err(e, Step::Openat2)),
        }
    }
    follow_checked(root, path, flags)
}

/// [`follow_trailing`], then the check that no mount covers the link, from
/// this shallower frame (the name is the tail of `path`, NUL-terminated as
/// it is). (Inlined when optimised; its own frame in a debug build.)
#[inline]
fn follow_checked(root: &Root<'_>, path: &mut PathBuf, flags: u64) -> Result<OwnedFd, Error> {
    let (fd, parent) = match follow_trailing(root, path, flags)? {
        Followed::Link { fd, parent } => (fd, parent),
        Followed::Walked(fd) => return Ok(fd),
    };
    let dirfd = parent.as_ref().map_or(root.fd, OwnedFd::as_fd);
    not_mounted_over(root, dirfd, path.last_component())?;
    Ok(fd)
}

/// `openat2` refused a magic-link: if it is the last component, open the
/// parent safely, make sure the link is not itself a mount point, and
/// follow it with a plain `openat` relative to the parent.
#[inline(never)]
fn follow_trailing(root: &Root<'_>, path: &mut PathBuf, flags: u64) -> Result<Followed, Error> {
    match path.with_split_last(|parent, name| follow_split(root, parent, name, flags)) {
        Some(r) => r,
        // openat2 went missing meanwhile: the walk does it all.
        None => walk(root, path, flags).map(Followed::Walked),
    }
}

/// What [`follow_trailing`] did.
enum Followed {
    /// Followed the link, which is still to be checked for a mount over it
    /// (in `parent`, `None`: the root).
    Link {
        fd: OwnedFd,
        parent: Option<OwnedFd>,
    },
    /// The walk did it all, checks included.
    Walked(OwnedFd),
}

/// [`follow_trailing`] on the path cut into `parent` (`None`: the root) and
/// the last component `name`; `None` if `openat2` is missing after all.
fn follow_split(
    root: &Root<'_>,
    parent: Option<&CStr>,
    name: &CStr,
    flags: u64,
) -> Option<Result<Followed, Error>> {
    if name.is_empty() || name == c"." {
        return Some(Err(eloop(Step::MagicLinkInPath)));
    }
    let parent_fd = match parent {
        None => None,
        Some(p) => match sys::openat2(root.fd, p, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE) {
            Ok(fd) => Some(fd),
            Err(Errno::ELOOP) => return Some(Err(eloop(Step::MagicLinkInPath))),
            Err(e) if openat2_unavailable(root, e) => return None,
            Err(e) => return Some(Err(resolve_err(e, Step::Openat2Parent))),
        },
    };
    let dirfd = parent_fd.as_ref().map_or(root.fd, OwnedFd::as_fd);
    if root.attackable() {
        // On the host /proc, first make sure the link is a symlink on our
        // mount and not a mount point (RESOLVE_NO_XDEV refuses to step onto
        // one); the check after the open below narrows the race.
        let link = match sys::openat2(dirfd, name, STEP, RESOLVE) {
            Ok(fd) => fd,
            Err(e) if openat2_unavailable(root, e) => return None,
            Err(e) => return Some(Err(resolve_err(e, Step::Openat2Link))),
        };
        match root.check_same_mount(link.as_fd()) {
            Ok(info) if info.is_symlink() => {}
            Ok(_) => return Some(Err(eloop(Step::MagicLinkInPath))),
            Err(e) => return Some(Err(e)),
        }
    }
    Some(
        sys::openat(dirfd, name, flags)
            .map(|fd| Followed::Link {
                fd,
                parent: parent_fd,
            })
            .map_err(|e| Error::os(e, Step::OpenMagicLink)),
    )
}

/// After a magic-link `name` in `dirfd` was followed: fails (and the caller
/// drops what it opened) if something is mounted on the link. Since Linux
/// 6.15 a process that may mount can put a mount even on our private or
/// detached procfs, through `/proc/<our pid>/fd/<root fd>/...`; such a
/// mount cannot be taken away again, so a check after the open leaves no
/// window there (on the host /proc it narrows one). One `statx` where mount
/// ids can be compared, else the kernel's own `RESOLVE_NO_XDEV`.
#[inline]
fn not_mounted_over(root: &Root<'_>, dirfd: BorrowedFd<'_>, name: &CStr) -> Result<(), Error> {
    let covered = || Error::unsafe_path(Step::MountCoversMagicLink);
    if let Some(ours) = root.mnt()
        && let Some(now) = mount::mount_id_at(dirfd, name)?
        && now.unique == ours.unique
    {
        return if now.id == ours.id {
            Ok(())
        } else {
            Err(covered())
        };
    }
    match sys::openat2(dirfd, name, STEP, RESOLVE) {
        Ok(_) => Ok(()),
        Err(Errno::EXDEV) => Err(covered()),
        Err(e) if probe::is_unavailable(e) => {
            let link = open_name_c(dirfd, name, STEP, Step::OpenMagicLink)?;
            root.check_same_mount(link.as_fd()).map(drop)
        }
        Err(e) => Err(Error::os(e, Step::Openat2MagicLink)),
    }
}

/// The walk's follow of the magic-link `name` in `dirfd`, whose own mount
/// was checked: a mount made on it since (see [`not_mounted_over`]) is
/// caught after the open.
#[inline(never)]
fn follow_in_walk(
    root: &Root<'_>,
    dirfd: BorrowedFd<'_>,
    name: &[u8],
    flags: u64,
) -> Result<OwnedFd, Error> {
    let fd = open_name(dirfd, name, flags, Step::OpenMagicLink)?;
    let link = open_name(dirfd, name, STEP, Step::OpenMagicLink)?;
    root.check_same_mount(link.as_fd())?;
    Ok(fd)
}

/// `openat(dirfd, name, flags)` with a C-string name.
fn open_name_c(
    dirfd: BorrowedFd<'_>,
    name: &CStr,
    flags: u64,
    step: Step,
) -> Result<OwnedFd, Error> {
    sys::openat(dirfd, name, flags).map_err(|e| Error::os(e, step))
}

/// `openat(dirfd, name, flags)` for one component, NUL-terminated in this
/// short-lived frame (not in the walk's, which stays live below deeper calls).
#[inline(never)]
fn open_name(dirfd: BorrowedFd<'_>, name: &[u8], flags: u64, step: Step) -> Result<OwnedFd, Error> {
    let mut buf = NameBuf::new();
    buf.push(name)?;
    open_name_c(dirfd, buf.as_cstr(), flags, step)
}

/// The next component of `rest`: (component, remainder), skipping empty and
/// `.` components; `None` when nothing is left.
fn next_component(mut rest: &[u8]) -> Option<(&[u8], &[u8])> {
    loop {
        let (comp, tail) = match rest.iter().position(|&b| b == b'/') {
            Some(i) => (rest.get(..i)?, rest.get(i + 1..)?),
            None => (rest, &[][..]),
        };
        if !comp.is_empty() && comp != b"." {
            return Some((comp, tail));
        }
        if tail.is_empty() {
            return None;
        }
        rest = tail;
    }
}

/// Where the walk stands in procfs: magic-links live only in a process's
/// (or thread's) directory (`exe`, `cwd`, `root`) and in its `fd`, `ns`
/// and `map_files` directories. Every other procfs symlink is a regular
/// one (`self`, `thread-self`, `mounts`, `net`, `fs/xfs/stat`,
/// `device-tree`, ...), which `openat2` follows under `RESOLVE_BENEATH`,
/// refusing an absolute target with `EXDEV`: the walk does the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
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
    fn enter(self, name: &[u8]) -> Place {
        let number = !name.is_empty() && name.iter().all(u8::is_ascii_digit);
        match self {
            Place::Root | Place::Tasks if number => Place::Process,
            Place::Process if name == b"task" => Place::Tasks,
            Place::Process if matches!(name, b"fd" | b"ns" | b"map_files") => Place::LinkDir,
            _ => Place::Elsewhere,
        }
    }

    /// Whether a symlink `name` here is a magic-link.
    fn holds_magic_link(self, name: &[u8]) -> bool {
        self == Place::LinkDir
            || (self == Place::Process && matches!(name, b"exe" | b"cwd" | b"root"))
    }
}

/// Whether the last component of `path` (beneath the procfs root) is a
/// magic-link by where it lies (`self/exe`, `1234/fd/3`,
/// `thread-self/ns/mnt`, ...), told from the text alone. Only a plain path
/// qualifies: no empty, `.` or `..` component, no trailing `/`.
#[inline(never)]
fn ends_in_magic_link(path: &[u8]) -> bool {
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

/// The fallback resolver: one component at a time, every step an
/// `O_PATH|O_NOFOLLOW` fd checked to be on the root's procfs mount. It
/// answers as `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
/// RESOLVE_NO_XDEV)` would, plus the trailing magic-link follow. `todo` is
/// consumed: it holds what is left to resolve.
#[cold]
#[inline(never)]
fn walk(root: &Root<'_>, todo: &mut PathBuf, flags: u64) -> Result<OwnedFd, Error> {
    // Measure the root's mount once for the whole walk.
    let root = &root.with_mount_id()?;
    // What is left to resolve is `todo[walk.pos..]`: the caller's buffer,
    // rewritten in place as symlinks are followed (no second buffer).
    let path = todo.as_bytes();
    let mut walk = Walk {
        flags,
        // A trailing '/' (or "/.") demands a directory and follows a final
        // symlink.
        must_dir: matches!(path, [.., b'/'] | [.., b'/', b'.']),
        pos: 0,
        cur: None,
        place: Place::Root,
        links: 0,
    };
    loop {
        let next = walk.step(root, todo)?;
        if let Some(fd) = walk.finish(root, todo, next)? {
            return Ok(fd);
        }
    }
}

/// What a step of the walk leaves to do.
enum Next {
    Continue,
    Done(OwnedFd),
    /// Follow the magic-link `todo[start..start + len]` in the current
    /// directory (its own mount was checked).
    Follow {
        start: usize,
        len: usize,
    },
    /// Open `todo[start..start + len]` in the current directory with the
    /// caller's flags (`len` 0: the directory itself); it must still be
    /// the inode `ino` the walk checked, where it checked one.
    Reopen {
        start: usize,
        len: usize,
        ino: Option<u64>,
    },
}

/// Where a component of the walk's path lies, and what follows it.
#[derive(Clone, Copy)]
struct Found {
    /// Its place in the path.
    start: usize,
    len: usize,
    /// Bytes of the path up to the start of what follows it.
    consumed: usize,
    is_last: bool,
    rest_empty: bool,
}

/// The state of a [`walk`]; each step is its own small frame.
struct Walk {
    flags: u64,
    must_dir: bool,
    pos: usize,
    /// The directory reached so far (`None`: the root).
    cur: Option<OwnedFd>,
    place: Place,
    links: u32,
}

impl Walk {
    /// Carries out what a step left to do: the final follow or reopen runs
    /// from here, not from the step's frame, so its mount check (with
    /// fdinfo, the deepest chain) stacks on less. `Some` when done.
    #[inline(never)]
    fn finish(
        &self,
        root: &Root<'_>,
        todo: &PathBuf,
        next: Next,
    ) -> Result<Option<OwnedFd>, Error> {
        let dirfd = self.cur.as_ref().map_or(root.fd, OwnedFd::as_fd);
        let (start, len) = match next {
            Next::Continue => return Ok(None),
            Next::Done(fd) => return Ok(Some(fd)),
            Next::Follow { start, len } | Next::Reopen { start, len, .. } => (start, len),
        };
        let name = match len {
            0 => &b"."[..],
            _ => todo.as_bytes().get(start..start + len).unwrap_or(b"."),
        };
        match next {
            Next::Reopen { ino, .. } => reopen(root, dirfd, name, self.flags, ino),
            // Next::Follow (the others returned above).
            _ => follow_in_walk(root, dirfd, name, self.flags),
        }
        .map(Some)
    }

    /// Resolves one component: `Some` result when the walk is done. Only
    /// what must outlive the mount check lives in this frame.
    #[inline(never)]
    fn step(&mut self, root: &Root<'_>, todo: &mut PathBuf) -> Result<Next, Error> {
        let dirfd = self.cur.as_ref().map_or(root.fd, OwnedFd::as_fd);
        let left = todo.as_bytes().get(self.pos..).unwrap_or(&[]);
        let Some((comp, rest)) = next_component(left) else {
            // Nothing but "." left: the target is the current directory.
            return Ok(Next::Reopen {
                start: 0,
                len: 0,
                ino: None,
            });
        };
        let consumed = todo.as_bytes().len() - rest.len();
        let found = Found {
            // `comp` is a slice of `todo`: where it starts.
            start: comp.as_ptr() as usize - todo.as_bytes().as_ptr() as usize,
            len: comp.len(),
            consumed,
            // A trailing "." is not nothing: it is looked up (and checked
            // for search permission) like any component, as the kernel does.
            is_last: rest.iter().all(|&b| b == b'/'),
            rest_empty: rest.is_empty(),
        };
        let fd = open_name(dirfd, comp, STEP, Step::OpenComponent)?;
        let info = root.check_same_mount(fd.as_fd())?;
        self.decide(todo, found, fd, info)
    }

    /// What to do with the component `found`, opened as `fd` and checked.
    #[inline(never)]
    fn decide(
        &mut self,
        todo: &mut PathBuf,
        found: Found,
        fd: OwnedFd,
        info: FileInfo,
    ) -> Result<Next, Error> {
        let Found {
            start,
            len,
            consumed,
            is_last,
            rest_empty,
        } = found;
        let comp = todo.as_bytes().get(start..start + len).unwrap_or_default();
        let flags = self.flags;
        if info.is_symlink() {
            if is_last && flags & O_NOFOLLOW != 0 && !self.must_dir {
                // O_NOFOLLOW: a link is never a directory (ENOTDIR first),
                // an O_PATH open gets the link itself, others ELOOP — as
                // the kernel answers.
                return if flags & O_DIRECTORY != 0 {
                    Err(Error::os(Errno::ENOTDIR, Step::NotADirectory))
                } else if flags & O_PATH != 0 {
                    Ok(Next::Done(fd))
                } else {
                    Err(Error::os(Errno::ELOOP, Step::TrailingSymlinkNoFollow))
                };
            }
            if self.place.holds_magic_link(comp) {
                // Only as the last component, where the link itself was
                // checked above to be on our mount.
                if is_last && !self.must_dir {
                    return Ok(Next::Follow { start, len });
                }
                // The kernel reports a link it cannot read (EACCES, ENOENT)
                // before refusing it inside a path: so do we.
                let mut probe_buf = [0u8; 1];
                if let Err(e) = sys::readlinkat(fd.as_fd(), c"", &mut probe_buf) {
                    return Err(Error::os(e, Step::ReadlinkMagicLink));
                }
                return Err(eloop(Step::MagicLinkInPath));
            }
            // Resolve the link's text in place of what led to it, from the
            // link's directory (so `place` stays): target + "/" + rest.
            let keep_slash = usize::from(!rest_empty);
            self.substitute_link(todo, &fd, consumed - keep_slash)?;
            return Ok(Next::Continue);
        }
        if is_last {
            if (self.must_dir || flags & O_DIRECTORY != 0) && !info.is_dir() {
                return Err(Error::os(Errno::ENOTDIR, Step::NotADirectory));
            }
            if flags & O_PATH != 0 {
                return Ok(Next::Done(fd));
            }
            return Ok(Next::Reopen {
                start,
                len,
                ino: Some(info.ino),
            });
        }
        if !info.is_dir() {
            return Err(Error::os(Errno::ENOTDIR, Step::NotADirectory));
        }
        self.place = self.place.enter(comp);
        self.pos = consumed;
        self.cur = Some(fd);
        Ok(Next::Continue)
    }

    /// Replaces `todo[..consumed]` with the text of the regular symlink
    /// `link`, refusing what `RESOLVE_BENEATH` refuses.
    #[inline(never)]
    fn substitute_link(
        &mut self,
        todo: &mut PathBuf,
        link: &OwnedFd,
        consumed: usize,
    ) -> Result<(), Error> {
        let mut target = [0u8; 256];
        let n = sys::readlinkat(link.as_fd(), c"", &mut target)
            .map_err(|e| Error::os(e, Step::Readlink))?;
        if n >= target.len() {
            return Err(Error::os(Errno::ENAMETOOLONG, Step::ProcfsSymlinkTarget));
        }
        let target = target.get(..n).unwrap_or_default();
        if target.first() == Some(&b'/') {
            return Err(Error::unsafe_path(Step::AbsoluteSymlink));
        }
        if path::has_dotdot(target) {
            return Err(Error::unsafe_path(Step::SymlinkWithDotDot));
        }
        self.links += 1;
        if self.links > MAX_SYMLINKS {
            return Err(Error::os(Errno::ELOOP, Step::TooManySymlinks));
        }
        todo.replace_prefix(consumed, target)?;
        self.pos = 0;
        Ok(())
    }
}

/// Opens `name` in `dirfd` with the caller's flags (never following a
/// symlink) and checks that the result is on the root's mount and is the
/// inode `verified` the walk checked, so a swap in between is caught.
#[inline(never)]
fn reopen(
    root: &Root<'_>,
    dirfd: BorrowedFd<'_>,
    name: &[u8],
    flags: u64,
    verified: Option<u64>,
) -> Result<OwnedFd, Error> {
    let fd = open_name(dirfd, name, flags | O_NOFOLLOW, Step::Open)?;
    let info = root.check_same_mount(fd.as_fd())?;
    match verified {
        Some(ino) if ino != info.ino => Err(Error::unsafe_path(Step::FileChangedDuringWalk)),
        _ => Ok(fd),
    }
}

#[cfg(test)]
mod tests {
    use super::{Place, next_component};

    #[test]
    fn magic_links_by_place() {
        let pid = Place::Root.enter(b"1234");
        assert_eq!(pid, Place::Process);
        assert!(pid.holds_magic_link(b"exe"));
        assert!(!pid.holds_magic_link(b"status"));
        assert!(pid.enter(b"fd").holds_magic_link(b"0"));
        assert!(pid.enter(b"ns").holds_magic_link(b"mnt"));
        assert!(pid.enter(b"map_files").holds_magic_link(b"1-2"));
        let thread = pid.enter(b"task").enter(b"1235");
        assert!(thread.holds_magic_link(b"cwd"));
        assert!(!Place::Root.holds_magic_link(b"self"));
        assert!(
            !Place::Root
                .enter(b"fs")
                .enter(b"xfs")
                .holds_magic_link(b"stat")
        );
        assert!(!pid.enter(b"fdinfo").holds_magic_link(b"0"));
        assert!(!pid.enter(b"attr").holds_magic_link(b"exec"));
    }

    #[test]
    fn trailing_magic_links_by_text() {
        use super::ends_in_magic_link as magic;
        for p in [
            "self/exe",
            "thread-self/cwd",
            "1/root",
            "self/fd/0",
            "self/task/12/ns/mnt",
            "12/map_files/1-2",
        ] {
            assert!(magic(p.as_bytes()), "{p}");
        }
        for p in [
            "exe",
            "self",
            "self/status",
            "self/exe/",
            "self/./exe",
            "self//exe",
            "self/fd",
            "self/fdinfo/0",
            "self/task/exe",
            "fs/exe",
            "self/fd/0/x",
            "",
        ] {
            assert!(!magic(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn components() {
        assert_eq!(next_component(b"a/b"), Some((&b"a"[..], &b"b"[..])));
        assert_eq!(next_component(b"./a//b/"), Some((&b"a"[..], &b"/b/"[..])));
        assert_eq!(next_component(b"/b/"), Some((&b"b"[..], &b""[..])));
        assert_eq!(next_component(b"."), None);
        assert_eq!(next_component(b""), None);
        assert_eq!(next_component(b"./"), None);
    }
}
