/* C tests of libsafe_procfs (libpathrs's procfs C API). Run as root.
 * Prints one line per failed check and ends with "N passed, N failed". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "safe-procfs.h"
#include "safe-procfs-pathrs-compat.h"
#include "check.h"

#define PROC_SUPER_MAGIC 0x9fa0

/* ---- the header against libpathrs's numbers ----------------------------
 * Expected values taken from libpathrs 0.2.6's include/pathrs.h. */
static void test_constants(void)
{
    static const struct { const char *name; uint64_t ours, libpathrs; } table[] = {
        { "PATHRS_PROC_ROOT", PATHRS_PROC_ROOT, 18446744067006164835ull },
        { "PATHRS_PROC_SELF", PATHRS_PROC_SELF, 18446744065272536607ull },
        { "PATHRS_PROC_THREAD_SELF", PATHRS_PROC_THREAD_SELF, 18446744066171166239ull },
        { "__PATHRS_PROC_TYPE_MASK", __PATHRS_PROC_TYPE_MASK, 18446744069414584320ull },
        { "__PATHRS_PROC_TYPE_PID", __PATHRS_PROC_TYPE_PID, 9223372036854775808ull },
        { "PATHRS_PROC_PID(1)", PATHRS_PROC_PID(1), 9223372036854775808ull | 1 },
        { "PATHRS_PROC_PID(4194304)", PATHRS_PROC_PID(4194304), 9223372036854775808ull | 4194304 },
        { "PATHRS_PROC_DEFAULT_ROOTFD", (uint64_t)(int64_t)PATHRS_PROC_DEFAULT_ROOTFD, (uint64_t)(int64_t)-9 },
        { "PATHRS_PROCFS_NEW_UNMASKED", PATHRS_PROCFS_NEW_UNMASKED, 1 },
        { "__PATHRS_MAX_ERR_VALUE", (uint64_t)(int64_t)__PATHRS_MAX_ERR_VALUE, (uint64_t)(int64_t)-4096 },
        { "IS_PATHRS_ERR(-4097)", IS_PATHRS_ERR(-4097), 1 },
        { "IS_PATHRS_ERR(-4096)", IS_PATHRS_ERR(-4096), 0 },
        { "IS_PATHRS_ERR(PATHRS_PROC_DEFAULT_ROOTFD)", IS_PATHRS_ERR(PATHRS_PROC_DEFAULT_ROOTFD), 0 },
        { "sizeof(pathrs_procfs_open_how)", sizeof(pathrs_procfs_open_how), 8 },
        { "sizeof(pathrs_error_t)", sizeof(pathrs_error_t), 16 },
        { "_Alignof(pathrs_error_t)", _Alignof(pathrs_error_t), 8 },
        { "offsetof(pathrs_error_t, saved_errno)", offsetof(pathrs_error_t, saved_errno), 0 },
        { "offsetof(pathrs_error_t, description)", offsetof(pathrs_error_t, description), 8 },
        { "sizeof(pathrs_proc_base_t)", sizeof(pathrs_proc_base_t), 8 },
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        CHECK(table[i].ours == table[i].libpathrs, "%s = %#llx, libpathrs has %#llx", table[i].name,
              (unsigned long long)table[i].ours, (unsigned long long)table[i].libpathrs);
    /* Ours must not collide with libpathrs's base types or flags. */
    CHECK((__SAFE_PROCFS_PROC_TYPE_PIDFD & __PATHRS_PROC_TYPE_MASK) != (PATHRS_PROC_ROOT & __PATHRS_PROC_TYPE_MASK) &&
              (__SAFE_PROCFS_PROC_TYPE_PIDFD & __PATHRS_PROC_TYPE_MASK) != __PATHRS_PROC_TYPE_PID,
          "pidfd base type collides");
    CHECK((SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK & PATHRS_PROCFS_NEW_UNMASKED) == 0, "flag collides");
}

/* An error id whose record carries `want`; the record is freed and the id
 * is spent afterwards. */
static void expect_err_at(int ret, int want, const char *what, int line)
{
    if (!IS_PATHRS_ERR(ret)) {
        failed++;
        printf("FAIL line %d: %s: returned %d, not an error id\n", line, what, ret);
        if (ret >= 0)
            close(ret);
        return;
    }
    pathrs_error_t *e = pathrs_errorinfo(ret);
    if (!e) {
        failed++;
        printf("FAIL line %d: %s: pathrs_errorinfo(%d) = NULL\n", line, what, ret);
        return;
    }
    if ((int)e->saved_errno == want && e->description && e->description[0]) {
        passed++;
    } else {
        failed++;
        printf("FAIL line %d: %s: errno %d (%s), expected %d (%s): %s\n", line, what, (int)e->saved_errno,
               strerror((int)e->saved_errno), want, strerror(want), e->description ? e->description : "(null)");
    }
    pathrs_errorinfo_free(e);
    CHECK(pathrs_errorinfo(ret) == NULL, "%s: id %d readable twice", what, ret);
}
#define EXPECT_ERR(ret, want, what) expect_err_at((ret), (want), (what), __LINE__)

static int ok_fd(int fd, const char *what)
{
    if (IS_PATHRS_ERR(fd)) {
        pathrs_error_t *e = pathrs_errorinfo(fd);
        failed++;
        printf("FAIL %s: error %d: %s\n", what, e ? (int)e->saved_errno : -1, e ? e->description : "(no record)");
        pathrs_errorinfo_free(e);
        return -1;
    }
    passed++;
    return fd;
}

static void test_open(void)
{
    char buf[4096];
    int fd = ok_fd(pathrs_proc_open(PATHRS_PROC_SELF, "status", O_RDONLY), "open self/status");
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        CHECK(n > 5 && !strncmp(buf, "Name:", 5), "self/status reads %zd bytes", n);
        CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "no O_CLOEXEC");
        struct statfs sfs;
        CHECK(fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC, "not on procfs");
        close(fd);
    }
    fd = ok_fd(pathrs_proc_open(PATHRS_PROC_THREAD_SELF, "comm", O_RDONLY), "open thread-self/comm");
    if (fd >= 0)
        close(fd);
    fd = ok_fd(pathrs_proc_open(PATHRS_PROC_PID(getpid()), "status", O_RDONLY), "open <pid>/status");
    if (fd >= 0)
        close(fd);
    fd = ok_fd(pathrs_proc_open(PATHRS_PROC_ROOT, "uptime", O_RDONLY), "open uptime");
    if (fd >= 0) {
        CHECK(read(fd, buf, sizeof(buf)) > 0, "read uptime");
        close(fd);
    }
    fd = ok_fd(pathrs_proc_open(PATHRS_PROC_ROOT, "sys/kernel/ostype", O_RDONLY | O_NOFOLLOW), "open ostype");
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof(buf));
        CHECK(n == 6 && !memcmp(buf, "Linux\n", 6), "ostype");
        close(fd);
    }
    /* A trailing magic-link is followed without O_NOFOLLOW. */
    fd = ok_fd(pathrs_proc_open(PATHRS_PROC_SELF, "fd/0", O_PATH), "open fd/0 (follow)");
    if (fd >= 0)
        close(fd);
    fd = ok_fd(pathrs_proc_open(PATHRS_PROC_SELF, "exe", O_PATH), "open exe (follow)");
    if (fd >= 0) {
        struct stat a, b;
        /* Under qemu-user self/exe is the emulator: compare with the
         * kernel's own answer, not with our binary. */
        int plain = open("/proc/self/exe", O_PATH);
        CHECK(plain >= 0 && fstat(fd, &a) == 0 && fstat(plain, &b) == 0 && S_ISREG(a.st_mode), "exe is no file");
        if (plain >= 0)
            close(plain);
        close(fd);
    }
}

