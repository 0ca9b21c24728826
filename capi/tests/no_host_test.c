/* A caller that opted out of the host /proc (SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK)
 * never gets it later: a container runtime's usual order is to take the
 * mount API away with seccomp and then close_range every fd above 2, which
 * closes the cached procfs fd. The next call with what pathrs_procfs_open
 * returned must fail (EOPNOTSUPP) instead of being served from the host
 * /proc. A real seccomp filter (fsopen and open_tree: ENOSYS) and a real
 * close_range; native only (qemu-user implements no seccomp). Run as root
 * or with no_new_privs allowed. Ends with "N passed, N failed". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pathrs.h"
#include "check.h"

#if defined(__x86_64__)
#define OUR_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define OUR_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define OUR_AUDIT_ARCH AUDIT_ARCH_RISCV64
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif

/* fsopen and open_tree fail with ENOSYS; everything else is allowed. */
static int deny_mount_api(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, OUR_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fsopen, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open_tree, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* errno of an error id (the record is freed), or 0 if it is none. */
static int err_of(int ret)
{
    if (!IS_PATHRS_ERR(ret))
        return 0;
    pathrs_error_t *e = pathrs_errorinfo(ret);
    int n = e ? (int)e->saved_errno : -1;
    if (e)
        printf("  (error: %s)\n", e->description);
    pathrs_errorinfo_free(e);
    return n;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* The cache exists (a private instance) before the caller asks. */
    int fd = pathrs_proc_open(PATHRS_PROC_SELF, "status", O_RDONLY);
    CHECK(fd >= 0, "warm-up open: %d", fd);
    if (fd >= 0)
        close(fd);

    pathrs_procfs_open_how how = { .flags = SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK };
    int root = pathrs_procfs_open(&how, sizeof(how));
    CHECK(root == SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST || root >= 0,
          "pathrs_procfs_open(NO_HOST_FALLBACK) with the cache in place returned %d", root);
    CHECK(root != PATHRS_PROC_DEFAULT_ROOTFD,
          "pathrs_procfs_open(NO_HOST_FALLBACK) returned PATHRS_PROC_DEFAULT_ROOTFD, which forgets the flag");
    fd = pathrs_proc_openat(root, PATHRS_PROC_SELF, "status", O_RDONLY);
    CHECK(fd >= 0, "openat(no-host root, self/status) before the attack: %d", fd);
    if (fd >= 0)
        close(fd);
    how.flags = SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK | PATHRS_PROCFS_NEW_UNMASKED;
    int unmasked = pathrs_procfs_open(&how, sizeof(how));
    CHECK(unmasked >= 0, "pathrs_procfs_open(NO_HOST_FALLBACK|UNMASKED): %d", unmasked);

    /* The runtime's order: seccomp takes the mount API away, then every
     * fd above 2 is closed (the cached procfs fd among them). */
    CHECK(deny_mount_api() == 0, "seccomp filter: %s", strerror(errno));
    CHECK(syscall(__NR_fsopen, "proc", 0) == -1 && errno == ENOSYS, "fsopen is not refused");
    CHECK(syscall(__NR_open_tree, AT_FDCWD, "/proc", 1) == -1 && errno == ENOSYS, "open_tree is not refused");
    CHECK(syscall(__NR_close_range, 3, ~0u, 0) == 0, "close_range: %s", strerror(errno));

    /* The caller that opted out: never the host /proc. */
    fd = pathrs_proc_openat(root, PATHRS_PROC_SELF, "status", O_RDONLY);
    int e = err_of(fd);
    CHECK(e == EOPNOTSUPP || (root >= 0 && e == EBADF),
          "openat(no-host root, self/status) after seccomp + close_range gave %s (fd %d, errno %d): the host /proc",
          fd >= 0 ? "a file" : "an error", fd, e);
    if (fd >= 0) {
        struct statfs sfs;
        printf("  served: fstatfs type %#lx\n", fstatfs(fd, &sfs) ? 0ul : (unsigned long)sfs.f_type);
        close(fd);
    }
    char buf[64];
    int n = pathrs_proc_readlinkat(root, PATHRS_PROC_ROOT, "self", buf, sizeof(buf));
    e = err_of(n);
    CHECK(e == EOPNOTSUPP || (root >= 0 && e == EBADF), "readlinkat(no-host root, self) gave %d (errno %d)", n, e);
    fd = pathrs_proc_openat(unmasked, PATHRS_PROC_ROOT, "uptime", O_RDONLY);
    e = err_of(fd);
    CHECK(e == EBADF, "openat(closed no-host unmasked fd) gave %d (errno %d)", fd, e);
    if (fd >= 0)
        close(fd);

    /* The control: the same moment without the flag does fall back to
     * the host /proc (so the checks above did test something). */
    fd = pathrs_proc_openat(PATHRS_PROC_DEFAULT_ROOTFD, PATHRS_PROC_SELF, "status", O_RDONLY);
    CHECK(fd >= 0, "control: the default handle without the flag did not fall back (%d)", fd);
    if (fd >= 0)
        close(fd);
    else
        err_of(fd);

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
