//! Safe resolution of a path beneath a verified procfs root: one `openat2`
//! ([`RESOLVE`]), else (no `openat2`, or a seccomp filter refusing it) a
//! walk one component at a time with `O_PATH|O_NOFOLLOW`, checking fs type
//! and mount id at every step and re-resolving the text of procfs's regular
//! symlinks the same way.

use crate::arch::{O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH};
use crate::error::{Error, ErrorKind};
use crate::fd::{BorrowedFd, OwnedFd};
use crate::mount::{self, RESOLVE};
use crate::path::{Cursor, NameBuf, PathBuf};
use crate::probe::{self, Feature};
use crate::procfs::{Place, ends_in_magic_link};
use crate::root::Root;
use crate::step::Step;
use crate::sys::{self, Errno};
use core::ffi::CStr;

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
/// `flags` (already normalised by the caller). `path` is scratch: the
/// walk rewrites it as it substitutes symlinks, so what it holds on return
/// is unspecified.
pub(crate) fn open(root: &Root<'_>, path: &mut PathBuf, flags: u64) -> Result<OwnedFd, Error> {
    if probe::missing(Feature::Openat2) {
        return walk(root, path, flags);
    }
    // An O_PATH follow of a trailing magic-link starts at once: openat2
    // could only refuse it, and the check after the follow catches a mount
    // on the link before anything is handed out. Any other open asks
    // openat2 first: it refuses (EXDEV) a file mounted on the link, which
    // the follow would open with the caller's flags (block on a FIFO,
    // truncate) before the check after it could say no.
    if !(flags & (O_PATH | O_NOFOLLOW) == O_PATH && ends_in_magic_link(path.as_bytes())) {
        match sys::openat2(root.fd, path.as_cstr(), flags, RESOLVE) {
            // On the host /proc we still check where we landed.
            Ok(fd) if root.attackable() => return root.check_same_mount(fd.as_fd()).map(|_| fd),
            Ok(fd) => return Ok(fd),
            Err(Errno::ELOOP) if flags & O_NOFOLLOW == 0 => {}
            Err(e) if openat2_unavailable(root, e) => return walk(root, path, flags),
            Err(e) => return Err(resolve_err(e, Step::Openat2)),
        }
    }
    match path.with_split_last(|parent, name| follow_trailing(root, parent, name, flags))? {
        Some(fd) => Ok(fd),
        // openat2 went missing meanwhile: the walk does it all.
        None => walk(root, path, flags),
    }
}

/// Follows the trailing magic-link `name` in `parent` (`None`: the root)
/// with a plain `openat`, then checks that no mount covers it. `None` if
/// `openat2` turned out to be missing: nothing was followed.
fn follow_trailing(
    root: &Root<'_>,
    parent: Option<&CStr>,
    name: &CStr,
    flags: u64,
) -> Result<Option<OwnedFd>, Error> {
    if name.is_empty() || name == c"." {
        return Err(eloop(Step::MagicLinkInPath));
    }
    let parent_fd = match parent {
        None => None,
        Some(p) => match sys::openat2(root.fd, p, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE) {
            Ok(fd) => Some(fd),
            Err(Errno::ELOOP) => return Err(eloop(Step::MagicLinkInPath)),
            Err(e) if openat2_unavailable(root, e) => return Ok(None),
            Err(e) => return Err(resolve_err(e, Step::Openat2Parent)),
        },
    };
    let dirfd = parent_fd.as_ref().map_or(root.fd, OwnedFd::as_fd);
    if root.attackable() {
        // On the host /proc, first make sure the link is a symlink on our
        // mount and not a mount point (RESOLVE_NO_XDEV refuses to step onto
        // one); the check after the open below narrows the race.
        let link = match sys::openat2(dirfd, name, STEP, RESOLVE) {
            Ok(fd) => fd,
            Err(e) if openat2_unavailable(root, e) => return Ok(None),
            Err(e) => return Err(resolve_err(e, Step::Openat2Link)),
        };
        if !root.check_same_mount(link.as_fd())?.is_symlink() {
            return Err(eloop(Step::MagicLinkInPath));
        }
    }
    let fd = sys::openat(dirfd, name, flags).map_err(|e| Error::os(e, Step::OpenMagicLink))?;
    not_mounted_over(root, dirfd, name)?;
    Ok(Some(fd))
}

