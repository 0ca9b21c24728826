//! File descriptors and who owns them (`sys` closes them). A number becomes
//! one only by the unsafe [`OwnedFd::from_raw_fd`] and
//! [`BorrowedFd::borrow_raw`].

use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::sync::atomic::{AtomicI32, Ordering};

/// An owned file descriptor: closed when dropped. Every descriptor this
/// crate returns carries `O_CLOEXEC`.
#[repr(transparent)]
#[derive(Debug)]
pub struct OwnedFd {
    fd: i32,
}

/// A file descriptor borrowed for `'a`: its owner keeps it open (and
/// naming the same file) at least that long, and closes it, not the
/// borrower. Get one from [`OwnedFd::as_fd`], or, with feature `std`, from
/// a `std::os::fd::BorrowedFd` with `into()`. Two are equal when their
/// numbers are.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BorrowedFd<'a>(i32, PhantomData<&'a OwnedFd>);

impl OwnedFd {
    /// The raw descriptor number; `self` still owns it.
    pub fn as_raw_fd(&self) -> i32 {
        self.fd
    }

    /// Gives up ownership: the caller must close the returned descriptor.
    pub fn into_raw_fd(self) -> i32 {
        ManuallyDrop::new(self).fd
    }

    /// Takes ownership of `fd`.
    ///
    /// # Safety
    /// `fd` must be an open file descriptor that nothing else owns or will
    /// close: it is closed when the returned value is dropped.
    pub unsafe fn from_raw_fd(fd: i32) -> OwnedFd {
        OwnedFd { fd }
    }

    /// Lends the descriptor for as long as `self` is borrowed.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        BorrowedFd(self.fd, PhantomData)
    }

    /// Keeps the descriptor open for the rest of the process (nothing will
    /// close it) and lends it for that long.
    pub(crate) fn leak(self) -> BorrowedFd<'static> {
        BorrowedFd(self.into_raw_fd(), PhantomData)
    }
}

impl BorrowedFd<'_> {
    /// Borrows the descriptor `fd` (a C caller's, say).
    ///
    /// # Safety
    /// `fd` must stay open, naming the same file, for the lifetime chosen,
    /// and nothing may close it meanwhile. (The crate hands the number to
    /// the kernel and to nothing else: a number that breaks this gets the
    /// kernel's answer, `EBADF` if it is not open, or names another file.)
    pub const unsafe fn borrow_raw(fd: i32) -> Self {
        BorrowedFd(fd, PhantomData)
    }

    /// The raw descriptor number; its owner still owns it.
    pub fn as_raw_fd(&self) -> i32 {
        self.0
    }
}

#[cfg(test)]
impl BorrowedFd<'static> {
    /// For unit tests (the layers above have no `unsafe`): a number that is
    /// only packed, compared, or given to the kernel to refuse (`EBADF`).
    pub(crate) fn number_only(fd: i32) -> Self {
        // SAFETY: breaks `borrow_raw`'s contract on purpose: the callers
        // never close it, nor give the kernel a number that may be open.
        unsafe { BorrowedFd::borrow_raw(fd) }
    }
}

impl fmt::Debug for BorrowedFd<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BorrowedFd").field("fd", &self.0).finish()
    }
}

/// An atomic slot for a `BorrowedFd<'static>` (see [`OwnedFd::leak`]), or
/// for none: as its complement, so that the empty slot is zero.
pub(crate) struct AtomicStaticFd(AtomicI32);

impl AtomicStaticFd {
    pub(crate) const fn empty() -> Self {
        AtomicStaticFd(AtomicI32::new(0))
    }

    pub(crate) fn store(&self, fd: BorrowedFd<'static>, order: Ordering) {
        self.0.store(!fd.as_raw_fd(), order);
    }

    /// The descriptor last stored, if one was.
    pub(crate) fn load(&self, order: Ordering) -> Option<BorrowedFd<'static>> {
        let fd = !self.0.load(order);
        // SAFETY: only `store` writes a number other than !-1, and it is
        // given only descriptors borrowed for 'static: open for the rest of
        // the process.
        (fd != -1).then(|| unsafe { BorrowedFd::borrow_raw(fd) })
    }
}

/// A value holding an owned descriptor whose end needs the whole value
/// (to check what the number names before closing it, say).
pub(crate) trait EndFd: Sized {
    /// Closes the descriptor, or leaves it open.
    fn end(self);
}

/// Owns a `T` and hands it by value to [`EndFd::end`] when dropped.
pub(crate) struct EndOnDrop<T: EndFd>(ManuallyDrop<T>);

impl<T: EndFd> EndOnDrop<T> {
    pub(crate) fn new(value: T) -> Self {
        EndOnDrop(ManuallyDrop::new(value))
    }

    pub(crate) fn get(&self) -> &T {
        &self.0
    }

    /// Takes the value out: ending it is then the caller's.
    pub(crate) fn into_inner(self) -> T {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so the value is taken out once.
        unsafe { ManuallyDrop::take(&mut this.0) }
    }
}

impl<T: EndFd> Drop for EndOnDrop<T> {
    fn drop(&mut self) {
        // SAFETY: taken once, in the drop; `self.0` is not used again.
        unsafe { ManuallyDrop::take(&mut self.0) }.end();
    }
}

impl<T: EndFd + fmt::Debug> fmt::Debug for EndOnDrop<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

#[cfg(feature = "std")]
mod std_interop {
    use super::{BorrowedFd, OwnedFd};
    use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, RawFd};

    impl From<OwnedFd> for std::os::fd::OwnedFd {
        fn from(fd: OwnedFd) -> Self {
            // SAFETY: `into_raw_fd` hands over sole ownership of an open fd.
            unsafe { std::os::fd::OwnedFd::from_raw_fd(fd.into_raw_fd()) }
        }
    }

    impl From<OwnedFd> for std::fs::File {
        fn from(fd: OwnedFd) -> Self {
            std::fs::File::from(std::os::fd::OwnedFd::from(fd))
        }
    }

    impl From<std::os::fd::OwnedFd> for OwnedFd {
        fn from(fd: std::os::fd::OwnedFd) -> Self {
            // SAFETY: std's OwnedFd hands over sole ownership of an open fd.
            unsafe { OwnedFd::from_raw_fd(fd.into_raw_fd()) }
        }
    }

    impl<'a> From<std::os::fd::BorrowedFd<'a>> for BorrowedFd<'a> {
        fn from(fd: std::os::fd::BorrowedFd<'a>) -> Self {
            // SAFETY: std's BorrowedFd is open for 'a, by its own contract.
            unsafe { BorrowedFd::borrow_raw(fd.as_raw_fd()) }
        }
    }

    impl<'a> From<BorrowedFd<'a>> for std::os::fd::BorrowedFd<'a> {
        fn from(fd: BorrowedFd<'a>) -> Self {
            // SAFETY: ours is open for 'a, by the contract of `borrow_raw`
            // (so it is not -1 either).
            unsafe { std::os::fd::BorrowedFd::borrow_raw(fd.as_raw_fd()) }
        }
    }

    impl AsRawFd for OwnedFd {
        fn as_raw_fd(&self) -> RawFd {
            self.fd
        }
    }

    impl AsFd for OwnedFd {
        fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
            OwnedFd::as_fd(self).into()
        }
    }

    impl AsRawFd for BorrowedFd<'_> {
        fn as_raw_fd(&self) -> RawFd {
            self.0
        }
    }

    impl AsFd for BorrowedFd<'_> {
        fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
            (*self).into()
        }
    }
}