static void test_readlink(void)
{
    char buf[4096], want[4096], pid[32];
    memset(buf, 0, sizeof(buf));
    int n = pathrs_proc_readlink(PATHRS_PROC_ROOT, "self", buf, sizeof(buf));
    snprintf(pid, sizeof(pid), "%d", getpid());
    CHECK(n == (int)strlen(pid) && !memcmp(buf, pid, n), "readlink self = %d '%s', want '%s'", n, buf, pid);
    n = pathrs_proc_readlink(PATHRS_PROC_SELF, "fd/0", buf, sizeof(buf));
    ssize_t wn = readlink("/proc/self/fd/0", want, sizeof(want));
    CHECK(n >= 0 && n == wn && !memcmp(buf, want, n), "readlink fd/0 = %d", n);
    /* libpathrs semantics: a short buffer gets a truncated copy, and the
     * full length is returned; NULL counts as size 0. */
    char small[4] = { 'x', 'x', 'x', 'x' };
    n = pathrs_proc_readlink(PATHRS_PROC_ROOT, "thread-self", small, 3);
    char ts[64];
    snprintf(ts, sizeof(ts), "%d/task/%d", getpid(), gettid());
    CHECK(n == (int)strlen(ts) && !memcmp(small, ts, 3) && small[3] == 'x', "short buffer: %d", n);
    n = pathrs_proc_readlink(PATHRS_PROC_ROOT, "thread-self", NULL, 100);
    CHECK(n == (int)strlen(ts), "NULL buffer: %d", n);
    small[0] = 'x';
    n = pathrs_proc_readlink(PATHRS_PROC_ROOT, "thread-self", small, SIZE_MAX);
    CHECK(n == (int)strlen(ts) && small[0] == 'x', "impossible size counts as 0: %d", n);
    n = pathrs_proc_readlink(PATHRS_PROC_THREAD_SELF, "fd/1", buf, sizeof(buf));
    CHECK(n > 0, "readlink thread-self/fd/1: %d", n);
    if (IS_PATHRS_ERR(n))
        pathrs_errorinfo_free(pathrs_errorinfo(n));
    n = pathrs_proc_readlink(PATHRS_PROC_PID(getpid()), "cwd", buf, sizeof(buf));
    CHECK(n > 0 && buf[0] == '/', "readlink <pid>/cwd: %d", n);
    if (IS_PATHRS_ERR(n))
        pathrs_errorinfo_free(pathrs_errorinfo(n));
}

