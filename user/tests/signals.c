/*
 * Signals: sigaction, masks, pending sets, delivery and siginfo, default
 * actions, faults turned into signals, the alternate stack, restarting
 * system calls, interval timers, and what fork and execve keep.
 *
 * Every test runs in a process of its own, so it may change dispositions
 * and masks freely.  Tests that depend on a default action set SIG_DFL
 * first: whoever started us may have left a signal ignored.
 */
#include "utest.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL

/* ---- handlers that record what they saw ------------------------------ */

static volatile sig_atomic_t hits;
static volatile int last_sig;
static siginfo_t last_info;
static void *last_uc;
static sigset_t handler_mask;	/* the mask while the handler ran */

static void count_handler(int sig)
{
	hits++;
	last_sig = sig;
	sigprocmask(SIG_BLOCK, NULL, &handler_mask);
}

static void info_handler(int sig, siginfo_t *si, void *uc)
{
	hits++;
	last_sig = sig;
	last_info = *si;
	last_uc = uc;
}

static void set_info_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = flags | SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(sig, &sa, NULL) == 0);
}

static void mask(int how, int sig)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	REQUIRE(sigprocmask(how, &s, NULL) == 0);
}

/* Wait for a handler with every signal unblocked (sig is blocked outside). */
static void suspend_until_hit(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!hits)
		sigsuspend(&none);
}

/* The kernel's struct sigaction, for calls musl would check itself. */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static long raw_sigaction(int sig, const struct ksigaction *act, struct ksigaction *old,
			  size_t size)
{
	return syscall(SYS_rt_sigaction, sig, act, old, size);
}

/* ---- sigaction ------------------------------------------------------- */

TEST(sigaction_installs_handler_and_returns_old_action)
{
	struct sigaction sa, old;
	struct ksigaction k;

	set_handler(SIGUSR1, SIG_DFL, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	CHECK_EQ(sigaction(SIGUSR1, &sa, &old), 0);
	CHECK(old.sa_handler == SIG_DFL);

	/* A query (no new action) returns what was installed. */
	memset(&old, 0, sizeof(old));
	CHECK_EQ(sigaction(SIGUSR1, NULL, &old), 0);
	CHECK(old.sa_handler == count_handler);
	CHECK(old.sa_flags & SA_RESTART);
	CHECK(sigismember(&old.sa_mask, SIGUSR2));
	CHECK(!sigismember(&old.sa_mask, SIGTERM));

	/* Replacing it hands back the previous one. */
	sa.sa_handler = SIG_IGN;
	CHECK_EQ(sigaction(SIGUSR1, &sa, &old), 0);
	CHECK(old.sa_handler == count_handler);
	CHECK_EQ(raise(SIGUSR1), 0);
	CHECK_EQ(hits, 0);

	/* The kernel wants sizeof(sigset) == 8 exactly. */
	CHECK_ERR(raw_sigaction(SIGUSR1, NULL, &k, 4), EINVAL);
	CHECK_EQ(raw_sigaction(SIGUSR1, NULL, &k, 8), 0);
	CHECK(k.handler == SIG_IGN);
}

TEST(siginfo_from_kill_names_sender)
{
	pid_t parent = getpid(), pid;

	set_info_handler(SIGUSR1, info_handler, 0);
	mask(SIG_BLOCK, SIGUSR1);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
	/* kill() has queued the signal by the time the child is gone. */
	CHECK(exited_with(wait_status(pid), 0));
	CHECK(is_pending(SIGUSR1));
	CHECK_EQ(hits, 0);
	suspend_until_hit();
	CHECK_EQ(hits, 1);
	CHECK_EQ(last_info.si_signo, SIGUSR1);
	CHECK_EQ(last_info.si_code, SI_USER);
	CHECK_EQ(last_info.si_pid, pid);
	CHECK_EQ(last_info.si_uid, getuid());
	CHECK(last_uc != NULL);
}

TEST(handler_runs_with_sa_mask_and_own_signal_blocked)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_handler;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	REQUIRE(sigaction(SIGUSR1, &sa, NULL) == 0);
	mask(SIG_BLOCK, SIGHUP);
	raise(SIGUSR1);
	CHECK_EQ(hits, 1);
	/* During the handler: its own signal, sa_mask and the old mask. */
	CHECK(sigismember(&handler_mask, SIGUSR1));
	CHECK(sigismember(&handler_mask, SIGUSR2));
	CHECK(sigismember(&handler_mask, SIGHUP));
	CHECK(!sigismember(&handler_mask, SIGTERM));
	/* Returning from the handler (sigreturn) restores the old mask. */
	CHECK(!is_blocked(SIGUSR1));
	CHECK(!is_blocked(SIGUSR2));
	CHECK(is_blocked(SIGHUP));

	/* SA_NODEFER: the signal itself stays unblocked in its handler. */
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(SIGUSR1, &sa, NULL) == 0);
	raise(SIGUSR1);
	CHECK_EQ(hits, 2);
	CHECK(!sigismember(&handler_mask, SIGUSR1));

	/* SA_RESETHAND: one delivery, then back to the default action. */
	sa.sa_flags = SA_RESETHAND;
	REQUIRE(sigaction(SIGUSR1, &sa, NULL) == 0);
	raise(SIGUSR1);
	CHECK_EQ(hits, 3);
	CHECK_EQ(sigaction(SIGUSR1, NULL, &old), 0);
	CHECK(old.sa_handler == SIG_DFL);
}

