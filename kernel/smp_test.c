/* Self-tests for several CPUs: kernel threads on chosen CPUs, TLB shootdowns. */
#include <errno.h>
#include <ktest.h>
#include <mutex.h>
#include <page.h>
#include <printk.h>
#include <sched.h>
#include <tlb.h>
#include <usercopy.h>
#include <vm.h>
#include <x86.h>

#define AREA 0x20000000ul

static void report_cpu(void *arg)
{
	struct { struct completion done; int cpu; } *p = arg;

	p->cpu = this_cpu()->id;
	complete(&p->done);
}

KTEST(kthreads_run_on_the_cpu_asked_for)
{
	for (int cpu = 0; cpu < nr_cpus_online; cpu++) {
		struct { struct completion done; int cpu; } p = { .cpu = -1 };

		completion_init(&p.done);
		kthread_create_on(report_cpu, &p, "ktest", cpu);
		wait_for_completion(&p.done);
		KEXPECT_EQ(p.cpu, cpu);
	}
}

struct shootdown_probe {
	struct mm *mm;
	struct completion mapped, unmapped, done;
	u64 before, after;	/* bytes copy_from_user could not read */
};

/* On the other CPU: load the mm, cache the translation, read again after the unmap. */
static void reader(void *arg)
{
	struct shootdown_probe *p = arg;
	char c = 'x';

	current->mm = p->mm;
	mm_cpu_switch(NULL, p->mm);
	write_cr3(virt_to_phys(p->mm->pml4));
	p->before = copy_to_user((void *)AREA, &c, 1) + copy_from_user(&c, (void *)AREA, 1);
	complete(&p->mapped);
	wait_for_completion(&p->unmapped);
	/* Without the shootdown, the stale translation would still read the freed page. */
	p->after = copy_from_user(&c, (void *)AREA, 1);
	switch_to_kernel_page_tables();
	mm_cpu_switch(p->mm, NULL);
	current->mm = NULL;
	complete(&p->done);
}

KTEST(tlb_shootdown_reaches_other_cpus)
{
	struct shootdown_probe p = { 0 };
	int other = this_cpu()->id == 0 ? 1 : 0;

	if (nr_cpus_online < 2) {
		kprintf("#   one CPU: nothing to shoot down (runs with -smp 4)\n");
		return;
	}
	p.mm = mm_create();
	if (!KEXPECT(p.mm != NULL))
		return;
	KEXPECT_EQ(vma_insert(p.mm, AREA, AREA + PAGE_SIZE, VM_READ | VM_WRITE, NULL, 0), 0);
	completion_init(&p.mapped);
	completion_init(&p.unmapped);
	completion_init(&p.done);
	kthread_create_on(reader, &p, "ktest", other);
	wait_for_completion(&p.mapped);
	KEXPECT_EQ(p.before, 0);
	down_write(&p.mm->mmap_lock);
	KEXPECT_EQ(vma_unmap_range(p.mm, AREA, AREA + PAGE_SIZE), 0);
	up_write(&p.mm->mmap_lock);
	complete(&p.unmapped);
	wait_for_completion(&p.done);
	KEXPECT_EQ(p.after, 1);	/* the read faulted: the other CPU forgot the page */
	mm_put(p.mm);
}
