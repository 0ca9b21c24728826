/* safe-procfs: the procfs part of libpathrs's C API, on a no_std,
 * allocation-free, libc-free library (libsafe_procfs.a / .so, installed
 * also as libpathrs.so.0 with libpathrs's symbol versions).
 *
 * Symbol names, signatures, constants and semantics are those of
 * libpathrs's procfs functions, so a caller of those can relink against
 * this library unchanged (or, with the shared library, just load it).
 * The rest of libpathrs's API is declared too, as stubs that fail with
 * ENOSYS. Extras of our own are named safe_procfs_* / SAFE_PROCFS_*.
 *
 * This one file is read by C compilers, by C++ compilers (through
 * safe-procfs-cxx.h, which includes it again inside extern "C"), and by
 * cffi's cdef() after every preprocessor line but object-like #defines
 * is dropped (how the Python binding `pathrs` builds): so the text that
 * stays must be plain C declarations, and every #define that stays a
 * plain integer literal. scripts/capi.sh checks all three readers.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#if defined(__cplusplus) && !defined(SAFE_PROCFS_CXX_INNER)
#include "safe-procfs-cxx.h"
#elif !defined(SAFE_PROCFS_PATHRS_H)
#define SAFE_PROCFS_PATHRS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h> /* as libpathrs's header: cgo callers use C.free */
#include <sys/types.h>

/* ---- error ids ----------------------------------------------------------
 * A failing call returns an error id: a negative number below -4096.
 * Some calls return other negative numbers on success
 * (PATHRS_PROC_DEFAULT_ROOTFD), so test with IS_PATHRS_ERR. */
#define __PATHRS_MAX_ERR_VALUE -4096
#define IS_PATHRS_ERR(ret) ((ret) < __PATHRS_MAX_ERR_VALUE)

/* ---- bases: where a path is looked up ----------------------------------- */
/* C: enumerators above INT_MAX, as libpathrs has them (a GNU C extension
 * before C23). C++ gets them as macros from safe-procfs-cxx.h (an enum and
 * a typedef cannot share a name there). Base arguments are the 64-bit
 * pathrs_proc_base_t. */
#ifndef __cplusplus
enum pathrs_proc_base_t {
    PATHRS_PROC_ROOT = 0xFFFFFFFE70726F63ull,        /* /proc (global files; costlier) */
    PATHRS_PROC_SELF = 0xFFFFFFFE091D5E1Full,        /* /proc/self */
    PATHRS_PROC_THREAD_SELF = 0xFFFFFFFE3EAD5E1Full, /* /proc/thread-self */
};
#endif
typedef uint64_t pathrs_proc_base_t;

#define __PATHRS_PROC_TYPE_MASK 0xFFFFFFFF00000000ull
#define __PATHRS_PROC_TYPE_PID 0x8000000000000000ull
/* /proc/<n>; n must be > 0 (pid 0: EINVAL). Beware pid recycling. */
#define PATHRS_PROC_PID(n) (__PATHRS_PROC_TYPE_PID | (uint64_t)(uint32_t)(n))

/* Ours: /proc/<pid of the pidfd fd>, race-free against pid reuse: the file
 * is handed out only if the pidfd's process still exists after the open
 * (else ESRCH). The pidfd is borrowed. Not a pidfd: EBADF or EINVAL. */
#define __SAFE_PROCFS_PROC_TYPE_PIDFD 0x5350464400000000ull
#define SAFE_PROCFS_PROC_PIDFD(fd) (__SAFE_PROCFS_PROC_TYPE_PIDFD | (uint64_t)(uint32_t)(fd))

/* proc_rootfd value for "the default (process-wide cached) handle". */
#define PATHRS_PROC_DEFAULT_ROOTFD -9 /* -EBADF */
/* Ours: the same handle, but re-acquired (after its fd was closed or
 * replaced) without ever using the host /proc. pathrs_procfs_open returns
 * it for SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK. Not an error id. */
#define SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST -4095

/* ---- pathrs_procfs_open ------------------------------------------------- */
/* Extensible: pass sizeof(struct); a shorter struct is zero-filled, a longer
 * one may only have zero bytes past the fields known here (else E2BIG).
 * Zero-initialise it: struct pathrs_procfs_open_how how = { .flags = ... }; */
typedef struct pathrs_procfs_open_how {
    uint64_t flags;
} pathrs_procfs_open_how;

/* A new unmasked procfs (all of /proc visible): close it soon. */
#define PATHRS_PROCFS_NEW_UNMASKED 1
/* Ours (bit 63): never use the host /proc; fail with EOPNOTSUPP where
 * neither a private procfs instance nor a detached clone can be had.
 * (libpathrs refuses this bit with EINVAL.) */
