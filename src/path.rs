//! Fixed-size, NUL-terminated path buffers and the rules a caller's path
//! must follow. No allocation: the buffer lives on the caller's stack.

use crate::error::Error;
use core::ffi::CStr;
use heapless::Vec;
use syscalls::Errno;

/// The size of the crate's path buffer, terminating NUL included: a base
/// prefix plus the caller's path longer than this fails with `ENAMETOOLONG`.
pub const PATH_BUF_LEN: usize = 512;

/// A path of at most `PATH_BUF_LEN - 1` bytes, always NUL-terminated.
#[derive(Clone, Debug)]
pub(crate) struct PathBuf {
    bytes: Vec<u8, PATH_BUF_LEN>,
}

impl PathBuf {
    pub(crate) fn new() -> Self {
        let mut bytes = Vec::new();
        // Capacity is PATH_BUF_LEN > 0, so the first push cannot fail.
        let _ = bytes.push(0);
        PathBuf { bytes }
    }

    /// A buffer holding `s` (which must not contain NUL).
    pub(crate) fn from_bytes(s: &[u8]) -> Result<Self, Error> {
        let mut p = Self::new();
        p.push(s)?;
        Ok(p)
    }

    /// Appends `s`, keeping the terminating NUL.
    pub(crate) fn push(&mut self, s: &[u8]) -> Result<(), Error> {
        if s.contains(&0) {
            return Err(Error::invalid(Errno::EINVAL, "path contains a NUL byte"));
        }
        self.bytes.pop();
        let ok = self.bytes.extend_from_slice(s).is_ok() && self.bytes.push(0).is_ok();
        if !ok {
            // Put the buffer back into a valid (truncated) state before failing.
            self.bytes.truncate(PATH_BUF_LEN - 1);
            let _ = self.bytes.push(0);
            return Err(Error::invalid(
                Errno::ENAMETOOLONG,
                "path too long for the fixed buffer",
            ));
        }
        Ok(())
    }

    /// Appends the decimal form of `n`.
    pub(crate) fn push_u32(&mut self, n: u32) -> Result<(), Error> {
        let mut digits = [0u8; 10];
        self.push(fmt_u32(n, &mut digits))
    }

    /// The path without its NUL.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.split_last().map_or(&[], |(_nul, path)| path)
    }

    pub(crate) fn as_cstr(&self) -> &CStr {
        // The invariant (exactly one NUL, at the end) makes this infallible;
        // fall back to the empty string rather than panic.
        CStr::from_bytes_with_nul(&self.bytes).unwrap_or(c"")
    }
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

/// Checks a caller's path: not empty, relative, no NUL, no `..` component.
/// Length is checked when the path is copied into a [`PathBuf`].
pub(crate) fn validate(path: &[u8]) -> Result<(), Error> {
    if path.is_empty() {
        return Err(Error::invalid(Errno::EINVAL, "path is empty"));
    }
    if path.first() == Some(&b'/') {
        return Err(Error::invalid(Errno::EINVAL, "path is absolute"));
    }
    if path.contains(&0) {
        return Err(Error::invalid(Errno::EINVAL, "path contains a NUL byte"));
    }
    if path.split(|&b| b == b'/').any(|c| c == b"..") {
        return Err(Error::invalid(
            Errno::EINVAL,
            "path contains a '..' component",
        ));
    }
    if path.len() >= PATH_BUF_LEN {
        return Err(Error::invalid(
            Errno::ENAMETOOLONG,
            "path too long for the fixed buffer",
        ));
    }
    Ok(())
}

/// Splits `path` at its last `/`: (parent, last component). The parent is
/// empty for a single component. Trailing slashes are not expected here.
pub(crate) fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (
            path.get(..i).unwrap_or_default(),
            path.get(i + 1..).unwrap_or_default(),
        ),
        None => (&[], path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errno(r: Result<(), Error>) -> i32 {
        r.unwrap_err().raw_os_error().unwrap()
    }

    #[test]
    fn validate_rules() {
        assert!(validate(b"status").is_ok());
        assert!(validate(b"attr/apparmor/exec").is_ok());
        assert!(validate(b"a/./b/").is_ok());
        assert!(validate(b"..foo/bar..").is_ok());
        assert_eq!(errno(validate(b"")), Errno::EINVAL.into_raw());
        assert_eq!(errno(validate(b"/proc/self")), Errno::EINVAL.into_raw());
        assert_eq!(errno(validate(b"a\0b")), Errno::EINVAL.into_raw());
        assert_eq!(errno(validate(b"..")), Errno::EINVAL.into_raw());
        assert_eq!(errno(validate(b"a/../b")), Errno::EINVAL.into_raw());
        assert_eq!(errno(validate(b"a/..")), Errno::EINVAL.into_raw());
        let long = [b'a'; PATH_BUF_LEN];
        assert_eq!(errno(validate(&long)), Errno::ENAMETOOLONG.into_raw());
        assert!(validate(&long[..PATH_BUF_LEN - 1]).is_ok());
    }

    #[test]
    fn buffer_is_nul_terminated_and_bounded() {
        let mut p = PathBuf::from_bytes(b"self/").unwrap();
        p.push_u32(4_294_967_295).unwrap();
        assert_eq!(p.as_bytes(), b"self/4294967295");
        assert_eq!(p.as_cstr().to_bytes(), b"self/4294967295");
        let mut q = PathBuf::new();
        q.push(&[b'x'; PATH_BUF_LEN - 1]).unwrap();
        let e = q.push(b"y").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(Errno::ENAMETOOLONG.into_raw()));
        assert_eq!(q.as_bytes().len(), PATH_BUF_LEN - 1);
        assert_eq!(
            PathBuf::from_bytes(b"a\0").unwrap_err().raw_os_error(),
            Some(22)
        );
        let mut d = [0u8; 10];
        assert_eq!(fmt_u32(0, &mut d), b"0");
        assert_eq!(split_last(b"self/fd/3"), (&b"self/fd"[..], &b"3"[..]));
        assert_eq!(split_last(b"uptime"), (&b""[..], &b"uptime"[..]));
    }
}
