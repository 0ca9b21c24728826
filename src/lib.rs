//! Safe access to Linux `/proc` for `#![no_std]` programs.
//!
//! Every file this crate hands back is exactly the procfs entry that was
//! asked for: never a file an attacker bind-mounted over it, never where a
//! symlink or magic-link in the middle of the path would have led, never a
//! fake filesystem mounted on `/proc`. No allocator, no libc: the crate
//! issues its own system calls on x86_64, aarch64 and riscv64, so a static
//! `#![no_main]` binary can use it (the repository's `docs/freestanding.md`).
//!
//! The API is a Rust form of the Go package `procfs` of go-pathrs (the
//! README maps each name and has an example of each use): a [`Handle`] from
//! [`Handle::open`], the bases of [`ProcBase`], the `open_*` methods,
//! [`readlink`](Handle::readlink) and [`close`](Handle::close). Beyond it,
//! for programs with no libc and no allocator: [`Handle::open_pidfd`] looks
//! up a process by pidfd, race-free against pid recycling; [`ReadDir`]
//! lists a directory; [`OwnedFd::read_whole`] reads a small file in one
//! call, [`LineReader`] a file of any size line by line; [`parse`] splits
//! `cmdline`, `environ`, `status`, `stat` and `cgroup` as a hostile process
//! may have written them.
//!
//! ```
//! use safe_procfs::{Handle, OpenFlags, ProcBase};
//!
//! let proc = Handle::open(&[])?; // cached, masked, private procfs
//! let mut buf = [0u8; 4096];
//! let status = proc.open_self("status", OpenFlags::O_RDONLY)?.read_whole(&mut buf)?;
//! assert!(status.starts_with(b"Name:"));
//! let exe = proc.readlink(ProcBase::ProcSelf, "exe", &mut buf)?;
//! assert!(!exe.is_empty());
//! # Ok::<(), safe_procfs::Error>(())
//! ```
//!
//! # How it stays safe
//!
//! * The handle is a private procfs instance (`fsopen`), else a detached
//!   clone of `/proc` (`open_tree`), else `/proc` itself; each is checked to
//!   be the root of a procfs of our pid namespace. See [`HandleKind`] for
//!   what each gives up.
//! * Paths are resolved beneath it with `openat2(RESOLVE_BENEATH |
//!   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)`, or, where `openat2` is
//!   missing or blocked by seccomp, one component at a time with the fs type
//!   and mount id checked at every step. No mount point is ever crossed.
//! * A magic-link (`exe`, `fd/N`, `cwd`, `root`, `ns/*`) is followed only as
//!   the last component and only without `O_NOFOLLOW`; never inside a path.
//! * Every call first checks that the handle's fd number still names its
//!   procfs root (a process may close it or reuse the number), so nothing
//!   is opened in the file that took it: the cached handle re-acquires, a
//!   handle of your own fails ([`ErrorKind::SafetyViolation`]).
//! * Resource errors (`EMFILE`, `ENOMEM`, ...) are returned, never a reason
//!   to fall back to a weaker kind of procfs; [`no_host_fallback`] refuses
//!   the weakest kind, the host `/proc`, altogether.
//! * Every fd carries `O_CLOEXEC`; `O_CREAT`, `O_EXCL` and `O_TMPFILE` are
//!   refused. The library never panics and never allocates.
//!
//! # Paths
//!
//! The `path` of every method is bytes (`&str`, `&[u8]`, ...) relative to
//! its base: not empty, not starting with `/`, free of NUL bytes and of `..`
//! components (`..foo` is an ordinary name), and short: the base prefix
//! (`self/`, `<pid>/`, ...), the path and a NUL must fit [`PATH_BUF_LEN`].
//! `.` components and repeated slashes are allowed; a trailing `/`
//! demands a directory. Regular procfs symlinks inside the path (`self`,
//! `mounts`, `net`) are followed safely.
//!
//! # Errors
//!
//! Every failure is an [`Error`] with an errno ([`Error::raw_os_error`],
//! compared with the constants of [`errno`]), a category ([`Error::kind`])
//! and a message. The errno contract:
//!
//! | situation | errno |
//! |---|---|
//! | path crosses or lands on a mount (overmount, bind-mount, other fs) | `EXDEV` ([`ErrorKind::SafetyViolation`]) |
//! | magic-link inside the path, or any symlink with `O_NOFOLLOW` where the kernel says so | `ELOOP` |
//! | `O_CREAT`, `O_EXCL` or `O_TMPFILE` requested | `EINVAL` |
//! | path empty, containing NUL, or a `..` component that stays inside the base | `EINVAL` |
//! | path absolute, or a `..` that climbs out of the base (as `openat2` and libpathrs say) | `EXDEV` ([`ErrorKind::InvalidArgument`]) |
//! | path longer than the crate's fixed buffer ([`PATH_BUF_LEN`]) | `ENAMETOOLONG` |
//! | `readlink` target longer than the caller's buffer | `ERANGE` |
//! | [`OwnedFd::read_whole`]: the file is larger than the caller's buffer | `EFBIG` |
//! | [`LineReader::next_line`]: the line is not shorter than the caller's buffer | `ERANGE` (the reader goes on with the next line) |
//! | [`ReadDir`]: buffer shorter than [`DIR_BUF_MIN`] | `EINVAL` |
//! | `ProcPid(pid)` with pid = 0 or pid ≥ 2^31 | `EINVAL` |
//! | `ProcPidFd(fd)`: fd is not a pidfd | `EBADF` or `EINVAL` (as the kernel says) |
//! | `ProcPidFd(fd)`: its process is gone (reaped), or not visible in this pid namespace | `ESRCH` |
//! | `no_host_fallback` and only the host `/proc` is available | `EOPNOTSUPP` ([`ErrorKind::NotSupported`]) |
//! | `readlink` of something that is not a symlink | `EINVAL` |
//! | trailing `/` on a non-directory | `ENOTDIR` (as the kernel says) |
//! | entry does not exist | `ENOENT` (as the kernel says) |
//! | no trustworthy procfs could be obtained at all | [`ErrorKind::SafetyViolation`], errno `EXDEV` or the kernel's |
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]
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

