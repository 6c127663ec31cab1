/*
 * iov_iter: a cursor over a list of buffers, user or kernel, so that one
 * read or write routine serves read(), readv(), pread() and kernel callers
 * (exec reading an ELF file, self-tests) alike.
 *
 * copy_to_iter/copy_from_iter advance the cursor and return how many bytes
 * they moved; fewer than asked means a user buffer faulted (the caller
 * returns what was moved so far, or -EFAULT if nothing).
 */
#ifndef PAGODA_UIO_H
#define PAGODA_UIO_H

#include <types.h>

struct iovec {
	void *iov_base;
	size_t iov_len;
};

enum iter_kind { ITER_USER, ITER_KERNEL };

struct iov_iter {
	enum iter_kind kind;
	const struct iovec *iov;	/* the current segment */
	unsigned long nr_segs;		/* segments left, counting the current */
	size_t iov_offset;		/* bytes already used of the current segment */
	size_t count;			/* bytes left in all */
};

/* The iovecs must stay valid while the iterator is used. */
void iov_iter_init(struct iov_iter *i, enum iter_kind kind, const struct iovec *iov,
		   unsigned long nr_segs, size_t count);
/* A single kernel buffer; *iov is storage the iterator points at. */
void iov_iter_kernel(struct iov_iter *i, struct iovec *iov, void *buf, size_t len);

size_t copy_to_iter(const void *src, size_t n, struct iov_iter *i);
size_t copy_from_iter(void *dst, size_t n, struct iov_iter *i);
/* With page faults disabled (see usercopy.h): for the buffered write. */
size_t copy_from_iter_atomic(void *dst, size_t n, struct iov_iter *i);
/* Fault in the next n bytes for reading; returns bytes NOT faulted in. */
size_t iov_iter_fault_in_readable(const struct iov_iter *i, size_t n);
void iov_iter_advance(struct iov_iter *i, size_t n);
/* Move at most n more bytes. */
static inline void iov_iter_truncate(struct iov_iter *i, size_t n)
{
	if (i->count > n)
		i->count = n;
}
/* Step back n bytes (undo part of a copy). */
void iov_iter_revert(struct iov_iter *i, size_t n);
/* Bytes left in the current segment (at most n). */
size_t iov_iter_single_seg_count(const struct iov_iter *i);

/*
 * Copy an iovec array from user space (readv/writev), check every segment
 * with access_ok and the total against SSIZE_MAX.  *iov is kmalloc'ed when
 * nr_segs exceeds fast_len (else fast is used); kfree it if it differs from
 * fast.  Returns the total length or -EFAULT/-EINVAL.
 */
ssize_t import_iovec(const struct iovec *user_iov, unsigned long nr_segs, struct iovec *fast,
		     unsigned long fast_len, struct iovec **iov);

#define UIO_MAXIOV 1024
/* The most one read or write moves (Linux's MAX_RW_COUNT: INT_MAX rounded down to a page). */
#define MAX_RW_COUNT 0x7ffff000ul

#endif
