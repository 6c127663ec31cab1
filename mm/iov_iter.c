/*
 * iov_iter (see uio.h): walking a list of buffers while copying.
 */
#include <errno.h>
#include <kmalloc.h>
#include <string.h>
#include <uio.h>
#include <usercopy.h>

void iov_iter_init(struct iov_iter *i, enum iter_kind kind, const struct iovec *iov,
		   unsigned long nr_segs, size_t count)
{
	i->kind = kind;
	i->iov = iov;
	i->nr_segs = nr_segs;
	i->iov_offset = 0;
	i->count = count;
}

void iov_iter_kernel(struct iov_iter *i, struct iovec *iov, void *buf, size_t len)
{
	iov->iov_base = buf;
	iov->iov_len = len;
	iov_iter_init(i, ITER_KERNEL, iov, 1, len);
}

void iov_iter_advance(struct iov_iter *i, size_t n)
{
	n = MIN(n, i->count);
	i->count -= n;
	while (n > 0 || (i->nr_segs > 0 && i->iov_offset == i->iov->iov_len)) {
		size_t left = i->iov->iov_len - i->iov_offset;

		if (n < left) {
			i->iov_offset += n;
			return;
		}
		n -= left;
		i->iov++;
		i->nr_segs--;
		i->iov_offset = 0;
		if (i->nr_segs == 0)
			return;
	}
}

void iov_iter_revert(struct iov_iter *i, size_t n)
{
	i->count += n;
	while (n > 0) {
		if (n <= i->iov_offset) {
			i->iov_offset -= n;
			return;
		}
		n -= i->iov_offset;
		/* Back into the previous segment, at its end. */
		i->iov--;
		i->nr_segs++;
		i->iov_offset = i->iov->iov_len;
	}
}

size_t iov_iter_single_seg_count(const struct iov_iter *i)
{
	if (i->nr_segs == 0)
		return 0;
	return MIN(i->count, i->iov->iov_len - i->iov_offset);
}

enum copy_kind { TO_ITER, FROM_ITER, FROM_ITER_ATOMIC };

/* Copy segment by segment; stop at the first short copy (a user fault). */
static size_t iter_copy(void *kbuf, size_t n, struct iov_iter *i, enum copy_kind how)
{
	size_t done = 0;

	n = MIN(n, i->count);
	while (done < n) {
		size_t chunk = MIN(n - done, iov_iter_single_seg_count(i));
		char *ubuf = (char *)i->iov->iov_base + i->iov_offset;
		char *k = (char *)kbuf + done;
		size_t left = 0;

		if (chunk == 0) {	/* an empty segment: step past it */
			iov_iter_advance(i, 0);
			if (iov_iter_single_seg_count(i) == 0)
				break;
			continue;
		}
		if (i->kind == ITER_KERNEL)
			how == TO_ITER ? memcpy(ubuf, k, chunk) : memcpy(k, ubuf, chunk);
		else if (how == TO_ITER)
			left = copy_to_user(ubuf, k, chunk);
		else if (how == FROM_ITER)
			left = copy_from_user(k, ubuf, chunk);
		else
			left = copy_from_user_atomic(k, ubuf, chunk);
		iov_iter_advance(i, chunk - left);
		done += chunk - left;
		if (left)
			break;
	}
	return done;
}

size_t copy_to_iter(const void *src, size_t n, struct iov_iter *i)
{
	return iter_copy((void *)src, n, i, TO_ITER);
}

size_t copy_from_iter(void *dst, size_t n, struct iov_iter *i)
{
	return iter_copy(dst, n, i, FROM_ITER);
}

size_t copy_from_iter_atomic(void *dst, size_t n, struct iov_iter *i)
{
	return iter_copy(dst, n, i, FROM_ITER_ATOMIC);
}

size_t iov_iter_fault_in_readable(const struct iov_iter *i, size_t n)
{
	if (i->kind == ITER_KERNEL || i->nr_segs == 0)
		return 0;
	/* Only the current segment: the write loop never copies past it at once. */
	n = MIN(n, iov_iter_single_seg_count(i));
	return fault_in_readable((const char *)i->iov->iov_base + i->iov_offset, n);
}

ssize_t import_iovec(const struct iovec *user_iov, unsigned long nr_segs, struct iovec *fast,
		     unsigned long fast_len, struct iovec **iov)
{
	struct iovec *v = fast;
	size_t total = 0;

	*iov = fast;
	if (nr_segs > UIO_MAXIOV)
		return -EINVAL;
	if (nr_segs > fast_len) {
		v = kmalloc(nr_segs * sizeof(*v), GFP_KERNEL);
		if (!v)
			return -ENOMEM;
	}
	if (copy_from_user(v, user_iov, nr_segs * sizeof(*v))) {
		if (v != fast)
			kfree(v);
		return -EFAULT;
	}
	for (unsigned long s = 0; s < nr_segs; s++) {
		long err = 0;

		if ((ssize_t)v[s].iov_len < 0)
			err = -EINVAL;
		else if (!access_ok(v[s].iov_base, v[s].iov_len))
			err = -EFAULT;
		if (err) {
			if (v != fast)
				kfree(v);
			return err;
		}
		/* Like Linux, one call moves at most MAX_RW_COUNT bytes. */
		if (v[s].iov_len > MAX_RW_COUNT - total)
			v[s].iov_len = MAX_RW_COUNT - total;
		total += v[s].iov_len;
	}
	*iov = v;
	return total;
}
