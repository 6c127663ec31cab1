/*
 * poll, ppoll, select, pselect6: wait until one of several descriptors
 * is ready.
 *
 * One loop serves all four (do_poll).  A round asks each file's ->poll
 * what is ready now; the first round also puts a waiter of ours on each
 * queue whose wake-ups can change the answer (poll_wait), all pointing at
 * one flag.  If nothing is ready, we sleep until the flag is set (some
 * queue was woken), a signal comes or the time is up, and ask again.
 * Asking again after every wake-up is what makes this correct: a wake-up
 * says "look", never "ready".  A file without ->poll (regular files,
 * /proc, devices that never block) is always ready, as on Linux.
 *
 * ppoll and pselect6 wait with the signal mask they are given, the old
 * one coming back afterwards (or after the handler of the signal that
 * ended the wait, as sigsuspend's does).  A signal ends the wait with
 * EINTR if a handler runs; else the call starts again (with its whole
 * timeout: Linux restarts poll with the time left, which Pagoda does not
 * keep).
 */
#include <errno.h>
#include <fs.h>
#include <fs_syscalls.h>
#include <kmalloc.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <task.h>
#include <time.h>
#include <usercopy.h>

#define QUEUES_PER_FILE 2	/* a pipe open both ways waits on its two queues */

void poll_wait(struct wait_queue *wq, struct poll_table *pt)
{
	struct poll_entry *e;

	if (!pt || !pt->queueing || pt->n == pt->max)
		return;
	e = &pt->entries[pt->n++];
	e->wq = wq;
	e->waiter = (struct waiter){ .also_set = &pt->woken };
	wait_queue_add(wq, &e->waiter);
}

/* What one descriptor is ready for, of `events` (with POLLERR, POLLHUP, POLLNVAL always). */
static unsigned int poll_one(int fd, unsigned int events, struct poll_table *pt)
{
	struct file *f;
	unsigned int mask;

	if (fd < 0)
		return 0;
	f = fget(fd);
	if (!f)
		return POLLNVAL;
	mask = f->f_op->poll ? f->f_op->poll(f, pt) : DEFAULT_POLLMASK;
	fput(f);
	return mask & (events | POLLERR | POLLHUP);
}

/* The poll array, in the kernel: Linux's struct pollfd. */
struct pollfd_k {
	int fd;
	short events;
	short revents;
};

/*
 * Ask every descriptor until one is ready, the deadline passes (0 = no
 * limit, ~0 = do not wait at all) or a signal comes.  Returns how many
 * are ready, with revents filled in, or -ERESTARTNOHAND (EINTR if a
 * handler runs; else the call starts again, with its whole timeout).
 */
static long do_poll(struct pollfd_k *fds, unsigned int nfds, u64 deadline)
{
	struct poll_table pt = { .max = nfds * QUEUES_PER_FILE, .queueing = true };
	long ready = 0;

	pt.entries = kmalloc(sizeof(*pt.entries) * (pt.max ? pt.max : 1), GFP_KERNEL);
	if (!pt.entries)
		return -ENOMEM;
	for (;;) {
		u64 now;
		int err;

		WRITE_ONCE(pt.woken, false);
		for (unsigned int i = 0; i < nfds; i++) {
			fds[i].revents = poll_one(fds[i].fd, (unsigned short)fds[i].events, &pt);
			ready += fds[i].revents != 0;
		}
		pt.queueing = false;
		now = clock_ns();
		if (ready || deadline == ~0ul || (deadline && now >= deadline))
			break;
		if (signal_pending(current)) {
			ready = -ERESTARTNOHAND;
			break;
		}
		err = wait_for_flag(&pt.woken, deadline ? deadline - now : 0);
		if (err == -ERESTARTSYS) {
			ready = -ERESTARTNOHAND;
			break;
		}
	}
	for (unsigned int i = 0; i < pt.n; i++)
		wait_queue_remove(pt.entries[i].wq, &pt.entries[i].waiter);
	kfree(pt.entries);
	return ready;
}

