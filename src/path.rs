//! Fixed-size, NUL-terminated path buffers and the rules a caller's path
//! must follow. No allocation: the buffer lives on the caller's stack.

use crate::error::Error;
use crate::step::Step;
use core::ffi::CStr;
use syscalls::Errno;

/// The size of the crate's path buffer, terminating NUL included: a base
/// prefix plus the caller's path longer than this fails with `ENAMETOOLONG`.
pub const PATH_BUF_LEN: usize = 512;

/// A path of at most `N - 1` bytes, always NUL-terminated.
#[derive(Clone, Debug)]
pub(crate) struct PathBuf<const N: usize = PATH_BUF_LEN> {
    /// `buf[..len]` is the path, `buf[len]` its NUL.
    buf: [u8; N],
    len: usize,
}

/// A buffer for one path component.
pub(crate) type NameBuf = PathBuf<256>;

/// A buffer for a short path the crate builds (`<pid>/fdinfo/<fd>`).
pub(crate) type ShortPathBuf = PathBuf<48>;

impl<const N: usize> PathBuf<N> {
    pub(crate) fn new() -> Self {
        PathBuf {
            buf: [0; N],
            len: 0,
        }
    }

    /// Appends `s`, keeping the terminating NUL; on failure the buffer is
    /// unchanged.
    pub(crate) fn push(&mut self, s: &[u8]) -> Result<(), Error> {
        self.len = append(&mut self.buf, self.len, s)?;
        Ok(())
    }

    pub(crate) fn push_u32(&mut self, n: u32) -> Result<(), Error> {
        self.push(fmt_u32(n, &mut [0; 10]))
    }

    /// The path without its NUL.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    pub(crate) fn as_cstr(&self) -> &CStr {
        nul_terminated(&self.buf, 0, self.len)
    }

    /// Replaces the first `consumed` bytes with `prefix`, in place: how the
    /// walk substitutes a symlink's text for the part of the path that led
    /// to it. On failure the buffer is unchanged.
    pub(crate) fn replace_prefix(&mut self, consumed: usize, prefix: &[u8]) -> Result<(), Error> {
        if has_nul(prefix) {
            return Err(Error::invalid(Errno::EINVAL, Step::PathHasNul));
        }
        let consumed = consumed.min(self.len);
        let new_len = self.len - consumed + prefix.len();
        if new_len >= N {
            return Err(Error::invalid(Errno::ENAMETOOLONG, Step::PathTooLong));
        }
        self.buf.copy_within(consumed..=self.len, prefix.len());
        if let Some(head) = self.buf.get_mut(..prefix.len()) {
            head.copy_from_slice(prefix);
        }
        self.len = new_len;
        Ok(())
    }

    /// Runs `f` with the parent and the last component of this path as two
    /// C strings cut out of this buffer in place (the last `/` becomes a
    /// NUL for the duration); the parent is `None` for a single component.
    pub(crate) fn with_split_last<R>(&mut self, f: impl FnOnce(Option<&CStr>, &CStr) -> R) -> R {
        let slash = self.as_bytes().iter().rposition(|&c| c == b'/');
        // `slash < len < N`: the filter only tells the compiler so.
        let Some(slash) = slash.filter(|&i| i < N) else {
            return f(None, self.as_cstr());
        };
        if let Some(b) = self.buf.get_mut(slash) {
            *b = 0;
        }
        let parent = nul_terminated(&self.buf, 0, slash);
        let r = f(Some(parent), nul_terminated(&self.buf, slash + 1, self.len));
        if let Some(b) = self.buf.get_mut(slash) {
            *b = b'/';
        }
        r
    }
}

/// Regular symlinks a walk follows before `ELOOP`, as the kernel.
const MAX_SYMLINKS: u32 = 40;

/// A walk's position in the path it resolves, which it rewrites in place
/// as links are substituted: what is left is always `path[start..]`.
pub(crate) struct Cursor<'p> {
    path: &'p mut PathBuf,
    /// The current component is `path[start..end]` (empty before the first).
    start: usize,
    end: usize,
    /// Symlinks substituted so far.
    links: u32,
    /// Whether the path as given (substitutions keep its end) ends in `/`
    /// or `/.`: its target must be a directory, a final symlink is followed.
    pub(crate) wants_dir: bool,
}

