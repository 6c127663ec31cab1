/*
 * Threads and memory: page faults, munmap and mprotect racing between the
 * threads of one address space, and a raw clone(CLONE_THREAD | ...) whose
 * CLONE_CHILD_CLEARTID wakes its joiner (the rest of the thread tests are
 * in threads.c).
 *
 * Worker threads mostly record what they saw and leave the checks to the
 * main thread.  Anything that may end a process (exit_group from a worker,
 * a fatal signal, fork, execve) happens in a child of the test, which
 * reports through its exit status; such a child arms its own alarm, since
 * a forked child does not inherit the test's watchdog.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* musl's headers have no <linux/futex.h>. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

static pthread_barrier_t barrier;	/* lines the workers up */

/* ---- memory shared between threads ----------------------------------- */

static uint64_t *region;		/* seen as words: a byte-wise check, done faster */
static size_t region_pages;
static int fault_threads;

#define WORDS (PAGE / 8)

static uint64_t pattern(size_t page, size_t word)
{
	return (page << 20 | word) * 0x9e3779b97f4a7c15ULL;
}

/* Fill count pages from first on, every stride-th one. */
static void fill_pages(size_t first, size_t count, size_t stride)
{
	for (size_t k = 0, page = first; k < count; k++, page += stride)
		for (size_t w = 0; w < WORDS; w++)
			region[page * WORDS + w] = pattern(page, w);
}

static void *quarter_writer(void *arg)
{
	size_t i = (size_t)arg, per = region_pages / fault_threads;

	pthread_barrier_wait(&barrier);
	fill_pages(i * per, per, 1);
	return NULL;
}

static void *interleaved_writer(void *arg)
{
	size_t i = (size_t)arg;

	pthread_barrier_wait(&barrier);
	fill_pages(i, region_pages / fault_threads, fault_threads);
	return NULL;
}

/* Every thread writes its own word of every page: the same faults, at once. */
static void *same_page_writer(void *arg)
{
	size_t i = (size_t)arg;

	pthread_barrier_wait(&barrier);
	for (size_t page = 0; page < region_pages; page++)
		((volatile uint64_t *)region)[page * WORDS + i] = pattern(page, i);
	return NULL;
}

static void run_fault_threads(void *(*fn)(void *), int n, size_t pages)
{
	pthread_t t[16];

	region_pages = pages;
	fault_threads = n;
	region = mmap(NULL, pages * PAGE, RW, ANON, -1, 0);
	REQUIRE(region != MAP_FAILED);
	REQUIRE(pthread_barrier_init(&barrier, NULL, n) == 0);
	for (int i = 0; i < n; i++)
		start_thread(&t[i], fn, (void *)(intptr_t)i);
	for (int i = 0; i < n; i++)
		join(t[i]);
	pthread_barrier_destroy(&barrier);
}

/* Pages whose first `words' words differ from the pattern or whose rest is not zero. */
static size_t wrong_pages(size_t words)
{
	size_t bad = 0;

	for (size_t page = 0; page < region_pages; page++)
		for (size_t w = 0; w < WORDS; w++)
			if (region[page * WORDS + w] != (w < words ? pattern(page, w) : 0)) {
				bad++;
				break;
			}
	return bad;
}

TEST(parallel_page_faults_on_one_fresh_region)
{
	/* 8 MiB in quarters, one per thread. */
	run_fault_threads(quarter_writer, 4, 2048);
	CHECK_EQ(wrong_pages(WORDS), 0);
	CHECK_EQ(munmap(region, region_pages * PAGE), 0);

	/* 8 MiB, page i by thread i % 8: neighbours fault together. */
	run_fault_threads(interleaved_writer, 8, 2048);
	CHECK_EQ(wrong_pages(WORDS), 0);
	CHECK_EQ(munmap(region, region_pages * PAGE), 0);

	/* 4 MiB, 8 threads each writing every page: no write may be lost. */
	run_fault_threads(same_page_writer, 8, 1024);
	CHECK_EQ(wrong_pages(8), 0);
	CHECK_EQ(munmap(region, region_pages * PAGE), 0);
}

/*
 * A toucher thread reads and writes back a known pattern all over a
 * region while the main thread unmaps (or write-protects) it.  Once the
 * main thread has said the call returned, no access may succeed any more:
 * a stale TLB entry in another CPU would let it.
 */
#define TOUCH_PAGES 16
#define TOUCH_PATTERN 0xa5a5a5a5a5a5a5a5ULL
static volatile uint64_t *touch_region;
static atomic_int touch_changed;	/* munmap/mprotect has returned */
static atomic_long touch_passes, touch_late, touch_wrong;
static sigjmp_buf touch_jump;
static void *volatile touch_fault_addr;
static volatile int touch_fault_code;
static _Atomic pid_t touch_fault_tid, toucher_tid;

