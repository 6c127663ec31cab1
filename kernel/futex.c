/*
 * Futexes (see futex.h), with Linux's semantics.
 *
 * Keys.  A waiter is filed under a key naming the word it waits on, so
 * that any task using the same word finds it:
 *   - FUTEX_PRIVATE_FLAG: (this mm, address).  Only threads sharing the mm
 *     can meet; no VMA is looked at.
 *   - shared, in a MAP_SHARED file mapping: (the file's page cache
 *     mapping, byte position in the file).  Every process mapping that
 *     part of the file, at any address, meets there.  Shared anonymous
 *     memory is an unlinked tmpfs file (mm/mmap.c), so this is also what
 *     lets a futex in MAP_SHARED|MAP_ANONYMOUS memory work across fork.
 *     The key holds a reference on the inode while it is in use, so the
 *     mapping cannot be freed and its address reused by another file,
 *     which would let unrelated futexes match.
 *   - shared, anywhere else (private memory, MAP_PRIVATE files included):
 *     (this mm, address), but a different kind from the private key: as
 *     on Linux, a private wake does not wake a shared wait on the same
 *     word, nor the reverse.
 *
 * Buckets.  Waiters (struct futex_q, on the waiting task's stack) sit in a
 * fixed hash table of buckets, each a spinlock and a list, in arrival
 * order.  The waiter reads the word with the bucket lock held and queues
 * itself before dropping it; a waker changes the word, then takes the
 * same lock to look for waiters.  If the waker gets the lock first, the
 * waiter's read sees the new word; if second, it finds the waiter queued:
 * no wake-up is lost.  The read cannot fault under a spinlock:
 * it runs with page faults disabled, and when the page is not there the
 * waiter drops everything, faults the page in and starts again.
 *
 * Sleeping and waking.  Each futex_q has a wait queue of its own, with its
 * task as the only sleeper; wait_sleep() gives up the bucket lock only
 * once the task is marked asleep.  A waker takes the futex_q off its list
 * and wakes it, all under the bucket lock.  Afterwards the waiter always
 * takes its bucket lock once more (to take itself off after a timeout or
 * a signal, or just to see that a waker did); that also tells it the
 * waker has let go of the futex_q, which lives on the waiter's stack.
 *
 * Requeue moves waiters to another key, and so maybe to another bucket,
 * with both bucket locks held.  A waiter looking for its bucket therefore
 * re-reads q->bucket after locking, and follows it if it moved.
 *
 * Lock order: mm->mmap_lock (only while computing a key, never with a
 * bucket lock held) -> bucket locks (two only in requeue, lower address
 * first) -> inode->i_lock (ihold), and q->wq.lock -> rq_lock (wait.c).
 *
 * Where Linux differs: it keys a MAP_PRIVATE file page by the file until
 * the page is copied on write; it refuses (EFAULT) a shared futex in
 * read-only private memory; it pins no inode, naming files by a sequence
 * number that is never reused instead; it restarts timed waits with the
 * time left (see futex_wait); and it has FUTEX_WAKE_OP and the PI
 * operations, which give ENOSYS here (musl uses neither for its
 * pthreads; FUTEX_LOCK_PI's ENOSYS makes musl refuse PTHREAD_PRIO_INHERIT).
 */
#include <errno.h>
#include <fs.h>
#include <futex.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <usercopy.h>
#include <vm.h>

/* Deadlines are capped here (146 years), so that clock_ns() + a sleep never overflows. */
#define FAR_FUTURE_NS (1ul << 62)

enum futex_key_kind {
	KEY_PRIVATE = 1,	/* FUTEX_PRIVATE_FLAG: object is the mm */
	KEY_MM_SHARED,		/* shared flag, private memory: object is the mm */
	KEY_FILE,		/* shared flag, MAP_SHARED file or shmem: object is the mapping */
};

struct futex_key {
	enum futex_key_kind kind;
	const void *object;
	u64 pos;		/* user address, or byte position in the file */
	struct inode *inode;	/* KEY_FILE: the key's reference, keeping object alive */
};

struct futex_bucket {
	struct spinlock lock;
	struct list_head waiters;	/* lock: struct futex_q.link, oldest first */
};

