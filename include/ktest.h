/*
 * Kernel self-tests.
 *
 *     KTEST(buddy_split) {
 *             struct page *p = alloc_pages(GFP_KERNEL, 1);
 *             KEXPECT(p != NULL);
 *             ...
 *     }
 *
 * Each KTEST puts a struct ktest in the .ktests section; at boot, the
 * command line ktest=PATTERN (comma-separated globs) runs the matching
 * ones and prints one TAP line each (ok / not ok) for the test harness.
 * A failed KEXPECT records file:line and the expression and the test goes
 * on, so one run shows every broken expectation.
 *
 * KTEST_MANUAL tests run only when named exactly: they panic or hang on
 * purpose, to prove the harness notices.
 */
#ifndef PAGODA_KTEST_H
#define PAGODA_KTEST_H

#include <compiler.h>
#include <types.h>

struct ktest_ctx {
	int failures;
	char first_failure[160];
};

struct ktest {
	const char *name;
	void (*fn)(struct ktest_ctx *kt);
	bool manual;
};

#define KTEST_DEFINE(tname, is_manual)                                          \
	static void ktest_fn_##tname(struct ktest_ctx *kt);                     \
	static const struct ktest ktest_##tname __section(".ktests") __used    \
		__aligned(8) = { #tname, ktest_fn_##tname, is_manual };        \
	static void ktest_fn_##tname(struct ktest_ctx *kt)

#define KTEST(name) KTEST_DEFINE(name, false)
#define KTEST_MANUAL(name) KTEST_DEFINE(name, true)

void ktest_fail(struct ktest_ctx *kt, const char *file, int line, const char *fmt, ...)
	__printf(4, 5);

/* Evaluates to cond, recording a failure when it is false. */
#define KEXPECT(cond) \
	((cond) ? true : (ktest_fail(kt, __FILE__, __LINE__, "%s", #cond), false))

#define KEXPECT_EQ(a, b)                                                        \
	({                                                                      \
		u64 ka_ = (u64)(a), kb_ = (u64)(b);                             \
		if (ka_ != kb_)                                                 \
			ktest_fail(kt, __FILE__, __LINE__, "%s == %s (%#lx != %#lx)", \
				   #a, #b, ka_, kb_);                           \
		ka_ == kb_;                                                     \
	})

/* Run the tests selected by the command line; returns false if none was asked for. */
bool ktest_run_from_cmdline(void);

#endif