/* ---- masks and pending signals --------------------------------------- */

static volatile sig_atomic_t rt_hits;

static void rt_handler(int sig)
{
	(void)sig;
	rt_hits++;
}

TEST(blocked_signal_is_pending_until_unblocked)
{
	int rt = SIGRTMIN;

	set_handler(SIGUSR1, count_handler, 0);
	set_handler(rt, rt_handler, 0);
	mask(SIG_BLOCK, SIGUSR1);
	mask(SIG_BLOCK, rt);
	CHECK(!is_pending(SIGUSR1));
	raise(SIGUSR1);
	raise(SIGUSR1);
	raise(rt);
	raise(rt);
	raise(rt);
	CHECK_EQ(hits, 0);
	CHECK_EQ(rt_hits, 0);
	CHECK(is_pending(SIGUSR1));
	CHECK(is_pending(rt));
	CHECK(!is_pending(SIGUSR2));
	/* Delivered before sigprocmask returns. A standard signal is pending
	 * once however often it was sent; real-time signals queue. */
	mask(SIG_UNBLOCK, SIGUSR1);
	CHECK_EQ(hits, 1);
	mask(SIG_UNBLOCK, rt);
	CHECK_EQ(rt_hits, 3);
	CHECK(!is_pending(SIGUSR1));
	CHECK(!is_pending(rt));
	/*
	 * "how" must be one of the three (raw: musl checks it too)...
	 * but only when there is a set: a pure query ignores it.
	 */
	uint64_t set = 0, old = 1, now = 2;
	CHECK_ERR(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8), EINVAL);
	CHECK_EQ(syscall(SYS_rt_sigprocmask, 99, NULL, &old, 8), 0);
	CHECK_EQ(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &now, 8), 0);
	CHECK_EQ(old, now);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL);
}

TEST(sigkill_and_sigstop_cannot_be_caught_ignored_or_blocked)
{
	struct ksigaction act = { count_handler, 0, NULL, 0 }, ign = { SIG_IGN, 0, NULL, 0 }, old;
	sigset_t all;
	int status;
	pid_t pid;

	CHECK_ERR(raw_sigaction(SIGKILL, &act, NULL, 8), EINVAL);
	CHECK_ERR(raw_sigaction(SIGKILL, &ign, NULL, 8), EINVAL);
	CHECK_ERR(raw_sigaction(SIGSTOP, &act, NULL, 8), EINVAL);
	CHECK_ERR(raw_sigaction(SIGSTOP, &ign, NULL, 8), EINVAL);
	/* Querying them is fine. */
	CHECK_EQ(raw_sigaction(SIGKILL, NULL, &old, 8), 0);
	CHECK(old.handler == SIG_DFL);
	CHECK_ERR(raw_sigaction(0, &act, NULL, 8), EINVAL);
	CHECK_ERR(raw_sigaction(65, &act, NULL, 8), EINVAL);

	/* Blocking them is silently dropped from the mask. */
	sigfillset(&all);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &all, NULL), 0);
	CHECK(is_blocked(SIGUSR1));
	CHECK(!is_blocked(SIGKILL));
	CHECK(!is_blocked(SIGSTOP));

	/* A child blocking everything still dies of SIGKILL. */
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_EQ(kill(pid, SIGKILL), 0);
	status = wait_status(pid);
	CHECK(killed_by(status, SIGKILL));
}

