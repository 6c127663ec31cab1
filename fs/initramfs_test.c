/*
 * Self-tests for the cpio parser and the initramfs unpacker: an archive
 * is built here, member by member, then unpacked under /kt_cpio.
 */
#include <cpio.h>
#include <errno.h>
#include <kmalloc.h>
#include <ktest.h>
#include <printk.h>
#include <string.h>
#include <vfs_ops.h>
#include <vfs_test.h>

struct archive {
	u8 *buf;
	size_t len, cap;
};

static void put_bytes(struct archive *a, const void *p, size_t n)
{
	if (a->len + n <= a->cap)
		memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void pad4(struct archive *a)
{
	static const u8 zeros[4];

	put_bytes(a, zeros, ALIGN_UP(a->len, 4) - a->len);
}

struct member {
	const char *name;
	u32 mode, ino, nlink, mtime;
	const char *data;
	u32 rdev_major, rdev_minor;
};

static void add_member(struct archive *a, const struct member *m)
{
	u32 size = m->data ? strlen(m->data) : 0;
	char hdr[CPIO_HEADER_LEN + 1];

	snprintf(hdr, sizeof(hdr),
		 "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		 m->ino, m->mode, 7, 8, m->nlink ? m->nlink : 1, m->mtime, size, 0, 1,
		 m->rdev_major, m->rdev_minor, (u32)strlen(m->name) + 1, 0);
	put_bytes(a, hdr, CPIO_HEADER_LEN);
	put_bytes(a, m->name, strlen(m->name) + 1);
	pad4(a);
	put_bytes(a, m->data, size);
	pad4(a);
}

static const struct member members[] = {
	{ .name = ".", .mode = S_IFDIR | 0755, .ino = 1 },
	{ .name = "kt_cpio", .mode = S_IFDIR | 0750, .ino = 2, .mtime = 1000 },
	{ .name = "kt_cpio/bin", .mode = S_IFDIR | 0755, .ino = 3 },
	{ .name = "kt_cpio/bin/hello", .mode = S_IFREG | 0755, .ino = 4, .mtime = 1234567,
	  .data = "#!/bin/sh\necho hi\n" },
	{ .name = "kt_cpio/sh", .mode = S_IFLNK | 0777, .ino = 5, .data = "bin/hello" },
	/* Two names of inode 6: GNU cpio puts the data with the last. */
	{ .name = "kt_cpio/a", .mode = S_IFREG | 0600, .ino = 6, .nlink = 2 },
	{ .name = "kt_cpio/b", .mode = S_IFREG | 0600, .ino = 6, .nlink = 2, .data = "shared" },
	{ .name = "kt_cpio/null", .mode = S_IFCHR | 0666, .ino = 7, .rdev_major = 1,
	  .rdev_minor = 3 },
	{ .name = CPIO_TRAILER },
};

KTEST(initramfs_unpacks_a_newc_archive)
{
	struct archive a = { .cap = 4096 };
	struct stat st;
	char buf[64];

	a.buf = kmalloc(a.cap, GFP_KERNEL);
	if (!KEXPECT(a.buf != NULL))
		return;
	for (unsigned int i = 0; i < ARRAY_SIZE(members); i++)
		add_member(&a, &members[i]);
	if (!KEXPECT(a.len <= a.cap))
		return;
	KEXPECT_EQ(initramfs_unpack(a.buf, a.len), 0);

	KEXPECT_EQ(kt_stat("/kt_cpio", &st, false), 0);
	KEXPECT_EQ(st.st_mode, S_IFDIR | 0750);
	KEXPECT_EQ(st.st_mtime, 1000);
	KEXPECT_EQ(st.st_uid, 7);
	KEXPECT_EQ(st.st_gid, 8);
	KEXPECT_EQ(kt_stat("/kt_cpio/bin/hello", &st, false), 0);
	KEXPECT_EQ(st.st_mode, S_IFREG | 0755);
	KEXPECT_EQ(st.st_mtime, 1234567);
	KEXPECT_EQ(kt_get_file("/kt_cpio/sh", buf, sizeof(buf)), 18);	/* through the link */
	KEXPECT(strcmp(buf, "#!/bin/sh\necho hi\n") == 0);
	KEXPECT_EQ(kt_ino("/kt_cpio/a"), kt_ino("/kt_cpio/b"));
	KEXPECT_EQ(kt_nlink("/kt_cpio/a"), 2);
	KEXPECT_EQ(kt_get_file("/kt_cpio/a", buf, sizeof(buf)), 6);
	KEXPECT_EQ(kt_stat("/kt_cpio/null", &st, false), 0);
	KEXPECT(S_ISCHR(st.st_mode));
	KEXPECT_EQ(st.st_rdev, 0x103);

	/* Unpacking again replaces files and merges directories. */
	KEXPECT_EQ(initramfs_unpack(a.buf, a.len), 0);
	KEXPECT_EQ(kt_get_file("/kt_cpio/b", buf, sizeof(buf)), 6);

	/* Truncated or corrupt archives are refused. */
	KEXPECT_EQ(initramfs_unpack(a.buf, 100), -EINVAL);
	a.buf[0] = 'X';
	KEXPECT_EQ(initramfs_unpack(a.buf, a.len), -EINVAL);
	kfree(a.buf);

	do_unlinkat(AT_FDCWD, "/kt_cpio/null");
	do_unlinkat(AT_FDCWD, "/kt_cpio/a");
	do_unlinkat(AT_FDCWD, "/kt_cpio/b");
	do_unlinkat(AT_FDCWD, "/kt_cpio/sh");
	do_unlinkat(AT_FDCWD, "/kt_cpio/bin/hello");
	do_rmdir(AT_FDCWD, "/kt_cpio/bin");
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_cpio"), 0);
}

KTEST(cpio_parser_checks_bounds)
{
	static const char name_too_long[] =
		"070701" "00000001" "000081a4" "00000000" "00000000" "00000001" "00000000"
		"00000000" "00000000" "00000000" "00000000" "00000000" "000000ff" "00000000" "x";
	struct cpio_entry e;
	size_t off = 0;

	KEXPECT_EQ(cpio_next((const u8 *)name_too_long, sizeof(name_too_long) - 1, &off, &e),
		   -EINVAL);
	off = 0;
	KEXPECT_EQ(cpio_next((const u8 *)"0707", 4, &off, &e), -EINVAL);
}
