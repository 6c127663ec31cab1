/*
 * /proc/sys: kernel tunables, one integer per file, read and written as
 * text, with Linux's rules (proc_dointvec_minmax): leading blanks are
 * skipped, then one decimal integer, which must end the text or be
 * followed by a blank; out of [min, max], or not a number, is EINVAL and
 * changes nothing.  Whatever follows the number and its blanks is not
 * taken: the write is short.  A write that does not start at offset 0 is
 * ignored but reported as done.
 *
 *   vm/dirty_background_ratio     % of dirtyable memory: the flusher starts
 *   vm/dirty_ratio                %: writers wait for writeback
 *   vm/dirty_expire_centisecs     dirty data this old is written
 *   vm/dirty_writeback_centisecs  the flusher's period (0: none)
 *   vm/drop_caches                write 1: drop clean page cache; 2: other
 *                                 caches; 3: both (write-only)
 */
#include <errno.h>
#include <string.h>
#include <vmscan.h>
#include <writeback.h>
#include "proc_internal.h"

void proc_show_int(struct proc_buf *pb, const struct proc_entry *e)
{
	proc_printf(pb, "%d\n", READ_ONCE(*e->value));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * A decimal integer after blanks, in [min, max], followed by a blank or
 * the end: the bytes it took with the blanks after it (and *out), or
 * -EINVAL.
 */
static int parse_int(const char *text, int min, int max, int *out)
{
	bool negative = false;
	long value = 0;
	const char *p = text;

	while (is_blank(*p))
		p++;
	if (*p == '-') {
		negative = true;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		value = value * 10 + (*p++ - '0');
		if (value > (1l << 31))
			return -EINVAL;
	}
	if (*p && !is_blank(*p))
		return -EINVAL;
	while (is_blank(*p))
		p++;
	if (negative)
		value = -value;
	if (value < min || value > max)
		return -EINVAL;
	*out = (int)value;
	return p - text;
}

int proc_store_int(const struct proc_entry *e, const char *text)
{
	int value, used = parse_int(text, e->min, e->max, &value);

	if (used < 0)
		return used;
	WRITE_ONCE(*e->value, value);
	if (e->changed)
		e->changed();
	return used;
}

int proc_store_drop_caches(const struct proc_entry *e, const char *text)
{
	int what, used = parse_int(text, e->min, e->max, &what);

	if (used < 0)
		return used;
	/* Dirty pages are not dropped: run sync first to drop everything (as on Linux). */
	drop_caches(what & 1, what & 2);
	return used;
}
