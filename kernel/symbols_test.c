/* Self-tests for the symbol table and backtraces. */
#include <boot.h>
#include <ktest.h>
#include <string.h>
#include <symbols.h>


KTEST(symbols_lookup)
{
	u64 off, size;
	const char *name = symbol_lookup((u64)kmain + 3, &off, &size);

	if (KEXPECT(name != NULL)) {
		KEXPECT(strcmp(name, "kmain") == 0);
		KEXPECT_EQ(off, 3);
		KEXPECT(size > 3);
	}
	name = symbol_lookup((u64)symbol_lookup, &off, &size);
	KEXPECT(name && strcmp(name, "symbol_lookup") == 0 && off == 0);
	/* Data is not code. */
	KEXPECT(symbol_lookup((u64)&ksym_count, &off, &size) == NULL);
	KEXPECT(symbol_lookup(0, &off, &size) == NULL);
	KEXPECT(ksym_count > 100);
}

/* Three nested calls, neither inlined nor cloned, to give the backtrace frames. */
static __noipa int bt_level3(u64 *out, int max)
{
	int n = backtrace_collect((u64)__builtin_frame_address(0), out, max);

	__asm__ __volatile__("" ::: "memory");	/* not a tail call */
	return n;
}

static __noipa int bt_level2(u64 *out, int max)
{
	int n = bt_level3(out, max);

	__asm__ __volatile__("" ::: "memory");
	return n;
}

static __noipa int backtrace_depth_probe(u64 *out, int max)
{
	int n = bt_level2(out, max);

	__asm__ __volatile__("" ::: "memory");
	return n;
}

KTEST(backtrace_names_callers)
{
	u64 ret[8], off, size;
	int n = backtrace_depth_probe(ret, 8);
	const char *want[] = { "bt_level2", "backtrace_depth_probe", "ktest_fn_backtrace_names_callers" };

	if (!KEXPECT(n >= 3))
		return;
	for (int i = 0; i < 3; i++) {
		const char *name = symbol_lookup(ret[i] - 1, &off, &size);
		if (!name || strcmp(name, want[i]) != 0)
			ktest_fail(kt, __FILE__, __LINE__, "frame %d is %s, not %s", i,
				   name ? name : "?", want[i]);
	}
}