static void touch_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	touch_fault_addr = si->si_addr;
	touch_fault_code = si->si_code;
	atomic_store(&touch_fault_tid, gettid_());
	siglongjmp(touch_jump, 1);
}

static void *toucher(void *arg)
{
	int write = (int)(intptr_t)arg;

	atomic_store(&toucher_tid, gettid_());
	if (sigsetjmp(touch_jump, 1))
		return (void *)1;	/* faulted */
	for (;;) {
		for (size_t i = 0; i < TOUCH_PAGES * PAGE / 8; i += 64) {
			int changed = atomic_load(&touch_changed);

			atomic_signal_fence(memory_order_seq_cst);
			uint64_t v = touch_region[i];

			if (v != TOUCH_PATTERN)
				atomic_fetch_add(&touch_wrong, 1);
			if (write)
				touch_region[i] = TOUCH_PATTERN;
			atomic_signal_fence(memory_order_seq_cst);
			/* Worked after the change: give up soon rather than hang. */
			if (changed && atomic_fetch_add(&touch_late, 1) >= 100)
				return (void *)2;
		}
		atomic_fetch_add(&touch_passes, 1);
	}
}

static void start_toucher(pthread_t *t, int write)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = touch_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(SIGSEGV, &sa, NULL) == 0);
	touch_region = mmap(NULL, TOUCH_PAGES * PAGE, RW, ANON, -1, 0);
	REQUIRE(touch_region != MAP_FAILED);
	for (size_t i = 0; i < TOUCH_PAGES * PAGE / 8; i++)
		touch_region[i] = TOUCH_PATTERN;
	atomic_store(&touch_changed, 0);
	atomic_store(&touch_passes, 0);
	atomic_store(&touch_fault_tid, 0);
	touch_fault_addr = NULL;
	start_thread(t, toucher, (void *)(intptr_t)write);
	REQUIRE(EVENTUALLY(atomic_load(&touch_passes) >= 2));
}

TEST(munmap_in_one_thread_stops_another_thread_touching)
{
	for (int round = 0; round < 20; round++) {
		char *base;
		pthread_t t;
		int zero = 1;

		start_toucher(&t, 1);
		base = (char *)touch_region;
		REQUIRE(munmap(base, TOUCH_PAGES * PAGE) == 0);
		atomic_store(&touch_changed, 1);
		CHECK_EQ((intptr_t)join(t), 1);
		CHECK(touch_fault_addr >= (void *)base && touch_fault_addr < (void *)(base + TOUCH_PAGES * PAGE));
		CHECK_EQ(touch_fault_code, SEGV_MAPERR);
		/* A fault is signalled to the thread that made it. */
		CHECK_EQ(touch_fault_tid, toucher_tid);

		/* The same range mapped again is fresh zeroed memory. */
		REQUIRE(mmap(base, TOUCH_PAGES * PAGE, RW, ANON | MAP_FIXED, -1, 0) == base);
		for (size_t i = 0; i < TOUCH_PAGES * PAGE; i++)
			zero &= base[i] == 0;
		CHECK(zero);
		CHECK_EQ(munmap(base, TOUCH_PAGES * PAGE), 0);
		if (!CHECK_EQ(atomic_load(&touch_late), 0) || !CHECK_EQ(atomic_load(&touch_wrong), 0))
			break;
	}
}

TEST(mprotect_in_one_thread_stops_another_thread_writing)
{
	for (int round = 0; round < 20; round++) {
		char *base;
		pthread_t t;
		int intact = 1;

		start_toucher(&t, 1);
		base = (char *)touch_region;
		REQUIRE(mprotect(base, TOUCH_PAGES * PAGE, PROT_READ) == 0);
		atomic_store(&touch_changed, 1);
		CHECK_EQ((intptr_t)join(t), 1);
		CHECK(touch_fault_addr >= (void *)base && touch_fault_addr < (void *)(base + TOUCH_PAGES * PAGE));
		CHECK_EQ(touch_fault_code, SEGV_ACCERR);
		CHECK_EQ(touch_fault_tid, toucher_tid);
		/* Still readable, with what was written before. */
		for (size_t i = 0; i < TOUCH_PAGES * PAGE / 8; i++)
			intact &= touch_region[i] == TOUCH_PATTERN;
		CHECK(intact);
		CHECK_EQ(munmap(base, TOUCH_PAGES * PAGE), 0);
		if (!CHECK_EQ(atomic_load(&touch_late), 0) || !CHECK_EQ(atomic_load(&touch_wrong), 0))
			break;
	}
}