static void test_errno_contract(void)
{
    char buf[64];
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "does-not-exist", O_RDONLY), ENOENT, "missing");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_PID(0x7fffffff), "status", O_RDONLY), ENOENT, "missing pid");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "", O_RDONLY), EINVAL, "empty path");
    /* As libpathrs: absolute or out of the base, EXDEV; inside, EINVAL (ours). */
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "/etc/passwd", O_RDONLY), EXDEV, "absolute path");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_ROOT, "/proc/self/status", O_RDONLY), EXDEV, "absolute path");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "../1/status", O_RDONLY), EXDEV, ".. out of the base");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "task/..", O_RDONLY), EINVAL, ".. at the end");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, NULL, O_RDONLY), EINVAL, "NULL path");
    static char longpath[2 * 8192 + 1];
    for (int i = 0; i < 8192; i++)
        memcpy(longpath + 2 * i, "a/", 2);
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, longpath, O_RDONLY), ENAMETOOLONG, "long path");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "root/etc", O_RDONLY), ELOOP, "magic-link inside");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "cwd/x", O_RDONLY), ELOOP, "magic-link cwd inside");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "exe", O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on exe");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "status", O_CREAT), EINVAL, "O_CREAT");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "status", O_CREAT | O_WRONLY), EINVAL, "O_CREAT|O_WRONLY");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "status", O_EXCL), EINVAL, "O_EXCL");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "task", O_TMPFILE | O_RDWR), EINVAL, "O_TMPFILE");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_PID(0), "status", O_RDONLY), EINVAL, "pid 0");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_PID(0x80000000u), "status", O_RDONLY), EINVAL, "pid 2^31");
    EXPECT_ERR(pathrs_proc_open(12345, "status", O_RDONLY), EINVAL, "unknown base");
    EXPECT_ERR(pathrs_proc_open(0xFFFFFFFE00000001ull, "status", O_RDONLY), EINVAL, "unknown special base");
    EXPECT_ERR(pathrs_proc_open(PATHRS_PROC_SELF, "status/", O_RDONLY), ENOTDIR, "trailing slash");
    EXPECT_ERR(pathrs_proc_readlink(PATHRS_PROC_SELF, "status", buf, sizeof(buf)), EINVAL, "readlink of a file");
    EXPECT_ERR(pathrs_proc_readlink(PATHRS_PROC_SELF, "root/etc/x", buf, sizeof(buf)), ELOOP, "readlink magic inside");
    EXPECT_ERR(pathrs_proc_readlink(PATHRS_PROC_SELF, "nope", buf, sizeof(buf)), ENOENT, "readlink missing");
    /* The pidfd base: a pidfd of ourselves; a non-pidfd fd is refused. */
    {
        int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
        CHECK(pidfd >= 0, "pidfd_open: %s", strerror(errno));
        int fd = pathrs_proc_open(SAFE_PROCFS_PROC_PIDFD(pidfd), "status", O_RDONLY);
        CHECK(fd >= 0, "pidfd base: %d", fd);
        if (fd >= 0)
            close(fd);
        int r = pathrs_proc_open(SAFE_PROCFS_PROC_PIDFD(0), "status", O_RDONLY);
        CHECK(IS_PATHRS_ERR(r), "pidfd base on fd 0 (not a pidfd): %d", r);
        if (IS_PATHRS_ERR(r))
            pathrs_errorinfo_free(pathrs_errorinfo(r));
        close(pidfd);
    }
    /* The description names the errno. */
    int id = pathrs_proc_open(PATHRS_PROC_SELF, "does-not-exist", O_RDONLY);
    pathrs_error_t *e = pathrs_errorinfo(id);
    CHECK(e && strstr(e->description, "ENOENT"), "description: %s", e ? e->description : "(null)");
    pathrs_errorinfo_free(e);
    /* Ids that were never handed out. */
    CHECK(pathrs_errorinfo(0) == NULL && pathrs_errorinfo(-1) == NULL && pathrs_errorinfo(-4097) == NULL &&
              pathrs_errorinfo(5) == NULL,
          "unknown ids have records");
    pathrs_errorinfo_free(NULL);
}

