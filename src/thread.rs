//! Keeping a task on its OS thread while it uses a `thread-self` fd.

/// Keeps the calling task on its current OS thread between `pin` and
/// `unpin`, like Go's `runtime.LockOSThread`. A `thread-self` fd refers to
/// the thread that opened it, so a green-threaded or async runtime must not
/// move the task to another thread while the fd is in use.
pub trait ThreadPin {
    /// Pins the calling task to its OS thread.
    fn pin(&self);
    /// Undoes one [`pin`](ThreadPin::pin).
    fn unpin(&self);
}

/// The [`ThreadPin`] for 1:1 threading (std threads, init binaries): every
/// task already is an OS thread, so there is nothing to do.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPin;

impl ThreadPin for NoPin {
    fn pin(&self) {}
    fn unpin(&self) {}
}

/// Returned with a `thread-self` fd: unpins the thread exactly once, on
/// [`close`](ThreadCloser::close) or drop. Close the fd first, then this.
#[must_use = "dropping the closer unpins the thread at once; keep it until the fd is closed"]
pub struct ThreadCloser<'p> {
    pub(crate) pin: &'p dyn ThreadPin,
}

impl ThreadCloser<'_> {
    /// Unpins the thread (the Go `ThreadCloser` call), as dropping it does.
    pub fn close(self) {}
}

impl Drop for ThreadCloser<'_> {
    fn drop(&mut self) {
        self.pin.unpin();
    }
}

impl core::fmt::Debug for ThreadCloser<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ThreadCloser").finish_non_exhaustive()
    }
}
