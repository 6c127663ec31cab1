/* Self-tests for rename (fs/rename.c) on tmpfs. */
#include <errno.h>
#include <ktest.h>
#include <string.h>
#include <vfs_ops.h>
#include <vfs_test.h>

static int mv(const char *from, const char *to)
{
	return do_renameat2(AT_FDCWD, from, AT_FDCWD, to, 0);
}

KTEST(rename_files_replace_and_keep_links)
{
	char buf[16];
	u64 from;

	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_r", 0755), 0);
	KEXPECT_EQ(kt_put_file("/kt_r/from", "FROM"), 0);
	KEXPECT_EQ(kt_put_file("/kt_r/to", "TO"), 0);
	from = kt_ino("/kt_r/from");
	KEXPECT_EQ(mv("/kt_r/from", "/kt_r/to"), 0);
	KEXPECT_EQ(kt_ino("/kt_r/from"), 0);
	KEXPECT_EQ(kt_ino("/kt_r/to"), from);
	KEXPECT_EQ(kt_get_file("/kt_r/to", buf, sizeof(buf)), 4);
	/* Onto itself, or onto another link of the same file: nothing happens. */
	KEXPECT_EQ(mv("/kt_r/to", "/kt_r/to"), 0);
	KEXPECT_EQ(do_linkat(AT_FDCWD, "/kt_r/to", AT_FDCWD, "/kt_r/hard", 0), 0);
	KEXPECT_EQ(mv("/kt_r/to", "/kt_r/hard"), 0);
	KEXPECT_EQ(kt_nlink("/kt_r/to"), 2);
	KEXPECT_EQ(kt_nlink("/kt_r/hard"), 2);
	KEXPECT_EQ(mv("/kt_r/missing", "/kt_r/x"), -ENOENT);
	KEXPECT_EQ(mv("/kt_r/to", "/kt_r/nodir/x"), -ENOENT);
	KEXPECT_EQ(mv("/kt_r/to/", "/kt_r/x"), -ENOTDIR);
	KEXPECT_EQ(do_renameat2(AT_FDCWD, "/kt_r/to", AT_FDCWD, "/kt_r/hard", RENAME_NOREPLACE),
		   0);	/* same file: still nothing to do */
	KEXPECT_EQ(kt_put_file("/kt_r/other", ""), 0);
	KEXPECT_EQ(do_renameat2(AT_FDCWD, "/kt_r/to", AT_FDCWD, "/kt_r/other", RENAME_NOREPLACE),
		   -EEXIST);
	KEXPECT_EQ(do_renameat2(AT_FDCWD, "/kt_r/to", AT_FDCWD, "/kt_r/y", RENAME_EXCHANGE),
		   -EINVAL);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_r/other"), 0);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_r/hard"), 0);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_r/to"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_r"), 0);
}

KTEST(rename_directories_follow_the_rules)
{
	char buf[16];

	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_rd", 0755), 0);
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_rd/p1", 0755), 0);
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_rd/p2", 0755), 0);
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_rd/p1/child", 0755), 0);
	KEXPECT_EQ(kt_put_file("/kt_rd/p1/child/f", "payload"), 0);
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_rd/empty", 0755), 0);
	KEXPECT_EQ(kt_put_file("/kt_rd/file", ""), 0);

	/* Moving a directory moves its ".." link between the parents. */
	KEXPECT_EQ(mv("/kt_rd/p1/child", "/kt_rd/p2/moved"), 0);
	KEXPECT_EQ(kt_nlink("/kt_rd/p1"), 2);
	KEXPECT_EQ(kt_nlink("/kt_rd/p2"), 3);
	KEXPECT_EQ(kt_ino("/kt_rd/p2/moved/.."), kt_ino("/kt_rd/p2"));
	KEXPECT_EQ(kt_get_file("/kt_rd/p2/moved/f", buf, sizeof(buf)), 7);

	/* Over an empty directory it works; over a full one, or a file, it does not. */
	KEXPECT_EQ(mv("/kt_rd/empty", "/kt_rd/p2"), -ENOTEMPTY);
	KEXPECT_EQ(mv("/kt_rd/file", "/kt_rd/p2"), -EISDIR);
	KEXPECT_EQ(mv("/kt_rd/p2", "/kt_rd/file"), -ENOTDIR);
	KEXPECT_EQ(mv("/kt_rd/p2", "/kt_rd/p2/moved/below"), -EINVAL);
	KEXPECT_EQ(mv("/kt_rd/p2/moved", "/kt_rd/p2/moved/below"), -EINVAL);
	/* Replacing an ancestor of the source: Linux says ENOTEMPTY before anything else. */
	KEXPECT_EQ(mv("/kt_rd/p2/moved/f", "/kt_rd/p2"), -ENOTEMPTY);
	KEXPECT_EQ(mv("/kt_rd/.", "/kt_rd/dot"), -EBUSY);
	KEXPECT_EQ(mv("/kt_rd/p1", "/kt_rd/.."), -EBUSY);
	KEXPECT_EQ(mv("/kt_rd/p1", "/kt_rd/empty"), 0);
	KEXPECT_EQ(kt_ino("/kt_rd/p1"), 0);
	KEXPECT_EQ(kt_nlink("/kt_rd"), 4);	/* ".", its name, p2, empty */

	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_rd/p2/moved/f"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_rd/p2/moved"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_rd/p2"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_rd/empty"), 0);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_rd/file"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_rd"), 0);
}
