//! [`ReadDir`]: directory listings by `getdents64`, without allocation.

use crate::error::Error;
use crate::fd::OwnedFd;
use crate::step::Step;
use crate::sys::{self, Errno};

/// The longest name a directory entry can have (`NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// The smallest buffer [`ReadDir::new`] accepts: one `linux_dirent64`
/// record with a name of [`NAME_MAX`] bytes (19 + 255 + 1, aligned to 8).
pub const DIR_BUF_MIN: usize = 280;

/// Offsets inside a `struct linux_dirent64`.
const D_RECLEN: usize = 16;
const D_TYPE: usize = 18;
const D_NAME: usize = 19;

/// The type of a directory entry, from `d_type`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// `DT_FIFO`.
    Fifo,
    /// `DT_CHR`.
    CharDevice,
    /// `DT_DIR`.
    Directory,
    /// `DT_BLK`.
    BlockDevice,
    /// `DT_REG`.
    Regular,
    /// `DT_LNK`: in procfs also every magic-link (`fd/N`, `exe`, `ns/*`).
    Symlink,
    /// `DT_SOCK`.
    Socket,
    /// `DT_UNKNOWN` or an unknown value: the filesystem did not say.
    Unknown,
}

impl FileType {
    fn from_d_type(t: u8) -> FileType {
        match t {
            1 => FileType::Fifo,
            2 => FileType::CharDevice,
            4 => FileType::Directory,
            6 => FileType::BlockDevice,
            8 => FileType::Regular,
            10 => FileType::Symlink,
            12 => FileType::Socket,
            _ => FileType::Unknown,
        }
    }
}

/// One directory entry: it owns its name, so it outlives the listing's buffer.
#[derive(Clone)]
pub struct DirEntry {
    ino: u64,
    file_type: FileType,
    len: u8,
    name: [u8; NAME_MAX],
}

impl DirEntry {
    /// The entry's name: bytes, no `/`, no NUL (not necessarily UTF-8).
    pub fn name(&self) -> &[u8] {
        self.name.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// The entry's inode number (`d_ino`).
    pub fn ino(&self) -> u64 {
        self.ino
    }

    /// The entry's type (`d_type`).
    pub fn file_type(&self) -> FileType {
        self.file_type
    }

    /// Whether the name is `.` or `..` (which the listing yields too).
    pub fn is_dot_or_dotdot(&self) -> bool {
        matches!(self.name(), b"." | b"..")
    }

    /// The name as a decimal number: a pid in the root, an fd in `fd/`, a tid in `task/`.
    pub fn number(&self) -> Option<u32> {
        let digits = Some(self.name()).filter(|n| n.len() <= 10)?;
        crate::procfs::decimal(digits)?.try_into().ok()
    }
}

impl core::fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DirEntry")
            .field("name", &self.name().escape_ascii())
            .field("ino", &self.ino)
            .field("file_type", &self.file_type)
            .finish()
    }
}

/// The entries of a directory, from [`ReadDir::new`], in the kernel's
/// order, **`.` and `..` included** ([`DirEntry::is_dot_or_dotdot`]): each
/// item is a [`DirEntry`] or the error that ends the listing.
pub struct ReadDir<'a> {
    fd: &'a OwnedFd,
    buf: &'a mut [u8],
    pos: usize,
    /// The end of what `getdents64` put in `buf`: 0 until it first does.
    len: usize,
    done: bool,
}

