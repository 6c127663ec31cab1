/*
 * CPU time: how long each thread has run in user mode and in the kernel
 * (kernel/cputime.c), and the forms it is reported in.
 */
#ifndef PAGODA_CPUTIME_H
#define PAGODA_CPUTIME_H

#include <types.h>

struct task;
struct thread_group;

/* Linux's clock tick for user space (times, /proc): 1/100 s whatever HZ is. */
#define USER_HZ 100

/* struct rusage as x86-64 Linux lays it out: the two times, then 14 longs. */
struct rusage_k {
	long utime_sec, utime_usec, stime_sec, stime_usec;
	long rest[14];
};

#define RU_MINFLT 4	/* ru_minflt's place in rest[] */

/* A process's CPU time so far: user and system, in ns. */
struct cputime {
	u64 user_ns, system_ns;
};

/*
 * The crossings that are accounted, each on the CPU of the current task:
 * into the kernel from user mode (a system call, interrupt or exception),
 * back out to user mode (interrupts off), and a switch from prev to next
 * (rq_lock held).
 */
void account_enter_kernel(void);
void account_return_to_user(void);
void account_switch(struct task *prev, struct task *next);

/* The current thread's own CPU time, up to now. */
struct cputime thread_cputime(void);
/* A process's: its threads', live and exited; tasklist_lock held. */
struct cputime process_cputime(struct thread_group *tg);
/* The current process's, up to now. */
struct cputime current_process_cputime(void);
/* A child's and its waited-for children's (wait4's rusage; the parent's when reaped); tasklist_lock held. */
struct cputime cputime_of_child(struct thread_group *child);
/* The current thread leaves its time to its process as it exits; tasklist_lock held. */
void cputime_thread_exited(void);

static inline struct cputime cputime_add(struct cputime a, struct cputime b)
{
	return (struct cputime){ a.user_ns + b.user_ns, a.system_ns + b.system_ns };
}

/* ns in Linux's clock ticks (clock_t: times, /proc/PID/stat, /proc/stat). */
static inline unsigned long ns_to_clock_t(u64 ns)
{
	return ns / (1000000000ul / USER_HZ);
}

/* struct rusage with the two times filled in, the rest zero. */
void rusage_from_cputime(struct rusage_k *ru, struct cputime t);

#endif