/* A task waiting on a futex; it lives on that task's stack. */
struct futex_q {
	struct list_head link;		/* bucket->lock: on bucket->waiters while queued */
	struct futex_bucket *bucket;	/* where it is, or was last: see bucket_lock_of */
	struct futex_key key;		/* bucket->lock: requeue may change it */
	bool queued;			/* bucket->lock: false once a waker took it off */
	u32 bitset;			/* fixed: FUTEX_WAKE_BITSET must share a bit */
	struct wait_queue wq;		/* its task sleeps here, alone */
};

#define FUTEX_HASH_BITS 7

/* The lists start zeroed (a static table cannot point at itself): see bucket_lock. */
static struct futex_bucket buckets[1 << FUTEX_HASH_BITS] = {
	[0 ... (1 << FUTEX_HASH_BITS) - 1] = { .lock = SPINLOCK_INIT("futex_bucket") },
};

/* ---- keys ---- */

static bool key_match(const struct futex_key *a, const struct futex_key *b)
{
	return a->kind == b->kind && a->object == b->object && a->pos == b->pos;
}

/* Another reference for a copy of key (requeue hands one to each moved waiter). */
static void key_hold(const struct futex_key *key)
{
	if (key->kind == KEY_FILE)
		ihold(key->inode);
}

/* Drop key's reference; may sleep (the last iput frees the file's pages). */
static void key_put(const struct futex_key *key)
{
	if (key->kind == KEY_FILE)
		iput(key->inode);
}

/* A shared futex's key: it depends on what the VMA at addr maps. */
static int shared_key(struct mm *mm, u64 addr, struct futex_key *key)
{
	struct vm_area *v;
	int err = 0;

	down_read(&mm->mmap_lock);
	v = find_vma(mm, addr);
	if (!v || !(v->flags & (VM_READ | VM_WRITE | VM_EXEC))) {
		err = -EFAULT;
	} else if ((v->flags & VM_SHARED) && v->file) {
		key->kind = KEY_FILE;
		key->object = v->file->f_mapping;
		key->pos = (v->pgoff << PAGE_SHIFT) + (addr - v->start);
		key->inode = v->file->f_inode;
		ihold(key->inode);
	} else {
		key->kind = KEY_MM_SHARED;
	}
	up_read(&mm->mmap_lock);
	return err;
}

/* The key for the word at uaddr, holding a reference: release it with key_put. */
static int key_get(u32 *uaddr, bool shared, struct futex_key *key)
{
	u64 addr = (u64)uaddr;
	struct mm *mm = current->mm;

	if (!IS_ALIGNED(addr, sizeof(u32)))
		return -EINVAL;
	if (!mm || !access_ok(uaddr, sizeof(u32)))
		return -EFAULT;
	*key = (struct futex_key){ .kind = KEY_PRIVATE, .object = mm, .pos = addr };
	return shared ? shared_key(mm, addr, key) : 0;
}

/* ---- buckets ---- */

static struct futex_bucket *bucket_of(const struct futex_key *key)
{
	u64 h = ((u64)key->object ^ key->pos ^ key->kind) * 0x9e3779b97f4a7c15ul;

	return &buckets[h >> (64 - FUTEX_HASH_BITS)];
}

static void bucket_lock(struct futex_bucket *b, unsigned int subclass)
{
	spin_lock_nested(&b->lock, subclass);
	if (!b->waiters.next)
		list_init(&b->waiters);	/* first use */
}

/* Lock two buckets (maybe the same one) in address order, so two requeues cannot deadlock. */
static void bucket_lock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	if (a > b) {
		struct futex_bucket *t = a;

		a = b;
		b = t;
	}
	bucket_lock(a, 0);
	if (b != a)
		bucket_lock(b, SINGLE_DEPTH_NESTING);	/* the address order is the nesting */
}

static void bucket_unlock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	if (b != a)
		spin_unlock(&b->lock);
	spin_unlock(&a->lock);
}

/* Lock the bucket q is in, following it if a requeue moves it meanwhile. */
static struct futex_bucket *bucket_lock_of(struct futex_q *q)
{
	for (;;) {
		struct futex_bucket *b = READ_ONCE(q->bucket);

		bucket_lock(b, 0);
		if (b == READ_ONCE(q->bucket))
			return b;	/* it only moves with this lock held: it stays */
		spin_unlock(&b->lock);
	}
}

