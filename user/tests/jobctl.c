/*
 * Job control without a terminal: the stop signals (SIGSTOP, and SIGTSTP,
 * SIGTTIN, SIGTTOU when not caught or ignored), SIGCONT, what waitpid
 * reports with WUNTRACED and WCONTINUED, the SIGCHLD the parent hears,
 * every thread stopping together, and orphaned process groups.
 *
 * Each child spins on a counter in a shared page: the counter moving is
 * how the test sees that the child runs, and it standing still for 200 ms
 * that it is stopped.  Children make a process group of their own (both
 * sides call setpgid, so it holds whichever runs first): the test process,
 * their parent, is then in another group of the same session, so the
 * child's group is not orphaned and SIGTSTP/SIGTTIN/SIGTTOU may stop it,
 * whatever groups the harness that started us uses.
 */
#include "utest.h"

#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
	atomic_long count[2];	/* bumped by the child's spinning threads */
	atomic_int flag;	/* set by the child's signal handlers */
	atomic_int quit;	/* tells the spinners to exit with 3 */
	atomic_int pid;		/* the grandchild, for the orphan test */
	atomic_int result;	/* the sleeping thread's nanosleep: 1 for 0, else -errno */
	atomic_long slept_ms;	/* and how long it took */
};

static struct shared *sh;

/* The shared page, fresh for each child. */
static void share(void)
{
	if (!sh) {
		sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
			  0);
		REQUIRE(sh != MAP_FAILED);
	}
	memset(sh, 0, sizeof(*sh));
}

static void *spin(void *arg)
{
	long i = (long)arg;

	while (!atomic_load(&sh->quit))
		atomic_fetch_add(&sh->count[i], 1);
	_exit(3);
}

/*
 * Fork a child that runs setup (its dispositions, its threads) and then
 * spins on count[0]; return once it spins, so setup is done.  The alarm
 * ends a child that a failed test leaves behind.
 */
static pid_t spawn(void (*setup)(void))
{
	pid_t pid;

	share();
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		alarm(10);
		setpgid(0, 0);
		if (setup)
			setup();
		spin(0);
	}
	setpgid(pid, pid);
	REQUIRE(EVENTUALLY(atomic_load(&sh->count[0]) > 0));
	return pid;
}

