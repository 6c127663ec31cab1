/*
 * Kernel stacks.  Each lives in its own slot of the kernel-stack area with
 * an unmapped guard below it, so overflowing a stack faults at once (a
 * double fault, handled on its own IST stack) instead of silently
 * overwriting whatever lies below.
 */
#ifndef PAGODA_KSTACK_H
#define PAGODA_KSTACK_H

#include <mm.h>

#define KSTACK_SIZE (16 * 1024)
#define KSTACK_GUARD_SIZE (16 * 1024)	/* unmapped, below the stack */

/* Returns the stack's top (its highest address + 1), or NULL. */
void *kstack_alloc(void);
void kstack_free(void *top);
/* Free the stacks kept for reuse (before counting free memory). */
void kstack_drain_cache(void);
/* Make the stack area's page tables (boot). */
void kstack_init(void);

/* Call fn(arg) on the stack whose top is `top`; does not return. */
__attribute__((noreturn)) void call_on_stack(void *top, void (*fn)(void *), void *arg);

#endif
