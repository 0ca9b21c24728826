//! Safe access to Linux `/proc` for `#![no_std]` programs.
//!
//! Every file this crate hands back is exactly the procfs entry that was
//! asked for: never a file an attacker bind-mounted over it, never where a
//! symlink or magic-link in the middle of the path would have led, never a
//! fake filesystem mounted on `/proc`. No allocator, no libc: the crate
//! issues its own system calls on x86_64, aarch64 and riscv64.
//!
//! The API is a Rust form of the Go package `procfs` of go-pathrs:
//!
//! ```no_run
//! use safe_procfs::{Handle, OpenFlags};
//!
//! let proc = Handle::open(&[])?;
//! let status = proc.open_self("status", OpenFlags::O_RDONLY)?;
//! let mut buf = [0u8; 4096];
//! let n = status.read(&mut buf)?;
//! # let _ = n;
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
pub use flags::{OpenFlags, OpenOption, ProcfsOpenFlags, ProcfsOpenHow, unmasked_proc_root};
pub use handle::{Handle, ProcBase};
pub use path::PATH_BUF_LEN;
pub use root::HandleKind;
#[cfg(feature = "fault-injection")]
#[doc(hidden)]
pub use sys::fault as __fault_injection;
pub use thread::{NoPin, ThreadCloser, ThreadPin};
