/*
 * Self-tests for pipes (fs/pipe.c), from the kernel side: the buffer
 * ring, PIPE_BUF atomicity, non-blocking behaviour, end of file.  (EPIPE
 * and SIGPIPE are left to the user tests: a signal sent to the thread
 * running the self-tests would disturb the ones after it.)
 */
#include <errno.h>
#include <kmalloc.h>
#include <ktest.h>
#include <pipe.h>
#include <string.h>

static u8 pattern(size_t i)
{
	return (u8)(i * 7 + i / 251);
}

KTEST(pipe_moves_bytes_in_order)
{
	struct file *p[2];
	char buf[16];
	u64 pos = 0;

	if (!KEXPECT_EQ(create_pipe_files(p, O_NONBLOCK), 0))
		return;
	KEXPECT(S_ISFIFO(p[0]->f_inode->i_mode));
	KEXPECT_EQ(kernel_read(p[0], buf, sizeof(buf), &pos), -EAGAIN);	/* empty, writer open */
	KEXPECT_EQ(kernel_write(p[1], "hello", 5, &pos), 5);
	KEXPECT_EQ(kernel_write(p[1], ", you", 5, &pos), 5);
	KEXPECT_EQ(kernel_read(p[0], buf, 3, &pos), 3);
	KEXPECT(memcmp(buf, "hel", 3) == 0);
	KEXPECT_EQ(kernel_read(p[0], buf, sizeof(buf), &pos), 7);
	KEXPECT(memcmp(buf, "lo, you", 7) == 0);
	/* Each end is opened one way only. */
	KEXPECT_EQ(kernel_write(p[0], "x", 1, &pos), -EBADF);
	KEXPECT_EQ(kernel_read(p[1], buf, 1, &pos), -EBADF);
	/* The last writer gone: what is left, then end of file. */
	KEXPECT_EQ(kernel_write(p[1], "bye", 3, &pos), 3);
	fput(p[1]);
	KEXPECT_EQ(kernel_read(p[0], buf, sizeof(buf), &pos), 3);
	KEXPECT_EQ(kernel_read(p[0], buf, sizeof(buf), &pos), 0);
	fput(p[0]);
}

KTEST(pipe_holds_64k_and_writes_pipe_buf_atomically)
{
	size_t big = PIPE_SIZE + 3 * PAGE_SIZE;
	u8 *src = kmalloc(big, GFP_KERNEL), *dst = kmalloc(big, GFP_KERNEL);
	size_t written = 0, got = 0;
	struct file *p[2];
	u64 pos = 0;
	bool same = true;

	if (!KEXPECT(src && dst) || !KEXPECT_EQ(create_pipe_files(p, O_NONBLOCK), 0)) {
		kfree(src);
		kfree(dst);
		return;
	}
	for (size_t i = 0; i < big; i++)
		src[i] = pattern(i);
	/* A non-atomic write fills the pipe and stops short. */
	KEXPECT_EQ(kernel_write(p[1], src, big, &pos), PIPE_SIZE);
	written = PIPE_SIZE;
	KEXPECT_EQ(kernel_write(p[1], src, 1, &pos), -EAGAIN);
	/* 100 bytes of room: an atomic write of 200 must wait (EAGAIN here)... */
	KEXPECT_EQ(kernel_read(p[0], dst, 100, &pos), 100);
	got = 100;
	KEXPECT_EQ(kernel_write(p[1], src + written, 200, &pos), -EAGAIN);
	/* ...while a write larger than PIPE_BUF takes what fits. */
	KEXPECT_EQ(kernel_write(p[1], src + written, PIPE_BUF + 1, &pos), 100);
	written += 100;
	/* Drain and refill across the end of the ring: the bytes stay in order. */
	while (got < big) {
		ssize_t n = kernel_read(p[0], dst + got, 5000, &pos);

		if (!KEXPECT(n > 0))
			break;
		got += n;
		if (written < big) {
			n = kernel_write(p[1], src + written, MIN((size_t)PIPE_BUF, big - written), &pos);
			if (n > 0)
				written += n;
		}
	}
	KEXPECT_EQ(written, big);
	for (size_t i = 0; i < big; i++)
		same &= dst[i] == src[i];
	KEXPECT(same);
	fput(p[0]);
	fput(p[1]);
	kfree(src);
	kfree(dst);
}
