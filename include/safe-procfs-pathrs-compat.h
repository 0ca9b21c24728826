/* safe-procfs: kept for programs that include it; the declarations of the
 * rest of libpathrs's API are in pathrs.h now.
 * SPDX-License-Identifier: MIT OR Apache-2.0 */
#include "pathrs.h"