static void test_procfs_open(void)
{
    pathrs_procfs_open_how how = { .flags = 0 };
    int fd = pathrs_procfs_open(&how, sizeof(how));
    CHECK(fd == PATHRS_PROC_DEFAULT_ROOTFD || fd >= 0, "default: %d", fd);
    if (fd >= 0)
        close(fd);
    fd = pathrs_procfs_open(NULL, 0);
    CHECK(fd == PATHRS_PROC_DEFAULT_ROOTFD || fd >= 0, "NULL, 0: %d", fd);
    if (fd >= 0)
        close(fd);
    EXPECT_ERR(pathrs_procfs_open(NULL, 8), EFAULT, "NULL, 8");

    how.flags = PATHRS_PROCFS_NEW_UNMASKED;
    fd = ok_fd(pathrs_procfs_open(&how, sizeof(how)), "unmasked");
    if (fd >= 0) {
        struct statfs sfs;
        struct stat st;
        CHECK(fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC && fstat(fd, &st) == 0 && st.st_ino == 1,
              "unmasked root is no procfs root");
        CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "no O_CLOEXEC");
        int f = ok_fd(pathrs_proc_openat(fd, PATHRS_PROC_ROOT, "sys/kernel/ostype", O_RDONLY), "openat(unmasked)");
        if (f >= 0)
            close(f);
        char buf[32] = { 0 }, pid[32];
        int n = pathrs_proc_readlinkat(fd, PATHRS_PROC_ROOT, "self", buf, sizeof(buf));
        snprintf(pid, sizeof(pid), "%d", getpid());
        CHECK(n == (int)strlen(pid) && !strcmp(buf, pid), "readlinkat(unmasked, self) = %d", n);
        CHECK(fcntl(fd, F_GETFD) >= 0, "the caller's fd was closed");
        close(fd);
    }
    /* Extensible struct: a short struct is zero-filled... */
    uint64_t unmasked = PATHRS_PROCFS_NEW_UNMASKED;
    fd = ok_fd(pathrs_procfs_open((const pathrs_procfs_open_how *)&unmasked, 4), "short struct");
    CHECK(fd >= 0, "a 4-byte struct with NEW_UNMASKED gave %d", fd);
    if (fd >= 0)
        close(fd);
    /* ... a longer one may carry only zeros past the known fields. */
    uint64_t big[3] = { 0, 0, 0 };
    fd = pathrs_procfs_open((const pathrs_procfs_open_how *)big, sizeof(big));
    CHECK(fd == PATHRS_PROC_DEFAULT_ROOTFD || fd >= 0, "zero trailing bytes: %d", fd);
    if (fd >= 0)
        close(fd);
    big[2] = 1ull << 40;
    EXPECT_ERR(pathrs_procfs_open((const pathrs_procfs_open_how *)big, sizeof(big)), E2BIG, "non-zero trailing");
    EXPECT_ERR(pathrs_procfs_open(&how, SIZE_MAX), E2BIG, "size SIZE_MAX");
    how.flags = 2;
    EXPECT_ERR(pathrs_procfs_open(&how, sizeof(how)), EINVAL, "unknown flag");
    how.flags = SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK;
    fd = pathrs_procfs_open(&how, sizeof(how));
    CHECK(fd == SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST || fd >= 0, "NO_HOST_FALLBACK: %d", fd);
    CHECK(!IS_PATHRS_ERR(SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST) &&
              SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST != PATHRS_PROC_DEFAULT_ROOTFD,
          "SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST collides");
    int f2 = ok_fd(pathrs_proc_openat(fd, PATHRS_PROC_SELF, "status", O_RDONLY), "openat(NO_HOST_FALLBACK root)");
    if (f2 >= 0)
        close(f2);
    if (fd >= 0)
        close(fd);
    how.flags = SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK | PATHRS_PROCFS_NEW_UNMASKED;
    fd = ok_fd(pathrs_procfs_open(&how, sizeof(how)), "NO_HOST_FALLBACK|UNMASKED");
    if (fd >= 0)
        close(fd);
    CHECK(safe_procfs_set_default_no_host_fallback(1) == 0, "default no_host was on");
    fd = ok_fd(pathrs_proc_open(PATHRS_PROC_SELF, "status", O_RDONLY), "open with default no_host");
    if (fd >= 0)
        close(fd);
    CHECK(safe_procfs_set_default_no_host_fallback(0) == 1, "default no_host was off");
}

