/*
 * Helpers for the file-system self-tests (the fs/ *_test.c files): whole-file reads
 * and writes and stat by kernel path, so each test reads like the user
 * tests it mirrors.  They return -errno on failure.
 */
#ifndef PAGODA_VFS_TEST_H
#define PAGODA_VFS_TEST_H

#include <fs.h>

/* Create or truncate path and write s into it. */
int kt_put_file(const char *path, const char *s);
/* Up to n - 1 bytes of path, NUL-terminated: the length or -errno. */
ssize_t kt_get_file(const char *path, char *buf, size_t n);
/* stat (follow) or lstat. */
int kt_stat(const char *path, struct stat *st, bool follow);
/* st_ino and st_nlink of lstat, or 0 if it fails. */
u64 kt_ino(const char *path);
u64 kt_nlink(const char *path);

#endif