/* Walk a bucket's waiters, allowing the current one to be taken off. */
#define for_each_waiter_safe(q, next, b)                                               \
	for (q = list_entry((b)->waiters.next, struct futex_q, link),                    \
	    next = list_entry(q->link.next, struct futex_q, link);                        \
	     &q->link != &(b)->waiters;                                                   \
	     q = next, next = list_entry(next->link.next, struct futex_q, link))

/* ---- the futex word ---- */

/*
 * Read the word with page faults disabled, so under a spinlock: 0, or
 * -EFAULT if its page is not mapped in right now (or never can be).  The
 * copy reads the aligned 8 bytes around the word: that is a single
 * 8-byte load in raw_copy_user (mm/usercopy_asm.asm), so the word cannot
 * be seen half old and half new, as it could byte by byte; and an
 * aligned quad never crosses into the next page.
 */
static int read_word_atomic(const u32 *uaddr, u32 *val)
{
	u64 addr = (u64)uaddr, quad;
	size_t left;

	pagefault_disable();
	left = copy_from_user_atomic(&quad, (const void *)ALIGN_DOWN(addr, 8), sizeof(quad));
	pagefault_enable();
	if (left)
		return -EFAULT;
	*val = (u32)(quad >> (8 * (addr & 4)));	/* little-endian: the upper half at +4 */
	return 0;
}

/* After read_word_atomic failed, with no lock held: can the word be read at all? */
static int fault_in_word(const u32 *uaddr)
{
	return fault_in_readable(uaddr, sizeof(u32)) ? -EFAULT : 0;
}

/* ---- waiting ---- */

static void queue_waiter(struct futex_q *q, struct futex_bucket *b)
{
	list_add_tail(&q->link, &b->waiters);
	q->bucket = b;
	q->queued = true;
}

/* Take q off its list and wake its task, q's bucket locked; q may go once it is unlocked. */
static void wake_waiter(struct futex_q *q)
{
	list_del(&q->link);
	q->queued = false;
	wake_up(&q->wq);
}

/* Move q to key (and to `to`, key's bucket); both buckets locked. */
static void requeue_waiter(struct futex_q *q, struct futex_bucket *from, struct futex_bucket *to,
			   const struct futex_key *key)
{
	key_hold(key);	/* q's own; the caller drops its old one after unlocking */
	q->key = *key;
	if (to != from) {
		list_del(&q->link);
		list_add_tail(&q->link, &to->waiters);
		WRITE_ONCE(q->bucket, to);
	}
}

/*
 * Take q's key, lock its bucket and, if the word still holds val, queue
 * q: then return 0 with the bucket still locked.  Otherwise nothing is
 * held and the result is -EAGAIN, -EFAULT or -EINVAL.
 */
static int wait_setup(struct futex_q *q, u32 *uaddr, bool shared, u32 val)
{
	for (;;) {
		struct futex_bucket *b;
		u32 now;
		int err = key_get(uaddr, shared, &q->key);

		if (err)
			return err;
		b = bucket_of(&q->key);
		bucket_lock(b, 0);
		err = read_word_atomic(uaddr, &now);
		if (!err && now == val) {
			queue_waiter(q, b);
			return 0;
		}
		spin_unlock(&b->lock);
		key_put(&q->key);
		if (!err)
			return -EAGAIN;
		err = fault_in_word(uaddr);
		if (err)
			return err;
		/* The page is in: compute the key again, the mapping may have changed meanwhile. */
	}
}

/* Sleep, queued in b (locked), until woken, signalled or past the deadline; unlocks b. */
static void sleep_queued(struct futex_q *q, struct futex_bucket *b, const u64 *deadline)
{
	u64 now = clock_ns();

	if (!deadline)
		wait_sleep(&q->wq, &b->lock, true);
	else if (now < *deadline)
		wait_sleep_timeout(&q->wq, &b->lock, true, *deadline - now);
	spin_unlock(&b->lock);	/* wait_sleep took back the lock it was given */
}