impl<'p> Cursor<'p> {
    /// A cursor before the first component of `path`.
    pub(crate) fn new(path: &'p mut PathBuf) -> Self {
        let wants_dir = matches!(path.as_bytes(), [.., b'/'] | [.., b'/', b'.']);
        Cursor {
            path,
            start: 0,
            end: 0,
            links: 0,
            wants_dir,
        }
    }

    /// Moves to the next component, skipping empty and `.` ones; `false`
    /// when none is left.
    pub(crate) fn advance(&mut self) -> bool {
        let bytes = self.path.as_bytes();
        let mut start = self.end;
        while let Some(rest) = bytes.get(start..).filter(|r| !r.is_empty()) {
            let len = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
            if !matches!(rest.get(..len), Some(b"" | b".")) {
                (self.start, self.end) = (start, start + len);
                return true;
            }
            start += len + 1;
        }
        false
    }

    pub(crate) fn name(&self) -> &[u8] {
        let bytes = self.path.as_bytes();
        bytes.get(self.start..self.end).unwrap_or_default()
    }

    /// Whether the current component is the last: only `/` follows it. A
    /// trailing `.` is not nothing: it is looked up (and checked for search
    /// permission) like any component, as the kernel does.
    pub(crate) fn is_last(&self) -> bool {
        let rest = self.path.as_bytes().get(self.end..).unwrap_or_default();
        rest.iter().all(|&b| b == b'/')
    }

    /// Resolves the text of the symlink at the current component in its
    /// place: what is left becomes `text` followed by what came after the
    /// link, and the cursor moves before its first component. Refuses what
    /// `RESOLVE_BENEATH` refuses (an absolute text, a `..`) and more than
    /// [`MAX_SYMLINKS`] substitutions; on failure nothing changes.
    pub(crate) fn substitute(&mut self, text: &[u8]) -> Result<(), Error> {
        if text.first() == Some(&b'/') {
            return Err(Error::unsafe_path(Step::AbsoluteSymlink));
        }
        if dotdot(text).is_some() {
            return Err(Error::unsafe_path(Step::SymlinkWithDotDot));
        }
        if self.links >= MAX_SYMLINKS {
            return Err(Error::os(Errno::ELOOP, Step::TooManySymlinks));
        }
        self.path.replace_prefix(self.end, text)?;
        self.links += 1;
        (self.start, self.end) = (0, 0);
        Ok(())
    }
}

// The work of `PathBuf<N>`'s methods, shared by every `N` (one copy in
// the binary, not one per buffer size).

/// [`PathBuf::push`] into `buf` holding `len` bytes: the new length.
fn append(buf: &mut [u8], len: usize, s: &[u8]) -> Result<usize, Error> {
    if has_nul(s) {
        return Err(Error::invalid(Errno::EINVAL, Step::PathHasNul));
    }
    let end = len + s.len();
    // `..=end` exists only if the NUL still fits after `s`.
    let dst = buf
        .get_mut(len..=end)
        .ok_or(Error::invalid(Errno::ENAMETOOLONG, Step::PathTooLong))?;
    let (text, nul) = dst.split_at_mut(s.len());
    text.copy_from_slice(s);
    nul.fill(0);
    Ok(end)
}

/// Whether `s` holds a NUL byte (`contains` would pull in `memchr`).
#[allow(clippy::manual_contains)]
fn has_nul(s: &[u8]) -> bool {
    s.iter().any(|&b| b == 0)
}

/// `buf[start..=nul]` as a C string. The buffer's invariant (exactly one
/// NUL, at `nul`, none before it) makes this infallible; it falls back to
/// the empty string rather than panic.
fn nul_terminated(buf: &[u8], start: usize, nul: usize) -> &CStr {
    buf.get(start..=nul)
        .and_then(|b| CStr::from_bytes_with_nul(b).ok())
        .unwrap_or(c"")
}