/* nfds pollfds from user memory, polled, and their revents written back. */
static long poll_user(struct pollfd_k *ufds, unsigned int nfds, u64 deadline)
{
	struct pollfd_k *fds;
	long ready;

	if (nfds > current->files->max_fds)
		return -EINVAL;
	fds = kmalloc(sizeof(*fds) * (nfds ? nfds : 1), GFP_KERNEL);
	if (!fds)
		return -ENOMEM;
	ready = copy_from_user(fds, ufds, sizeof(*fds) * nfds) ? -EFAULT : 0;
	if (!ready)
		ready = do_poll(fds, nfds, deadline);
	for (unsigned int i = 0; ready >= 0 && i < nfds; i++)
		if (copy_to_user(&ufds[i].revents, &fds[i].revents, sizeof(fds[i].revents)))
			ready = -EFAULT;
	kfree(fds);
	return ready;
}

/* A deadline timeout_ns from now: ~0 for "do not wait", 0 for "no limit". */
static u64 deadline_in(u64 timeout_ns)
{
	return timeout_ns ? clock_ns() + timeout_ns : ~0ul;
}

long sys_poll(struct pollfd_k *ufds, unsigned int nfds, int timeout_ms)
{
	return poll_user(ufds, nfds, timeout_ms < 0 ? 0 : deadline_in((u64)timeout_ms * 1000000));
}