TEST(kill_with_signal_zero_checks_existence)
{
	pid_t pid;
	int p[2];
	char c;

	CHECK_EQ(kill(getpid(), 0), 0);
	set_handler(SIGCHLD, count_handler, 0);
	mask(SIG_BLOCK, SIGCHLD);
	REQUIRE(pipe(p) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	CHECK_EQ(kill(pid, 0), 0);
	close(p[1]);
	/* SIGCHLD comes once the child is a zombie: it still "exists". */
	suspend_until_hit();
	CHECK_EQ(kill(pid, 0), 0);
	CHECK(exited_with(wait_status(pid), 0));
	/* Reaped: gone. */
	CHECK_ERR(kill(pid, 0), ESRCH);
	/* Above any pid the kernel hands out (pid_max is at most 2^22). */
	CHECK_ERR(kill(0x3ffffff0, 0), ESRCH);
	CHECK_ERR(kill(-0x3ffffff0, 0), ESRCH);
	CHECK_ERR(kill(getpid(), 65), EINVAL);
	CHECK_ERR(kill(getpid(), -1), EINVAL);
}

TEST(tgkill_to_self_delivers_si_tkill)
{
	pid_t tid = syscall(SYS_gettid);

	set_info_handler(SIGUSR1, info_handler, 0);
	CHECK_EQ(syscall(SYS_tgkill, getpid(), tid, SIGUSR1), 0);
	CHECK_EQ(hits, 1);
	CHECK_EQ(last_info.si_signo, SIGUSR1);
	CHECK_EQ(last_info.si_code, SI_TKILL);
	CHECK_EQ(last_info.si_pid, getpid());
	/* Signal 0 only checks the thread exists. */
	CHECK_EQ(syscall(SYS_tgkill, getpid(), tid, 0), 0);
	CHECK_ERR(syscall(SYS_tgkill, getpid(), 0x3ffffff0, SIGUSR1), ESRCH);
	CHECK_ERR(syscall(SYS_tgkill, getpid(), tid, 65), EINVAL);
	CHECK_ERR(syscall(SYS_tgkill, 0, tid, SIGUSR1), EINVAL);
	CHECK_EQ(hits, 1);
}

/* ---- default actions and SIG_IGN ------------------------------------- */

TEST(default_actions_terminate_or_ignore)
{
	static const int fatal[] = { SIGTERM, SIGUSR1, SIGALRM };
	pid_t pid;

	for (unsigned i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		set_handler(fatal[i], SIG_DFL, 0);
		pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			for (;;)
				pause();
		}
		CHECK_EQ(kill(pid, fatal[i]), 0);
		CHECK(killed_by(wait_status(pid), fatal[i]));
	}
	/* SIGCHLD, SIGURG and SIGWINCH are ignored by default. */
	set_handler(SIGCHLD, SIG_DFL, 0);
	set_handler(SIGURG, SIG_DFL, 0);
	set_handler(SIGWINCH, SIG_DFL, 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		kill(getpid(), SIGCHLD);
		kill(getpid(), SIGURG);
		kill(getpid(), SIGWINCH);
		_exit(7);
	}
	CHECK(exited_with(wait_status(pid), 7));
}

TEST(sig_ign_discards_signals)
{
	set_handler(SIGUSR1, SIG_IGN, 0);
	CHECK_EQ(kill(getpid(), SIGUSR1), 0);
	CHECK(!is_pending(SIGUSR1));

	/* Setting SIG_IGN discards a signal already pending. */
	set_handler(SIGUSR2, count_handler, 0);
	mask(SIG_BLOCK, SIGUSR2);
	raise(SIGUSR2);
	CHECK(is_pending(SIGUSR2));
	set_handler(SIGUSR2, SIG_IGN, 0);
	CHECK(!is_pending(SIGUSR2));
	mask(SIG_UNBLOCK, SIGUSR2);
	CHECK_EQ(hits, 0);

	/*
	 * But a blocked signal is queued even while ignored (the handler
	 * may change before it is unblocked).
	 */
	mask(SIG_BLOCK, SIGUSR1);
	raise(SIGUSR1);
	CHECK(is_pending(SIGUSR1));
}

/* ---- faults ---------------------------------------------------------- */