static void test_openat(void)
{
    int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    CHECK(proc >= 0, "open /proc");
    int fd = ok_fd(pathrs_proc_openat(proc, PATHRS_PROC_SELF, "status", O_RDONLY), "openat(/proc fd)");
    if (fd >= 0)
        close(fd);
    fd = ok_fd(pathrs_proc_openat(PATHRS_PROC_DEFAULT_ROOTFD, PATHRS_PROC_SELF, "stat", O_RDONLY),
               "openat(DEFAULT_ROOTFD)");
    if (fd >= 0)
        close(fd);
    char buf[64];
    int n = pathrs_proc_readlinkat(proc, PATHRS_PROC_SELF, "cwd", buf, sizeof(buf));
    CHECK(n > 0, "readlinkat(/proc fd, cwd) = %d", n);
    if (IS_PATHRS_ERR(n))
        pathrs_errorinfo_free(pathrs_errorinfo(n));
    EXPECT_ERR(pathrs_proc_openat(proc, PATHRS_PROC_SELF, "root/etc", O_RDONLY), ELOOP, "openat magic inside");
    CHECK(fcntl(proc, F_GETFD) == FD_CLOEXEC, "the caller's /proc fd was closed or changed");
    /* Not a procfs root: refused. */
    int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int r = pathrs_proc_openat(dir, PATHRS_PROC_SELF, "status", O_RDONLY);
    CHECK(IS_PATHRS_ERR(r), "openat(/ fd) returned %d", r);
    if (IS_PATHRS_ERR(r))
        pathrs_errorinfo_free(pathrs_errorinfo(r));
    else if (r >= 0)
        close(r);
    r = pathrs_proc_readlinkat(dir, PATHRS_PROC_ROOT, "self", buf, sizeof(buf));
    CHECK(IS_PATHRS_ERR(r), "readlinkat(/ fd) returned %d", r);
    if (IS_PATHRS_ERR(r))
        pathrs_errorinfo_free(pathrs_errorinfo(r));
    close(dir);
    int sub = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
    r = pathrs_proc_openat(sub, PATHRS_PROC_ROOT, "status", O_RDONLY);
    CHECK(IS_PATHRS_ERR(r), "openat(/proc/self fd) returned %d", r);
    if (IS_PATHRS_ERR(r))
        pathrs_errorinfo_free(pathrs_errorinfo(r));
    else if (r >= 0)
        close(r);
    close(sub);
    int dead = dup(proc);
    close(dead);
    EXPECT_ERR(pathrs_proc_openat(dead, PATHRS_PROC_SELF, "status", O_RDONLY), EBADF, "closed fd");
    EXPECT_ERR(pathrs_proc_openat(-1, PATHRS_PROC_SELF, "status", O_RDONLY), EINVAL, "fd -1 (as libpathrs)");
    close(proc);
}

