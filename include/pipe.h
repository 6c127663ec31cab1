/*
 * Pipes (fs/pipe.c): a 64 KiB buffer between a read end and a write end.
 */
#ifndef PAGODA_PIPE_H
#define PAGODA_PIPE_H

#include <fs.h>

#define PIPE_PAGES 16
#define PIPE_SIZE (PIPE_PAGES * PAGE_SIZE)	/* 64 KiB, Linux's default */

/*
 * The two ends of a new pipe: res[0] reads, res[1] writes.  flags may
 * hold O_NONBLOCK (kept in both files' f_flags).  0 or -errno.
 */
int create_pipe_files(struct file *res[2], int flags);

#endif
