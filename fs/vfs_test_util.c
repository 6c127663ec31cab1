/* Helpers for the file-system self-tests (see include/vfs_test.h). */
#include <err.h>
#include <errno.h>
#include <string.h>
#include <vfs_ops.h>
#include <vfs_test.h>

int kt_put_file(const char *path, const char *s)
{
	struct file *f = filp_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	size_t len = strlen(s);
	u64 pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = len ? kernel_write(f, s, len, &pos) : 0;
	fput(f);
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

ssize_t kt_get_file(const char *path, char *buf, size_t n)
{
	struct file *f = filp_open(path, O_RDONLY, 0);
	ssize_t got;
	u64 pos = 0;

	if (IS_ERR(f))
		return PTR_ERR(f);
	got = kernel_read(f, buf, n - 1, &pos);
	fput(f);
	buf[got > 0 ? got : 0] = '\0';
	return got;
}

int kt_stat(const char *path, struct stat *st, bool follow)
{
	return vfs_fstatat(AT_FDCWD, path, st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
}

u64 kt_ino(const char *path)
{
	struct stat st;

	return kt_stat(path, &st, false) ? 0 : st.st_ino;
}

u64 kt_nlink(const char *path)
{
	struct stat st;

	return kt_stat(path, &st, false) ? 0 : st.st_nlink;
}
