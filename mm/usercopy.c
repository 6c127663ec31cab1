/*
 * Usercopy (see usercopy.h): range checks around the assembly routines,
 * and the exception table the fault handler consults.
 */
#include <errno.h>
#include <lockdep.h>
#include <mm.h>
#include <sched.h>
#include <string.h>
#include <usercopy.h>

size_t raw_copy_user(void *dst, const void *src, size_t n);
size_t raw_clear_user(void *dst, size_t n);
long raw_strncpy_user(char *dst, const char *src, size_t max);
int raw_probe_user(const void *addr);

struct extable_entry {
	u64 insn;	/* an instruction that may fault on a user address */
	u64 fixup;	/* where to continue if it does */
};

extern const struct extable_entry __start_extable[], __stop_extable[];

u64 search_exception_table(u64 rip)
{
	for (const struct extable_entry *e = __start_extable; e < __stop_extable; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}

size_t copy_from_user(void *dst, const void *user_src, size_t n)
{
	if (!access_ok(user_src, n))
		return n;
	lockdep_might_fault(CALLER_IP);
	return raw_copy_user(dst, user_src, n);
}

size_t copy_to_user(void *user_dst, const void *src, size_t n)
{
	if (!access_ok(user_dst, n))
		return n;
	lockdep_might_fault(CALLER_IP);
	return raw_copy_user(user_dst, src, n);
}

size_t copy_from_user_atomic(void *dst, const void *user_src, size_t n)
{
	if (!pagefault_disabled())
		return n;	/* a caller bug: it would sleep holding a lock */
	return copy_from_user(dst, user_src, n);
}

size_t clear_user(void *user_dst, size_t n)
{
	if (!access_ok(user_dst, n))
		return n;
	lockdep_might_fault(CALLER_IP);
	return raw_clear_user(user_dst, n);
}

long strncpy_from_user(char *dst, const char *user_src, size_t max)
{
	long len;

	if (max == 0)
		return -ENAMETOOLONG;
	/* Check only what could be read: the string may end near the top of user space. */
	if (!access_ok(user_src, 1))
		return -EFAULT;
	if ((u64)user_src + max > USER_SPACE_END)
		max = USER_SPACE_END - (u64)user_src;
	lockdep_might_fault(CALLER_IP);
	len = raw_strncpy_user(dst, user_src, max);
	if (len < 0)
		return -EFAULT;
	if ((size_t)len == max)
		return -ENAMETOOLONG;
	return len;
}

int get_user_u32(u32 *val, const void *user_ptr)
{
	return copy_from_user(val, user_ptr, sizeof(*val)) ? -EFAULT : 0;
}

int get_user_u64(u64 *val, const void *user_ptr)
{
	return copy_from_user(val, user_ptr, sizeof(*val)) ? -EFAULT : 0;
}

int put_user_u32(u32 val, void *user_ptr)
{
	return copy_to_user(user_ptr, &val, sizeof(val)) ? -EFAULT : 0;
}

int put_user_u64(u64 val, void *user_ptr)
{
	return copy_to_user(user_ptr, &val, sizeof(val)) ? -EFAULT : 0;
}

size_t fault_in_readable(const void *user_addr, size_t n)
{
	u64 addr = (u64)user_addr, end = addr + n;

	if (n == 0)
		return 0;
	if (!access_ok(user_addr, n))
		return n;
	lockdep_might_fault(CALLER_IP);
	/* One byte in each page is enough to fault the page in. */
	for (u64 p = addr; p < end; p = ALIGN_DOWN(p, PAGE_SIZE) + PAGE_SIZE)
		if (raw_probe_user((const void *)p) < 0)
			return end - p;
	return 0;
}

void pagefault_disable(void)
{
	current->pagefault_disabled++;
	barrier();
}

void pagefault_enable(void)
{
	barrier();
	current->pagefault_disabled--;
}

bool pagefault_disabled(void)
{
	return current->pagefault_disabled > 0;
}