#[cfg_attr(target_arch = "aarch64", path = "../arch/aarch64.rs")]
#[cfg_attr(target_arch = "riscv64", path = "../arch/riscv64.rs")]
#[cfg_attr(target_arch = "x86_64", path = "../arch/x86_64.rs")]
mod arch;

// The modules by concern (no two name each other, directly or in a loop;
// each module's first doc line says what it holds):
// - the kernel: arch/ (syscall stubs, the kernel ABI), fd, sys, sys_fault
// - the vocabulary: error, step (what failed), base (ProcBase)
// - the facts: procfs, path, probe, fork, mount, seqlock, lines
// - roots: root, acquire (which procfs, in which order), cache
// - lookups: resolve (openat2 or the walk), fallback, handle
// - the rest of the public surface: flags, dir, io, parse, pidfd, thread
#[cfg(feature = "__fault_injection")]
#[doc(hidden)]
#[path = "sys_fault.rs"]
pub mod __fault_injection;
mod acquire;
mod base;
mod cache;
mod dir;
mod error;
mod fallback;
mod fd;
mod flags;
mod fork;
mod handle;
mod io;
mod lines;
mod mount;
pub mod parse;
mod path;
mod pidfd;
mod probe;
mod procfs;
mod resolve;
mod root;
mod seqlock;
mod step;
mod sys;
mod thread;

pub use base::ProcBase;
pub use dir::{DIR_BUF_MIN, DirEntry, FileType, NAME_MAX, ReadDir};
pub use error::{Error, ErrorBase, ErrorKind, errno};
pub use fd::{BorrowedFd, OwnedFd};
pub use flags::{
    HandleBuilder, OpenFlags, OpenOption, ProcfsOpenFlags, ProcfsOpenHow, no_host_fallback,
    unmasked_proc_root,
};
pub use handle::Handle;
pub use lines::LineReader;
pub use path::PATH_BUF_LEN;
pub use pidfd::pidfd_open;
pub use root::HandleKind;
pub use thread::{NoPin, ThreadCloser, ThreadPin};

/// README.md's Rust examples, run as doctests (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
