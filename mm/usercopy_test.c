/*
 * Self-tests for usercopy, the user fault handler and copy-on-write,
 * without a user program: the test's kernel thread borrows a fresh
 * address space, maps some anonymous memory in it and copies to and from
 * it as a system call would.
 */
#include <errno.h>
#include <kmalloc.h>
#include <ktest.h>
#include <page.h>
#include <sched.h>
#include <string.h>
#include <uio.h>
#include <usercopy.h>
#include <vm.h>
#include <x86.h>

#define AREA 0x10000000ul
#define AREA_PAGES 4

static struct mm *borrow_mm(struct ktest_ctx *kt)
{
	struct mm *mm = mm_create();

	if (!KEXPECT(mm != NULL))
		return NULL;
	down_write(&mm->mmap_lock);
	KEXPECT_EQ(vma_insert(mm, AREA, AREA + AREA_PAGES * PAGE_SIZE, VM_READ | VM_WRITE, NULL, 0), 0);
	up_write(&mm->mmap_lock);
	current->mm = mm;
	write_cr3(virt_to_phys(mm->pml4));
	return mm;
}

static void give_back_mm(struct mm *mm)
{
	current->mm = NULL;
	switch_to_kernel_page_tables();
	mm_put(mm);
}

KTEST(usercopy_demand_faults_and_fixups)
{
	u64 before;
	char buf[64] = "written through copy_to_user";
	char back[64];
	struct mm *mm;

	/* kmalloc keeps an empty slab page per class, as many as reclaim left: count with none. */
	kmalloc_shrink();
	before = nr_free_pages();
	mm = borrow_mm(kt);
	if (!mm)
		return;
	/* The first touch of the area is a demand-zero fault inside the copy. */
	KEXPECT_EQ(copy_to_user((void *)AREA, buf, sizeof(buf)), 0);
	KEXPECT_EQ(copy_from_user(back, (void *)AREA, sizeof(back)), 0);
	KEXPECT(memcmp(buf, back, sizeof(buf)) == 0);
	KEXPECT_EQ(clear_user((void *)(AREA + PAGE_SIZE), 8), 0);
	/* A copy that runs off the end of the area stops short at the fix-up. */
	u64 end = AREA + AREA_PAGES * PAGE_SIZE;
	KEXPECT_EQ(copy_to_user((void *)(end - 16), buf, 48), 32);
	KEXPECT_EQ(copy_from_user(back, (void *)(end + PAGE_SIZE), 8), 8);
	/* Kernel addresses are refused before any access. */
	KEXPECT_EQ(copy_to_user((void *)KERNEL_VMA, buf, 8), 8);
	KEXPECT_EQ(copy_from_user(back, (void *)(USER_SPACE_END - 4), 8), 8);
	/* Strings. */
	KEXPECT_EQ(strncpy_from_user(back, (const char *)AREA, sizeof(back)), (long)strlen(buf));
	KEXPECT_EQ(strncpy_from_user(back, (const char *)AREA, 4), -ENAMETOOLONG);
	KEXPECT_EQ(strncpy_from_user(back, (const char *)(end + 8), 4), -EFAULT);
	give_back_mm(mm);
	kmalloc_shrink();
	KEXPECT_EQ(nr_free_pages(), before);
}

KTEST(usercopy_atomic_never_faults_in)
{
	char buf[16] = "abc", back[16];
	struct mm *mm = borrow_mm(kt);

	if (!mm)
		return;
	/* With faults disabled, a page that is not there yet is a short copy... */
	pagefault_disable();
	KEXPECT_EQ(copy_from_user_atomic(back, (void *)(AREA + 2 * PAGE_SIZE), 8), 8);
	pagefault_enable();
	/* ...until it is faulted in without locks, as the buffered write does. */
	KEXPECT_EQ(fault_in_readable((void *)(AREA + 2 * PAGE_SIZE), 8), 0);
	pagefault_disable();
	KEXPECT_EQ(copy_from_user_atomic(back, (void *)(AREA + 2 * PAGE_SIZE), 8), 0);
	pagefault_enable();
	/* Without faults disabled, the atomic copy refuses to run at all. */
	KEXPECT_EQ(copy_from_user_atomic(back, (void *)AREA, 8), 8);
	KEXPECT_EQ(fault_in_readable((void *)(AREA + AREA_PAGES * PAGE_SIZE), 1), 1);
	(void)buf;
	give_back_mm(mm);
}

KTEST(fork_copy_on_write_isolates_both_ways)
{
	u64 before = nr_free_pages();
	struct mm *parent = borrow_mm(kt), *child;
	u64 v = 1;

	if (!parent)
		return;
	KEXPECT_EQ(copy_to_user((void *)AREA, &v, 8), 0);
	child = mm_fork(parent);
	if (!KEXPECT(child != NULL))
		return;
	/* The parent writes: it gets its own copy; the child keeps the old value. */
	v = 2;
	KEXPECT_EQ(copy_to_user((void *)AREA, &v, 8), 0);
	current->mm = child;
	write_cr3(virt_to_phys(child->pml4));
	KEXPECT_EQ(copy_from_user(&v, (void *)AREA, 8), 0);
	KEXPECT_EQ(v, 1);
	/* The child writes: its copy is now the only reference, it writes in place. */
	v = 3;
	KEXPECT_EQ(copy_to_user((void *)AREA, &v, 8), 0);
	current->mm = parent;
	write_cr3(virt_to_phys(parent->pml4));
	KEXPECT_EQ(copy_from_user(&v, (void *)AREA, 8), 0);
	KEXPECT_EQ(v, 2);
	mm_put(child);
	give_back_mm(parent);
	KEXPECT_EQ(nr_free_pages(), before);
}

KTEST(iov_iter_walks_segments)
{
	char a[4], b[0], c[6], out[10];
	struct iovec iov[3] = { { a, sizeof(a) }, { b, 0 }, { c, sizeof(c) } };
	struct iov_iter it;

	iov_iter_init(&it, ITER_KERNEL, iov, 3, 10);
	KEXPECT_EQ(copy_to_iter("0123456789", 10, &it), 10);
	KEXPECT(memcmp(a, "0123", 4) == 0 && memcmp(c, "456789", 6) == 0);
	KEXPECT_EQ(it.count, 0);
	iov_iter_init(&it, ITER_KERNEL, iov, 3, 10);
	KEXPECT_EQ(copy_from_iter(out, 6, &it), 6);
	iov_iter_revert(&it, 3);
	KEXPECT_EQ(copy_from_iter(out + 6, 4, &it), 4);
	KEXPECT(memcmp(out, "012345", 6) == 0 && memcmp(out + 6, "3456", 4) == 0);
}
