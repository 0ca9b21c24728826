//! Reading the `Key:\tvalue` lines procfs prints (`status`, `fdinfo`),
//! from a file of any length, with a fixed buffer.

use crate::error::Error;
use crate::fd::OwnedFd;

/// The value (after `key`) of the first line of `file` that starts with
/// `key`, copied into `out` and cut at its length; `None` if no line does.
/// The file is read in small pieces, so the lines before it (a `Groups:`
/// line of 65536 groups, say) may be of any length.
pub(crate) fn line_value<'o>(
    file: &OwnedFd,
    key: &[u8],
    out: &'o mut [u8],
) -> Result<Option<&'o [u8]>, Error> {
    let mut chunk = [0u8; 128];
    // Where we are in the current line, and whether it matches `key` so far.
    let mut col = 0usize;
    let mut matching = true;
    let mut len = 0usize;
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            // A matching last line without a newline still counts.
            return Ok((matching && col >= key.len()).then(|| out.get(..len).unwrap_or_default()));
        }
        for &b in chunk.get(..n).unwrap_or_default() {
            if b == b'\n' {
                if matching && col >= key.len() {
                    return Ok(Some(out.get(..len).unwrap_or_default()));
                }
                col = 0;
                matching = true;
                continue;
            }
            if matching {
                match key.get(col) {
                    Some(&k) => matching = k == b,
                    None => {
                        if let Some(slot) = out.get_mut(len) {
                            *slot = b;
                            len += 1;
                        }
                    }
                }
            }
            col = col.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::IntoRawFd;

    /// `text` in a file of its own, read from the start.
    fn file_with(text: &[u8]) -> OwnedFd {
        let mut f = tempfile().unwrap();
        f.write_all(text).unwrap();
        use std::io::Seek;
        f.rewind().unwrap();
        // SAFETY: the fd was just handed over by into_raw_fd.
        unsafe { OwnedFd::from_raw_fd(f.into_raw_fd()) }
    }

    /// An anonymous file (`memfd_create`): nothing on disk that two tests
    /// running at once could share.
    fn tempfile() -> std::io::Result<std::fs::File> {
        use std::os::fd::FromRawFd;
        // SAFETY: a NUL-terminated name and flags; the fd is checked.
        let fd = unsafe { libc::memfd_create(c"safe-procfs-text".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: a new fd, owned by nothing else.
        Ok(unsafe { std::fs::File::from_raw_fd(fd) })
    }

    fn value(text: &[u8], key: &[u8]) -> Option<std::vec::Vec<u8>> {
        let mut out = [0u8; 16];
        line_value(&file_with(text), key, &mut out)
            .unwrap()
            .map(<[u8]>::to_vec)
    }

    #[test]
    fn finds_the_line_after_lines_of_any_length() {
        let mut text = b"Name:\tx\nGroups:".to_vec();
        text.extend(std::iter::repeat_n(b'7', 5000));
        text.extend_from_slice(b"\nNSpid:\t12\t3\nPid:\t9\n");
        assert_eq!(value(&text, b"NSpid:").as_deref(), Some(&b"\t12\t3"[..]));
        assert_eq!(value(&text, b"Pid:").as_deref(), Some(&b"\t9"[..]));
    }

    #[test]
    fn matches_whole_prefixes_at_line_starts_only() {
        let text = b"NStgid:\t1\nXNSpid:\t2\nNSpi\nNSpid:\t3";
        assert_eq!(value(text, b"NSpid:").as_deref(), Some(&b"\t3"[..]));
        assert_eq!(value(b"NSpid", b"NSpid:"), None);
        assert_eq!(value(b"", b"NSpid:"), None);
        assert_eq!(value(b"\n\n", b"NSpid:"), None);
    }

    #[test]
    fn cuts_a_long_value_at_the_buffer() {
        let text = b"NSpid:\t1111111111\t2222222222\t3333\n";
        assert_eq!(
            value(text, b"NSpid:").as_deref(),
            Some(&b"\t1111111111\t2222"[..])
        );
    }
}