/// Writes `n` in decimal into `buf` and returns the digits.
pub(crate) fn fmt_u32(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut start = buf.len();
    // u32::MAX has 10 digits: the buffer always suffices.
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.get(start..).unwrap_or_default()
}

/// `n` in decimal as a C string at the end of `buf` (10 digits and the NUL
/// always fit). Not a `PathBuf<11>`: that grows debug builds' frames.
pub(crate) fn decimal_cstr(n: u32, buf: &mut [u8; 11]) -> &CStr {
    let Some((digits, nul)) = buf.split_first_chunk_mut::<10>() else {
        return c"";
    };
    let start = digits.len() - fmt_u32(n, digits).len();
    nul.fill(0);
    nul_terminated(buf, start, 10)
}

/// `None` if no component of `path` is `..`; else whether a `..` climbs
/// above the start (`..`, `a/../..`), leaving the base.
fn dotdot(path: &[u8]) -> Option<bool> {
    let (mut depth, mut seen) = (0usize, false);
    for c in path.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." if depth == 0 => return Some(true),
            b".." => {
                depth -= 1;
                seen = true;
            }
            _ => depth += 1,
        }
    }
    seen.then_some(false)
}

/// Checks a caller's path against the rules of [`crate#paths`], failing
/// with the errnos of [`crate#errors`].
pub(crate) fn validate(path: &[u8]) -> Result<(), Error> {
    let (errno, step) = match dotdot(path) {
        _ if path.is_empty() => (Errno::EINVAL, Step::PathEmpty),
        _ if path.first() == Some(&b'/') => (Errno::EXDEV, Step::PathAbsolute),
        _ if has_nul(path) => (Errno::EINVAL, Step::PathHasNul),
        Some(true) => (Errno::EXDEV, Step::PathEscapesBase),
        Some(false) => (Errno::EINVAL, Step::PathHasDotDot),
        None if path.len() >= PATH_BUF_LEN => (Errno::ENAMETOOLONG, Step::PathTooLong),
        None => return Ok(()),
    };
    Err(Error::invalid(errno, step))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errno(r: Result<(), Error>) -> Errno {
        r.unwrap_err().errno()
    }

    fn buf<const N: usize>(s: &[u8]) -> PathBuf<N> {
        let mut p = PathBuf::new();
        p.push(s).unwrap();
        p
    }

    #[test]
    fn validate_rules() {
        for ok in ["status", "attr/apparmor/exec", "a/./b/", "..foo/bar.."] {
            assert!(validate(ok.as_bytes()).is_ok(), "{ok}");
        }
        let exdev = "/proc/self .. ../1/status a/../.. ./a/.//../../b";
        for p in exdev.split(' ') {
            assert_eq!(errno(validate(p.as_bytes())), Errno::EXDEV, "{p}");
        }
        for p in ["", "a\0b", "a/../b", "a/..", "a/b/../.."] {
            assert_eq!(errno(validate(p.as_bytes())), Errno::EINVAL, "{p:?}");
        }
        let long = [b'a'; PATH_BUF_LEN];
        assert_eq!(errno(validate(&long)), Errno::ENAMETOOLONG);
        assert!(validate(&long[..PATH_BUF_LEN - 1]).is_ok());
    }

    fn visits(path: &[u8]) -> std::string::String {
        rest(&mut Cursor::new(&mut buf(path)))
    }

    /// The components the cursor `at` visits from here, each followed by
    /// `$` if it is the last, else by `/`.
    fn rest(at: &mut Cursor<'_>) -> std::string::String {
        let mut seen = std::string::String::new();
        while at.advance() {
            seen.push_str(core::str::from_utf8(at.name()).unwrap());
            seen.push(if at.is_last() { '$' } else { '/' });
        }
        seen
    }

    #[test]
    fn cursor_components() {
        assert_eq!(visits(b"a/b"), "a/b$");
        assert_eq!(visits(b"./a//b/"), "a/b$");
        // A trailing "." is looked up: `b` is not the last.
        assert_eq!(visits(b"a/./b/."), "a/b/");
        for empty in [&b"."[..], b"./", b".//./"] {
            assert_eq!(visits(empty), "", "{empty:?}");
        }
        let wants_dir = |p: &[u8]| Cursor::new(&mut buf(p)).wants_dir;
        assert!(wants_dir(b"self/") && wants_dir(b"self/.") && wants_dir(b"a//"));
        assert!(!wants_dir(b"self") && !wants_dir(b".") && !wants_dir(b"self/.x"));
    }

    #[test]
    fn cursor_substitutes_links() {
        let mut p = buf(b"net/dev");
        let mut at = Cursor::new(&mut p);
        assert!(at.advance());
        assert_eq!(at.name(), b"net");
        at.substitute(b"self/net").unwrap();
        assert!(at.advance());
        assert_eq!((at.name(), at.is_last()), (&b"self"[..], false));
        at.substitute(b"1234").unwrap();
        assert_eq!(rest(&mut at), "1234/net/dev$");
        assert_eq!(p.as_bytes(), b"1234/net/dev");
        // What RESOLVE_BENEATH refuses, and a loop, change nothing.
        let mut p = buf(b"a/b");
        let mut at = Cursor::new(&mut p);
        assert!(at.advance());
        assert_eq!(errno(at.substitute(b"/sys/x")), Errno::EXDEV);
        assert_eq!(errno(at.substitute(b"x/../y")), Errno::EXDEV);
        assert_eq!(errno(at.substitute(b"x\0")), Errno::EINVAL);
        assert_eq!(at.name(), b"a");
        for _ in 0..MAX_SYMLINKS {
            at.substitute(b"a").unwrap();
            assert!(at.advance());
        }
        assert_eq!(errno(at.substitute(b"a")), Errno::ELOOP);
        assert_eq!(p.as_bytes(), b"a/b");
    }

    #[test]
    fn buffer_is_nul_terminated_and_bounded() {
        let mut p = buf::<512>(b"self/");
        p.push_u32(4_294_967_295).unwrap();
        assert_eq!(p.as_bytes(), b"self/4294967295");
        assert_eq!(p.as_cstr().to_bytes(), b"self/4294967295");
        let mut q = PathBuf::<512>::new();
        q.push(&[b'x'; PATH_BUF_LEN - 1]).unwrap();
        assert_eq!(errno(q.push(b"y")), Errno::ENAMETOOLONG);
        assert_eq!(q.as_bytes().len(), PATH_BUF_LEN - 1);
        assert_eq!(errno(q.push(b"a\0")), Errno::EINVAL);
        assert_eq!(fmt_u32(0, &mut [0; 10]), b"0");
        let mut c = [0xffu8; 11];
        assert_eq!(decimal_cstr(4_294_967_295, &mut c), c"4294967295");
        assert_eq!(decimal_cstr(7, &mut c), c"7");
        let mut p = buf::<512>(b"self/fd/3");
        p.with_split_last(|parent, name| assert_eq!((parent, name), (Some(c"self/fd"), c"3")));
        assert_eq!(p.as_bytes(), b"self/fd/3");
        let mut one = buf::<512>(b"exe");
        one.with_split_last(|parent, name| assert_eq!((parent, name), (None, c"exe")));
        // Replacing a consumed prefix in place, growing and shrinking.
        let mut w = buf::<16>(b"self/status");
        w.replace_prefix(4, b"1234").unwrap();
        assert_eq!(w.as_bytes(), b"1234/status");
        let e = w.replace_prefix(4, b"12/task/12");
        assert_eq!(errno(e), Errno::ENAMETOOLONG);
        assert_eq!(w.as_bytes(), b"1234/status");
        w.replace_prefix(4, b"1").unwrap();
        assert_eq!(w.as_bytes(), b"1/status");
        w.replace_prefix(1, b"12/task").unwrap();
        assert_eq!(w.as_bytes(), b"12/task/status");
    }
}
