//! Eight threads racing on the process's first `Handle::open` all get a
//! working handle. Alone in its test binary, so that the process-wide cache
//! starts empty.

#![allow(clippy::result_large_err)]

mod common;

use common::*;
use safe_procfs::{Handle, HandleKind, OpenFlags};
use std::sync::{Arc, Barrier};

#[test]
fn eight_threads_race_on_the_first_open() {
    let before = count_fds();
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let h = Handle::open(&[]).expect("Handle::open");
                let ok = h.open_self("status", OpenFlags::O_RDONLY).is_ok();
                #[cfg(feature = "std")]
                let fd = std::os::fd::AsRawFd::as_raw_fd(&h);
                #[cfg(not(feature = "std"))]
                let fd = -1;
                (h.kind(), h.is_cached(), ok, fd)
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(
        results.iter().all(|r| r.2),
        "an open through a raced handle failed"
    );
    let kind = results[0].0;
    assert!(results.iter().all(|r| r.0 == kind));
    if kind == HandleKind::PrivateInstance {
        // One winner is cached; every loser closed its own fd.
        assert!(
            results.iter().all(|r| r.1),
            "not every handle is the cached one"
        );
        assert!(
            results.iter().all(|r| r.3 == results[0].3),
            "handles differ: {results:?}"
        );
        assert_eq!(
            count_fds(),
            before + 1,
            "exactly the cached root stays open"
        );
    } else {
        // Under qemu-user (no fsopen) a detached clone; not root, the host /proc.
        assert!(
            under_qemu() || kind == HandleKind::HostMount && !has_cap_sys_admin(),
            "no private procfs natively: {kind:?}"
        );
        assert!(results.iter().all(|r| !r.1));
        assert_eq!(count_fds(), before, "uncached handles must close on drop");
    }
}
