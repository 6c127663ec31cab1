/* Fatal errors and assertions. */
#ifndef PAGODA_PANIC_H
#define PAGODA_PANIC_H

#include <types.h>

struct trap_frame;

__printf(1, 2) __noreturn void panic(const char *fmt, ...);
/* Panic from a trap: prints the saved registers and a backtrace from them. */
__printf(2, 3) __noreturn void panic_trap(struct trap_frame *tf, const char *fmt, ...);

/* Is a panic under way (on any CPU)? */
bool panic_in_progress(void);

/* Print a backtrace of the current stack (for warnings). */
void dump_stack(void);

#define BUG() panic("BUG at %s:%d", __FILE__, __LINE__)
#define BUG_ON(cond)                                                    \
	do {                                                            \
		if (unlikely(cond))                                     \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__,   \
			      __LINE__);                                \
	} while (0)

/* Report a broken invariant that the kernel can survive; evaluates to cond. */
#define WARN_ON(cond) warn_on((cond) != 0, #cond, __FILE__, __LINE__)
bool warn_on(bool cond, const char *expr, const char *file, int line);

#endif