/* Take q off its bucket unless a waker did: true if it was still queued (so not woken). */
static bool unqueue(struct futex_q *q)
{
	struct futex_bucket *b = bucket_lock_of(q);
	bool was_queued = q->queued;

	if (was_queued) {
		list_del(&q->link);
		q->queued = false;
	}
	spin_unlock(&b->lock);
	return was_queued;
}

/*
 * FUTEX_WAIT(_BITSET): sleep while the word holds val, until a wake whose
 * bitset shares a bit with ours, the deadline (monotonic; NULL for none)
 * or a signal.  After a signal, a wait without a timeout is restarted
 * (-ERESTARTSYS: after a handler too if it has SA_RESTART, as on Linux).
 * Linux restarts a timed wait through restart_syscall with the time left,
 * and only when no handler ran; Pagoda has no restart_syscall, so a timed
 * wait gives -ERESTARTNOHAND: EINTR after a handler (as on Linux), and
 * otherwise restarted in full, with FUTEX_WAIT's relative timeout again.
 */
static long futex_wait(u32 *uaddr, bool shared, u32 val, u32 bitset, const u64 *deadline)
{
	struct futex_q q = { .bitset = bitset };

	if (!bitset)
		return -EINVAL;
	wait_queue_init(&q.wq);
	for (;;) {
		bool woken;
		int err = wait_setup(&q, uaddr, shared, val);

		if (err)
			return err;
		sleep_queued(&q, q.bucket, deadline);
		woken = !unqueue(&q);
		key_put(&q.key);	/* the key q ended with: requeue may have changed it */
		if (woken)
			return 0;
		if (deadline && clock_ns() >= *deadline)
			return -ETIMEDOUT;
		if (signal_pending(current))
			return deadline ? -ERESTARTNOHAND : -ERESTARTSYS;
		/* Woken by nothing we know of: check the word and wait again, as Linux does. */
	}
}

/* ---- waking ---- */

/*
 * FUTEX_WAKE(_BITSET): wake up to nr_wake waiters on the word whose bitset
 * shares a bit with ours, oldest first.  As on Linux, nr_wake <= 0 still
 * wakes one.
 */
static long futex_wake_bitset(u32 *uaddr, bool shared, int nr_wake, u32 bitset)
{
	struct futex_key key;
	struct futex_bucket *b;
	struct futex_q *q, *next;
	long woken = 0;
	int err;

	if (!bitset)
		return -EINVAL;
	err = key_get(uaddr, shared, &key);
	if (err)
		return err;
	b = bucket_of(&key);
	bucket_lock(b, 0);
	for_each_waiter_safe(q, next, b) {
		if (!key_match(&q->key, &key) || !(q->bitset & bitset))
			continue;
		wake_waiter(q);
		if (++woken >= nr_wake)
			break;
	}
	spin_unlock(&b->lock);
	key_put(&key);
	return woken;
}

int futex_wake(u32 *uaddr, int n)
{
	return (int)futex_wake_bitset(uaddr, true, n, FUTEX_BITSET_MATCH_ANY);
}

/* CMP_REQUEUE's check, both buckets locked: 0, -EAGAIN, or -EFAULT (fault the page in, retry). */
static int check_word(const u32 *uaddr, const u32 *expected)
{
	u32 now;
	int err;

	if (!expected)
		return 0;	/* plain FUTEX_REQUEUE */
	err = read_word_atomic(uaddr, &now);
	if (err)
		return err;
	return now == *expected ? 0 : -EAGAIN;
}

/*
 * FUTEX_(CMP_)REQUEUE: wake up to nr_wake waiters on uaddr1, then move up
 * to nr_requeue more to uaddr2, so that a condition-variable broadcast
 * does not wake every waiter only for all but one to block on the mutex.
 * With expected, only if uaddr1 still holds it.  Bitsets are ignored,
 * as on Linux.  Returns how many were woken and moved.
 */
