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
//! [`unmasked_proc_root`]; in Rust style, [`Handle::builder`]), four bases
//! ([`ProcBase`]), the methods
//! [`open_root`](Handle::open_root), [`open_self`](Handle::open_self),
//! [`open_pid`](Handle::open_pid), [`open_thread_self`](Handle::open_thread_self)
//! (with its [`ThreadCloser`]), [`readlink`](Handle::readlink) and
//! [`close`](Handle::close).
//!
//! Beyond the Go package, for programs with no libc and no allocator:
//! [`ProcBase::ProcPidFd`] and [`Handle::open_pidfd`] (with [`pidfd_open`])
//! look up a process by pidfd, race-free against pid recycling;
//! [`OwnedFd::read_dir`] lists a directory; [`OwnedFd::read_whole`] reads a
//! small file into a buffer in one call; [`LineReader`] reads a file of any
//! size line by line (or NUL-field by NUL-field) through a buffer of yours;
//! [`OwnedFd::read_at`] and [`OwnedFd::rewind`] read again without a new
//! open; [`parse`] splits `cmdline`, `environ`, `status`, `stat` (right
//! for any command name) and the cgroup v2 line of `cgroup`.
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
//!     Err(e) if e.is_not_found() => {} // ENOENT: no AppArmor here
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
//! let mut buf = [0u8; 64];
//! let value = proc.open_root("sys/kernel/printk_ratelimit", OpenFlags::O_RDONLY)?.read_whole(&mut buf)?;
//! match proc.open_root("sys/kernel/printk_ratelimit", OpenFlags::O_WRONLY) {
//!     Ok(sysctl) => sysctl.write_all(value)?, // write the value back unchanged
//!     Err(e) if e.is_permission_denied() => {} // EPERM/EACCES: not root
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
//!
//! List our own fds and every process, with no allocation:
//!
//! ```
//! use safe_procfs::{Handle, OpenFlags, unmasked_proc_root};
//!
//! let dir = OpenFlags::O_RDONLY | OpenFlags::O_DIRECTORY;
//! let proc = Handle::open(&[])?;
//! let mut buf = [0u8; 1024];
//! let fds = proc.open_self("fd", dir)?;
//! let n = fds.read_dir(&mut buf).filter(|e| e.as_ref().map_or(true, |e| !e.is_dot_or_dotdot())).count();
//! assert!(n >= 3); // stdin, stdout, stderr, and the listing's own fd
//!
//! // The default handle hides other users' processes (hidepid): list all
//! // on an unmasked one.
//! let all = Handle::open(&[unmasked_proc_root])?;
//! for entry in all.open_root(".", dir)?.read_dir(&mut buf) {
//!     if let Some(pid) = entry?.number() {
//!         # let _ = pid;
//!     }
//! }
//! # Ok::<(), safe_procfs::Error>(())
//! ```
//!
//! Read a process's files through a pidfd: the result is that process's,
//! or `ESRCH`, never a file of a process that got its pid later:
//!
//! ```
//! use safe_procfs::{Handle, OpenFlags, ProcBase, pidfd_open};
//!
//! let pidfd = pidfd_open(std::process::id())?;
//! let proc = Handle::open(&[])?;
//! let mut buf = [0u8; 4096];
//! let cmdline = proc.open_pidfd(pidfd.as_fd(), "cmdline", OpenFlags::O_RDONLY)?.read_whole(&mut buf)?;
//! # let _ = cmdline;
//! let exe = proc.readlink(ProcBase::ProcPidFd(pidfd.as_fd()), "exe", &mut buf)?;
//! # let _ = exe;
//! # Ok::<(), safe_procfs::Error>(())
//! ```
//!
//! # Paths
//!
//! The `path` of every method is bytes (`&str`, `&[u8]`, ...), relative to
//! the method's base, and must be:
//!
//! * **relative**: not empty and not starting with `/` (`EINVAL`);
//! * **free of `..` components** (`EINVAL`): `..foo` is an ordinary name;
//! * **free of NUL bytes** (`EINVAL`);
//! * **short**: the base prefix (`self/`, `thread-self/`, `<pid>/`) plus the
//!   path must fit [`PATH_BUF_LEN`] bytes with a terminating NUL, i.e. the
//!   path is at most `PATH_BUF_LEN - 1 - prefix` bytes (`ENAMETOOLONG`).
//!
//! `.` components and repeated slashes are allowed; a trailing `/`
//! demands a directory (`ENOTDIR` otherwise, as the kernel says).
//! Regular procfs symlinks inside the path (`self`, `mounts`, `net`) are
//! followed safely; magic-links (`exe`, `cwd`, `root`, `fd/N`, `ns/*`)
//! only as the last component and only without `O_NOFOLLOW`.
//!
//! `readlink` returns the kernel's text for a link. On a private instance
//! or detached clone (mounted nowhere), links that point into procfs read
//! relative to that procfs's root: `readlink(ProcSelf, "fd/N")` of an fd
//! opened through this crate reads like `/1234/fd`, not `/proc/1234/fd`.
//! It is for messages, never to open again.
//!
//! # Errors
//!
//! Every failure is an [`Error`]: `Copy`, no heap, with an errno
//! ([`Error::raw_os_error`], compared with the constants of [`errno`] or
//! with helpers such as [`Error::is_not_found`]), a category
//! ([`Error::kind`]), and a message naming the system call or the rule that
//! failed and the base it failed under:
//! `openat2 beneath /proc/self: ENOENT (No such file or directory)`. With
//! feature `std`, `?` turns it into a `std::io::Error` that keeps the
//! message. The errno contract:
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
//! | [`OwnedFd::read_dir`]: buffer shorter than [`DIR_BUF_MIN`] | `EINVAL` |
//! | `ProcPid(pid)` with pid = 0 or pid ≥ 2^31 | `EINVAL` |
//! | `ProcPidFd(fd)`: fd is not a pidfd | `EBADF` or `EINVAL` (as the kernel says) |
//! | `ProcPidFd(fd)`: its process is gone (reaped), or not visible in this pid namespace | `ESRCH` |
//! | `no_host_fallback` and only the host `/proc` is available | `EOPNOTSUPP` ([`ErrorKind::NotSupported`]) |
//! | `readlink` of something that is not a symlink | `EINVAL` |
//! | trailing `/` on a non-directory | `ENOTDIR` (as the kernel says) |
//! | entry does not exist | `ENOENT` (as the kernel says) |
//! | no trustworthy procfs could be obtained at all | [`ErrorKind::SafetyViolation`], errno `EXDEV` or the kernel's |
//!
//! # Building a freestanding binary
//!
//! The crate needs neither libc nor an allocator, so a `#![no_std]`,
//! `#![no_main]` static binary can use it (the crate's repository has one,
//! its `freestanding` example, built and run for the three architectures by
//! its test command; it is not part of this package). Build it with
//!
//! ```text
//! RUSTFLAGS="-C panic=abort -C linker=rust-lld -C relocation-model=static \
//!            -C link-self-contained=no -C target-feature=+crt-static" \
//!   cargo build --release --target x86_64-unknown-linux-gnu   # or aarch64-unknown-linux-musl,
//!                                                             # riscv64gc-unknown-linux-gnu
//! ```
//!
//! `link-self-contained=no` keeps the C start files (`crt1.o`) out: without
//! it the link fails with `duplicate symbol: _start`. `rust-lld` links
//! without a C toolchain, and the static relocation model with `crt-static`
//! gives a static executable with no ELF interpreter. The binary must
//! provide:
//!
//! * `_start` (naked: clear the frame pointer, align the stack, call your
//!   main, then `exit_group`);
//! * `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp`, which the compiler
//!   emits calls to;
//! * an empty `rust_eh_personality` (the prebuilt `core` references it even
//!   with `panic=abort`), and a `#[panic_handler]`;
//! * on aarch64, `getauxval` returning 0 (compiler-builtins asks it for
//!   the CPU's atomics features).
//!
//! In that example they take about 130 lines.
//!
//! With `panic = "abort"` nothing unwinds, but the prebuilt `core` still
//! brings unwind tables (`.eh_frame`), about a fifth of such a binary, and
//! `-C force-unwind-tables=no` does not remove them. The example drops them
//! with a linker script passed by its build script as `-T`:
//!
//! ```text
//! SECTIONS {
//!   /DISCARD/ : { *(.eh_frame) *(.eh_frame_hdr) *(.comment) }
//! }
//! INSERT AFTER .text;
//! ```
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]
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

// The modules by concern (no two name each other, directly or in a loop):
// - the kernel: arch/ (syscall stubs, the kernel ABI), fd (OwnedFd,
//   BorrowedFd), sys (typed syscalls; sys_fault: test-only failure
//   injection)
// - the vocabulary: error, step (what failed), base (ProcBase)
// - the facts: procfs (the procfs map), path (path buffers and cursor),
//   probe (kernel features), fork (fork generation), mount (mount and
//   filesystem checks), seqlock (a sequence-locked cell), lines
// - roots: root (the value and its checks), acquire (which procfs, in
//   which order), cache (the process-wide root)
// - lookups: resolve (openat2 or the walk), fallback (where a failed
//   lookup is retried), handle (the public methods)
// - the rest of the public surface: flags, dir, io, parse, pidfd, thread
mod acquire;
mod base;
mod cache;
mod dir;
mod error;
mod fallback;
// Test-only and hidden: not public API (see its header).
#[cfg(feature = "__fault_injection")]
#[doc(hidden)]
#[path = "sys_fault.rs"]
pub mod __fault_injection;
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
