/* The checks of the C tests: CHECK counts a passed or a failed condition,
 * printing the failed ones with their file, line and a message. Each test
 * ends with printf("%d passed, %d failed\n", passed, failed). */
#ifndef SAFE_PROCFS_TEST_CHECK_H
#define SAFE_PROCFS_TEST_CHECK_H
#include <stdio.h>

static int passed, failed;

#define CHECK(cond, ...)                                           \
    do {                                                           \
        if (cond) {                                                \
            passed++;                                              \
        } else {                                                   \
            failed++;                                              \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            printf(__VA_ARGS__);                                   \
            printf("\n");                                          \
        }                                                          \
    } while (0)

#endif
