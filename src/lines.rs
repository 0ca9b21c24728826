//! [`LineReader`]: a file of any size, one line or field at a time.

use crate::error::Error;
use crate::fd::OwnedFd;
use crate::step::Step;
use crate::sys::Errno;

/// Reads a file of any size (a `mountinfo` of thousands of mounts) one
/// record at a time, without its terminator, through the caller's buffer.
/// A record **not shorter than the buffer** is an error (`ERANGE`) and the
/// reader goes on with the next: it never hands out part of a line.
pub struct LineReader<'f, 'b> {
    fd: &'f OwnedFd,
    buf: &'b mut [u8],
    /// The first byte of `buf` not yet handed out.
    start: usize,
    /// The end of what was read into `buf`.
    end: usize,
    terminator: u8,
    eof: bool,
    /// Discarding the rest of a record found too long.
    skipping: bool,
}

impl<'f, 'b> LineReader<'f, 'b> {
    /// Reads `fd` line by line, from its current offset.
    pub fn new(fd: &'f OwnedFd, buf: &'b mut [u8]) -> Self {
        LineReader {
            fd,
            buf,
            start: 0,
            end: 0,
            terminator: b'\n',
            eof: false,
            skipping: false,
        }
    }

    /// Reads `fd` one NUL-terminated field (`cmdline`, `environ`) at a time.
    pub fn nul_fields(fd: &'f OwnedFd, buf: &'b mut [u8]) -> Self {
        let mut reader = Self::new(fd, buf);
        reader.terminator = 0;
        reader
    }

    /// The next record (the last may lack its terminator); `None` at the end.
    ///
    /// # Errors
    ///
    /// `ERANGE` for a record too long (see above; an empty buffer fits none);
    /// the errno of `read(2)`, after which the call may be repeated.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, Error> {
        loop {
            let pending = self.buf.get(self.start..self.end).unwrap_or_default();
            if let Some(len) = pending.iter().position(|&b| b == self.terminator) {
                let from = self.start;
                self.start = from + len + 1;
                if core::mem::take(&mut self.skipping) {
                    continue;
                }
                return Ok(self.buf.get(from..from + len));
            }
            if self.eof {
                let from = core::mem::replace(&mut self.start, self.end);
                if from == self.end || core::mem::take(&mut self.skipping) {
                    return Ok(None);
                }
                return Ok(self.buf.get(from..self.end));
            }
            // The record's start to the front, unless skipped (a loop: no
            // panicking range check, unlike `copy_within`).
            if self.skipping {
                self.start = self.end;
            }
            let kept = self.end - self.start;
            for to in 0..kept {
                if let Some(&b) = self.buf.get(self.start + to)
                    && let Some(d) = self.buf.get_mut(to)
                {
                    *d = b;
                }
            }
            (self.start, self.end) = (0, kept);
            if self.end == self.buf.len() {
                // Full, and no terminator in it.
                self.end = 0;
                self.skipping = true;
                return Err(Error::invalid(Errno::ERANGE, Step::LineTooLong));
            }
            let rest = self.buf.get_mut(self.end..).unwrap_or_default();
            match self.fd.read(rest)? {
                0 => self.eof = true,
                n => self.end += n,
            }
        }
    }

    /// Starts again at the beginning of the file ([`OwnedFd::rewind`]),
    /// dropping what was buffered: a procfs file shows the process anew.
    ///
    /// # Errors
    ///
    /// The errno of `lseek(2)` (`ESPIPE` for a pipe).
    pub fn rewind(&mut self) -> Result<(), Error> {
        self.fd.rewind()?;
        (self.start, self.end, self.eof, self.skipping) = (0, 0, false, false);
        Ok(())
    }
}

impl core::fmt::Debug for LineReader<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LineReader")
            .field("fd", self.fd)
            .field("buffered", &self.end.saturating_sub(self.start))
            .field("eof", &self.eof)
            .finish()
    }
}
