/*
 * The kernel's own symbol table, for backtraces.  tools/gensyms.sh builds
 * it from the linked kernel (nm) and the second link adds it to the image
 * (see linker.ld and the Makefile).
 */
#ifndef PAGODA_SYMBOLS_H
#define PAGODA_SYMBOLS_H

#include <types.h>

struct ksym {
	u64 addr;
	u32 size;		/* 0 when unknown (assembly labels) */
	u32 name_offset;	/* into ksym_names */
};

extern const struct ksym ksym_table[];
extern const u64 ksym_count;
extern const char ksym_names[];

/* The function containing addr, or NULL; *offset and *size describe where. */
const char *symbol_lookup(u64 addr, u64 *offset, u64 *size);
/* Print "name+0xoff/0xsize" (no newline), or "?" when unknown. */
void print_symbol(u64 addr);
/*
 * Follow the frame-pointer chain from rbp: store up to max return
 * addresses, innermost first, and return how many.
 */
int backtrace_collect(u64 rbp, u64 *out, int max);
/* Print one line per frame of that chain. */
void print_backtrace(u64 rbp);
/* Print one line per return address (as backtrace_collect gives them). */
void print_frames(const u64 *ret, int n);
/*
 * The backtrace of trapped code: the trapped instruction, then the frame
 * chain.  A leaf function that needs no stack gets no frame from the
 * compiler, so its caller's return address is only found at the top of the
 * stack: that word is shown too, marked "?" as Linux does, when it looks
 * like a return address the frame chain does not already show.
 */
void print_trap_backtrace(u64 rip, u64 rsp, u64 rbp);

#endif
