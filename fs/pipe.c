/*
 * Pipes.
 *
 * The data sits in a ring of PIPE_PAGES pages (64 KiB, allocated as they
 * are first used); head and tail count the bytes ever written and read, so
 * head - tail is what is buffered.
 *
 * Rules (POSIX, as Linux does them):
 *   - read returns what is there (at most what was asked), waits while the
 *     pipe is empty and has writers, returns 0 (end of file) when it is
 *     empty and has none;
 *   - a write of at most PIPE_BUF bytes is atomic: it waits for room for
 *     all of it, so it is never interleaved with another writer's; a
 *     larger one goes in pieces as room appears;
 *   - writing with no reader left raises SIGPIPE and fails with EPIPE;
 *   - O_NONBLOCK turns every wait into EAGAIN (unless something was
 *     already moved); a signal ends a wait with ERESTARTSYS (or the bytes
 *     moved so far).
 *
 * Locks: pipe->mutex serializes everybody who copies data in or out (the
 * copy touches user memory and may sleep).  pipe->lock (a spinlock)
 * guards head, tail and the reader/writer counts for the sleepers: a task
 * checks its condition and goes to sleep under it, and whoever changes
 * them does so under it before waking the queue, so no wake-up is lost.
 * A sleeper never holds the mutex.
 */
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <page.h>
#include <pipe.h>
#include <poll.h>
#include <signal.h>
#include <task.h>
#include <uio.h>
#include <usercopy.h>
#include <vfs_internal.h>
#include <wait.h>

#define PIPEFS_MAGIC 0x50495045

struct pipe_inode_info {
	struct mutex mutex;
	struct page *pages[PIPE_PAGES];	/* mutex */
	struct spinlock lock;
	u64 head;			/* lock, and mutex to change: bytes ever written */
	u64 tail;			/* lock, and mutex to change: bytes ever read */
	int readers;			/* lock: open read ends */
	int writers;			/* lock: open write ends */
	struct wait_queue rd_wait;	/* readers: for data, or the last writer gone */
	struct wait_queue wr_wait;	/* writers: for room, or the last reader gone */
};

static struct vfsmount *pipe_mnt;

static size_t pipe_buffered(const struct pipe_inode_info *pipe)
{
	return pipe->head - pipe->tail;
}

/* Can the caller go on?  Readers need data (or EOF), writers `need` bytes of room (or EPIPE). */
static bool pipe_ready(const struct pipe_inode_info *pipe, bool reader, size_t need)
{
	if (reader)
		return pipe_buffered(pipe) || !pipe->writers;
	return PIPE_SIZE - pipe_buffered(pipe) >= need || !pipe->readers;
}

/* Sleep with the mutex dropped until pipe_ready(); 0 or -ERESTARTSYS. */
static int pipe_wait(struct pipe_inode_info *pipe, bool reader, size_t need)
{
	struct wait_queue *wq = reader ? &pipe->rd_wait : &pipe->wr_wait;
	int err = 0;

	mutex_unlock(&pipe->mutex);
	spin_lock(&pipe->lock);
	while (!err && !pipe_ready(pipe, reader, need))
		err = wait_sleep(wq, &pipe->lock, true);
	spin_unlock(&pipe->lock);
	mutex_lock(&pipe->mutex);
	return err;
}

/* Where byte number `pos` of the stream lives, and how much of its page follows. */
static char *ring_address(struct pipe_inode_info *pipe, u64 pos, size_t *in_page)
{
	size_t offset = pos % PAGE_SIZE;

	*in_page = PAGE_SIZE - offset;
	return (char *)page_address(pipe->pages[(pos / PAGE_SIZE) % PIPE_PAGES]) + offset;
}

/*
 * Copy up to n buffered bytes out (mutex held): bytes copied, or -EFAULT.
 * Like Linux, a piece that faults half-way counts for nothing: the bytes
 * stay in the pipe for the next read.
 */
static ssize_t pipe_copy_out(struct pipe_inode_info *pipe, struct iov_iter *to, size_t n)
{
	size_t done = 0;

	while (done < n) {
		size_t in_page, chunk;
		char *src = ring_address(pipe, pipe->tail + done, &in_page);

		chunk = MIN(n - done, in_page);
		if (copy_to_iter(src, chunk, to) < chunk)
			return done ? (ssize_t)done : -EFAULT;
		done += chunk;
	}
	return done;
}

