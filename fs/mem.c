/*
 * /dev/null and /dev/zero.
 *
 * null: reads find end-of-file, writes vanish.  zero: reads give as many
 * zero bytes as asked for, writes vanish.  Both accept any offset and
 * always report 0 (there is nothing to seek in).
 */
#include <errno.h>
#include <mm.h>
#include <uio.h>
#include <vfs_internal.h>

static ssize_t null_read(struct file *f, struct iov_iter *to, u64 *pos)
{
	(void)f;
	(void)to;
	(void)pos;
	return 0;
}

static ssize_t sink_write(struct file *f, struct iov_iter *from, u64 *pos)
{
	size_t n = from->count;

	(void)f;
	(void)pos;
	iov_iter_advance(from, n);
	return n;
}

static ssize_t zero_read(struct file *f, struct iov_iter *to, u64 *pos)
{
	static const char zeros[PAGE_SIZE];
	size_t done = 0;

	(void)f;
	(void)pos;
	while (to->count) {
		size_t want = MIN(to->count, sizeof(zeros));
		size_t n = copy_to_iter(zeros, want, to);

		done += n;
		if (n < want)
			break;	/* the user buffer faulted */
	}
	return done ? (ssize_t)done : -EFAULT;
}

const struct file_operations null_fops = {
	.read = null_read,
	.write = sink_write,
	.llseek = noop_llseek,
};

const struct file_operations zero_fops = {
	.read = zero_read,
	.write = sink_write,
	.llseek = noop_llseek,
};