/* A user timespec as a deadline (NULL: no limit); -EINVAL if it is not one. */
static long timespec_deadline(const struct timespec_k *uts, u64 *deadline)
{
	struct timespec_k ts;

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	*deadline = deadline_in((u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec);
	return 0;
}

/*
 * ppoll and pselect6: wait with the given signal mask.  Like sigsuspend,
 * the old mask comes back after the handler of a signal that ended the
 * wait; if none did, it comes back at once.
 */
static long set_wait_mask(const sigset_t *umask, size_t sigsetsize)
{
	struct task *t = current;
	sigset_t mask;

	if (!umask)
		return 0;
	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	spin_lock(&t->lock);
	t->saved_mask = t->blocked;
	t->restore_saved_mask = true;
	t->blocked = mask & ~(sigmask(SIGKILL) | sigmask(SIGSTOP));
	spin_unlock(&t->lock);
	return 0;
}

static void end_wait_mask(const sigset_t *umask, long result)
{
	struct task *t = current;

	if (!umask || result == -ERESTARTNOHAND)
		return;		/* a handler runs with the wait's mask; signal delivery restores */
	spin_lock(&t->lock);
	t->blocked = t->saved_mask;
	t->restore_saved_mask = false;
	spin_unlock(&t->lock);
}

long sys_ppoll(struct pollfd_k *ufds, unsigned int nfds, const struct timespec_k *uts,
	       const sigset_t *umask, size_t sigsetsize)
{
	u64 deadline;
	long ret = timespec_deadline(uts, &deadline);

	if (!ret)
		ret = set_wait_mask(umask, sigsetsize);
	if (ret)
		return ret;
	ret = poll_user(ufds, nfds, deadline);
	end_wait_mask(umask, ret);
	return ret;
}

/* ---- select ---------------------------------------------------------- */

#define FD_WORD_BITS 64

/* The three fd_sets of select, nfds bits each, in the kernel. */
struct fd_sets {
	u64 *in, *out, *ex;
};

static long get_fd_set(u64 **kset, const u64 *uset, unsigned int words)
{
	*kset = kzalloc(MAX(words, 1u) * sizeof(u64), GFP_KERNEL);
	if (!*kset)
		return -ENOMEM;
	if (uset && copy_from_user(*kset, uset, words * sizeof(u64)))
		return -EFAULT;
	return 0;
}

static bool fd_in(const u64 *set, int fd)
{
	return set[fd / FD_WORD_BITS] & (1ul << (fd % FD_WORD_BITS));
}

/* Mark fd in set if it is ready that way; 1 if it is (select counts each bit). */
static int answer(u64 *set, int fd, u64 bit, bool ready)
{
	if (ready)
		set[fd / FD_WORD_BITS] |= bit;
	return ready;
}

#define SELECT_IN (POLLIN | POLLRDNORM | POLLHUP | POLLERR)
#define SELECT_OUT (POLLOUT | POLLWRNORM | POLLERR)
#define SELECT_EX POLLPRI

/*
 * select in terms of poll: each descriptor in any set becomes a pollfd,
 * and the answers go back into the sets.  A descriptor named in a set
 * that is not open is EBADF, as Linux says.
 */
static long do_select(int nfds, u64 *uin, u64 *uout, u64 *uex, u64 deadline)
{
	unsigned int words = (nfds + FD_WORD_BITS - 1) / FD_WORD_BITS, n = 0;
	struct fd_sets s = { NULL, NULL, NULL };
	struct pollfd_k *fds = NULL;
	long ret;

	if (nfds < 0)
		return -EINVAL;
	if ((unsigned int)nfds > current->files->max_fds)
		nfds = current->files->max_fds;
	ret = get_fd_set(&s.in, uin, words);
	if (!ret)
		ret = get_fd_set(&s.out, uout, words);
	if (!ret)
		ret = get_fd_set(&s.ex, uex, words);
	if (!ret && !(fds = kmalloc(sizeof(*fds) * (nfds ? nfds : 1), GFP_KERNEL)))
		ret = -ENOMEM;
	for (int fd = 0; !ret && fd < nfds; fd++) {
		short events = (fd_in(s.in, fd) ? SELECT_IN : 0) | (fd_in(s.out, fd) ? SELECT_OUT : 0) |
			       (fd_in(s.ex, fd) ? SELECT_EX : 0);

		if (events)
			fds[n++] = (struct pollfd_k){ .fd = fd, .events = events };
	}
	if (!ret)
		ret = do_poll(fds, n, deadline);
	if (ret >= 0) {
		ret = 0;
		memset(s.in, 0, words * sizeof(u64));
		memset(s.out, 0, words * sizeof(u64));
		memset(s.ex, 0, words * sizeof(u64));
		for (unsigned int i = 0; i < n && ret >= 0; i++) {
			int fd = fds[i].fd;
			u64 bit = 1ul << (fd % FD_WORD_BITS);

			if (fds[i].revents & POLLNVAL) {
				ret = -EBADF;
				break;
			}
			ret += answer(s.in, fd, bit, fds[i].events & fds[i].revents & SELECT_IN);
			ret += answer(s.out, fd, bit, fds[i].events & fds[i].revents & SELECT_OUT);
			ret += answer(s.ex, fd, bit, fds[i].events & fds[i].revents & SELECT_EX);
		}
	}
	if (ret >= 0 && ((uin && copy_to_user(uin, s.in, words * sizeof(u64))) ||
			 (uout && copy_to_user(uout, s.out, words * sizeof(u64))) ||
			 (uex && copy_to_user(uex, s.ex, words * sizeof(u64)))))
		ret = -EFAULT;
	kfree(fds);
	kfree(s.in);
	kfree(s.out);
	kfree(s.ex);
	return ret;
}

/* The timeval select takes and updates (as Linux does, with the time left). */
struct timeval_k {
	long tv_sec;
	long tv_usec;
};

long sys_select(int nfds, u64 *uin, u64 *uout, u64 *uex, struct timeval_k *utv)
{
	struct timeval_k tv;
	u64 deadline = 0;
	long ret;

	if (utv) {
		if (copy_from_user(&tv, utv, sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return -EINVAL;
		deadline = deadline_in((u64)tv.tv_sec * NSEC_PER_SEC + (u64)tv.tv_usec * 1000);
	}
	ret = do_select(nfds, uin, uout, uex, deadline);
	if (utv) {
		u64 now = clock_ns(), left = deadline != ~0ul && deadline > now ? deadline - now : 0;

		tv = (struct timeval_k){ left / NSEC_PER_SEC, left % NSEC_PER_SEC / 1000 };
		if (copy_to_user(utv, &tv, sizeof(tv)))
			ret = ret < 0 ? ret : -EFAULT;
	}
	return ret;
}

/* pselect6's sixth argument: the mask and its size, packed (Linux's layout). */
struct sigset_arg {
	const sigset_t *mask;
	size_t size;
};

long sys_pselect6(int nfds, u64 *uin, u64 *uout, u64 *uex, const struct timespec_k *uts,
		  const struct sigset_arg *usig)
{
	struct sigset_arg sig = { NULL, 0 };
	u64 deadline;
	long ret = timespec_deadline(uts, &deadline);

	if (!ret && usig && copy_from_user(&sig, usig, sizeof(sig)))
		ret = -EFAULT;
	if (!ret)
		ret = set_wait_mask(sig.mask, sig.size);
	if (ret)
		return ret;
	ret = do_select(nfds, uin, uout, uex, deadline);
	end_wait_mask(sig.mask, ret);
	return ret;
}
