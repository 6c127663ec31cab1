/*
 * Segment descriptors and the task-state segment.
 *
 * In long mode segmentation is mostly gone, but the CPU still needs a GDT
 * for the code segment's privilege level and mode, and a TSS for the
 * stacks it switches to by itself: rsp0 when an interrupt arrives in user
 * mode, and the interrupt stack table (IST) for exceptions that must not
 * run on a stack that may be broken (double fault, NMI, machine check).
 *
 * The selectors are Linux's, so that sysret and the signal frames later
 * hold the values that Linux programs and debuggers expect.
 */
#include <gdt.h>
#include <percpu.h>
#include <string.h>
#include <traps.h>

#define IST_STACK_SIZE 8192

/* The boot CPU's interrupt stacks; later CPUs get theirs from the allocator. */
static u8 boot_ist_stacks[3][IST_STACK_SIZE] __aligned(16);

/* Access byte and flags for a flat code or data segment. */
#define SEG_PRESENT (1ul << 47)
#define SEG_USER (3ul << 45)		/* DPL 3 */
#define SEG_CODE_DATA (1ul << 44)	/* not a system segment */
#define SEG_EXEC (1ul << 43)
#define SEG_RW (1ul << 41)		/* readable code / writable data */
#define SEG_LONG (1ul << 53)		/* 64-bit code */
#define SEG_DB (1ul << 54)		/* 32-bit default size */
#define SEG_GRAN (1ul << 55)		/* limit in 4 KiB units */
#define SEG_FLAT_LIMIT (0xfffful | (0xful << 48))

#define KERNEL_CODE64 (SEG_PRESENT | SEG_CODE_DATA | SEG_EXEC | SEG_RW | SEG_LONG | SEG_FLAT_LIMIT | SEG_GRAN)
#define KERNEL_DATA (SEG_PRESENT | SEG_CODE_DATA | SEG_RW | SEG_DB | SEG_FLAT_LIMIT | SEG_GRAN)
#define USER_CODE32 ((KERNEL_CODE64 & ~SEG_LONG) | SEG_DB | SEG_USER)
#define USER_DATA (KERNEL_DATA | SEG_USER)
#define USER_CODE64 (KERNEL_CODE64 | SEG_USER)

#define TSS_TYPE_AVAILABLE (0x9ul << 40)

static void set_tss_descriptor(u64 *gdt, struct tss *tss)
{
	u64 base = (u64)tss;
	u64 limit = sizeof(*tss) - 1;

	/* A system descriptor in long mode takes two GDT slots. */
	gdt[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | TSS_TYPE_AVAILABLE |
		 SEG_PRESENT | (((base >> 24) & 0xff) << 56);
	gdt[1] = base >> 32;
}

struct descriptor_pointer {
	u16 limit;
	u64 base;
} __packed;

/*
 * Build this CPU's GDT and TSS and load them, along with fresh segment
 * registers.  Loading %gs would clear the GS base, so the per-CPU pointer
 * is set up after this (percpu_init_boot_cpu) or preserved by the caller.
 */
void gdt_init_this_cpu(void)
{
	struct cpu *cpu = this_cpu();
	u64 *gdt = cpu->gdt;
	struct descriptor_pointer gdtr = { sizeof(cpu->gdt) - 1, (u64)gdt };

	memset(gdt, 0, sizeof(cpu->gdt));
	gdt[GDT_KERNEL_CS / 8] = KERNEL_CODE64;
	gdt[GDT_KERNEL_DS / 8] = KERNEL_DATA;
	gdt[GDT_USER32_CS / 8] = USER_CODE32;
	gdt[GDT_USER_DS / 8] = USER_DATA;
	gdt[GDT_USER_CS / 8] = USER_CODE64;

	memset(&cpu->tss, 0, sizeof(cpu->tss));
	cpu->tss.iomap_base = sizeof(cpu->tss);	/* no I/O permission bitmap */
	for (int i = 0; i < 3; i++) {
		/* The boot CPU's are static; kernel/smp.c allocates the others'. */
		u64 top = cpu->id == 0 ? (u64)boot_ist_stacks[i] + IST_STACK_SIZE : cpu->ist_tops[i];

		cpu->tss.ist[i] = top;	/* slots IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK */
	}
	set_tss_descriptor(&gdt[GDT_TSS / 8], &cpu->tss);

	__asm__ __volatile__(
		"lgdt %0\n\t"
		/* Reload cs with a far return: push the selector and the target. */
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"ltr %w3\n\t"
		:
		: "m"(gdtr), "i"((u64)GDT_KERNEL_CS), "i"(GDT_KERNEL_DS), "r"((u16)GDT_TSS)
		: "rax", "memory");
}