/* waitpid, retrying when our SIGCHLD handler interrupts it. */
static pid_t wait_for(pid_t pid, int *st, int flags)
{
	pid_t r;

	*st = 0;
	do
		r = waitpid(pid, st, flags);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Nothing to report (with WNOHANG added to flags)? */
static int nothing_to_report(pid_t pid, int flags)
{
	int st;

	return CHECK_EQ(wait_for(pid, &st, flags | WNOHANG), 0);
}

/* Does count[i] stand still for 200 ms? */
static int frozen(int i)
{
	long before = atomic_load(&sh->count[i]);

	sleep_ms(200);
	return atomic_load(&sh->count[i]) == before;
}

/* Do count[0] and count[1] both stand still, from now on? */
static int both_frozen(void)
{
	long before0 = atomic_load(&sh->count[0]), before1 = atomic_load(&sh->count[1]);

	sleep_ms(200);
	return atomic_load(&sh->count[0]) == before0 && atomic_load(&sh->count[1]) == before1;
}

/* Does count[i] move (within EVENTUALLY's 5 s)? */
static int moving(int i)
{
	long before = atomic_load(&sh->count[i]);

	return EVENTUALLY(atomic_load(&sh->count[i]) > before + 1000);
}

/* Send sig, which must stop the child: WUNTRACED reports it, and only once. */
static void stop_with(pid_t pid, int sig)
{
	int st;

	CHECK_EQ(kill(pid, sig), 0);
	CHECK_EQ(wait_for(pid, &st, WUNTRACED), pid);
	CHECK(WIFSTOPPED(st));
	CHECK_EQ(WSTOPSIG(st), sig);
	nothing_to_report(pid, WUNTRACED);
}

/* SIGCONT to a stopped child: WCONTINUED reports it, once, and it runs. */
static void cont(pid_t pid)
{
	int st;

	CHECK_EQ(kill(pid, SIGCONT), 0);
	CHECK_EQ(wait_for(pid, &st, WCONTINUED), pid);
	CHECK(WIFCONTINUED(st));
	nothing_to_report(pid, WCONTINUED | WUNTRACED);
	CHECK(moving(0));
}

/* Send sig, which must leave the child running: no stop to report. */
static void not_stopped_by(pid_t pid, int sig)
{
	CHECK_EQ(kill(pid, sig), 0);
	sleep_ms(100);
	nothing_to_report(pid, WUNTRACED | WCONTINUED);
	CHECK(moving(0));
}

static void kill_and_reap(pid_t pid)
{
	CHECK_EQ(kill(pid, SIGKILL), 0);
	CHECK(killed_by(wait_status(pid), SIGKILL));
}

/* The child's handlers: SIGTSTP's and SIGCONT's, SIGHUP's in the orphan test. */
static void set_flag(int sig)
{
	(void)sig;
	atomic_store(&sh->flag, 1);
}

/* ---- SIGSTOP, SIGCONT, SIGKILL ----------------------------------------- */

TEST(sigstop_stops_until_sigcont)
{
	pid_t pid = spawn(NULL);

	stop_with(pid, SIGSTOP);
	CHECK(frozen(0));
	/* Without WUNTRACED a stop is not reported; nor a second SIGSTOP. */
	nothing_to_report(pid, 0);
	CHECK_EQ(kill(pid, SIGSTOP), 0);
	nothing_to_report(pid, WUNTRACED);
	CHECK(frozen(0));
	cont(pid);
	kill_and_reap(pid);
}

TEST(sigkill_ends_a_stopped_child)
{
	pid_t pid = spawn(NULL);

	stop_with(pid, SIGSTOP);
	kill_and_reap(pid);
}

/* A fatal signal waits, pending, while its target is stopped. */
TEST(sigterm_to_a_stopped_child_acts_once_continued)
{
	pid_t pid = spawn(NULL);
	int st;

	stop_with(pid, SIGSTOP);
	CHECK_EQ(kill(pid, SIGTERM), 0);
	for (double end = now() + 0.2; now() < end; sleep_ms(10))
		if (!nothing_to_report(pid, WUNTRACED))
			break;
	CHECK(frozen(0));
	CHECK_EQ(kill(pid, SIGCONT), 0);
	CHECK_EQ(wait_for(pid, &st, 0), pid);
	CHECK(killed_by(st, SIGTERM));
}

/* ---- SIGCHLD ----------------------------------------------------------- */

#define MAX_CHLD 8
static siginfo_t chld[MAX_CHLD];
static atomic_int nchld;

static void on_sigchld(int sig, siginfo_t *si, void *uc)
{
	int n = atomic_load(&nchld);

	(void)sig;
	(void)uc;
	if (n < MAX_CHLD)
		chld[n] = *si;
	atomic_store(&nchld, n + 1);
}

static void catch_sigchld(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigchld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(SIGCHLD, &sa, NULL) == 0);
}

/*
 * Wait for SIGCHLD number n (from 1) and check it.  Each is awaited
 * before the next event: a second SIGCHLD sent while the first is still
 * pending would merge with it.
 */
static void check_sigchld(int n, pid_t pid, int code, int status)
{
	if (!CHECK(EVENTUALLY(atomic_load(&nchld) >= n)))
		return;
	CHECK_EQ(atomic_load(&nchld), n);
	CHECK_EQ(chld[n - 1].si_signo, SIGCHLD);
	CHECK_EQ(chld[n - 1].si_code, code);
	CHECK_EQ(chld[n - 1].si_pid, pid);
	CHECK_EQ(chld[n - 1].si_status, status);
}

TEST(sigchld_tells_stopped_continued_and_killed)
{
	pid_t pid;

	catch_sigchld(0);
	pid = spawn(NULL);
	stop_with(pid, SIGSTOP);
	check_sigchld(1, pid, CLD_STOPPED, SIGSTOP);
	cont(pid);
	check_sigchld(2, pid, CLD_CONTINUED, SIGCONT);
	kill_and_reap(pid);
	check_sigchld(3, pid, CLD_KILLED, SIGKILL);
}

TEST(sa_nocldstop_keeps_only_the_end)
{
	pid_t pid;
	int st;

	catch_sigchld(SA_NOCLDSTOP);
	pid = spawn(NULL);
	stop_with(pid, SIGSTOP);
	cont(pid);
	sleep_ms(50);
	CHECK_EQ(atomic_load(&nchld), 0);
	atomic_store(&sh->quit, 1);
	check_sigchld(1, pid, CLD_EXITED, 3);
	CHECK_EQ(wait_for(pid, &st, 0), pid);
	CHECK(exited_with(st, 3));
}

