/* Helpers shared by the ext2 self-tests (ext2_test.c, ext2_write_test.c). */
#ifndef PAGODA_FS_EXT2_TEST_H
#define PAGODA_FS_EXT2_TEST_H

#include <ktest.h>
#include "ext2.h"

/* Mount each disk of ktest_ext2= on /ext2test-NAME (once a boot); run fn on each mount point. */
void for_each_test_disk(struct ktest_ctx *kt, void (*fn)(struct ktest_ctx *kt, const char *root));
/* root/name opened with flags (O_CREAT: mode 0644), or NULL and a failure. */
struct file *open_in(struct ktest_ctx *kt, const char *root, const char *name, int flags);
/* Read f from 0 to size: the bytes that differ from expected(offset). */
u64 count_wrong_bytes(struct ktest_ctx *kt, struct file *f, u64 size, u8 (*expected)(u64));
/* statfs's free blocks of the file system at root; *sbp its super block. */
u64 free_blocks(struct ktest_ctx *kt, const char *root, struct super_block **sbp);

#endif
