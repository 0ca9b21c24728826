/* safe-procfs: pathrs.h for C++. pathrs.h includes this file when
 * __cplusplus is defined; it gives C++ the base values as macros (C has
 * them as enumerators) and includes pathrs.h again inside extern "C".
 * Kept out of pathrs.h itself so that cffi, which reads pathrs.h with its
 * preprocessor lines dropped, never sees extern "C".
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SAFE_PROCFS_CXX_H
#define SAFE_PROCFS_CXX_H

#define PATHRS_PROC_ROOT 0xFFFFFFFE70726F63ull
#define PATHRS_PROC_SELF 0xFFFFFFFE091D5E1Full
#define PATHRS_PROC_THREAD_SELF 0xFFFFFFFE3EAD5E1Full

#define SAFE_PROCFS_CXX_INNER 1
extern "C" {
#include "pathrs.h"
}

#endif /* SAFE_PROCFS_CXX_H */
