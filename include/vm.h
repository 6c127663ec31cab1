/*
 * Address spaces: a process's page tables and the list of its virtual
 * memory areas (VMAs).  A VMA is a range of user addresses with the same
 * permissions and backing (anonymous memory, or a file from an offset).
 *
 * Locks: mm->mmap_lock (a sleeping rwsem) protects the VMA list, brk and
 * the layout; page faults take it shared, mmap/munmap/mprotect/brk
 * exclusive.  mm->page_table_lock (a spinlock) serialises changes to the
 * page tables themselves, since several faults may run at once under the
 * shared mmap_lock.  A file VMA is also on its file's list of mappings
 * (mapping->i_mmap), so truncate and writeback can reach its page tables
 * from the file; changing such a VMA's bounds takes mapping->i_mmap_lock
 * too.  Lock order: mmap_lock -> page lock -> i_mmap_lock ->
 * page_table_lock (docs/design.md).
 */
#ifndef PAGODA_VM_H
#define PAGODA_VM_H

#include <list.h>
#include <mm.h>
#include <mutex.h>
#include <paging.h>
#include <spinlock.h>
#include <types.h>

struct file;
struct trap_frame;

/* VMA flags (the low three match PROT_READ/WRITE/EXEC). */
#define VM_READ (1u << 0)
#define VM_WRITE (1u << 1)
#define VM_EXEC (1u << 2)
#define VM_SHARED (1u << 3)	/* writes reach the backing (file or shared memory) */
#define VM_GROWSDOWN (1u << 4)	/* the stack: grows down on faults below it */
#define VM_MAYWRITE (1u << 5)	/* mprotect may add VM_WRITE (not a read-only file shared) */
#define VM_LOCKED (1u << 6)	/* mlock: every page is faulted in and stays */
#define VM_LOCKONFAULT (1u << 7)	/* with VM_LOCKED: pages are locked as they fault in */

struct vm_area {
	u64 start, end;		/* [start, end), page aligned */
	unsigned int flags;	/* VM_* */
	struct file *file;	/* NULL for anonymous memory; holds a reference */
	u64 pgoff;		/* file page number that `start` maps */
	struct list_head link;	/* mm->vmas, sorted by start */
	struct mm *mm;		/* the address space it belongs to */
	struct list_head mapping_link;	/* file's mapping->i_mmap (i_mmap_lock) */
};

struct mm {
	pte_t *pml4;
	struct rwsem mmap_lock;
	struct list_head vmas;		/* mmap_lock */
	struct vm_area *vma_cache;	/* mmap_lock (any mode): last VMA found */
	struct spinlock page_table_lock;
	u64 brk_start, brk;		/* mmap_lock: the heap is [brk_start, brk) */
	u64 stack_top;			/* mmap_lock: top of the main stack */
	u64 mmap_base;			/* mmap_lock: mappings are placed below this */
	unsigned int def_flags;		/* mmap_lock: VM_LOCKED after mlockall(MCL_FUTURE) */
	u64 arg_start, arg_end;		/* fixed at exec: argv's strings (/proc/PID/cmdline) */
	u64 env_start, env_end;		/* fixed at exec: the environment's */
	struct file *exe_file;		/* fixed at exec: the program (/proc/PID/exe), referenced, or NULL */
	int users;			/* atomic: tasks sharing it */
	u64 cpu_mask;			/* atomic: CPUs running it now (TLB shootdowns) */
};

#define USER_STACK_TOP 0x00007ffffffff000ul	/* one page below the top of user space */
#define USER_MMAP_BASE 0x00007f0000000000ul
#define USER_STACK_MAX (8ul << 20)		/* RLIMIT_STACK default: 8 MiB */

/* The file page number that address va of file VMA v maps. */
static inline u64 vma_pgoff(const struct vm_area *v, u64 va)
{
	return v->pgoff + ((va - v->start) >> PAGE_SHIFT);
}

struct mm *mm_create(void);
struct mm *mm_fork(struct mm *old);	/* copy-on-write copy */
void mm_put(struct mm *mm);		/* drop a user; free at zero */
/*
 * Read len bytes at user address addr of mm (another process's, held by
 * the caller): takes mmap_lock shared, copies from the pages mapped there,
 * stops at the first page that is not.  Returns the bytes read.
 */
size_t access_remote_vm(struct mm *mm, u64 addr, void *buf, size_t len);
/*
 * Another task's address space, with a reference (mm_put it), or NULL (a
 * kernel thread, or one that exited): exec and exit change task->mm under
 * task->lock, which this takes.
 */
struct task;
struct mm *get_task_mm(struct task *t);
/* The bytes its VMAs cover (/proc/PID/stat's vsize); takes mmap_lock shared. */
u64 mm_total_vm(struct mm *mm);
/*
 * Pages mapped by the user page tables: anonymous ones, and the rest
 * (file pages).  For another task's mm, hold that task's lock: exec and
 * exit change task->mm under it, so its mm stays while it is held.
 */
void mm_resident_pages(struct mm *mm, unsigned long *anon, unsigned long *file);

/* The VMA containing addr, or NULL (mmap_lock held). */
struct vm_area *find_vma(struct mm *mm, u64 addr);
/* Map [start, end) with flags (fixed address, nothing there yet); mmap_lock held for write. */
int vma_insert(struct mm *mm, u64 start, u64 end, unsigned int flags, struct file *file, u64 pgoff);
/*
 * The same, returning the new VMA (or an ERR_PTR); a file VMA goes on the
 * file's list of mappings right after `original` (a VMA it copies: fork,
 * mremap), or at the end if that is NULL.
 */
struct vm_area *vma_insert_after(struct mm *mm, u64 start, u64 end, unsigned int flags,
				 struct file *file, u64 pgoff, struct vm_area *original);
/* Remove every mapping in [start, end), splitting VMAs as needed; mmap_lock held for write. */
int vma_unmap_range(struct mm *mm, u64 start, u64 end);
/* A free range of len bytes below mm->mmap_base, or 0. */
u64 vma_find_free(struct mm *mm, u64 len);
/* Does [start, end) lie entirely inside VMAs, with no hole?  mmap_lock held. */
bool range_fully_mapped(struct mm *mm, u64 start, u64 end);
/* The first VMA ending above addr (containing it, or the next one up). */
struct vm_area *find_vma_above(struct mm *mm, u64 addr);
/* Split v at addr: v keeps the lower part.  mmap_lock held for write. */
int vma_split(struct mm *mm, struct vm_area *v, u64 addr);
/* Move v's end (mremap growing it in place); mmap_lock held for write. */
void vma_set_end(struct vm_area *v, u64 end);
/* Split the VMAs straddling start or end, so [start, end) is made of whole VMAs. */
int vma_split_edges(struct mm *mm, u64 start, u64 end);
void vma_free_all(struct mm *mm);
/* Unmap [start, end) from the page tables and drop the pages' references. */
void zap_page_range(struct mm *mm, u64 start, u64 end);
/*
 * Fault in every page of [start, end) of the current process now
 * (MAP_POPULATE, mlock), taking mmap_lock shared per page: call it
 * without mmap_lock.  0, or mlock's errno (-ENOMEM, -EAGAIN).
 */
int populate_range(u64 start, u64 end);
/* Switch this CPU to the kernel's own page tables (before freeing an mm). */
void switch_to_kernel_page_tables(void);

/*
 * Handle a page fault at addr for the current task.  Returns 0 when the
 * access can be retried, or the signal to send (SIGSEGV, SIGBUS).
 */
int handle_user_fault(u64 addr, unsigned int error_code, u64 *si_code);

#endif
