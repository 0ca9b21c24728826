//! Safe access to Linux `/proc` for `#![no_std]` programs.
//!
//! Every file this crate hands back is exactly the procfs entry that was
//! asked for: never a file an attacker bind-mounted over it, never where a
//! symlink or magic-link in the middle of the path would have led, never a
//! fake filesystem mounted on `/proc`. No allocator, no libc: the crate
//! issues its own system calls on x86_64, aarch64 and riscv64.
//!
//! The API is a Rust form of the Go package `procfs` of go-pathrs: one
//! [`Handle`] to a verified procfs, opened with [`Handle::open`] (optionally
//! [`unmasked_proc_root`]), four bases ([`ProcBase`]), the methods
//! [`open_root`](Handle::open_root), [`open_self`](Handle::open_self),
//! [`open_pid`](Handle::open_pid), [`open_thread_self`](Handle::open_thread_self)
//! (with its [`ThreadCloser`]), [`readlink`](Handle::readlink) and
//! [`close`](Handle::close).
//!
//! # How it stays safe
//!
//! * The handle is a private procfs instance (`fsopen`), else a detached
//!   clone of `/proc` (`open_tree`), else `/proc` itself; each is checked to
//!   be the root of a procfs. See [`HandleKind`] for what each gives up.
//! * Paths are resolved beneath it with `openat2(RESOLVE_BENEATH |
//!   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)`, or, where `openat2` is
//!   missing or blocked by seccomp, one component at a time with the fs type
//!   and mount id checked at every step. No mount point is ever crossed.
//! * A magic-link (`exe`, `fd/N`, `cwd`, `root`, `ns/*`) is followed only as
//!   the last component and only without `O_NOFOLLOW`; never inside a path.
//! * Before anything is resolved, every call checks that the handle's fd
//!   number still names its procfs root (a process may close it or reuse
//!   the number): the cached handle re-acquires, a handle of your own fails.
//!   A copy of `/proc` is accepted only if it belongs to our pid namespace.
//! * Resource errors (`EMFILE`, `ENOMEM`, ...) are returned, never a reason
//!   to fall back to a weaker kind of procfs; [`no_host_fallback`] refuses
//!   the weakest kind, the host `/proc`, altogether.
//! * Every fd carries `O_CLOEXEC`; `O_CREAT`, `O_EXCL` and `O_TMPFILE` are
//!   refused. The library never panics and never allocates.
//!
//! # Examples: the four uses of the Go package
//!
//! Set an AppArmor exec label for the program we are about to `execve`
//! (what runc does; without AppArmor the file does not exist):
//!
//! ```
//! use safe_procfs::{Handle, OpenFlags};
//!
//! let proc = Handle::open(&[])?;
//! let flags = OpenFlags::O_WRONLY | OpenFlags::O_NOFOLLOW;
//! match proc.open_self("attr/apparmor/exec", flags) {
//!     Ok(attr) => { let _ = attr.write_all(b"exec unconfined"); }
//!     Err(e) if e.raw_os_error() == Some(2) => {} // ENOENT: no AppArmor here
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), safe_procfs::Error>(())
//! ```
//!
//! Write a sysctl through [`ProcBase::ProcRoot`] (global files are hidden on
//! the default masked handle, so this opens a short-lived unmasked procfs
//! internally: it costs more than the other bases):
//!
//! ```
//! use safe_procfs::{Handle, OpenFlags};
//!
//! let proc = Handle::open(&[])?;
//! let mut value = [0u8; 64];
//! let n = proc.open_root("sys/kernel/printk_ratelimit", OpenFlags::O_RDONLY)?.read(&mut value)?;
//! match proc.open_root("sys/kernel/printk_ratelimit", OpenFlags::O_WRONLY) {
//!     Ok(sysctl) => sysctl.write_all(&value[..n])?, // write the value back unchanged
//!     Err(e) if matches!(e.raw_os_error(), Some(1 | 13)) => {} // EPERM/EACCES: not root
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), safe_procfs::Error>(())
//! ```
//!
//! Get an fd to our own executable (a magic-link, followed because it is
//! the last component and `O_NOFOLLOW` is not given), e.g. to re-exec it:
//!
//! ```
//! use safe_procfs::{Handle, OpenFlags};
//!
//! let proc = Handle::open(&[])?;
//! let exe = proc.open_self("exe", OpenFlags::O_PATH)?;
//! assert!(exe.as_raw_fd() >= 0);
//! # Ok::<(), safe_procfs::Error>(())
//! ```
//!
//! Get the path of one of our fds, for diagnostics only (never to reopen). `readlink` needs
//! no thread pinning, even with [`ProcBase::ProcThreadSelf`]:
//!
//! ```
//! use safe_procfs::{Handle, ProcBase};
//!
//! let proc = Handle::open(&[])?;
//! let mut buf = [0u8; 4096];
//! let path = proc.readlink(ProcBase::ProcThreadSelf, "fd/1", &mut buf)?;
//! // e.g. "/dev/pts/0" or "pipe:[1234]": for messages, never to open again.
//! assert!(!path.is_empty());
//! # Ok::<(), safe_procfs::Error>(())
//! ```
#![no_std]
#![deny(missing_docs)]
// The library never panics: no unwrap, no indexing that could go out of bounds.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

#[cfg(any(test, feature = "std"))]
extern crate std;

#[cfg(target_arch = "aarch64")]
#[path = "../arch/aarch64.rs"]
mod arch;
#[cfg(target_arch = "riscv64")]
#[path = "../arch/riscv64.rs"]
mod arch;
#[cfg(target_arch = "x86_64")]
#[path = "../arch/x86_64.rs"]
mod arch;

mod error;
mod fd;
mod flags;
mod fork;
mod handle;
mod mount;
mod path;
mod probe;
mod resolve;
mod root;
mod sys;
mod thread;

pub use error::{Error, ErrorKind};
pub use fd::OwnedFd;
pub use flags::{
    OpenFlags, OpenOption, ProcfsOpenFlags, ProcfsOpenHow, no_host_fallback, unmasked_proc_root,
};
pub use handle::{Handle, ProcBase};
pub use path::PATH_BUF_LEN;
pub use root::HandleKind;
#[cfg(feature = "fault-injection")]
#[doc(hidden)]
pub use sys::fault as __fault_injection;
pub use thread::{NoPin, ThreadCloser, ThreadPin};
