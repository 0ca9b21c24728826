/* safe-procfs: the C API under our own header name; everything is in
 * pathrs.h (libpathrs's name), which the install puts beside it.
 * SPDX-License-Identifier: MIT OR Apache-2.0 */
#include "pathrs.h"
