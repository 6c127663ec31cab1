/* Self-tests for the kernel's string, formatting and command-line helpers. */
#include <cmdline.h>
#include <ktest.h>
#include <printk.h>
#include <string.h>

static void expect_format(struct ktest_ctx *kt, const char *want, const char *fmt, ...)
	__printf(3, 4);

static void expect_format(struct ktest_ctx *kt, const char *want, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strcmp(buf, want) != 0 || n != (int)strlen(want))
		ktest_fail(kt, __FILE__, __LINE__, "format \"%s\" gives \"%s\", not \"%s\"", fmt, buf, want);
}

static const char *volatile null_string;	/* hidden from the format checker */

KTEST(vsnprintf_formats)
{
	expect_format(kt, "42 -7 0", "%d %i %u", 42, -7, 0u);
	expect_format(kt, "ff FF 0xff 17", "%x %X %#x %o", 255u, 255u, 255u, 15u);
	expect_format(kt, "-9223372036854775808", "%ld", (long)(-9223372036854775807l - 1));
	expect_format(kt, "18446744073709551615", "%lu", ~0ul);
	expect_format(kt, "[   5][5   ][00005]", "[%4d][%-4d][%05d]", 5, 5, 5);
	expect_format(kt, "[ -5][-05]", "[%3d][%03d]", -5, -5);
	expect_format(kt, "[  ab][ab  ][abc]", "[%4s][%-4s][%.3s]", "ab", "ab", "abcdef");
	expect_format(kt, "(null) % c", "%s %% %c", null_string, 'c');
	expect_format(kt, "00000000deadbeef", "%p", (void *)0xdeadbeef);
	expect_format(kt, "65535 -1", "%hu %hd", 0xffffffffu, (short)-1);
	expect_format(kt, "[  7]", "[%*d]", 3, 7);
}

KTEST(vsnprintf_truncates_safely)
{
	char buf[8];
	int n = snprintf(buf, sizeof(buf), "%s", "0123456789");

	KEXPECT_EQ(n, 10);	/* the length it wanted */
	KEXPECT(strcmp(buf, "0123456") == 0);
	buf[0] = 'x';
	KEXPECT_EQ(snprintf(buf, 0, "abc"), 3);	/* size 0 writes nothing */
	KEXPECT_EQ(buf[0], 'x');
}

KTEST(string_functions)
{
	char a[16] = "hello", b[16];

	KEXPECT_EQ(strlen(a), 5);
	KEXPECT_EQ(strnlen(a, 3), 3);
	KEXPECT(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && strcmp("x", "x") == 0);
	KEXPECT(strncmp("abcX", "abcY", 3) == 0);
	KEXPECT(strchr(a, 'l') == a + 2 && strchr(a, 'z') == NULL);
	KEXPECT_EQ(strlcpy(b, "truncated!", 6), 10);
	KEXPECT(strcmp(b, "trunc") == 0);
	memmove(a + 1, a, 5);	/* overlapping, forwards */
	KEXPECT(memcmp(a, "hhello", 6) == 0);
	memmove(a, a + 1, 5);	/* overlapping, backwards */
	KEXPECT(memcmp(a, "hello", 5) == 0);
	KEXPECT_EQ(strtoul("0x1f", NULL, 0), 31);
	KEXPECT_EQ(strtoul("123abc", NULL, 10), 123);
}

KTEST(glob_matching)
{
	KEXPECT(glob_match("*", "anything"));
	KEXPECT(glob_match("buddy_*", "buddy_split"));
	KEXPECT(!glob_match("buddy_*", "kmalloc"));
	KEXPECT(glob_match("*_split", "buddy_split"));
	KEXPECT(glob_match("b?ddy*t", "buddy_split"));
	KEXPECT(!glob_match("", "x"));
}

KTEST(cmdline_parsing)
{
	const char *line = "root=/dev/vda  quiet ktest=buddy_*,kmalloc_* loglevel=7";
	char v[32];

	KEXPECT(cmdline_find(line, "root", v, sizeof(v)) && strcmp(v, "/dev/vda") == 0);
	KEXPECT(cmdline_find(line, "quiet", v, sizeof(v)) && v[0] == '\0');
	KEXPECT(cmdline_find(line, "ktest", v, sizeof(v)) && strcmp(v, "buddy_*,kmalloc_*") == 0);
	KEXPECT(cmdline_find(line, "loglevel", v, 2) && strcmp(v, "7") == 0);
	KEXPECT(!cmdline_find(line, "roo", v, sizeof(v)));	/* whole keys only */
	KEXPECT(!cmdline_find(line, "missing", v, sizeof(v)));
}
