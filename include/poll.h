/*
 * poll, select and their relatives (fs/select.c), and what a file's
 * ->poll reports.  The event bits are Linux's.
 */
#ifndef PAGODA_POLL_H
#define PAGODA_POLL_H

#include <types.h>
#include <wait.h>

#define POLLIN 0x001		/* data to read (or EOF) */
#define POLLPRI 0x002
#define POLLOUT 0x004		/* room to write */
#define POLLERR 0x008		/* the other end is gone (a pipe's reader) */
#define POLLHUP 0x010		/* hung up (a pipe's writers are gone) */
#define POLLNVAL 0x020		/* not an open descriptor */
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

/* What a file that has no ->poll is: always ready both ways (regular files, /proc). */
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

struct poll_entry {
	struct waiter waiter;
	struct wait_queue *wq;
};

/*
 * The queues one poll call waits on.  ->poll calls poll_wait for each
 * queue whose wake-ups may change its answer, then reports what is ready
 * now; only the first round registers (queueing), later rounds just ask.
 */
struct poll_table {
	struct poll_entry *entries;
	unsigned int n, max;
	bool queueing;
	bool woken;		/* set by any wake-up on the queues */
};

void poll_wait(struct wait_queue *wq, struct poll_table *pt);

#endif
