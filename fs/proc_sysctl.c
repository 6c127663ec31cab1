/*
 * /proc/sys: kernel tunables, one integer per file, read and written as
 * text, with Linux's rules (proc_dointvec_minmax): leading blanks are
 * skipped, one decimal integer, then only blanks; out of [min, max] or
 * anything else is EINVAL and changes nothing; a write that does not
 * start at offset 0 is ignored but reported as done.
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

/* One decimal integer between blanks, in [min, max]: 0 and *out, or -EINVAL. */
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
	while (is_blank(*p))
		p++;
	if (*p)
		return -EINVAL;
	if (negative)
		value = -value;
	if (value < min || value > max)
		return -EINVAL;
	*out = (int)value;
	return 0;
}

int proc_store_int(const struct proc_entry *e, const char *text)
{
	int value, err = parse_int(text, e->min, e->max, &value);

	if (err)
		return err;
	WRITE_ONCE(*e->value, value);
	if (e->changed)
		e->changed();
	return 0;
}

int proc_store_drop_caches(const struct proc_entry *e, const char *text)
{
	int what, err = parse_int(text, e->min, e->max, &what);

	if (err)
		return err;
	/* Dirty pages are not dropped: run sync first to drop everything (as on Linux). */
	drop_caches(what & 1, what & 2);
	return 0;
}
