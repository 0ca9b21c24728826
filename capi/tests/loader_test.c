/* Built against the REAL libpathrs 0.2.6 (its pathrs.h, linked to its
 * libpathrs.so.0), then run twice by scripts/capi.sh without relinking:
 * with LD_LIBRARY_PATH naming the real library, then naming ours. Prints
 * one line per question, with only what both libraries must agree on
 * (errnos, link targets, file contents that name the process), so the two
 * outputs must be identical. The old entry points (pathrs_proc_openat and
 * pathrs_proc_open with int flags, version LIBPATHRS_0.2) are called
 * through .symver references, as a program linked against libpathrs
 * 0.2.0-0.2.4 calls them. Exit code 0 if it ran to the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <pathrs.h>

/* The pre-0.2.5 entry points: int flags, bound to version LIBPATHRS_0.2. */
int old_proc_openat(int proc_rootfd, pathrs_proc_base_t base, const char *path, int flags);
int old_proc_open(pathrs_proc_base_t base, const char *path, int flags);
__asm__(".symver old_proc_openat, pathrs_proc_openat@LIBPATHRS_0.2");
__asm__(".symver old_proc_open, pathrs_proc_open@LIBPATHRS_0.2");

/* What an fd is, in terms both libraries must agree on: the error's
 * errno, or the file's type, filesystem and the first line of its
 * contents (for a readable regular file). */
static void show(const char *what, int fd)
{
    if (IS_PATHRS_ERR(fd)) {
        pathrs_error_t *e = pathrs_errorinfo(fd);
        printf("%s: error errno=%d\n", what, e ? (int)e->saved_errno : -1);
        pathrs_errorinfo_free(e);
        return;
    }
    if (fd < 0) {
        printf("%s: returned %d\n", what, fd);
        return;
    }
    struct stat st;
    struct statfs sfs;
    char line[128] = "";
    fstat(fd, &st);
    fstatfs(fd, &sfs);
    int fl = fcntl(fd, F_GETFL), cloexec = fcntl(fd, F_GETFD) & FD_CLOEXEC;
    if (S_ISREG(st.st_mode) && !(fl & O_PATH) && (fl & O_ACCMODE) != O_WRONLY) {
        ssize_t n = pread(fd, line, sizeof(line) - 1, 0);
        line[n > 0 ? n : 0] = 0;
        line[strcspn(line, "\n")] = 0;
    }
    printf("%s: fd type=%o fs=%#lx path=%s cloexec=%d first-line=\"%s\"\n", what, st.st_mode & S_IFMT,
           (unsigned long)sfs.f_type, (fl & O_PATH) ? "O_PATH" : "open", cloexec, line);
    close(fd);
}

static void show_link(const char *what, int n, const char *buf)
{
    if (IS_PATHRS_ERR(n)) {
        show(what, n);
        return;
    }
    printf("%s: %d \"%.*s\"\n", what, n, n, buf);
}

