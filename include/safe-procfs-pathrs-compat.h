/* safe-procfs: declarations of the rest of libpathrs's C API (outside
 * procfs), for programs written against all of it (go-pathrs's cgo package
 * internal/libpathrs is one). libsafe_procfs provides these symbols only
 * as stubs: each returns an error id whose record has saved_errno ENOSYS.
 * pathrs_version works: its version_string is "0.2.6+safe-procfs.0.1.0".
 * The installed <pathrs.h> includes this header and safe-procfs.h.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SAFE_PROCFS_PATHRS_COMPAT_H
#define SAFE_PROCFS_PATHRS_COMPAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h> /* libpathrs's header brings these: cgo callers use C.free */
#include <sys/types.h>

#include "safe-procfs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stubs: always an error id (ENOSYS). */
int pathrs_open_root(const char *path);
int pathrs_reopen(int fd, uint64_t flags);
int pathrs_inroot_resolve(int root_fd, const char *path);
int pathrs_inroot_resolve_nofollow(int root_fd, const char *path);
int pathrs_inroot_open(int root_fd, const char *path, uint64_t flags);
int pathrs_inroot_readlink(int root_fd, const char *path, char *linkbuf, size_t linkbuf_size);
int pathrs_inroot_rename(int old_root_fd, const char *old_path, int new_root_fd,
                         const char *new_path, uint64_t flags);
int pathrs_inroot_rmdir(int root_fd, const char *path);
int pathrs_inroot_unlink(int root_fd, const char *path);
int pathrs_inroot_remove_all(int root_fd, const char *path);
int pathrs_inroot_creat(int root_fd, const char *path, uint64_t flags, unsigned int mode);
int pathrs_inroot_mkdir(int root_fd, const char *path, unsigned int mode);
int pathrs_inroot_mkdir_all(int root_fd, const char *path, unsigned int mode);
int pathrs_inroot_mknod(int root_fd, const char *path, unsigned int mode, dev_t dev);
int pathrs_inroot_symlink(const char *target, int root_fd, const char *linkpath);
int pathrs_inroot_hardlink(int old_root_fd, const char *old_path, int new_root_fd,
                           const char *new_path, uint64_t flags);

/* Extensible like pathrs_procfs_open_how: pass sizeof(pathrs_version_info_t).
 * Returns 0, or the size needed if dst_size was too small. */
typedef struct pathrs_version_info_t {
    const char *version_string;
} pathrs_version_info_t;
int pathrs_version(pathrs_version_info_t *dst, size_t dst_size);

#ifdef __cplusplus
}
#endif

#endif /* SAFE_PROCFS_PATHRS_COMPAT_H */