/// After a magic-link `name` in `dirfd` was followed: fails (and the caller
/// drops what it opened) if something is mounted on the link. Since Linux
/// 6.15 a process that may mount can put a mount even on our private or
/// detached procfs, through `/proc/<our pid>/fd/<root fd>/...`; such a
/// mount cannot be taken away again, so a check after the open leaves no
/// window there (on the host /proc it narrows one). One `statx` where mount
/// ids can be compared, else the kernel's own `RESOLVE_NO_XDEV`.
fn not_mounted_over(root: &Root<'_>, dirfd: BorrowedFd<'_>, name: &CStr) -> Result<(), Error> {
    let covered = || Error::unsafe_path(Step::MountCoversMagicLink);
    if let Some(ours) = root.mnt()
        && let Some(now) = mount::mount_id_at(dirfd, name)?
        && now.unique == ours.unique
    {
        return (now.id == ours.id).then_some(()).ok_or_else(covered);
    }
    match sys::openat2(dirfd, name, STEP, RESOLVE) {
        Ok(_) => Ok(()),
        Err(Errno::EXDEV) => Err(covered()),
        Err(e) if probe::is_unavailable(e) => link_on_root_mount(root, dirfd, name.to_bytes()),
        Err(e) => Err(Error::os(e, Step::Openat2MagicLink)),
    }
}

/// Fails unless the link `name` in `dirfd` is on the root's mount.
fn link_on_root_mount(root: &Root<'_>, dirfd: BorrowedFd<'_>, name: &[u8]) -> Result<(), Error> {
    let link = open_name(dirfd, name, STEP, Step::OpenMagicLink)?;
    root.check_same_mount(link.as_fd()).map(drop)
}

/// The walk's follow of the magic-link `name` in `dirfd`, whose own mount
/// was checked: a mount made on it since (see [`not_mounted_over`]) is
/// caught after the open. Apart from [`walk`], whose frame it would grow.
fn follow_in_walk(
    root: &Root<'_>,
    dirfd: BorrowedFd<'_>,
    name: &[u8],
    flags: u64,
) -> Result<OwnedFd, Error> {
    let fd = open_name(dirfd, name, flags, Step::OpenMagicLink)?;
    link_on_root_mount(root, dirfd, name).map(|()| fd)
}

/// `openat(dirfd, name, flags)` for one component `name`.
fn open_name(dirfd: BorrowedFd<'_>, name: &[u8], flags: u64, step: Step) -> Result<OwnedFd, Error> {
    let mut buf = NameBuf::new();
    buf.push(name)?;
    sys::openat(dirfd, buf.as_cstr(), flags).map_err(|e| Error::os(e, step))
}