/* ---- SIGTSTP, SIGTTIN, SIGTTOU ----------------------------------------- */

/*
 * These stop only a process whose group is not orphaned: spawn made the
 * child's group, with us, its parent, in another group of the session.
 */
static pid_t spawn_in_job(void (*setup)(void))
{
	pid_t pid = spawn(setup);

	if (getpgid(pid) != pid || getpgid(0) == pid || getsid(pid) != getsid(0)) {
		kill_and_reap(pid);
		utest_skip("the child's process group is orphaned");
	}
	return pid;
}

static void catch_tstp(void)
{
	set_handler(SIGTSTP, set_flag, 0);
}

static void ignore_tstp(void)
{
	set_handler(SIGTSTP, SIG_IGN, 0);
}

TEST(sigtstp_caught_runs_the_handler_instead)
{
	pid_t pid = spawn_in_job(catch_tstp);

	not_stopped_by(pid, SIGTSTP);
	CHECK_EQ(atomic_load(&sh->flag), 1);
	kill_and_reap(pid);
}

TEST(sigtstp_ignored_does_nothing)
{
	pid_t pid = spawn_in_job(ignore_tstp);

	not_stopped_by(pid, SIGTSTP);
	kill_and_reap(pid);
}

TEST(tstp_ttin_ttou_stop_by_default)
{
	static const int sigs[] = { SIGTSTP, SIGTTIN, SIGTTOU };
	pid_t pid = spawn_in_job(NULL);

	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		stop_with(pid, sigs[i]);
		CHECK(frozen(0));
		cont(pid);
	}
	kill_and_reap(pid);
}

/* ---- SIGCONT ----------------------------------------------------------- */

static void catch_cont(void)
{
	set_handler(SIGCONT, set_flag, 0);
}

TEST(sigcont_handler_runs_once_continued)
{
	pid_t pid = spawn(catch_cont);

	stop_with(pid, SIGSTOP);
	cont(pid);
	CHECK(EVENTUALLY(atomic_load(&sh->flag) == 1));
	/* To a running child: the handler runs, and no WCONTINUED report. */
	atomic_store(&sh->flag, 0);
	CHECK_EQ(kill(pid, SIGCONT), 0);
	CHECK(EVENTUALLY(atomic_load(&sh->flag) == 1));
	nothing_to_report(pid, WCONTINUED | WUNTRACED);
	kill_and_reap(pid);
}

TEST(sigcont_to_a_running_child_does_nothing)
{
	pid_t pid = spawn(NULL);

	not_stopped_by(pid, SIGCONT);
	kill_and_reap(pid);
}

/* ---- threads ----------------------------------------------------------- */

static void second_spinner(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, spin, (void *)1) != 0)
		_exit(4);
	while (atomic_load(&sh->count[1]) == 0)
		sleep_ms(1);
}

TEST(sigstop_stops_every_thread)
{
	pid_t pid = spawn(second_spinner);

	/* Reported stopped only once every thread is: both stand still from the moment wait4 returns. */
	stop_with(pid, SIGSTOP);
	CHECK(both_frozen());
	cont(pid);
	CHECK(moving(1));
	kill_and_reap(pid);
}

/* The stop is reported each time, however soon it follows a continue. */
TEST(a_stop_right_after_a_continue_is_reported)
{
	pid_t pid = spawn(second_spinner);
	int st;

	stop_with(pid, SIGSTOP);
	for (int i = 0; i < 20; i++) {
		CHECK_EQ(kill(pid, SIGCONT), 0);
		CHECK_EQ(kill(pid, SIGSTOP), 0);
		CHECK_EQ(wait_for(pid, &st, WUNTRACED), pid);
		CHECK(WIFSTOPPED(st));
	}
	cont(pid);
	kill_and_reap(pid);
}

/* The child's second thread: a 400 ms nanosleep, and what it returned. */
static void *stop_sleeper(void *arg)
{
	struct timespec ts = { 0, 400 * 1000 * 1000 };
	double t0 = now();
	int r;

	(void)arg;
	atomic_store(&sh->flag, 1);
	r = nanosleep(&ts, NULL);
	atomic_store(&sh->slept_ms, (long)((now() - t0) * 1000));
	atomic_store(&sh->result, r == 0 ? 1 : -errno);
	return NULL;
}

