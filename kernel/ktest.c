/*
 * The self-test runner (see ktest.h).  Output protocol, read by
 * tests/harness.py:
 *     # suite ktest on pagoda
 *     # start NAME              before each test
 *     ok N - NAME | not ok N - NAME # file:line: expression
 *     # ktest done: P passed, F failed
 * then QEMU's debug-exit device ends the run with the verdict.
 */
#include <cmdline.h>
#include <debug_exit.h>
#include <kstack.h>
#include <ktest.h>
#include <page.h>
#include <panic.h>
#include <printk.h>
#include <sched.h>
#include <string.h>

extern const struct ktest __start_ktests[], __stop_ktests[];

void ktest_fail(struct ktest_ctx *kt, const char *file, int line, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("#   %s:%d: expected %s\n", file, line, msg);
	if (kt->failures++ == 0)
		snprintf(kt->first_failure, sizeof(kt->first_failure), "%s:%d: %s", file, line, msg);
}

/* Is `name` in the comma-separated list? Globs match only ordinary tests. */
static bool listed(const char *list, const struct ktest *t, bool allow_glob)
{
	char word[64];

	while (*list) {
		size_t n = 0;

		while (*list && *list != ',') {
			if (n < sizeof(word) - 1)
				word[n++] = *list;
			list++;
		}
		word[n] = '\0';
		if (*list == ',')
			list++;
		if (strcmp(word, t->name) == 0 || (allow_glob && !t->manual && glob_match(word, t->name)))
			return true;
	}
	return false;
}

#define MAX_KTESTS 512

/*
 * The tests in the order they appear in the source: by the address of
 * their functions (the compiler emits the .ktests entries of a file in
 * reverse).  Insertion sort: there are a few hundred at most.
 */
static int sort_tests(const struct ktest **out, int max)
{
	int n = 0;

	if (__stop_ktests - __start_ktests > max)
		panic("ktest: %ld self-tests, the runner has room for %d", __stop_ktests - __start_ktests, max);
	for (const struct ktest *t = __start_ktests; t < __stop_ktests; t++) {
		int i = n++;

		for (; i > 0 && (u64)out[i - 1]->fn > (u64)t->fn; i--)
			out[i] = out[i - 1];
		out[i] = t;
	}
	return n;
}

/*
 * Wait until the kernel threads earlier tests started have finished dying
 * and been freed (on any CPU), so that a test counting free pages starts
 * from a count nobody else is still changing.
 */
static void settle(int baseline)
{
	for (int i = 0; i < 1000 && tasks_allocated() != baseline; i++) {
		free_dead_tasks();
		sleep_ns(1000000);
	}
	kstack_drain_cache();
}

bool ktest_run_from_cmdline(void)
{
	static const struct ktest *tests[MAX_KTESTS];
	char pattern[256], skip[512] = "";
	int number = 0, failed = 0, n, baseline;

	if (!cmdline_get("ktest", pattern, sizeof(pattern)))
		return false;
	cmdline_get("ktest_skip", skip, sizeof(skip));

	kprintf("# suite ktest on pagoda\n");
	baseline = tasks_allocated();
	n = sort_tests(tests, MAX_KTESTS);
	for (int i = 0; i < n; i++) {
		const struct ktest *t = tests[i];
		struct ktest_ctx kt = { 0 };

		if (!listed(pattern, t, true) || listed(skip, t, false))
			continue;
		settle(baseline);
		kprintf("# start %s\n", t->name);
		t->fn(&kt);
		number++;
		if (kt.failures) {
			failed++;
			kprintf("not ok %d - %s # %s\n", number, t->name, kt.first_failure);
		} else {
			kprintf("ok %d - %s\n", number, t->name);
		}
	}
	kprintf("# ktest done: %d passed, %d failed\n", number - failed, failed);
	pr_info("free pages after the self-tests: %lu", nr_free_pages());
	qemu_exit(failed ? QEMU_EXIT_FAIL : QEMU_EXIT_PASS);
}