/// The walk of the module doc, [`decide`] saying what to do at each step:
/// it answers as `openat2` with [`RESOLVE`] would, plus the trailing
/// magic-link follow.
fn walk(root: &Root<'_>, path: &mut PathBuf, flags: u64) -> Result<OwnedFd, Error> {
    // Measure the root's mount once for the whole walk.
    let root = &root.with_mount_id()?;
    let mut at = Cursor::new(path);
    // The directory reached so far (`None`: the root), and where it lies.
    let mut dir: Option<OwnedFd> = None;
    let mut place = Place::Root;
    while at.advance() {
        let dirfd = dir.as_ref().map_or(root.fd, OwnedFd::as_fd);
        let fd = open_name(dirfd, at.name(), STEP, Step::OpenComponent)?;
        let info = root.check_same_mount(fd.as_fd())?;
        let found = match (info.is_symlink(), info.is_dir()) {
            (true, _) if place.holds_magic_link(at.name()) => Found::MagicLink,
            (true, _) => Found::Symlink,
            (false, true) => Found::Dir,
            (false, false) => Found::File,
        };
        match decide(found, at.is_last(), at.wants_dir, flags) {
            Action::Enter => {
                place = place.enter(at.name());
                dir = Some(fd);
            }
            // From the link's directory: `place` stays.
            Action::Substitute => substitute_link(&mut at, &fd)?,
            Action::Follow => return follow_in_walk(root, dirfd, at.name(), flags),
            Action::Reopen => return reopen(root, dirfd, at.name(), flags, Some(info.ino)),
            Action::Hand => return Ok(fd),
            Action::MagicLinkInPath => {
                // The kernel reports a link it cannot read (EACCES, ENOENT)
                // before refusing it inside a path: so do we.
                sys::readlinkat(fd.as_fd(), c"", &mut [0u8; 1])
                    .map_err(|e| Error::os(e, Step::ReadlinkMagicLink))?;
                return Err(eloop(Step::MagicLinkInPath));
            }
            Action::Fail(e) => return Err(e),
        }
    }
    // Nothing but "." left: the target is the directory reached.
    let dirfd = dir.as_ref().map_or(root.fd, OwnedFd::as_fd);
    reopen(root, dirfd, b".", flags, None)
}

/// What the walk found at a component, opened with `O_NOFOLLOW`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    Dir,
    /// Anything else that is not a symlink.
    File,
    /// A regular symlink (`self`, `net`, `fs/xfs/stat`, ...).
    Symlink,
    /// A magic-link, known by its [`Place`].
    MagicLink,
}

/// What the walk does with a component: [`decide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Enter,
    Substitute,
    Follow,
    Reopen,
    /// Hand out the `O_PATH|O_NOFOLLOW` fd the walk opened.
    Hand,
    MagicLinkInPath,
    Fail(Error),
}

/// What the walk does with a component it `found`: `last` if only `/`
/// follows it, `slash` if the path ends in `/` or `/.`, `flags` the
/// caller's. The first row that matches decides (`-`: either):
///
/// | found     | last | slash | `O_NOFOLLOW` | `O_DIRECTORY` | `O_PATH` | action |
/// |-----------|------|-------|--------------|---------------|----------|--------|
/// | any link  | yes  | no    | yes          | yes           | -        | `ENOTDIR` |
/// | any link  | yes  | no    | yes          | no            | yes      | hand out the link |
/// | any link  | yes  | no    | yes          | no            | no       | `ELOOP` |
/// | magic     | yes  | no    | no           | -             | -        | follow |
/// | magic     | -    | -     | -            | -             | -        | `ELOOP` (in the path) |
/// | symlink   | -    | -     | -            | -             | -        | substitute its text |
/// | directory | no   | -     | -            | -             | -        | enter |
/// | file      | no   | -     | -            | -             | -        | `ENOTDIR` |
/// | file      | yes  | yes   | -            | -             | -        | `ENOTDIR` |
/// | file      | yes  | -     | -            | yes           | -        | `ENOTDIR` |
/// | -         | yes  | -     | -            | -             | yes      | hand out the fd |
/// | -         | yes  | -     | -            | -             | no       | reopen |
///
/// As the kernel answers: with `O_NOFOLLOW` a link is never a directory
/// (`ENOTDIR` first) and an `O_PATH` open gets the link itself; a trailing
/// slash demands a directory and follows a final link.
fn decide(found: Found, last: bool, slash: bool, flags: u64) -> Action {
    let link = matches!(found, Found::Symlink | Found::MagicLink);
    let not_dir = Action::Fail(Error::os(Errno::ENOTDIR, Step::NotADirectory));
    if link && last && !slash && flags & O_NOFOLLOW != 0 {
        return if flags & O_DIRECTORY != 0 {
            not_dir
        } else if flags & O_PATH != 0 {
            Action::Hand
        } else {
            Action::Fail(Error::os(Errno::ELOOP, Step::TrailingSymlinkNoFollow))
        };
    }
    match found {
        Found::MagicLink if last && !slash => Action::Follow,
        Found::MagicLink => Action::MagicLinkInPath,
        Found::Symlink => Action::Substitute,
        Found::Dir if !last => Action::Enter,
        Found::File if !last || slash || flags & O_DIRECTORY != 0 => not_dir,
        _ if flags & O_PATH != 0 => Action::Hand,
        _ => Action::Reopen,
    }
}

