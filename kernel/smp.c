/*
 * Starting the other CPUs (application processors, APs) and talking to
 * them with inter-processor interrupts.
 *
 * The boot CPU copies the trampoline (boot/ap_trampoline.asm) to 0x8000
 * and, for each AP that ACPI's MADT lists, gives it a kernel stack (its
 * idle task's) and interrupt stacks, then sends INIT, waits 10 ms, and
 * sends the start-up IPI twice (the protocol of Intel's MP specification).
 * The AP comes up through the trampoline into ap_entry, sets up its own
 * GDT, TSS, IDT, per-CPU data, APIC and timer, says it is online, and
 * becomes that CPU's idle loop.  APs are started one at a time, so the
 * trampoline's one data block serves them all.
 */
#include <acpi.h>
#include <apic.h>
#include <cpu.h>
#include <fpu.h>
#include <kstack.h>
#include <mm.h>
#include <page.h>
#include <paging.h>
#include <panic.h>
#include <pit.h>
#include <printk.h>
#include <sched.h>
#include <smp.h>
#include <string.h>
#include <symbols.h>
#include <tlb.h>
#include <time.h>
#include <traps.h>
#include <x86.h>

#define TRAMPOLINE_PHYS 0x8000
#define TRAMPOLINE_DATA (TRAMPOLINE_PHYS + 0xf00)
#define AP_START_TIMEOUT_MS 200

/* Must match the data block at the end of boot/ap_trampoline.asm. */
struct trampoline_data {
	u32 cr3;
	u32 cpu;
	u64 stack;
	u64 entry;
} __packed;

extern const u8 ap_trampoline_start[], ap_trampoline_end[];
void syscall_init_cpu(void);
void timer_start_this_cpu(void);

/* A CPU has work to pick up: the interrupt itself wakes it from hlt. */
static void reschedule_interrupt(struct trap_frame *tf)
{
	(void)tf;
}

/* Runs on each AP, on its idle stack, straight from the trampoline. */
__noreturn void ap_entry(int id)
{
	struct cpu *cpu = &cpus[id];

	percpu_init_this_cpu(id);
	gdt_init_this_cpu();
	idt_load();
	cpu_enable_protections();
	fpu_init_cpu();
	syscall_init_cpu();
	lapic_init();
	sched_init(cpu->idle_stack_top);
	timer_start_this_cpu();
	__atomic_add_fetch(&nr_cpus_online, 1, __ATOMIC_RELEASE);
	WRITE_ONCE(cpu->online, true);
	cpu_idle_loop();
}

static bool start_ap(int id, u32 apic_id)
{
	volatile struct trampoline_data *data = phys_to_virt(TRAMPOLINE_DATA);
	struct cpu *cpu = &cpus[id];
	u64 deadline;

	for (int i = 0; i < 3; i++) {
		void *ist = kstack_alloc();

		if (!ist)
			return false;
		cpu->ist_tops[i] = (u64)ist;
	}
	cpu->idle_stack_top = kstack_alloc();
	if (!cpu->idle_stack_top)
		return false;
	cpu->apic_id = apic_id;
	data->cr3 = (u32)virt_to_phys(kernel_pml4);
	data->cpu = id;
	data->stack = (u64)cpu->idle_stack_top;
	data->entry = (u64)ap_entry;

	lapic_send_init(apic_id);
	pit_wait_ms(10);
	for (int i = 0; i < 2; i++) {
		lapic_send_startup(apic_id, TRAMPOLINE_PHYS >> PAGE_SHIFT);
		pit_wait_ms(1);
	}
	deadline = clock_ns() + AP_START_TIMEOUT_MS * 1000000ul;
	while (!READ_ONCE(cpu->online) && clock_ns() < deadline)
		cpu_relax();
	return READ_ONCE(cpu->online);
}

void smp_boot(void)
{
	int started = 0;

	irq_set_handler(VEC_RESCHEDULE, reschedule_interrupt);
	irq_set_handler(VEC_TLB_SHOOTDOWN, tlb_shootdown_interrupt);
	cpus[0].apic_id = lapic_id();
	cpus[0].online = true;
	if (acpi_info.cpu_count <= 1)
		return;
	if (virt_to_phys(kernel_pml4) >= (1ul << 32))
		panic("smp: the kernel page tables must lie below 4 GiB for the trampoline");
	memcpy(phys_to_virt(TRAMPOLINE_PHYS), ap_trampoline_start,
	       ap_trampoline_end - ap_trampoline_start);
	/* The trampoline runs at its physical address once paging is on. */
	if (map_huge_page(kernel_pml4, 0, 0, PTE_PRESENT | PTE_WRITE) < 0)
		panic("smp: cannot map the trampoline");

	for (int i = 0; i < acpi_info.cpu_count && started + 1 < MAX_CPUS; i++) {
		u32 apic_id = acpi_info.cpu_apic_ids[i];

		if (apic_id == cpus[0].apic_id)
			continue;
		if (start_ap(started + 1, apic_id))
			started++;
		else
			pr_err("smp: the CPU with APIC id %u did not start", apic_id);
	}

	/*
	 * Every AP runs on its own GDT and in the higher half now: drop the
	 * identity mapping, on every CPU, so a NULL pointer faults again.
	 */
	pte_t identity = kernel_pml4[0];

	kernel_pml4[0] = 0;
	flush_tlb_kernel_range(0, HUGE_PAGE_SIZE);
	free_pml4_entry_tables(identity);
	pr_info("smp: %d CPU(s) online", nr_cpus_online);
}

/* Wake an idle CPU that may run a task just queued (its cpus_allowed); rq_lock held. */
void smp_kick_idle_cpu(u64 allowed)
{
	int self = this_cpu()->id;

	for (int i = 0; i < MAX_CPUS; i++) {
		struct cpu *c = &cpus[i];

		if (i != self && (allowed & (1ul << i)) && c->online && c->idling) {
			c->idling = false;	/* one kick is enough */
			lapic_send_ipi(c->apic_id, VEC_RESCHEDULE);
			return;
		}
	}
}

/*
 * Panic: the other CPUs must stop, and show where they were.  Each gets an
 * NMI (which interrupts even code with interrupts off); its handler prints
 * that CPU's backtrace and halts for good.  One CPU at a time, so their
 * reports do not interleave.
 */
static volatile int nmi_stopped;	/* CPUs that have printed and halted */

void smp_stop_others(void)
{
	int self = this_cpu()->id, expected = 0;

	for (int i = 0; i < MAX_CPUS; i++) {
		u64 t0 = rdtsc();

		if (i == self || !cpus[i].online)
			continue;
		expected++;
		lapic_send_nmi(cpus[i].apic_id);
		/* Wait a little for it to report (a CPU may be wedged). */
		while (nmi_stopped < expected && rdtsc() - t0 < 100000000ul)
			cpu_relax();
	}
}

__noreturn void cpu_stop_on_nmi(struct trap_frame *tf)
{
	kprintf("CPU %d stopped:\n", this_cpu()->id);
	print_trap_backtrace(tf->rip, tf->rsp, tf->rbp);
	__atomic_add_fetch(&nmi_stopped, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}