static void test_error_table(void)
{
    int slots = safe_procfs_error_slots();
    CHECK(slots > 0 && slots <= 4096, "slots = %d", slots);
    int ids[4200];
    int total = slots + 20;
    for (int i = 0; i < total; i++)
        ids[i] = pathrs_proc_open(PATHRS_PROC_SELF, i % 2 ? "nope" : "", O_RDONLY);
    int distinct = 1, all_err = 1;
    for (int i = 0; i < total; i++) {
        all_err &= IS_PATHRS_ERR(ids[i]);
        for (int j = 0; j < i && j < slots; j++)
            if (ids[j] == ids[i] && i < slots)
                distinct = 0;
    }
    CHECK(all_err, "not all error ids");
    CHECK(distinct, "slot ids not distinct");
    /* Beyond the table: overflow records, readable, carrying the errno. */
    for (int i = slots; i < total; i++) {
        pathrs_error_t *e = pathrs_errorinfo(ids[i]);
        int want = i % 2 ? ENOENT : EINVAL;
        CHECK(e && (int)e->saved_errno == want && strstr(e->description, "table full"), "overflow record %d", i);
        pathrs_errorinfo_free(e);
        e = pathrs_errorinfo(ids[i]);
        CHECK(e && (int)e->saved_errno == want, "overflow record %d read twice", i);
    }
    /* Every id handed out while the table had room has its own record. */
    for (int i = 0; i < slots; i++) {
        pathrs_error_t *e = pathrs_errorinfo(ids[i]);
        int want = i % 2 ? ENOENT : EINVAL;
        CHECK(e && (int)e->saved_errno == want && !strstr(e->description, "table full"), "slot record %d", i);
        if (i % 3 == 0)
            pathrs_errorinfo_free(e);
        else if (e)
            pathrs_errorinfo_free(e);
    }
    /* The table is usable again. */
    int id = pathrs_proc_open(PATHRS_PROC_SELF, "nope", O_RDONLY);
    pathrs_error_t *e = pathrs_errorinfo(id);
    CHECK(e && e->saved_errno == ENOENT && !strstr(e->description, "table full"), "after draining");
    pathrs_errorinfo_free(e);
    /* Stale ids never see a newer record. */
    for (int i = 0; i < slots; i++)
        CHECK(pathrs_errorinfo(ids[i]) == NULL, "stale id %d has a record", i);
}

static void *thread_errors(void *arg)
{
    long bad = 0, seed = (long)arg;
    for (int i = 0; i < 300; i++) {
        int enoent = (i + seed) % 2;
        int id = pathrs_proc_open(PATHRS_PROC_THREAD_SELF, enoent ? "nope" : "", O_RDONLY);
        pathrs_error_t *e = pathrs_errorinfo(id);
        if (!e || (int)e->saved_errno != (enoent ? ENOENT : EINVAL))
            bad++;
        pathrs_errorinfo_free(e);
        int fd = pathrs_proc_open(PATHRS_PROC_THREAD_SELF, "stat", O_RDONLY);
        if (fd < 0)
            bad++;
        else
            close(fd);
    }
    return (void *)bad;
}

static void test_threads(void)
{
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, thread_errors, (void *)i);
    long bad = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    CHECK(bad == 0, "%ld wrong results from 4 threads", bad);
}

/* The attack: in a private mount namespace, a tmpfs over our own
 * /proc/<pid>/attr with a file exec in it. pathrs_proc_open must write the
 * real attr/exec or fail with EXDEV; the tmpfs file stays untouched.
 * Exit code of the child: 0 ok, 2 set-up impossible, 10+ failure. */
static int attack_child(int use_host_fd)
{
    char dir[64], file[80];
    if (unshare(CLONE_NEWNS))
        return 2;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
        return 2;
    snprintf(dir, sizeof(dir), "/proc/%d/attr", getpid());
    snprintf(file, sizeof(file), "%s/exec", dir);
    if (mount("tmpfs", dir, "tmpfs", 0, NULL))
        return 2;
    int f = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (f < 0 || write(f, "decoy", 5) != 5)
        return 2;
    close(f);
    int rootfd = PATHRS_PROC_DEFAULT_ROOTFD;
    if (use_host_fd)
        rootfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int fd = pathrs_proc_openat(rootfd, PATHRS_PROC_SELF, "attr/exec", O_WRONLY | O_NOFOLLOW);
    int code = 0;
    if (IS_PATHRS_ERR(fd)) {
        pathrs_error_t *e = pathrs_errorinfo(fd);
        if (!e || e->saved_errno != EXDEV)
            code = 10;
        pathrs_errorinfo_free(e);
    } else if (fd < 0) {
        code = 11;
    } else {
        struct statfs sfs;
        if (fstatfs(fd, &sfs) || sfs.f_type != PROC_SUPER_MAGIC)
            code = 12;
        (void)!write(fd, "exec unconfined", 15); /* the kernel may refuse it: no LSM */
        close(fd);
    }
    char buf[16] = { 0 };
    f = open(file, O_RDONLY);
    if (f < 0 || read(f, buf, sizeof(buf)) != 5 || memcmp(buf, "decoy", 5))
        code = code ? code : 13;
    return code;
}