static sigjmp_buf fault_jump;
static volatile int faults;
static void *volatile fault_addr;
static volatile int fault_code;

static void segv_jumper(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	faults++;
	last_sig = sig;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(fault_jump, 1);
}

/* Access *p; returns 1 if it faulted (and the handler jumped back). */
static int faulted(volatile char *p, int write)
{
	if (sigsetjmp(fault_jump, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
		return 0;
	}
	return 1;
}

TEST(sigsegv_handler_can_siglongjmp_out)
{
	char *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE(p != MAP_FAILED);
	set_info_handler(SIGSEGV, segv_jumper, 0);
	CHECK(faulted(p, 1));
	CHECK_EQ(faults, 1);
	CHECK_EQ(last_sig, SIGSEGV);
	/*
	 * siglongjmp restored the mask, so SIGSEGV is not blocked and a
	 * second fault is caught too (with it blocked the kernel would kill).
	 */
	CHECK(!is_blocked(SIGSEGV));
	CHECK(faulted(p + 100, 1));
	CHECK_EQ(faults, 2);
	/* The program goes on normally; reads of the page still work. */
	CHECK(!faulted(p, 0));
	CHECK_EQ(faults, 2);
}

TEST(sigsegv_si_addr_is_faulting_address)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE(p != MAP_FAILED);
	REQUIRE(mprotect(p + PAGE, PAGE, PROT_NONE) == 0);
	REQUIRE(munmap(p + 2 * PAGE, PAGE) == 0);
	set_info_handler(SIGSEGV, segv_jumper, 0);

	/* Write to a read-only page: a protection fault. */
	CHECK(faulted(p + 7, 1));
	CHECK(fault_addr == p + 7);
	CHECK_EQ(fault_code, SEGV_ACCERR);
	/* Read of a PROT_NONE page. */
	CHECK(faulted(p + PAGE + 123, 0));
	CHECK(fault_addr == p + PAGE + 123);
	CHECK_EQ(fault_code, SEGV_ACCERR);
	/* Nothing mapped there at all. */
	CHECK(faulted(p + 2 * PAGE + 5, 0));
	CHECK(fault_addr == p + 2 * PAGE + 5);
	CHECK_EQ(fault_code, SEGV_MAPERR);
	CHECK(faulted((char *)16, 1));
	CHECK(fault_addr == (void *)16);
	CHECK_EQ(fault_code, SEGV_MAPERR);
	CHECK_EQ(faults, 4);
}

/* ---- sigaltstack ----------------------------------------------------- */

static char *alt_base;
static size_t alt_size;
static volatile int on_alt, alt_flags, alt_change_err;

static void alt_handler(int sig)
{
	volatile char local;
	stack_t cur, again;

	(void)sig;
	hits++;
	on_alt = (char *)&local >= alt_base && (char *)&local < alt_base + alt_size;
	sigaltstack(NULL, &cur);
	alt_flags = cur.ss_flags;
	/* The stack in use cannot be changed. */
	again = cur;
	again.ss_flags = 0;
	alt_change_err = sigaltstack(&again, NULL) == -1 ? errno : 0;
}

TEST(sigaltstack_handler_runs_on_alternate_stack)
{
	stack_t ss, old;

	alt_size = 64 * 1024;
	alt_base = mmap(NULL, alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(alt_base != MAP_FAILED);
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);

	ss.ss_sp = alt_base;
	ss.ss_size = 1024;
	ss.ss_flags = 0;
	/* Smaller than MINSIGSTKSZ. */
	CHECK_ERR(sigaltstack(&ss, NULL), ENOMEM);
	ss.ss_size = alt_size;
	ss.ss_flags = 0x1000;
	CHECK_ERR(sigaltstack(&ss, NULL), EINVAL);
	ss.ss_flags = 0;
	CHECK_EQ(sigaltstack(&ss, NULL), 0);

	set_handler(SIGUSR1, alt_handler, SA_ONSTACK);
	raise(SIGUSR1);
	CHECK_EQ(hits, 1);
	CHECK(on_alt);
	CHECK(alt_flags & SS_ONSTACK);
	CHECK_EQ(alt_change_err, EPERM);

	/* Back on the normal stack, the alternate one is idle again. */
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, 0);
	CHECK(old.ss_sp == alt_base);
	CHECK_EQ(old.ss_size, alt_size);

	/* Without SA_ONSTACK the handler stays on the normal stack. */
	set_handler(SIGUSR2, alt_handler, 0);
	raise(SIGUSR2);
	CHECK_EQ(hits, 2);
	CHECK(!on_alt);
	CHECK(!(alt_flags & SS_ONSTACK));
}