int main(void)
{
    char buf[256], want[256];
    pid_t me = getpid();
    setvbuf(stdout, NULL, _IOLBF, 0);

    show("open self/status", pathrs_proc_open(PATHRS_PROC_SELF, "status", O_RDONLY));
    show("open self/comm", pathrs_proc_open(PATHRS_PROC_SELF, "comm", O_RDONLY));
    show("open thread-self/comm", pathrs_proc_open(PATHRS_PROC_THREAD_SELF, "comm", O_RDONLY));
    show("open pid/comm", pathrs_proc_open(PATHRS_PROC_PID(me), "comm", O_RDONLY));
    show("open root/sys/kernel/ostype", pathrs_proc_open(PATHRS_PROC_ROOT, "sys/kernel/ostype", O_RDONLY));
    show("open root/self/comm", pathrs_proc_open(PATHRS_PROC_ROOT, "self/comm", O_RDONLY));
    show("open root/net O_DIRECTORY", pathrs_proc_open(PATHRS_PROC_ROOT, "net", O_DIRECTORY | O_RDONLY));
    show("open root/mounts O_DIRECTORY", pathrs_proc_open(PATHRS_PROC_ROOT, "mounts", O_DIRECTORY | O_RDONLY));
    show("open self/fd O_DIRECTORY", pathrs_proc_open(PATHRS_PROC_SELF, "fd", O_DIRECTORY | O_RDONLY));
    show("open self/exe O_PATH|O_NOFOLLOW", pathrs_proc_open(PATHRS_PROC_SELF, "exe", O_PATH | O_NOFOLLOW));
    show("open self/exe O_NOFOLLOW", pathrs_proc_open(PATHRS_PROC_SELF, "exe", O_RDONLY | O_NOFOLLOW));
    show("open self/root/etc (magic-link inside)", pathrs_proc_open(PATHRS_PROC_SELF, "root/etc", O_RDONLY));
    show("open self/no-such", pathrs_proc_open(PATHRS_PROC_SELF, "no-such", O_RDONLY));
    show("open self/status/ (trailing slash)", pathrs_proc_open(PATHRS_PROC_SELF, "status/", O_RDONLY));
    show("open self/../1/status", pathrs_proc_open(PATHRS_PROC_SELF, "../1/status", O_RDONLY));
    show("open root//etc/passwd", pathrs_proc_open(PATHRS_PROC_ROOT, "/etc/passwd", O_RDONLY));
    show("open self/status O_CREAT", pathrs_proc_open(PATHRS_PROC_SELF, "status", O_CREAT | O_RDONLY));
    show("open pid 0", pathrs_proc_open(PATHRS_PROC_PID(0), "status", O_RDONLY));
    show("openat DEFAULT self/cmdline",
         pathrs_proc_openat(PATHRS_PROC_DEFAULT_ROOTFD, PATHRS_PROC_SELF, "cmdline", O_RDONLY));
    show("openat -1", pathrs_proc_openat(-1, PATHRS_PROC_SELF, "stat", O_RDONLY));

    /* The old int-flags entry points. */
    show("old openat DEFAULT self/comm", old_proc_openat(PATHRS_PROC_DEFAULT_ROOTFD, PATHRS_PROC_SELF, "comm", O_RDONLY));
    show("old openat self/exe O_NOFOLLOW", old_proc_openat(PATHRS_PROC_DEFAULT_ROOTFD, PATHRS_PROC_SELF, "exe",
                                                           O_RDONLY | O_NOFOLLOW));
    show("old open self/comm", old_proc_open(PATHRS_PROC_SELF, "comm", O_RDONLY));
    show("old open self/no-such", old_proc_open(PATHRS_PROC_SELF, "no-such", O_RDONLY));

    /* procfs_open, and lookups on its fd. */
    pathrs_procfs_open_how how;
    memset(&how, 0, sizeof(how));
    how.flags = PATHRS_PROCFS_NEW_UNMASKED;
    int root = pathrs_procfs_open(&how, sizeof(how));
    printf("procfs_open unmasked: %s\n", root >= 0 ? "an fd" : IS_PATHRS_ERR(root) ? "error" : "other");
    if (root >= 0) {
        show("openat unmasked root/uptime", pathrs_proc_openat(root, PATHRS_PROC_ROOT, "sys/kernel/ostype", O_RDONLY));
        int n = pathrs_proc_readlinkat(root, PATHRS_PROC_ROOT, "self", buf, sizeof(buf));
        snprintf(want, sizeof(want), "%d", me);
        printf("readlinkat unmasked self is getpid: %d\n", n == (int)strlen(want) && !memcmp(buf, want, n));
        show("root fd itself", root);
    } else if (IS_PATHRS_ERR(root)) {
        show("procfs_open unmasked", root);
    }
    how.flags = 2;
    show("procfs_open unknown flag", pathrs_procfs_open(&how, sizeof(how)));
    /* (Not asked: pathrs_procfs_open(NULL, 8), where libpathrs 0.2.6
     * crashes with SIGSEGV and ours returns EFAULT.) */

    /* readlink. */
    int n = pathrs_proc_readlink(PATHRS_PROC_ROOT, "net", buf, sizeof(buf));
    show_link("readlink root/net", n, buf);
    n = pathrs_proc_readlink(PATHRS_PROC_ROOT, "mounts", buf, sizeof(buf));
    show_link("readlink root/mounts", n, buf);
    n = pathrs_proc_readlink(PATHRS_PROC_ROOT, "self", buf, sizeof(buf));
    snprintf(want, sizeof(want), "%d", me);
    printf("readlink root/self is getpid: %d\n", n == (int)strlen(want) && !memcmp(buf, want, n));
    n = pathrs_proc_readlink(PATHRS_PROC_SELF, "cwd", buf, sizeof(buf));
    show_link("readlink self/cwd", n, buf);
    n = pathrs_proc_readlink(PATHRS_PROC_SELF, "cwd", buf, 2);
    printf("readlink self/cwd into 2 bytes: %d \"%.2s\"\n", n, buf);
    n = pathrs_proc_readlink(PATHRS_PROC_SELF, "cwd", NULL, 0);
    printf("readlink self/cwd into NULL: %d\n", n);
    show_link("readlink self/status", pathrs_proc_readlink(PATHRS_PROC_SELF, "status", buf, sizeof(buf)), buf);
    show_link("readlink root/tty", pathrs_proc_readlink(PATHRS_PROC_ROOT, "tty", buf, sizeof(buf)), buf);
    show_link("readlink self/no-such", pathrs_proc_readlink(PATHRS_PROC_SELF, "no-such", buf, sizeof(buf)), buf);
    show_link("readlinkat DEFAULT thread-self/task",
              pathrs_proc_readlinkat(PATHRS_PROC_DEFAULT_ROOTFD, PATHRS_PROC_THREAD_SELF, "task", buf, sizeof(buf)),
              buf);

    /* Errors: an id is read once; a bogus id has no record. */
    int e = pathrs_proc_open(PATHRS_PROC_SELF, "no-such", O_RDONLY);
    pathrs_error_t *rec = pathrs_errorinfo(e);
    printf("error record: %s, errno %d, second read %s\n", rec && rec->description && *rec->description ? "text" : "none",
           rec ? (int)rec->saved_errno : -1, pathrs_errorinfo(e) ? "a record" : "NULL");
    pathrs_errorinfo_free(rec);
    printf("errorinfo(-1): %s\n", pathrs_errorinfo(-1) ? "a record" : "NULL");

    pathrs_version_info_t v;
    memset(&v, 0, sizeof(v));
    int r = pathrs_version(&v, sizeof(v));
    printf("pathrs_version: %d, starts with 0.2.6: %d\n", r, v.version_string && !strncmp(v.version_string, "0.2.6", 5));
    fprintf(stderr, "(version string: %s)\n", v.version_string ? v.version_string : "(null)");
    printf("end\n");
    return 0;
}
