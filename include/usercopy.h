/*
 * Copying between kernel and user memory.
 *
 * Every user pointer is checked to lie in the user half before it is
 * touched; the copy itself runs with SMAP opened (stac/clac) and can fault.
 * A fault on a user address is handled like a user fault (demand paging,
 * copy-on-write), which may sleep: so these may only be called where
 * sleeping is allowed.  When the fault cannot be resolved, execution jumps
 * to the copy's fix-up (the exception table) and the copy stops short.
 *
 * The _atomic forms must be called with page faults disabled
 * (pagefault_disable()): then a fault never sleeps or takes a lock, it
 * goes straight to the fix-up.  This is what lets the buffered write copy
 * while holding a page lock.
 */
#ifndef PAGODA_USERCOPY_H
#define PAGODA_USERCOPY_H

#include <mm.h>
#include <types.h>


/* Does [addr, addr + size) lie entirely in the user half? */
static inline bool access_ok(const void *addr, size_t size)
{
	u64 a = (u64)addr;

	return a <= USER_SPACE_END && size <= USER_SPACE_END - a;
}

/* These return the number of bytes NOT copied: 0 on success. */
size_t copy_from_user(void *dst, const void *user_src, size_t n);
size_t copy_to_user(void *user_dst, const void *src, size_t n);
size_t copy_from_user_atomic(void *dst, const void *user_src, size_t n);
size_t clear_user(void *user_dst, size_t n);

/* Copy a NUL-terminated string of at most max - 1 characters: its length, -EFAULT, or -ENAMETOOLONG. */
long strncpy_from_user(char *dst, const char *user_src, size_t max);

/* Single values: 0 or -EFAULT. */
int get_user_u32(u32 *val, const void *user_ptr);
int get_user_u64(u64 *val, const void *user_ptr);
int put_user_u32(u32 val, void *user_ptr);
int put_user_u64(u64 val, void *user_ptr);

/*
 * Touch every page of [user_addr, user_addr + n) for reading, with faults
 * allowed, so that a following _atomic copy finds them present.  Returns
 * the number of bytes that could NOT be made readable (counted from the
 * first page that failed).
 */
size_t fault_in_readable(const void *user_addr, size_t n);

/* The fix-up address for an instruction that faulted, or 0 (mm/usercopy.c). */
u64 search_exception_table(u64 rip);

/* Per-task: while the count is non-zero, a fault goes straight to the fix-up. */
void pagefault_disable(void);
void pagefault_enable(void);
bool pagefault_disabled(void);

#endif