/*
 * Copy up to n bytes in (mutex held, room for them): bytes copied, or
 * -EFAULT, -ENOMEM.  A piece that faults half-way is not committed.
 */
static ssize_t pipe_copy_in(struct pipe_inode_info *pipe, struct iov_iter *from, size_t n)
{
	size_t done = 0;

	while (done < n) {
		u64 pos = pipe->head + done;
		unsigned int slot = (pos / PAGE_SIZE) % PIPE_PAGES;
		size_t in_page, chunk;
		char *dst;

		if (!pipe->pages[slot]) {
			pipe->pages[slot] = alloc_page(GFP_KERNEL);
			if (!pipe->pages[slot])
				return done ? (ssize_t)done : -ENOMEM;
		}
		dst = ring_address(pipe, pos, &in_page);
		chunk = MIN(n - done, in_page);
		if (copy_from_iter(dst, chunk, from) < chunk)
			return done ? (ssize_t)done : -EFAULT;
		done += chunk;
	}
	return done;
}

static ssize_t pipe_read(struct file *f, struct iov_iter *to, u64 *pos)
{
	struct pipe_inode_info *pipe = f->f_inode->i_pipe;
	ssize_t ret;

	(void)pos;
	mutex_lock(&pipe->mutex);
	for (;;) {
		size_t avail = pipe_buffered(pipe);

		if (avail) {
			ret = pipe_copy_out(pipe, to, MIN(avail, to->count));
			if (ret > 0) {
				spin_lock(&pipe->lock);
				pipe->tail += ret;
				spin_unlock(&pipe->lock);
				wake_up(&pipe->wr_wait);
			}
			break;
		}
		if (!READ_ONCE(pipe->writers)) {
			ret = 0;	/* end of file */
			break;
		}
		if (f->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		if (pipe_wait(pipe, true, 0)) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	mutex_unlock(&pipe->mutex);
	return ret;
}

/* Why a write stopped early: the bytes written, or the error if none were. */
static ssize_t partial(size_t written, int err)
{
	return written ? (ssize_t)written : err;
}

static ssize_t pipe_write(struct file *f, struct iov_iter *from, u64 *pos)
{
	struct pipe_inode_info *pipe = f->f_inode->i_pipe;
	bool atomic = from->count <= PIPE_BUF;
	size_t written = 0;
	ssize_t ret;

	(void)pos;
	mutex_lock(&pipe->mutex);
	for (;;) {
		size_t room = PIPE_SIZE - pipe_buffered(pipe);

		if (!READ_ONCE(pipe->readers)) {
			send_sig_self(SIGPIPE);
			ret = partial(written, -EPIPE);
			break;
		}
		if (room >= (atomic ? from->count : 1)) {
			ssize_t n = pipe_copy_in(pipe, from, MIN(room, from->count));

			if (n < 0) {
				ret = partial(written, n);
				break;
			}
			spin_lock(&pipe->lock);
			pipe->head += n;
			spin_unlock(&pipe->lock);
			wake_up(&pipe->rd_wait);
			written += n;
			if (!from->count) {
				ret = written;
				break;
			}
			continue;
		}
		if (f->f_flags & O_NONBLOCK) {
			ret = partial(written, -EAGAIN);
			break;
		}
		if (pipe_wait(pipe, false, atomic ? from->count : 1)) {
			ret = partial(written, -ERESTARTSYS);
			break;
		}
	}
	mutex_unlock(&pipe->mutex);
	return ret;
}

static long pipe_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct pipe_inode_info *pipe = f->f_inode->i_pipe;
	u32 n;

	if (cmd != FIONREAD)
		return -ENOTTY;
	spin_lock(&pipe->lock);
	n = pipe_buffered(pipe);
	spin_unlock(&pipe->lock);
	return put_user_u32(n, (void *)arg);
}

static void pipe_release(struct inode *inode, struct file *f)
{
	struct pipe_inode_info *pipe = inode->i_pipe;

	spin_lock(&pipe->lock);
	if (f->f_mode & FMODE_READ)
		pipe->readers--;
	if (f->f_mode & FMODE_WRITE)
		pipe->writers--;
	spin_unlock(&pipe->lock);
	wake_up(&pipe->rd_wait);
	wake_up(&pipe->wr_wait);
}

/* Readers: data, or POLLHUP once no writer is left; writers: PIPE_BUF of room, or POLLERR. */
static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe_inode_info *pipe = f->f_inode->i_pipe;
	unsigned int mask = 0;

	if (f->f_mode & FMODE_READ)
		poll_wait(&pipe->rd_wait, pt);
	if (f->f_mode & FMODE_WRITE)
		poll_wait(&pipe->wr_wait, pt);
	spin_lock(&pipe->lock);
	if ((f->f_mode & FMODE_READ) && pipe_buffered(pipe))
		mask |= POLLIN | POLLRDNORM;
	if ((f->f_mode & FMODE_READ) && !pipe->writers)
		mask |= POLLHUP;
	if ((f->f_mode & FMODE_WRITE) && PIPE_SIZE - pipe_buffered(pipe) >= PIPE_BUF)
		mask |= POLLOUT | POLLWRNORM;
	if ((f->f_mode & FMODE_WRITE) && !pipe->readers)
		mask |= POLLERR;
	spin_unlock(&pipe->lock);
	return mask;
}