#define SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK 0x8000000000000000ull

/* Returns PATHRS_PROC_DEFAULT_ROOTFD if the result is the cached default
 * handle (SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST with
 * SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK), else a new O_PATH|O_CLOEXEC fd of
 * the procfs root, or an error id. */
int pathrs_procfs_open(const pathrs_procfs_open_how *args, size_t size);

/* ---- opening and reading links ------------------------------------------ */
/* Opens path (relative, no "..") beneath base without crossing any mount.
 * A trailing magic-link (exe, fd/N, ...) is followed only without
 * O_NOFOLLOW; one in the middle of the path fails with ELOOP. O_CREAT,
 * O_EXCL, O_TMPFILE: EINVAL. The fd has O_CLOEXEC. proc_rootfd is
 * PATHRS_PROC_DEFAULT_ROOTFD or a procfs root fd (verified on every call:
 * procfs, root inode, our pid namespace; anything else fails). */
int pathrs_proc_openat(int proc_rootfd, pathrs_proc_base_t base, const char *path, uint64_t flags);
int pathrs_proc_open(pathrs_proc_base_t base, const char *path, uint64_t flags);

/* Copies up to linkbuf_size bytes of the link target (no NUL) and returns
 * the target's full length (more than linkbuf_size: truncated). NULL
 * linkbuf = size 0. Not a symlink: EINVAL. Target over 4096 bytes: ERANGE. */
int pathrs_proc_readlinkat(int proc_rootfd, pathrs_proc_base_t base, const char *path, char *linkbuf,
                           size_t linkbuf_size);
int pathrs_proc_readlink(pathrs_proc_base_t base, const char *path, char *linkbuf, size_t linkbuf_size);

/* ---- errors ------------------------------------------------------------- */
/* 16 bytes, 8-byte aligned on every 64-bit target (checked by the C test). */
typedef struct pathrs_error_t {
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

/* ---- the rest of libpathrs's API ---------------------------------------- */
/* For programs written against all of it (go-pathrs's cgo package
 * internal/libpathrs, the Python binding): stubs, each returns an error
 * id whose record has saved_errno ENOSYS. */
int pathrs_open_root(const char *path);
int pathrs_reopen(int fd, uint64_t flags);
int pathrs_inroot_resolve(int root_fd, const char *path);
int pathrs_inroot_resolve_nofollow(int root_fd, const char *path);
int pathrs_inroot_open(int root_fd, const char *path, uint64_t flags);
int pathrs_inroot_readlink(int root_fd, const char *path, char *linkbuf, size_t linkbuf_size);
int pathrs_inroot_rename(int old_root_fd, const char *old_path, int new_root_fd, const char *new_path,
                         uint64_t flags);
int pathrs_inroot_rmdir(int root_fd, const char *path);
int pathrs_inroot_unlink(int root_fd, const char *path);
int pathrs_inroot_remove_all(int root_fd, const char *path);
int pathrs_inroot_creat(int root_fd, const char *path, uint64_t flags, unsigned int mode);
int pathrs_inroot_mkdir(int root_fd, const char *path, unsigned int mode);
int pathrs_inroot_mkdir_all(int root_fd, const char *path, unsigned int mode);
int pathrs_inroot_mknod(int root_fd, const char *path, unsigned int mode, dev_t dev);
int pathrs_inroot_symlink(const char *target, int root_fd, const char *linkpath);
int pathrs_inroot_hardlink(int old_root_fd, const char *old_path, int new_root_fd, const char *new_path,
                           uint64_t flags);

/* Works: version_string is "0.2.6+safe-procfs.<our version>". Extensible
 * like pathrs_procfs_open_how: pass sizeof(pathrs_version_info_t); returns
 * 0, or the size needed if dst_size was too small. */
typedef struct pathrs_version_info_t {
    const char *version_string;
} pathrs_version_info_t;
int pathrs_version(pathrs_version_info_t *dst, size_t dst_size);

/* ---- ours --------------------------------------------------------------- */
/* enable != 0: the default handle (PATHRS_PROC_DEFAULT_ROOTFD, so also
 * pathrs_proc_open/readlink) never uses the host /proc (EOPNOTSUPP instead).
 * Returns the previous setting (0 or 1). */
int safe_procfs_set_default_no_host_fallback(int enable);
/* The number of slots in the error table. */
int safe_procfs_error_slots(void);

#endif /* SAFE_PROCFS_PATHRS_H */
