/*
 * Keeping every CPU's TLB true to the page tables.
 *
 * A CPU caches translations; after a mapping is removed or made stricter,
 * each CPU that may hold the old translation must drop it before the page
 * is reused, or it could still read (or write!) a page that now belongs to
 * someone else.  The CPU that changed the tables flushes its own TLB and
 * sends the others a TLB-shootdown IPI naming the range, then waits until
 * each has flushed.  Which CPUs?  Those running the address space
 * (mm->cpu_mask, kept by the scheduler); for kernel mappings, all.
 *
 * One shootdown at a time (tlb_busy).  The initiator waits with interrupts
 * ENABLED - both for the busy flag and for the answers - since another CPU
 * may at the same moment be waiting for it to answer its own request.
 * So flush_tlb_range must never be called with a spinlock held.
 */
#include <apic.h>
#include <mm.h>
#include <panic.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <tlb.h>
#include <traps.h>
#include <vm.h>
#include <x86.h>

#define FULL_FLUSH_PAGES 32	/* beyond this, reloading CR3 is cheaper than invlpg */

static int tlb_busy;		/* atomic: a shootdown is in progress */
static struct {
	struct mm *mm;		/* NULL: kernel mappings, on every CPU */
	u64 start, end;
	u64 pending;		/* atomic: CPUs that have not flushed yet */
} request;

/* Flush [start, end) here, if mm is the one loaded (or for kernel mappings). */
static void flush_local(struct mm *mm, u64 start, u64 end)
{
	if (mm && read_cr3() != virt_to_phys(mm->pml4))
		return;		/* not loaded here: CR3 is reloaded when it is */
	if ((end - start) >> PAGE_SHIFT > FULL_FLUSH_PAGES) {
		if (mm) {
			write_cr3(read_cr3());	/* user mappings are not global */
			return;
		}
		/* Kernel mappings are global: toggling PGE drops them too. */
		write_cr4(read_cr4() & ~CR4_PGE);
		write_cr4(read_cr4() | CR4_PGE);
		return;
	}
	for (u64 va = start; va < end; va += PAGE_SIZE)
		invlpg(va);
}

void tlb_shootdown_interrupt(struct trap_frame *tf)
{
	(void)tf;
	flush_local(request.mm, request.start, request.end);
	__atomic_fetch_and(&request.pending, ~(1ul << this_cpu()->id), __ATOMIC_RELEASE);
}

static void shootdown(struct mm *mm, u64 start, u64 end)
{
	u64 self = 1ul << this_cpu()->id, targets = 0;

	flush_local(mm, start, end);
	if (nr_cpus_online == 1)
		return;
	if (!irqs_enabled())
		panic("TLB shootdown with interrupts off: it could deadlock");
	for (int i = 0; i < MAX_CPUS; i++)
		if (cpus[i].online)
			targets |= 1ul << i;
	if (mm)
		targets &= __atomic_load_n(&mm->cpu_mask, __ATOMIC_ACQUIRE);
	targets &= ~self;
	if (!targets)
		return;

	while (__atomic_exchange_n(&tlb_busy, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	request.mm = mm;
	request.start = start;
	request.end = end;
	__atomic_store_n(&request.pending, targets, __ATOMIC_RELEASE);
	for (int i = 0; i < MAX_CPUS; i++)
		if (targets & (1ul << i))
			lapic_send_ipi(cpus[i].apic_id, VEC_TLB_SHOOTDOWN);
	while (__atomic_load_n(&request.pending, __ATOMIC_ACQUIRE))
		cpu_relax();
	__atomic_store_n(&tlb_busy, 0, __ATOMIC_RELEASE);
}

void flush_tlb_range(struct mm *mm, u64 start, u64 end)
{
	shootdown(mm, start, end);
}

void flush_tlb_kernel_range(u64 start, u64 end)
{
	shootdown(NULL, start, end);
}

void mm_cpu_switch(struct mm *from, struct mm *to)
{
	u64 bit = 1ul << this_cpu()->id;

	if (from == to)
		return;
	if (from)
		__atomic_fetch_and(&from->cpu_mask, ~bit, __ATOMIC_RELEASE);
	if (to)
		__atomic_fetch_or(&to->cpu_mask, bit, __ATOMIC_ACQ_REL);
}