static void test_attack(int use_host_fd)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(attack_child(use_host_fd));
    int status = 0;
    waitpid(pid, &status, 0);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
    CHECK(code == 0, "overmount attack (%s): child exit %d", use_host_fd ? "host /proc fd" : "default handle",
          code);
}

/* The rest of libpathrs's API: stubs that fail with ENOSYS; the version. */
static void test_compat(void)
{
    char buf[16];
    EXPECT_ERR(pathrs_open_root("/"), ENOSYS, "pathrs_open_root");
    EXPECT_ERR(pathrs_reopen(0, O_RDONLY), ENOSYS, "pathrs_reopen");
    EXPECT_ERR(pathrs_inroot_resolve(3, "a"), ENOSYS, "pathrs_inroot_resolve");
    EXPECT_ERR(pathrs_inroot_resolve_nofollow(3, "a"), ENOSYS, "pathrs_inroot_resolve_nofollow");
    EXPECT_ERR(pathrs_inroot_open(3, "a", O_RDONLY), ENOSYS, "pathrs_inroot_open");
    EXPECT_ERR(pathrs_inroot_readlink(3, "a", buf, sizeof(buf)), ENOSYS, "pathrs_inroot_readlink");
    EXPECT_ERR(pathrs_inroot_rename(3, "a", 3, "b", 0), ENOSYS, "pathrs_inroot_rename");
    EXPECT_ERR(pathrs_inroot_rmdir(3, "a"), ENOSYS, "pathrs_inroot_rmdir");
    EXPECT_ERR(pathrs_inroot_unlink(3, "a"), ENOSYS, "pathrs_inroot_unlink");
    EXPECT_ERR(pathrs_inroot_remove_all(3, "a"), ENOSYS, "pathrs_inroot_remove_all");
    EXPECT_ERR(pathrs_inroot_creat(3, "a", O_RDWR, 0644), ENOSYS, "pathrs_inroot_creat");
    EXPECT_ERR(pathrs_inroot_mkdir(3, "a", 0755), ENOSYS, "pathrs_inroot_mkdir");
    EXPECT_ERR(pathrs_inroot_mkdir_all(3, "a/b", 0755), ENOSYS, "pathrs_inroot_mkdir_all");
    EXPECT_ERR(pathrs_inroot_mknod(3, "a", S_IFIFO | 0644, 0), ENOSYS, "pathrs_inroot_mknod");
    EXPECT_ERR(pathrs_inroot_symlink("t", 3, "a"), ENOSYS, "pathrs_inroot_symlink");
    EXPECT_ERR(pathrs_inroot_hardlink(3, "a", 3, "b", 0), ENOSYS, "pathrs_inroot_hardlink");
    pathrs_version_info_t v;
    memset(&v, 0xff, sizeof(v));
    CHECK(pathrs_version(&v, sizeof(v)) == 0 && v.version_string &&
              !strncmp(v.version_string, "0.2.6+safe-procfs.", 18),
          "pathrs_version");
    struct { pathrs_version_info_t v; uint64_t more; } big;
    memset(&big, 0xff, sizeof(big));
    CHECK(pathrs_version((pathrs_version_info_t *)&big, sizeof(big)) == 0 && big.more == 0 &&
              big.v.version_string == v.version_string,
          "pathrs_version: longer struct not zero-filled");
    CHECK(pathrs_version(NULL, 0) == (int)sizeof(v), "pathrs_version(NULL, 0)");
    CHECK(pathrs_version(&v, 4) == (int)sizeof(v), "pathrs_version: short struct");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_constants();
    test_open();
    test_readlink();
    test_errno_contract();
    test_procfs_open();
    test_openat();
    test_error_table();
    test_threads();
    test_attack(0);
    test_attack(1);
    test_compat();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