/// Substitutes the text of the regular symlink `link` at the cursor. Not
/// inlined: its buffer would stay in the walk's frame (`scripts/stack.sh`).
#[inline(never)]
fn substitute_link(at: &mut Cursor<'_>, link: &OwnedFd) -> Result<(), Error> {
    let mut text = [0u8; 256];
    let n =
        sys::readlinkat(link.as_fd(), c"", &mut text).map_err(|e| Error::os(e, Step::Readlink))?;
    if n >= text.len() {
        return Err(Error::os(Errno::ENAMETOOLONG, Step::ProcfsSymlinkTarget));
    }
    at.substitute(text.get(..n).unwrap_or_default())
}

/// Opens `name` in `dirfd` with the caller's flags (never following a
/// symlink) and checks that the result is on the root's mount and is the
/// inode `verified` the walk checked, so a swap in between is caught.
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
    use super::*;

    /// [`decide`]'s table, row by row as in its doc: every combination of
    /// the inputs gets the action of the first row that matches it, and
    /// every row is the first match of some combination.
    #[test]
    fn decide_follows_its_table() {
        use Found::{Dir, File, MagicLink, Symlink};
        let (y, n, x) = (Some(true), Some(false), None);
        let links: &[Found] = &[Symlink, MagicLink];
        let any: &[Found] = &[Dir, File, Symlink, MagicLink];
        let enotdir = Action::Fail(Error::os(Errno::ENOTDIR, Step::NotADirectory));
        let eloop = Action::Fail(Error::os(Errno::ELOOP, Step::TrailingSymlinkNoFollow));
        #[rustfmt::skip]
        let table: [(&[Found], _, Action); 12] = [
            // found        last slash O_NOFOLLOW O_DIRECTORY O_PATH  action
            (links,        [y,   n,    y,         y,          x],     enotdir),
            (links,        [y,   n,    y,         n,          y],     Action::Hand),
            (links,        [y,   n,    y,         n,          n],     eloop),
            (&[MagicLink], [y,   n,    n,         x,          x],     Action::Follow),
            (&[MagicLink], [x,   x,    x,         x,          x],     Action::MagicLinkInPath),
            (&[Symlink],   [x,   x,    x,         x,          x],     Action::Substitute),
            (&[Dir],       [n,   x,    x,         x,          x],     Action::Enter),
            (&[File],      [n,   x,    x,         x,          x],     enotdir),
            (&[File],      [y,   y,    x,         x,          x],     enotdir),
            (&[File],      [y,   x,    x,         y,          x],     enotdir),
            (any,          [y,   x,    x,         x,          y],     Action::Hand),
            (any,          [y,   x,    x,         x,          n],     Action::Reopen),
        ];
        let mut used = [false; 12];
        for &found in any {
            for bits in 0..32u8 {
                let got: [bool; 5] = core::array::from_fn(|i| bits & (1 << i) != 0);
                let [last, slash, nofollow, directory, path] = got;
                let flags = O_CLOEXEC
                    | if nofollow { O_NOFOLLOW } else { 0 }
                    | if directory { O_DIRECTORY } else { 0 }
                    | if path { O_PATH } else { 0 };
                let row = table.iter().position(|(f, want, _)| {
                    f.contains(&found)
                        && want.iter().zip(got).all(|(w, g)| w.is_none_or(|w| w == g))
                });
                let row = row.unwrap();
                used[row] = true;
                assert_eq!(
                    decide(found, last, slash, flags),
                    table[row].2,
                    "{found:?}, last {last}, slash {slash}, flags {flags:#o} (row {row})"
                );
            }
        }
        assert_eq!(used, [true; 12], "rows that never decide");
    }
}
