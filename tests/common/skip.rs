//! Skipping a test that needs a capability it lacks: the one rule for the
//! integration tests (`tests/common`) and the library's unit tests (which
//! include this file by path). std only, no crate types.
//!
//! * Without the capability the test prints `SKIPPED: <test>: <reason>` on
//!   the real stderr (not the test harness's captured output, so the test
//!   command can count the skips) and passes.
//! * Under `CI=true` a skip is a failure: CI runs as root with every
//!   capability, and a test that silently did not run proves nothing.
//! * Except in the test command's deliberate unprivileged run, which sets
//!   `SAFE_PROCFS_UNPRIVILEGED_RUN=1`: there the skips are expected, and
//!   counted (`SAFE_PROCFS_SKIP_LOG`) and printed by the test command.

use std::io::Write as _;

/// The environment variable of the test command's unprivileged run.
pub const UNPRIVILEGED_RUN: &str = "SAFE_PROCFS_UNPRIVILEGED_RUN";

/// A file each skip is appended to, one line each, when set.
pub const SKIP_LOG: &str = "SAFE_PROCFS_SKIP_LOG";

/// Whether this is the test command's deliberate unprivileged run.
pub fn unprivileged_run() -> bool {
    std::env::var(UNPRIVILEGED_RUN).as_deref() == Ok("1")
}

/// Whether the process has `CAP_SYS_ADMIN` in its effective set (what
/// `fsopen`, `open_tree`, `unshare(CLONE_NEWNS)` and mounts need), read
/// from the `CapEff:` line of `/proc/self/status`.
pub fn has_cap_sys_admin() -> bool {
    const CAP_SYS_ADMIN: u32 = 21;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << CAP_SYS_ADMIN) != 0)
}

/// True when the test may run. Otherwise prints `SKIPPED: <test>:
/// <reason>` and returns false, or fails the test under `CI=true` (unless
/// in the unprivileged run).
pub fn skip_unless(have: bool, test: &str, reason: &str) -> bool {
    if have {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true") || unprivileged_run(),
        "{test}: {reason}; under CI=true a skip is a failure"
    );
    // Straight to fd 2 (the harness captures eprintln!, not this), in one
    // write so that concurrent tests' lines do not cut it; and appended to
    // $SAFE_PROCFS_SKIP_LOG, where the test command counts the skips.
    let line = std::format!("SKIPPED: {test}: {reason}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Ok(path) = std::env::var(SKIP_LOG) {
        let log = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path);
        let _ = log.and_then(|mut f| f.write_all(line.as_bytes()));
    }
    false
}
