/*
 * kmain: the first C code.  boot/entry.asm calls it on the boot stack in
 * long mode, with the early page tables, interrupts off.
 *
 * The order matters: per-CPU data before anything that takes a lock (every
 * lock records its owner CPU), the console before anything that can fail,
 * traps before anything that can fault, memory before anything that
 * allocates.  Once memory is up we move to a proper kernel stack with a
 * guard page, then bring up interrupts and the clock.
 */
#include <acpi.h>
#include <apic.h>
#include <boot.h>
#include <cmdline.h>
#include <cpu.h>
#include <fpu.h>
#include <hung_task.h>
#include <kstack.h>
#include <ktest.h>
#include <mm.h>
#include <page.h>
#include <panic.h>
#include <pci.h>
#include <printk.h>
#include <sched.h>
#include <serial.h>
#include <smp.h>
#include <string.h>
#include <time.h>
#include <traps.h>
#include <vmscan.h>
#include <writeback.h>
#include <x86.h>

static void print_memory_summary(void)
{
	u64 usable = 0;

	for (int i = 0; i < boot_info.mem_count; i++) {
		const struct mem_range *r = &boot_info.mem[i];

		pr_info("  mem [%#012lx-%#012lx] %s", r->start, r->end - 1,
			r->type == MEM_USABLE ? "usable" :
			r->type == MEM_ACPI_RECLAIMABLE ? "ACPI data" :
			r->type == MEM_ACPI_NVS ? "ACPI NVS" :
			r->type == MEM_BAD ? "bad" : "reserved");
		if (r->type == MEM_USABLE)
			usable += r->end - r->start;
	}
	pr_info("memory: %lu MiB usable RAM, kernel image %lu KiB (text %lu KiB), %lu MiB free",
		usable >> 20, ((u64)_kernel_phys_end - (u64)_kernel_phys_start) >> 10,
		((u64)_text_end - (u64)_text_start) >> 10, nr_free_pages() >> (20 - PAGE_SHIFT));
}

void kernel_init(void *arg);
void syscall_init_cpu(void);
void time_init_realtime(void);

static void apply_log_level(void)
{
	char value[8];

	if (cmdline_get("loglevel", value, sizeof(value)))
		printk_set_level(strtoul(value, NULL, 10));
}

/* Continues kmain on a guarded kernel stack, which becomes the idle task's. */
static __noreturn void kmain_on_kstack(void *stack_top)
{
	sched_init(stack_top);
	acpi_init();
	pic_disable();
	lapic_init();
	ioapic_init();
	clock_init();
	timer_start();
	fpu_init_cpu();
	syscall_init_cpu();
	time_init_realtime();
	local_irq_enable();	/* the timer runs; starting CPUs takes TLB shootdowns */
	/*
	 * Devices before the other CPUs: sizing BARs and enabling decoding
	 * changes QEMU's memory map, and QEMU 7.2's multi-threaded TCG has
	 * been seen to crash (SIGSEGV in memory_region_dispatch_read) when
	 * another virtual CPU does MMIO meanwhile.  The disks must exist
	 * before vfs_init (in kernel_init) makes their /dev nodes anyway.
	 */
	pci_init();
	smp_boot();
	print_memory_summary();
	if (!kthread_create(kernel_init, NULL, "kernel_init"))
		panic("cannot create the first kernel thread");
	reaper_start();
	hung_task_start();
	kswapd_start();
	flusher_start();
	loadavg_start();
	cpu_idle_loop();
}

void kmain(u32 magic, phys_addr_t mbi)
{
	void *stack;

	percpu_init_boot_cpu();
	serial_init();
	gdt_init_this_cpu();
	idt_init();
	multiboot_parse(magic, mbi);
	apply_log_level();
	pr_info("Pagoda, a teaching kernel for x86-64 (booted by %s)", boot_info.loader);
	pr_info("command line: %s", boot_info.cmdline);
	cpu_init_features();
	mm_init(&boot_info);

	stack = kstack_alloc();
	if (!stack)
		panic("no memory for the first kernel stack");
	call_on_stack(stack, kmain_on_kstack, stack);
}
