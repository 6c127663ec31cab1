/*
 * Symbolized backtraces.
 *
 * The kernel is built with frame pointers: every function starts with
 * "push %rbp; mov %rsp,%rbp", so at any moment rbp points at a saved rbp
 * with the return address just above it.  Following that chain lists the
 * callers; the symbol table turns each return address into name+offset.
 */
#include <paging.h>
#include <printk.h>
#include <symbols.h>

extern char _text_start[], _text_end[];

const char *symbol_lookup(u64 addr, u64 *offset, u64 *size)
{
	u64 lo = 0, hi = ksym_count;

	if (addr < (u64)_text_start || addr >= (u64)_text_end || ksym_count == 0)
		return NULL;
	/* Binary search for the last symbol at or below addr. */
	while (hi - lo > 1) {
		u64 mid = (lo + hi) / 2;
		if (ksym_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksym_table[lo].addr > addr)
		return NULL;
	*offset = addr - ksym_table[lo].addr;
	*size = ksym_table[lo].size;
	return &ksym_names[ksym_table[lo].name_offset];
}

void print_symbol(u64 addr)
{
	u64 offset, size;
	const char *name = symbol_lookup(addr, &offset, &size);

	if (name)
		kprintf("%s+%#lx/%#lx", name, offset, size);
	else
		kprintf("?");
}

#define BACKTRACE_MAX_FRAMES 32

/* Can the kernel read the 16 bytes at addr without faulting? */
static bool readable(u64 addr)
{
	phys_addr_t pa;
	u64 flags;

	return addr >= 0xffff800000000000ul && (addr & 7) == 0 && kernel_pml4 &&
	       translate(kernel_pml4, addr, &pa, &flags) &&
	       translate(kernel_pml4, addr + 8, &pa, &flags);
}

/*
 * A frame pointer is trusted only if it is readable and above the previous
 * one (stacks grow down, so callers' frames are at higher addresses) by
 * less than a stack's size: a corrupted chain then ends the trace instead
 * of faulting inside panic().
 */
static bool frame_plausible(u64 rbp, u64 prev)
{
	return readable(rbp) && (prev == 0 || (rbp > prev && rbp - prev < 64 * 1024));
}

int backtrace_collect(u64 rbp, u64 *out, int max)
{
	u64 prev = 0;
	int n = 0;

	while (n < max && frame_plausible(rbp, prev)) {
		const u64 *frame = (const u64 *)rbp;

		if (frame[1] == 0)
			break;
		out[n++] = frame[1];
		prev = rbp;
		rbp = frame[0];
	}
	return n;
}

void print_frames(const u64 *ret, int n)
{
	for (int i = 0; i < n; i++) {
		/*
		 * ret is the instruction after the call; name the call itself
		 * (ret - 1), which matters when the call ends a function.
		 */
		kprintf("  [<%p>] ", (void *)ret[i]);
		print_symbol(ret[i] - 1);
		kprintf("\n");
	}
}

void print_backtrace(u64 rbp)
{
	u64 ret[BACKTRACE_MAX_FRAMES];
	int n = backtrace_collect(rbp, ret, BACKTRACE_MAX_FRAMES);

	kprintf("Call trace:\n");
	print_frames(ret, n);
}

static bool is_text(u64 addr)
{
	return addr >= (u64)_text_start && addr < (u64)_text_end;
}

void print_trap_backtrace(u64 rip, u64 rsp, u64 rbp)
{
	u64 ret[BACKTRACE_MAX_FRAMES];
	int n = backtrace_collect(rbp, ret, BACKTRACE_MAX_FRAMES);
	u64 top = 0;

	kprintf("Call trace:\n  [<%p>] ", (void *)rip);
	print_symbol(rip);
	kprintf("\n");
	if (is_text(rip) && readable(rsp))
		top = *(const u64 *)rsp;
	if (is_text(top) && (n == 0 || top != ret[0])) {
		kprintf("  [<%p>] ? ", (void *)top);
		print_symbol(top - 1);
		kprintf("\n");
	}
	print_frames(ret, n);
}
