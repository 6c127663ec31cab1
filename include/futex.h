/*
 * Futexes: "fast user-space mutexes", the one blocking primitive that
 * musl's and glibc's pthreads build everything on (mutexes, condition
 * variables, pthread_join, semaphores).  User space keeps the lock word
 * and takes the uncontended path with atomic instructions alone; it calls
 * futex(2) only to sleep until the word changes, or to wake sleepers after
 * changing it.  See kernel/futex.c for how waiters are found and how the
 * "check the word, then sleep" step is made atomic against wakers.
 *
 * Clocks: FUTEX_WAIT's timeout is relative (CLOCK_MONOTONIC);
 * FUTEX_WAIT_BITSET's is an absolute time on CLOCK_MONOTONIC, or on
 * CLOCK_REALTIME with FUTEX_CLOCK_REALTIME.  The latter needs
 * realtime_offset() (time.h).
 */
#ifndef PAGODA_FUTEX_H
#define PAGODA_FUTEX_H

#include <time.h>
#include <types.h>

/* Operations (Linux numbering); the ones missing here give ENOSYS. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10

/* Flags or-ed into the operation. */
#define FUTEX_PRIVATE_FLAG 128		/* only this address space uses the word */
#define FUTEX_CLOCK_REALTIME 256	/* FUTEX_WAIT_BITSET's deadline is on CLOCK_REALTIME */
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

#define FUTEX_BITSET_MATCH_ANY 0xffffffffu	/* what FUTEX_WAIT and FUTEX_WAKE use */

/*
 * The system call, with Linux's arguments: timeout is a user pointer for
 * the two waits, and for the requeues its value is the number of waiters
 * to move (val is always the number to wake).  Returns the number of tasks
 * woken (and moved), 0 after a wait that was woken, or a negative errno.
 */
long sys_futex(u32 *uaddr, int op, u32 val, const struct timespec_k *timeout, u32 *uaddr2,
	       u32 val3);

/*
 * Wake up to n tasks waiting on the word at uaddr in the current address
 * space, for thread exit (CLONE_CHILD_CLEARTID).  Like Linux's, this is a
 * shared (not FUTEX_PRIVATE_FLAG) wake: musl and glibc wait for it with
 * shared FUTEX_WAITs (pthread_join, musl's thread-list lock), and a
 * private wake would not find them.  Returns the number woken or -errno.
 */
int futex_wake(u32 *uaddr, int n);

#endif