/* ---- interrupted system calls ---------------------------------------- */

/*
 * A SIGALRM "ticker" every 10 ms.  Each tick writes a byte to tick_fd (if
 * set), which lets a helper child act only after the parent has been
 * interrupted a few times.  After 2 s of ticking the handler gives up and
 * the next tick kills the test, so a missed wake-up cannot hang forever.
 */
static volatile sig_atomic_t ticks;
static int tick_fd = -1;

static void on_tick(int sig)
{
	int saved = errno;

	(void)sig;
	if (++ticks > 200) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGALRM, &dfl, NULL);
	}
	if (tick_fd >= 0)
		write(tick_fd, "t", 1);
	errno = saved;
}

static void start_ticker(int flags)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };

	set_handler(SIGALRM, on_tick, flags);
	REQUIRE(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

static void stop_ticker(void)
{
	struct itimerval off;

	memset(&off, 0, sizeof(off));
	setitimer(ITIMER_REAL, &off, NULL);
	alarm(utest_timeout);	/* the test library's watchdog again */
}

static int read_ticks(int fd, int n)
{
	char c;

	while (n > 0) {
		ssize_t r = read(fd, &c, 1);

		if (r == 1)
			n--;
		else if (r == 0 || errno != EINTR)
			return 0;
	}
	return 1;
}

TEST(sa_restart_decides_between_restart_and_eintr)
{
	int data[2], go[2], status = 0;
	pid_t pid, r;
	ssize_t n;
	char c = 0;

	REQUIRE(pipe(data) == 0 && pipe(go) == 0);
	set_handler(SIGPIPE, SIG_IGN, 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(data[0]);
		close(go[1]);
		/* Write only after the parent has taken three ticks... */
		if (!read_ticks(go[0], 3) || write(data[1], "x", 1) != 1)
			_exit(1);
		/* ...and exit only after three more. */
		_exit(read_ticks(go[0], 3) ? 9 : 2);
	}
	close(data[1]);
	close(go[0]);
	fcntl(go[1], F_SETFL, O_NONBLOCK);
	tick_fd = go[1];
	start_ticker(SA_RESTART);
	/* One call each: with SA_RESTART neither may fail with EINTR. */
	n = read(data[0], &c, 1);
	CHECK_EQ(n, 1);
	CHECK_EQ(c, 'x');
	r = waitpid(pid, &status, 0);
	stop_ticker();
	CHECK_EQ(r, pid);
	CHECK(exited_with(status, 9));
	CHECK(ticks >= 6);

	/* Without SA_RESTART the same read fails with EINTR. */
	tick_fd = -1;
	ticks = 0;
	REQUIRE(pipe(data) == 0);
	start_ticker(0);
	/* Nothing will ever arrive (we hold the write end ourselves). */
	n = read(data[0], &c, 1);
	stop_ticker();
	CHECK_EQ(n, -1);
	CHECK_EQ(errno, EINTR);
	CHECK(ticks >= 1);
}

/* ---- timers ---------------------------------------------------------- */

TEST(itimer_real_and_alarm_deliver_sigalrm)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } }, cur;

	set_handler(SIGALRM, count_handler, 0);
	mask(SIG_BLOCK, SIGALRM);
	CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
	CHECK_EQ(getitimer(ITIMER_REAL, &cur), 0);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 &&
	      cur.it_value.tv_usec <= 20000);
	suspend_until_hit();
	CHECK_EQ(last_sig, SIGALRM);
	/* A one-shot timer is disarmed once it fired. */
	CHECK_EQ(getitimer(ITIMER_REAL, &cur), 0);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

	/* alarm() drives the same timer, in whole seconds. */
	CHECK_EQ(alarm(3), 0);
	CHECK_EQ(getitimer(ITIMER_REAL, &cur), 0);
	CHECK(cur.it_value.tv_sec == 2 || (cur.it_value.tv_sec == 3 && cur.it_value.tv_usec == 0));
	/* The remainder (2.99.. s) is rounded to the nearest second. */
	CHECK_EQ(alarm(0), 3);
	CHECK_EQ(getitimer(ITIMER_REAL, &cur), 0);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
	/* An itimer's remainder under a second reads back from alarm as 1. */
	CHECK_EQ(setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 300000 } }, NULL), 0);
	CHECK_EQ(alarm(0), 1);

	it.it_value.tv_usec = 1000000;
	CHECK_ERR(setitimer(ITIMER_REAL, &it, NULL), EINVAL);
	CHECK_ERR(setitimer(99, &it, NULL), EINVAL);
	alarm(utest_timeout);
	CHECK_EQ(hits, 1);
}