static void sleeping_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, stop_sleeper, NULL) != 0)
		_exit(4);
	while (!atomic_load(&sh->flag))
		sleep_ms(1);
	sleep_ms(20);	/* (so that it sleeps when the stop comes) */
}

/* A thread asleep when its process stops stops too, and then sleeps on: no EINTR. */
TEST(a_sleeping_thread_sleeps_on_through_a_stop)
{
	pid_t pid = spawn(sleeping_thread);

	stop_with(pid, SIGSTOP);
	sleep_ms(100);
	cont(pid);
	CHECK(EVENTUALLY(atomic_load(&sh->result) != 0));
	CHECK_EQ(atomic_load(&sh->result), 1);
	CHECK(atomic_load(&sh->slept_ms) >= 400);
	kill_and_reap(pid);
}

/* A process stopped in its own nanosleep (^Z, fg of `sleep`) sleeps on once continued: no EINTR. */
TEST(a_sleep_sleeps_on_after_its_own_stop)
{
	pid_t pid;
	int st;

	share();
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		alarm(10);
		stop_sleeper(NULL);
		_exit(0);
	}
	CHECK(EVENTUALLY(atomic_load(&sh->flag)));
	sleep_ms(20);
	stop_with(pid, SIGSTOP);
	sleep_ms(100);
	CHECK_EQ(kill(pid, SIGCONT), 0);
	CHECK_EQ(wait_for(pid, &st, WCONTINUED), pid);
	CHECK(EVENTUALLY(atomic_load(&sh->result) != 0));
	CHECK_EQ(atomic_load(&sh->result), 1);
	CHECK(atomic_load(&sh->slept_ms) >= 400);
	CHECK(exited_with(wait_status(pid), 0));
}

/* ---- orphaned process groups ------------------------------------------- */

/*
 * The grandchild: a group of its own, in the session the child made, so
 * that the group is orphaned once the child exits, whoever then adopts
 * the grandchild (init or a subreaper: in another session either way).
 * It survives the SIGHUP that orphaning sends a stopped group.
 */
static void grandchild(void)
{
	alarm(10);
	setpgid(0, 0);
	set_handler(SIGHUP, set_flag, 0);
	atomic_store(&sh->pid, getpid());
	spin(0);
}

/* The child: start the grandchild, then exit when the test writes to go. */
static void middle(int go)
{
	pid_t pid;
	char c;

	if (setsid() < 0)
		_exit(5);
	pid = fork();
	if (pid == 0)
		grandchild();
	setpgid(pid, pid);
	read(go, &c, 1);
	_exit(pid > 0 ? 0 : 6);
}

TEST(orphaned_group_ignores_sigtstp_but_not_sigstop)
{
	int go[2];
	pid_t child, gc;

	share();
	REQUIRE(pipe(go) == 0);
	child = fork();
	REQUIRE(child >= 0);
	if (child == 0)
		middle(go[0]);
	REQUIRE(EVENTUALLY(atomic_load(&sh->pid) > 0 && atomic_load(&sh->count[0]) > 0));
	gc = atomic_load(&sh->pid);
	/* Its parent, in another group of its session, holds the group. */
	CHECK_EQ(getpgid(gc), gc);
	CHECK_EQ(getsid(gc), child);
	CHECK_EQ(kill(gc, SIGTSTP), 0);
	sleep_ms(100);
	CHECK(frozen(0));

	/*
	 * The child exits: the group, orphaned with a member stopped, gets
	 * SIGHUP and then SIGCONT, and runs again.
	 */
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK(exited_with(wait_status(child), 0));
	CHECK(EVENTUALLY(atomic_load(&sh->flag) == 1));
	CHECK(moving(0));

	/* Orphaned: SIGTSTP is dropped, SIGSTOP still stops. */
	CHECK_EQ(kill(gc, SIGTSTP), 0);
	sleep_ms(100);
	CHECK(moving(0));
	CHECK_EQ(kill(gc, SIGSTOP), 0);
	sleep_ms(100);
	CHECK(frozen(0));
	CHECK_EQ(kill(gc, SIGKILL), 0);
}
