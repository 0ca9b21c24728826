//! `pidfd_open` refuses pid 0 and pids from 2^31 on with `EINVAL`.

use safe_procfs::{errno, pidfd_open};

#[test]
fn pidfd_open_range() {
    assert_eq!(
        pidfd_open(0).unwrap_err().raw_os_error(),
        Some(errno::EINVAL)
    );
    assert_eq!(
        pidfd_open(1 << 31).unwrap_err().raw_os_error(),
        Some(errno::EINVAL)
    );
}