/* ---- raw clone and CLONE_CHILD_CLEARTID ------------------------------ */

/*
 * raw_clone(flags, stack_top, ptid, ctid, tls, fn, arg): clone(2) itself.
 * The child starts on stack_top with nothing of libc around it, calls
 * fn(arg) and ends with SYS_exit(return value).  Returns the child's tid,
 * or -errno, in the parent.
 */
long raw_clone(unsigned long flags, void *stack_top, volatile int *ptid, volatile int *ctid,
	       void *tls, int (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl raw_clone\n"
	".type raw_clone, @function\n"
	"raw_clone:\n"
	"	mov 8(%rsp), %rax\n"	/* arg: the 7th argument, on the stack */
	"	sub $16, %rsi\n"
	"	mov %rax, 8(%rsi)\n"	/* the child pops fn, then arg */
	"	mov %r9, (%rsi)\n"
	"	mov %rcx, %r10\n"	/* syscalls take the 4th argument in r10 */
	"	mov $56, %eax\n"	/* SYS_clone */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	and $-16, %rsp\n"
	"	call *%rax\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n"	/* SYS_exit */
	"	syscall\n"
	"	hlt\n"
	"1:	ret\n"
	".size raw_clone, .-raw_clone\n");

static inline long rsys(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

struct raw_child {
	int pipe_w;
	atomic_int go;
	volatile int *tidp;
	pid_t tid, pid, tid_seen;
	void *fs0;		/* %fs:0 as the child sees it */
};

/* Runs with a TLS block of its own and no libc: raw system calls only. */
static int raw_child_main(void *arg)
{
	struct raw_child *c = arg;
	struct timespec nap = { 0, 50 * 1000000L };
	void *fs0;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(fs0));
	c->fs0 = fs0;
	c->tid = rsys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	c->pid = rsys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	c->tid_seen = *c->tidp;
	rsys(SYS_write, c->pipe_w, (long)"!", 1, 0, 0, 0);
	while (atomic_load(&c->go) == 0)
		rsys(SYS_futex, (long)&c->go, FUTEX_WAIT, 0, 0, 0, 0);
	/* Linger, so the parent is asleep on the tid word when we exit. */
	rsys(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
	return 0;
}

static volatile int raw_tid_word = -1;

TEST(clone_child_cleartid_wakes_the_joiner)
{
	enum { STACK = 64 * 1024 };
	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
				    CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
				    CLONE_CHILD_CLEARTID;
	static void *tls_block[64];	/* x86-64 TLS: the first word points to itself */
	struct raw_child c;
	int p[2], v, waits = 0;
	char *stack, ch;
	long tid;

	REQUIRE(pipe(p) == 0);
	stack = mmap(NULL, STACK, RW, ANON, -1, 0);
	REQUIRE(stack != MAP_FAILED);
	tls_block[0] = tls_block;
	memset(&c, 0, sizeof(c));
	c.pipe_w = p[1];
	c.tidp = &raw_tid_word;

	/* ptid and ctid are one word, as in glibc: set at start, cleared at exit. */
	tid = raw_clone(flags, stack + STACK, &raw_tid_word, &raw_tid_word, tls_block,
			raw_child_main, &c);
	REQUIRE(CHECK(tid > 0));
	CHECK_EQ(raw_tid_word, tid);	/* CLONE_PARENT_SETTID: before clone returned */
	CHECK_EQ(read(p[0], &ch, 1), 1);
	CHECK_EQ(c.tid, tid);
	CHECK(tid != getpid());
	CHECK_EQ(c.pid, getpid());
	CHECK_EQ(c.tid_seen, tid);
	CHECK(c.fs0 == (void *)tls_block);	/* CLONE_SETTLS */
	CHECK(tid_alive(tid));

	/* Release it, then sleep on the tid word until the kernel clears it. */
	atomic_store(&c.go, 1);
	syscall(SYS_futex, &c.go, FUTEX_WAKE, 1, NULL, NULL, 0);
	while ((v = raw_tid_word) != 0) {
		struct timespec limit = { 5, 0 };

		waits++;
		if (syscall(SYS_futex, &raw_tid_word, FUTEX_WAIT, v, &limit, NULL, 0) == -1 &&
		    !CHECK(errno != ETIMEDOUT))
			break;
	}
	CHECK_EQ(raw_tid_word, 0);
	CHECK(waits >= 1);
	/* SYS_exit ended that thread only: we go on, and it is reaped alone. */
	CHECK(EVENTUALLY(!tid_alive(tid)));
	CHECK_EQ(munmap(stack, STACK), 0);
	CHECK_EQ(gettid_(), getpid());
}
