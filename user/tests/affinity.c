/*
 * CPU affinity: sched_setaffinity, sched_getaffinity and getcpu.
 *
 * The tests use the CPUs the program is allowed at start (a container's
 * cpuset on the host, all CPUs on Pagoda), at most four of them, so they
 * mean something at -smp 1 and at -smp 4 alike.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TRIED 4

/* The first (up to MAX_TRIED) CPUs we may run on; returns how many. */
static int allowed_cpus(int cpus[MAX_TRIED])
{
	cpu_set_t set;
	int n = 0;

	REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
	for (int c = 0; c < CPU_SETSIZE && n < MAX_TRIED; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	REQUIRE(n > 0);
	return n;
}

static int pin(pid_t pid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(pid, sizeof(set), &set);
}

TEST(pinning_the_caller_moves_it_there)
{
	int cpus[MAX_TRIED], n = allowed_cpus(cpus);

	for (int i = 0; i < n; i++) {
		cpu_set_t got;

		CHECK_OK(pin(0, cpus[i]));
		for (int k = 0; k < 20; k++) {	/* and it stays */
			CHECK_EQ(sched_getcpu(), cpus[i]);
			sched_yield();
		}
		CHECK_OK(sched_getaffinity(0, sizeof(got), &got));
		CHECK_EQ(CPU_COUNT(&got), 1);
		CHECK(CPU_ISSET(cpus[i], &got));
	}
}

static void *report_mask(void *arg)
{
	cpu_set_t *set = arg;

	CHECK_OK(sched_getaffinity(0, sizeof(*set), set));
	return NULL;
}

TEST(affinity_is_inherited_by_children_and_threads)
{
	int cpus[MAX_TRIED], n = allowed_cpus(cpus), last = cpus[n - 1], status;
	cpu_set_t from_thread;
	pthread_t t;
	pid_t pid;

	CHECK_OK(pin(0, last));
	pid = fork();
	if (pid == 0) {
		cpu_set_t set;

		_exit(sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) == 1 &&
		      CPU_ISSET(last, &set) && sched_getcpu() == last ? 0 : 1);
	}
	status = wait_status(pid);
	CHECK(exited_with(status, 0));
	start_thread(&t, report_mask, &from_thread);
	join(t);
	CHECK_EQ(CPU_COUNT(&from_thread), 1);
	CHECK(CPU_ISSET(last, &from_thread));
}

/* Another thread, pinned by its thread id, ends up on that CPU. */
static volatile int stop_spinning;
static volatile int seen_cpu = -1;

static void *spin_and_watch(void *arg)
{
	(void)arg;
	while (!stop_spinning)
		seen_cpu = sched_getcpu();
	return NULL;
}

static pid_t spinner_tid;

static void *spin_recording_tid(void *arg)
{
	spinner_tid = gettid_();
	return spin_and_watch(arg);
}

TEST(pinning_another_thread_moves_it)
{
	int cpus[MAX_TRIED], n = allowed_cpus(cpus);
	pthread_t t;

	start_thread(&t, spin_recording_tid, NULL);
	CHECK(EVENTUALLY(spinner_tid != 0));
	for (int i = n - 1; i >= 0; i--) {
		CHECK_OK(pin(spinner_tid, cpus[i]));
		CHECK(EVENTUALLY(seen_cpu == cpus[i]));
	}
	stop_spinning = 1;
	join(t);
}

TEST(bad_masks_and_pids_are_refused)
{
	cpu_set_t none, set;
	unsigned long small;

	CPU_ZERO(&none);
	REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
	CHECK_ERR(sched_setaffinity(0, sizeof(none), &none), EINVAL);	/* no CPU at all */
	CHECK_ERR(sched_setaffinity(999999999, sizeof(set), &set), ESRCH);
	CHECK_ERR(sched_setaffinity(999999999, sizeof(none), &none), ESRCH);	/* the pid first */
	CHECK_ERR(sched_getaffinity(999999999, sizeof(set), &set), ESRCH);
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 4, &small), EINVAL);	/* shorter than a word */
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 12, &set), EINVAL);	/* not whole words */
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof(set), (void *)1), EFAULT);
	CHECK_ERR(syscall(SYS_sched_setaffinity, 0, sizeof(set), (void *)1), EFAULT);
	/* The raw call says how many bytes of mask it wrote. */
	CHECK(syscall(SYS_sched_getaffinity, 0, sizeof(set), &set) >= 8);
}
