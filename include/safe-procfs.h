/* safe-procfs: the procfs part of libpathrs's C API, on a no_std,
 * allocation-free, libc-free library (libsafe_procfs.a / .so).
 *
 * Symbol names, signatures, constants and semantics are those of
 * libpathrs's procfs functions, so a caller of those can relink against
 * this library unchanged. Extras of our own are named safe_procfs_* /
 * SAFE_PROCFS_*. SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SAFE_PROCFS_H
#define SAFE_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- error ids ----------------------------------------------------------
 * A failing call returns an error id: a negative number below -4096.
 * Some calls return other negative numbers on success
 * (PATHRS_PROC_DEFAULT_ROOTFD), so test with IS_PATHRS_ERR. */
#define __PATHRS_MAX_ERR_VALUE (-4096)
#define IS_PATHRS_ERR(ret) ((ret) < __PATHRS_MAX_ERR_VALUE)

/* ---- bases: where a path is looked up ----------------------------------- */
/* In C, enumerators above INT_MAX, as libpathrs has them (a GNU C
 * extension before C23); in C++, where an enum and a typedef cannot share
 * the name, macros. Base arguments are the 64-bit pathrs_proc_base_t. */
#ifndef __cplusplus
enum pathrs_proc_base_t {
    PATHRS_PROC_ROOT = 0xFFFFFFFE70726F63ull,        /* /proc (global files; costlier) */
    PATHRS_PROC_SELF = 0xFFFFFFFE091D5E1Full,        /* /proc/self */
    PATHRS_PROC_THREAD_SELF = 0xFFFFFFFE3EAD5E1Full, /* /proc/thread-self */
};
#else
#define PATHRS_PROC_ROOT 0xFFFFFFFE70726F63ull
#define PATHRS_PROC_SELF 0xFFFFFFFE091D5E1Full
#define PATHRS_PROC_THREAD_SELF 0xFFFFFFFE3EAD5E1Full
#endif
typedef uint64_t pathrs_proc_base_t;

#define __PATHRS_PROC_TYPE_MASK 0xFFFFFFFF00000000ull
#define __PATHRS_PROC_TYPE_PID  0x8000000000000000ull
/* /proc/<n>; n must be > 0 (pid 0: EINVAL). Beware pid recycling. */
#define PATHRS_PROC_PID(n) (__PATHRS_PROC_TYPE_PID | (uint64_t)(uint32_t)(n))

/* Ours: /proc/<pid of the pidfd fd>, race-free against pid reuse: the file
 * is handed out only if the pidfd's process still exists after the open
 * (else ESRCH). The pidfd is borrowed. Not a pidfd: EBADF or EINVAL. */
#define __SAFE_PROCFS_PROC_TYPE_PIDFD 0x5350464400000000ull
#define SAFE_PROCFS_PROC_PIDFD(fd) (__SAFE_PROCFS_PROC_TYPE_PIDFD | (uint64_t)(uint32_t)(fd))

/* proc_rootfd value for "the default (process-wide cached) handle". */
#define PATHRS_PROC_DEFAULT_ROOTFD (-9) /* -EBADF */

/* ---- pathrs_procfs_open ------------------------------------------------- */
/* Extensible: pass sizeof(struct); a shorter struct is zero-filled, a longer
 * one may only have zero bytes past the fields known here (else E2BIG).
 * Zero-initialise it: struct pathrs_procfs_open_how how = { .flags = ... }; */
typedef struct pathrs_procfs_open_how {
    uint64_t flags;
} pathrs_procfs_open_how;

/* A new unmasked procfs (all of /proc visible): close it soon. */
#define PATHRS_PROCFS_NEW_UNMASKED 1ull
/* Ours: never use the host /proc; fail with EOPNOTSUPP where neither a
 * private procfs instance nor a detached clone can be had. (libpathrs
 * refuses this bit with EINVAL.) */
#define SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK (1ull << 63)

/* Returns PATHRS_PROC_DEFAULT_ROOTFD if the result is the cached default
 * handle, else a new O_PATH|O_CLOEXEC fd of the procfs root, or an error. */
int pathrs_procfs_open(const pathrs_procfs_open_how *args, size_t size);

/* ---- opening and reading links ------------------------------------------ */
/* Opens path (relative, no "..") beneath base without crossing any mount.
 * A trailing magic-link (exe, fd/N, ...) is followed only without
 * O_NOFOLLOW; one in the middle of the path fails with ELOOP. O_CREAT,
 * O_EXCL, O_TMPFILE: EINVAL. The fd has O_CLOEXEC. proc_rootfd is
 * PATHRS_PROC_DEFAULT_ROOTFD or a procfs root fd (verified on every call:
 * procfs, root inode, our pid namespace; anything else fails). */
int pathrs_proc_openat(int proc_rootfd, pathrs_proc_base_t base,
                       const char *path, uint64_t flags);
int pathrs_proc_open(pathrs_proc_base_t base, const char *path, uint64_t flags);

/* Copies up to linkbuf_size bytes of the link target (no NUL) and returns
 * the target's full length (more than linkbuf_size: truncated). NULL
 * linkbuf = size 0. Not a symlink: EINVAL. Target over 4096 bytes: ERANGE. */
int pathrs_proc_readlinkat(int proc_rootfd, pathrs_proc_base_t base,
                           const char *path, char *linkbuf, size_t linkbuf_size);
int pathrs_proc_readlink(pathrs_proc_base_t base, const char *path,
                         char *linkbuf, size_t linkbuf_size);

/* ---- errors ------------------------------------------------------------- */
typedef struct __attribute__((aligned(8))) pathrs_error_t {
    uint64_t saved_errno;    /* errno of the failure (0 if none) */
    const char *description; /* NUL-terminated */
} pathrs_error_t;

/* The record of an error id, or NULL if the id names none. A record is
 * handed out once per id; give it back with pathrs_errorinfo_free. Records
 * live in a fixed table (safe_procfs_error_slots() slots): when every slot
 * holds an unread or unfreed record, calls return "overflow" ids whose
 * records always exist, carry the errno and say "error table full". */
pathrs_error_t *pathrs_errorinfo(int err_id);
void pathrs_errorinfo_free(pathrs_error_t *ptr);

/* ---- ours --------------------------------------------------------------- */
/* enable != 0: the default handle (PATHRS_PROC_DEFAULT_ROOTFD, so also
 * pathrs_proc_open/readlink) never uses the host /proc (EOPNOTSUPP instead).
 * Returns the previous setting (0 or 1). */
int safe_procfs_set_default_no_host_fallback(int enable);
/* The number of slots in the error table. */
int safe_procfs_error_slots(void);

#ifdef __cplusplus
}
#endif

#endif /* SAFE_PROCFS_H */