static long futex_requeue(u32 *uaddr1, bool shared, u32 *uaddr2, int nr_wake, int nr_requeue,
			  const u32 *expected)
{
	struct futex_key key1, key2;
	struct futex_bucket *b1, *b2;
	struct futex_q *q, *next;
	long done = 0, moved = 0;
	int err;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	for (;;) {
		err = key_get(uaddr1, shared, &key1);
		if (err)
			return err;
		err = key_get(uaddr2, shared, &key2);
		if (err) {
			key_put(&key1);
			return err;
		}
		b1 = bucket_of(&key1);
		b2 = bucket_of(&key2);
		bucket_lock_two(b1, b2);
		err = check_word(uaddr1, expected);
		if (err != -EFAULT)
			break;
		bucket_unlock_two(b1, b2);
		key_put(&key2);
		key_put(&key1);
		err = fault_in_word(uaddr1);
		if (err)
			return err;
	}
	if (!err) {
		for_each_waiter_safe(q, next, b1) {
			if (done - nr_wake >= nr_requeue)
				break;
			if (!key_match(&q->key, &key1))
				continue;
			if (++done <= nr_wake) {
				wake_waiter(q);
			} else {
				requeue_waiter(q, b1, b2, &key2);
				moved++;
			}
		}
	}
	bucket_unlock_two(b1, b2);
	while (moved--)
		key_put(&key1);	/* the references the moved waiters held on their old key */
	key_put(&key2);
	key_put(&key1);
	return err ? err : done;
}

/* ---- the system call ---- */

static bool op_has_timeout(int cmd)
{
	return cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET;
}

/* *ts in ns, capped at FAR_FUTURE_NS; -EINVAL if it is no valid timespec. */
static int timespec_ns(const struct timespec_k *ts, u64 *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	if ((u64)ts->tv_sec >= FAR_FUTURE_NS / NSEC_PER_SEC)
		*ns = FAR_FUTURE_NS;
	else
		*ns = (u64)ts->tv_sec * NSEC_PER_SEC + (u64)ts->tv_nsec;
	return 0;
}

static int copy_timeout(const struct timespec_k *user_ts, u64 *ns)
{
	struct timespec_k ts;

	if (copy_from_user(&ts, user_ts, sizeof(ts)))
		return -EFAULT;
	return timespec_ns(&ts, ns);
}

/* An absolute CLOCK_REALTIME time as a monotonic deadline (0 if already past). */
static int realtime_to_monotonic(u64 realtime_ns, u64 *deadline)
{
	u64 offset;

	offset = realtime_offset();
	*deadline = realtime_ns > offset ? realtime_ns - offset : 0;
	return 0;
}

/* The monotonic deadline of a wait whose timeout (as read) is ns. */
static int wait_deadline(int cmd, bool realtime, u64 ns, u64 *deadline)
{
	if (cmd == FUTEX_WAIT) {	/* relative */
		*deadline = MIN(clock_ns() + ns, FAR_FUTURE_NS);
		return 0;
	}
	if (realtime)
		return realtime_to_monotonic(ns, deadline);
	*deadline = ns;
	return 0;
}

long sys_futex(u32 *uaddr, int op, u32 val, const struct timespec_k *timeout, u32 *uaddr2,
	       u32 val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	bool shared = !(op & FUTEX_PRIVATE_FLAG), realtime = op & FUTEX_CLOCK_REALTIME;
	bool timed = timeout && op_has_timeout(cmd);
	int nr_requeue = (int)(u32)(u64)timeout;	/* what the requeues pass there */
	u64 ns = 0, deadline, *deadline_p = NULL;
	int err;

	/* Linux's order: a bad timeout is reported before a bad combination of flags. */
	if (timed) {
		err = copy_timeout(timeout, &ns);
		if (err)
			return err;
	}
	if (realtime && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	if (timed) {
		err = wait_deadline(cmd, realtime, ns, &deadline);
		if (err)
			return err;
		deadline_p = &deadline;
	}

	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(uaddr, shared, val, FUTEX_BITSET_MATCH_ANY, deadline_p);
	case FUTEX_WAIT_BITSET:
		return futex_wait(uaddr, shared, val, val3, deadline_p);
	case FUTEX_WAKE:
		return futex_wake_bitset(uaddr, shared, (int)val, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAKE_BITSET:
		return futex_wake_bitset(uaddr, shared, (int)val, val3);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, shared, uaddr2, (int)val, nr_requeue, NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, shared, uaddr2, (int)val, nr_requeue, &val3);
	default:
		return -ENOSYS;	/* FUTEX_FD (gone from Linux too), WAKE_OP, PI */
	}
}