/* ---- SIGCHLD --------------------------------------------------------- */

TEST(sigchld_tells_parent_how_child_ended)
{
	pid_t pid;

	set_info_handler(SIGCHLD, info_handler, 0);
	mask(SIG_BLOCK, SIGCHLD);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(5);
	suspend_until_hit();
	CHECK_EQ(last_info.si_signo, SIGCHLD);
	CHECK_EQ(last_info.si_code, CLD_EXITED);
	CHECK_EQ(last_info.si_pid, pid);
	CHECK_EQ(last_info.si_status, 5);
	CHECK(exited_with(wait_status(pid), 5));

	hits = 0;
	set_handler(SIGTERM, SIG_DFL, 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGTERM);
	suspend_until_hit();
	CHECK_EQ(last_info.si_code, CLD_KILLED);
	CHECK_EQ(last_info.si_pid, pid);
	CHECK_EQ(last_info.si_status, SIGTERM);
	CHECK(killed_by(wait_status(pid), SIGTERM));
}

/* ---- fork and exec --------------------------------------------------- */

TEST_CHILD(mask_check)
{
	int ok = 1;

	(void)argc;
	(void)argv;
	ok &= CHECK(is_blocked(SIGUSR2));
	ok &= CHECK(is_blocked(SIGTERM));
	ok &= CHECK(!is_blocked(SIGUSR1));
	/* Raised before execve, still pending after it. */
	ok &= CHECK(is_pending(SIGUSR2));
	return ok ? 0 : 1;
}

TEST(fork_keeps_mask_but_not_pending_and_exec_keeps_both)
{
	sigset_t s;
	pid_t pid;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigaddset(&s, SIGTERM);
	REQUIRE(sigprocmask(SIG_BLOCK, &s, NULL) == 0);
	set_handler(SIGUSR1, count_handler, 0);
	mask(SIG_BLOCK, SIGUSR1);
	raise(SIGUSR1);
	REQUIRE(is_pending(SIGUSR1));
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		/* The mask is inherited, the pending set starts empty. */
		if (!is_blocked(SIGUSR2) || !is_blocked(SIGTERM))
			_exit(10);
		if (is_pending(SIGUSR1))
			_exit(11);
		mask(SIG_UNBLOCK, SIGUSR1);
		if (hits != 0)
			_exit(12);
		/* Both the mask and a pending signal survive execve. */
		raise(SIGUSR2);
		execl(utest_argv0, utest_argv0, "--child", "mask_check", (char *)NULL);
		_exit(100);
	}
	CHECK(exited_with(wait_status(pid), 0));
	/* The parent's pending signal is still there. */
	CHECK(is_pending(SIGUSR1));
	mask(SIG_UNBLOCK, SIGUSR1);
	CHECK_EQ(hits, 1);
}

TEST_CHILD(disposition_check)
{
	struct sigaction sa;
	int ok = 1;

	(void)argc;
	(void)argv;
	/* A handler cannot survive exec (its code is gone): default again. */
	ok &= CHECK(sigaction(SIGUSR1, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL);
	/* An ignored signal stays ignored. */
	ok &= CHECK(sigaction(SIGUSR2, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN);
	ok &= CHECK(sigaction(SIGTERM, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL);
	return ok ? 0 : 1;
}

TEST(exec_resets_handlers_but_keeps_ignored)
{
	pid_t pid;

	set_handler(SIGUSR1, count_handler, SA_RESTART);
	set_handler(SIGUSR2, SIG_IGN, 0);
	set_handler(SIGTERM, SIG_DFL, 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		execl(utest_argv0, utest_argv0, "--child", "disposition_check", (char *)NULL);
		_exit(100);
	}
	CHECK(exited_with(wait_status(pid), 0));
}