impl<'a> ReadDir<'a> {
    /// Lists the directory `fd` (opened `O_RDONLY`, not `O_PATH`) from its
    /// start, through `buf` (at least [`DIR_BUF_MIN`] bytes; 1 KiB or more
    /// takes fewer system calls).
    ///
    /// # Errors
    ///
    /// As items, each ending the listing: `EINVAL` for a `buf` shorter than
    /// [`DIR_BUF_MIN`], `EIO` for a malformed record, else the errno of
    /// `lseek(2)` or `getdents64(2)` (`ENOENT` once its process exited).
    pub fn new(fd: &'a OwnedFd, buf: &'a mut [u8]) -> ReadDir<'a> {
        ReadDir {
            fd,
            buf,
            pos: 0,
            len: 0,
            done: false,
        }
    }

    fn advance(&mut self) -> Result<Option<DirEntry>, Error> {
        if self.len == 0 {
            if self.buf.len() < DIR_BUF_MIN {
                return Err(Error::invalid(Errno::EINVAL, Step::ReadDirBufferTooSmall));
            }
            sys::lseek_set(self.fd.as_fd(), 0).map_err(|e| Error::os(e, Step::LseekDirStart))?;
        }
        while self.pos >= self.len {
            match sys::getdents64(self.fd.as_fd(), self.buf) {
                Ok(0) => return Ok(None),
                Ok(n) => (self.pos, self.len) = (0, n.min(self.buf.len())),
                Err(Errno::EINTR) => {}
                Err(e) => return Err(Error::os(e, Step::Getdents64)),
            }
        }
        let (entry, reclen) = self
            .buf
            .get(self.pos..self.len)
            .and_then(parse_record)
            .ok_or(Error::os(Errno::EIO, Step::GetdentsMalformed))?;
        self.pos += reclen;
        Ok(Some(entry))
    }
}

/// The `linux_dirent64` record at the start of `rec` and its length.
fn parse_record(rec: &[u8]) -> Option<(DirEntry, usize)> {
    let ino = u64::from_ne_bytes(*rec.first_chunk()?);
    let reclen = usize::from(u16::from_ne_bytes(*rec.get(D_RECLEN..)?.first_chunk()?));
    let raw_name = rec.get(D_NAME..reclen)?;
    let name = raw_name.get(..raw_name.iter().position(|&b| b == 0)?)?;
    let mut entry = DirEntry {
        ino,
        file_type: FileType::from_d_type(*rec.get(D_TYPE)?),
        len: u8::try_from(name.len()).ok()?,
        name: [0; NAME_MAX],
    };
    entry.name.get_mut(..name.len())?.copy_from_slice(name);
    Some((entry, reclen))
}

impl Iterator for ReadDir<'_> {
    type Item = Result<DirEntry, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.advance().transpose();
        self.done = !matches!(item, Some(Ok(_)));
        item
    }
}

impl core::iter::FusedIterator for ReadDir<'_> {}

impl core::fmt::Debug for ReadDir<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReadDir")
            .field("fd", &self.fd.as_raw_fd())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::{O_CLOEXEC, O_PATH};

    #[test]
    fn parses_records_and_refuses_malformed_ones() {
        let long = [b'x'; NAME_MAX];
        let records = [
            (7u64, 4, &b"."[..], FileType::Directory, None),
            (9, 10, b"12", FileType::Symlink, Some(12)),
            (11, 8, &long, FileType::Regular, None),
        ];
        let (mut buf, mut len) = ([0u8; 1024], 0);
        for &(ino, d_type, name, ..) in &records {
            // The NUL after the name and the padding: the buffer's zeros.
            let reclen = (D_NAME + name.len() + 1).div_ceil(8) * 8;
            let rec = &mut buf[len..len + reclen];
            rec[..8].copy_from_slice(&ino.to_ne_bytes());
            rec[D_RECLEN..D_RECLEN + 2].copy_from_slice(&(reclen as u16).to_ne_bytes());
            rec[D_TYPE] = d_type;
            rec[D_NAME..D_NAME + name.len()].copy_from_slice(name);
            len += reclen;
        }
        // Any fd will do: the records are parsed from the buffer.
        let fd = sys::openat(sys::AT_FDCWD, c"/", O_PATH | O_CLOEXEC).unwrap();
        let mut rd = ReadDir::new(&fd, &mut buf);
        rd.len = len;
        for (ino, _, name, file_type, number) in records {
            let e = rd.advance().unwrap().unwrap();
            let got = (e.name(), e.ino(), e.file_type(), e.number());
            assert_eq!(got, (name, ino, file_type, number));
            assert_eq!(e.is_dot_or_dotdot(), name == b".");
        }
        assert_eq!(rd.pos, rd.len);
        // A record claiming more than was returned.
        rd.len = rd.pos + 10;
        assert_eq!(rd.advance().unwrap_err().raw_os_error(), Some(5));
        core::mem::forget(fd);
        assert_eq!([0, 200].map(FileType::from_d_type), [FileType::Unknown; 2]);
    }
}
