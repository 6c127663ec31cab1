/* Self-tests for kernel threads, wait queues, sleeping locks and timers. */
#include <errno.h>
#include <ktest.h>
#include <mutex.h>
#include <sched.h>
#include <time.h>
#include <timer.h>

struct thread_probe {
	struct completion done;
	int value;
};

static void set_value_and_finish(void *arg)
{
	struct thread_probe *p = arg;

	p->value = 42;
	complete(&p->done);
}

KTEST(kthread_runs_and_completes)
{
	struct thread_probe p = { .value = 0 };

	completion_init(&p.done);
	if (!KEXPECT(kthread_create(set_value_and_finish, &p, "ktest") != NULL))
		return;
	wait_for_completion(&p.done);
	KEXPECT_EQ(p.value, 42);
}

struct queue_probe {
	struct spinlock lock;
	struct wait_queue wq;
	bool ready;		/* lock */
	int seen;
	struct completion done;
};

static void wait_until_ready(void *arg)
{
	struct queue_probe *q = arg;

	spin_lock(&q->lock);
	while (!q->ready)
		wait_sleep(&q->wq, &q->lock, false);
	q->seen = 1;
	spin_unlock(&q->lock);
	complete(&q->done);
}

KTEST(wait_queue_wakes_a_sleeper)
{
	struct queue_probe q = { .ready = false };

	spin_init(&q.lock, "probe");
	wait_queue_init(&q.wq);
	completion_init(&q.done);
	kthread_create(wait_until_ready, &q, "ktest");
	yield();	/* let it go to sleep */
	KEXPECT_EQ(q.seen, 0);
	spin_lock(&q.lock);
	q.ready = true;
	wake_up(&q.wq);
	spin_unlock(&q.lock);
	wait_for_completion(&q.done);
	KEXPECT_EQ(q.seen, 1);
}

#define MUTEX_THREADS 4
#define MUTEX_ROUNDS 200

struct mutex_probe {
	struct mutex m;
	int counter;		/* m */
	int inside;		/* m: tasks inside the critical section */
	int max_inside;
	struct completion done[MUTEX_THREADS];
};

static struct mutex_probe mp;

static void contend(void *arg)
{
	struct completion *done = arg;

	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		mutex_lock(&mp.m);
		int before = mp.counter;
		if (++mp.inside > mp.max_inside)
			mp.max_inside = mp.inside;
		yield();	/* give the others every chance to break in */
		mp.counter = before + 1;
		mp.inside--;
		mutex_unlock(&mp.m);
	}
	complete(done);
}

KTEST(mutex_excludes_under_contention)
{
	mutex_init(&mp.m, "ktest");
	mp.counter = mp.inside = mp.max_inside = 0;
	for (int i = 0; i < MUTEX_THREADS; i++) {
		completion_init(&mp.done[i]);
		kthread_create(contend, &mp.done[i], "ktest");
	}
	for (int i = 0; i < MUTEX_THREADS; i++)
		wait_for_completion(&mp.done[i]);
	KEXPECT_EQ(mp.counter, MUTEX_THREADS * MUTEX_ROUNDS);
	KEXPECT_EQ(mp.max_inside, 1);
	KEXPECT(mutex_trylock(&mp.m));
	KEXPECT(!mutex_trylock(&mp.m));
	mutex_unlock(&mp.m);
}

struct rwsem_probe {
	struct rwsem sem;
	int readers_inside;	/* how many hold it shared at once */
	int max_readers;
	struct completion in, release, done;
};

static void hold_shared(void *arg)
{
	struct rwsem_probe *r = arg;

	down_read(&r->sem);
	r->readers_inside++;
	complete(&r->in);
	wait_for_completion(&r->release);
	r->readers_inside--;
	up_read(&r->sem);
	complete(&r->done);
}

KTEST(rwsem_shares_readers_excludes_writer)
{
	static struct rwsem_probe r;

	rwsem_init(&r.sem, "ktest");
	completion_init(&r.in);
	completion_init(&r.release);
	completion_init(&r.done);
	r.readers_inside = 0;
	kthread_create(hold_shared, &r, "ktest");
	wait_for_completion(&r.in);
	down_read(&r.sem);	/* a second reader gets in while the first holds it */
	KEXPECT_EQ(r.readers_inside, 1);
	up_read(&r.sem);
	complete(&r.release);
	down_write(&r.sem);	/* only once the reader has left */
	KEXPECT_EQ(r.readers_inside, 0);
	KEXPECT(rwsem_is_write_locked_by_me(&r.sem));
	up_write(&r.sem);
	wait_for_completion(&r.done);
}

KTEST(sleep_and_timeouts)
{
	struct wait_queue wq;
	u64 t0 = clock_ns();

	sleep_ns(30 * 1000000ul);
	KEXPECT(clock_ns() - t0 >= 30 * 1000000ul);
	wait_queue_init(&wq);
	t0 = clock_ns();
	KEXPECT_EQ(wait_sleep_timeout(&wq, NULL, false, 20 * 1000000ul), -ETIMEDOUT);
	KEXPECT(clock_ns() - t0 >= 20 * 1000000ul);
}

static void complete_from_timer(struct timer *t)
{
	complete(t->data);
}

KTEST(timer_fires_and_cancels)
{
	struct completion c;
	struct timer t1, t2;
	u64 t0 = clock_ns();

	completion_init(&c);
	timer_add(&t1, t0 + 20 * 1000000ul, complete_from_timer, &c);
	timer_add(&t2, t0 + 5 * NSEC_PER_SEC, complete_from_timer, &c);
	KEXPECT(timer_cancel(&t2));	/* never fires */
	wait_for_completion(&c);
	KEXPECT(clock_ns() - t0 >= 20 * 1000000ul);
	KEXPECT(!timer_cancel(&t1));	/* already fired */
}
