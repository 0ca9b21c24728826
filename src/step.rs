//! [`Step`]: the system call or the rule that failed, as one byte (so that
//! `Error` is 8), declared next to its [`text`](Step::text): the texts back
//! to back in one string, with an end offset each.

macro_rules! steps {
    ($($name:ident => $text:literal,)*) => {
        /// What failed: the variants are named after their texts.
        #[repr(u8)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub(crate) enum Step {
            $($name,)*
        }

        const TEXTS: &str = concat!($($text,)*);

        /// Where the text of each variant ends in [`TEXTS`]. (An index out
        /// of bounds or 64 KiB of texts fails the build.)
        #[allow(clippy::indexing_slicing)]
        const ENDS: [u16; [$($text,)*].len()] = {
            let lens = [$($text.len(),)*];
            let mut ends = [0; [$($text,)*].len()];
            let (mut i, mut end) = (0, 0);
            while i < lens.len() {
                end += lens[i];
                assert!(end <= u16::MAX as usize);
                ends[i] = end as u16;
                i += 1;
            }
            ends
        };

        impl Step {
            pub(crate) fn text(self) -> &'static str {
                let (before, from) = ENDS.split_at_checked(self as usize).unwrap_or_default();
                let start = before.last().map_or(0, |&end| usize::from(end));
                let end = from.first().map_or(0, |&end| usize::from(end));
                // Never "": the offsets are the texts' own.
                TEXTS.get(start..end).unwrap_or("")
            }

            #[cfg(test)]
            const ALL: &[(Step, &str)] = &[$((Step::$name, $text),)*];
        }
    };
}

steps! {
    // Arguments (path.rs, handle.rs, fd.rs, dir.rs, pidfd.rs).
    PathEmpty => "path is empty",
    PathAbsolute => "path is absolute",
    PathHasNul => "path contains a NUL byte",
    PathHasDotDot => "path contains a '..' component",
    PathEscapesBase => "path's '..' leaves the base",
    PathTooLong => "path too long for the fixed buffer",
    UnknownOpenFlags => "unknown open flag bits",
    CreateFlagsRefused => "O_CREAT, O_EXCL and O_TMPFILE are not allowed",
    PidOutOfRange => "pid out of range",
    PidfdBaseUnresolved => "a pidfd base must be resolved to its pid first",
    ReadlinkTargetTooLong => "readlinkat: target longer than the buffer",
    ReadlinkNotSymlink => "readlinkat: not a symlink",
    ReadWholeTooLarge => "read_whole: the file is larger than the buffer",
    ReadDirBufferTooSmall => "ReadDir::new: buffer shorter than DIR_BUF_MIN",
    PidfdOpenPidOutOfRange => "pidfd_open: pid out of range",
    PidfdNegative => "pidfd is negative",

    // Acquiring and checking the procfs root (acquire.rs, root.rs, handle.rs).
    FsopenProc => "fsopen proc",
    FsconfigCreate => "fsconfig create",
    Fsmount => "fsmount",
    OpenTreeProc => "open_tree /proc",
    OpenProc => "open /proc",
    NotProcfsRoot => "not the root of a procfs",
    NoHostFallback => "no_host_fallback: neither a private procfs nor a detached clone could be had",
    HandleFdClosed => "procfs handle's fd was closed",
    HandleFdReused => "procfs handle's fd number was closed and reused for another file",
    UnmaskedProcfs => "an unmasked procfs",
    ReadlinkUptime => "readlink uptime",
    OtherPidNamespace => "procfs of another pid namespace",
    OpenSelf => "open self",
    ReadlinkSelf => "readlink self",
    MountCoversProcSelf => "a mount covers /proc/self",
    CloseHandle => "close procfs handle",
    TempUnmaskedDirectory => "a directory of the temporary unmasked procfs would lead to its root; \
                              open it through a handle made with unmasked_proc_root",

    // Mount ids and file systems (mount.rs).
    Fstatfs => "fstatfs",
    Statx => "statx",
    Fstat => "fstat",
    NotOnProcfs => "file is not on a procfs",
    CrossesMount => "path crosses a mount point",
    OpenFdinfo => "open fdinfo",
    Openat2Fdinfo => "openat2 fdinfo",
    FdinfoCrossesMount => "fdinfo path crosses a mount",
    FdinfoOtherFile => "fdinfo describes another file",
    FdinfoNoIno => "fdinfo lacks the ino: line this kernel prints",
    NoMountId => "no mount id: statx and fdinfo both lack it",

    // Resolution: openat2 and the component walk (resolve.rs).
    Openat2 => "openat2",
    Openat2Parent => "openat2 parent",
    Openat2Link => "openat2 link",
    Openat2MagicLink => "openat2 magic-link",
    Open => "open",
    OpenComponent => "open component",
    OpenMagicLink => "open magic-link",
    MagicLinkInPath => "magic-link inside the path",
    MountCoversMagicLink => "a mount covers the magic-link",
    ReadlinkMagicLink => "readlink magic-link",
    Readlink => "readlink",
    Readlinkat => "readlinkat",
    ProcfsSymlinkTarget => "procfs symlink target",
    AbsoluteSymlink => "absolute symlink leaves procfs",
    SymlinkWithDotDot => "symlink with '..' in procfs",
    TooManySymlinks => "too many symlinks",
    NotADirectory => "not a directory",
    TrailingSymlinkNoFollow => "trailing symlink with O_NOFOLLOW",
    FileChangedDuringWalk => "file changed during the walk",

    // Pidfds (pidfd.rs).
    PidfdOpen => "pidfd_open",
    PidfdSendSignal => "pidfd_send_signal",
    PidfdSignalReaped => "pidfd_send_signal: the pidfd's process has exited and was reaped",
    PidfdSignalOtherNamespace => "pidfd_send_signal: the pidfd's process is not in this pid namespace",
    PidfdSignalNotPidfd => "pidfd_send_signal: the fd is not a pidfd",
    PidfdGetInfoGone => "PIDFD_GET_INFO: the pidfd's process is gone or not visible here",
    FdinfoNoPidLine => "fdinfo has no Pid: line: the fd is not a pidfd",
    FdinfoPidReaped => "fdinfo Pid: -1: the pidfd's process was reaped",
    FdinfoPidOtherNamespace => "fdinfo Pid: 0: the pidfd's process is not in this pid namespace",
    FdinfoPidUnreadable => "fdinfo Pid: line unreadable",

    // Reading, writing and directories (fd.rs, dir.rs).
    DupCloexec => "fcntl F_DUPFD_CLOEXEC",
    Read => "read",
    Write => "write",
    WriteReturnedZero => "write returned 0",
    Getdents64 => "getdents64",
    GetdentsMalformed => "getdents64 returned a malformed record",
    LseekDirStart => "lseek to the directory's start",

    // Reading by lines and at an offset (lines.rs, fd.rs).
    Pread64 => "pread64",
    Rewind => "lseek",
    LineTooLong => "line longer than the buffer",
}

#[cfg(test)]
mod tests {
    use super::Step;

    #[test]
    fn each_variant_gives_its_text_and_no_other_does() {
        for (i, &(step, text)) in Step::ALL.iter().enumerate() {
            assert_eq!(step as usize, i);
            assert_eq!(step.text(), text, "{step:?}");
            assert!(!text.is_empty(), "{step:?}");
            for &(other, other_text) in &Step::ALL[i + 1..] {
                assert_ne!(text, other_text, "{step:?} and {other:?}");
            }
        }
    }
}