static const struct file_operations pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
	.poll = pipe_poll,
};

static void pipe_free(struct pipe_inode_info *pipe)
{
	for (unsigned int i = 0; i < PIPE_PAGES; i++)
		if (pipe->pages[i])
			put_page(pipe->pages[i]);
	kfree(pipe);
}

static void pipefs_evict_inode(struct inode *inode)
{
	if (inode->i_pipe)
		pipe_free(inode->i_pipe);
}

static const struct super_operations pipefs_sops = {
	.evict_inode = pipefs_evict_inode,
};

static struct super_block *pipefs_mount(struct file_system_type *type, const char *source)
{
	struct super_block *sb = alloc_super(&pipefs_sops, PIPEFS_MAGIC);
	struct inode *root;

	(void)type;
	(void)source;
	if (!sb)
		return ERR_PTR(-ENOMEM);
	root = new_inode(sb);
	if (root)
		root->i_mode = S_IFDIR | 0700;
	return sb_set_root(sb, root);
}

static struct file_system_type pipefs_type = { .name = "pipefs", .mount = pipefs_mount };

void pipefs_init(void)
{
	pipe_mnt = vfs_kern_mount(&pipefs_type, NULL, NULL);
	if (IS_ERR(pipe_mnt))
		panic("pipefs: cannot mount: %ld", PTR_ERR(pipe_mnt));
}

static struct inode *pipe_inode_new(void)
{
	struct inode *inode = new_inode(pipe_mnt->mnt_sb);
	struct pipe_inode_info *pipe = kzalloc(sizeof(*pipe), GFP_KERNEL);

	if (!inode || !pipe) {
		kfree(pipe);
		iput(inode);
		return NULL;
	}
	mutex_init(&pipe->mutex, "pipe");
	spin_init(&pipe->lock, "pipe");
	wait_queue_init(&pipe->rd_wait);
	wait_queue_init(&pipe->wr_wait);
	pipe->readers = pipe->writers = 1;
	inode->i_mode = S_IFIFO | 0600;
	inode->i_pipe = pipe;
	inode->i_fop = &pipe_fops;
	return inode;
}

int create_pipe_files(struct file *res[2], int flags)
{
	struct inode *inode = pipe_inode_new();
	struct path path = { pipe_mnt, NULL };

	if (!inode)
		return -ENOMEM;
	path.dentry = d_alloc_anon(pipe_mnt->mnt_sb, inode, "pipe:");
	if (!path.dentry) {
		iput(inode);
		return -ENOMEM;
	}
	res[0] = vfs_open(&path, O_RDONLY | (flags & O_NONBLOCK));
	res[1] = vfs_open(&path, O_WRONLY | (flags & O_NONBLOCK));
	dput(path.dentry);	/* each file holds its own reference */
	if (IS_ERR(res[0]) || IS_ERR(res[1])) {
		int err = IS_ERR(res[0]) ? PTR_ERR(res[0]) : PTR_ERR(res[1]);

		/* The counts say two ends: each release drops its own. */
		if (!IS_ERR(res[0]))
			fput(res[0]);
		if (!IS_ERR(res[1]))
			fput(res[1]);
		return err;
	}
	return 0;
}
