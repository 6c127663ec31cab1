/*
 * Per-CPU data.  Each CPU's GS base points at its own struct cpu, whose
 * first field points back at itself, so this_cpu() is a single load from
 * %gs:0 and works with interrupts on or off.
 */
#ifndef PAGODA_PERCPU_H
#define PAGODA_PERCPU_H

#include <compiler.h>
#include <types.h>

#define MAX_CPUS 8

/* The 64-bit task-state segment: stacks the CPU switches to on its own. */
struct tss {
	u32 reserved0;
	u64 rsp[3];	/* stack for entering ring 0 from ring 3 (rsp[0]) */
	u64 reserved1;
	u64 ist[7];	/* interrupt stacks, chosen per vector in the IDT */
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

#define GDT_ENTRIES 10

struct task;

/*
 * The first fields are read by assembly (kernel/syscall_entry.asm) at
 * fixed offsets: keep them in this order (checked in percpu.c).
 */
struct cpu {
	struct cpu *self;	/* %gs:0  this_cpu() */
	u64 kernel_rsp;		/* %gs:8  top of the current task's kernel stack */
	u64 user_rsp;		/* %gs:16 user rsp, saved by the syscall entry */
	struct task *cur_task;	/* %gs:24 the task running here (use `current`) */
	int id;			/* 0 for the boot CPU */
	u32 apic_id;
	struct task *idle;	/* runs when nothing else can */
	bool online;		/* set by the CPU itself once it schedules */
	bool idling;		/* rq_lock: halted in the idle loop, may need a kick */
	u64 ist_tops[3];	/* its interrupt stacks (the boot CPU's are static) */
	void *idle_stack_top;	/* the stack an AP starts on: its idle task's */

	/* Interrupt-disable nesting, owned by this CPU (see spinlock.c). */
	int irq_off_depth;
	bool irq_were_enabled;
	int irq_nesting;	/* > 0 while an interrupt handler runs (traps.c) */
	bool lockdep_busy;	/* the lock validator is running here (lockdep.c) */
	u64 idle_ns;		/* this CPU's: time halted in the idle loop (/proc/uptime) */
	u64 user_ns;		/* this CPU's: time its tasks ran in user mode (/proc/stat) */
	u64 system_ns;		/* this CPU's: time its tasks ran in the kernel (/proc/stat) */

	u64 gdt[GDT_ENTRIES] __aligned(8);
	struct tss tss __aligned(16);
};

extern struct cpu cpus[MAX_CPUS];

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

void percpu_init_boot_cpu(void);
/* Point GS at cpus[id] on the CPU running this (an AP starting up). */
void percpu_init_this_cpu(int id);

extern int nr_cpus_online;

#endif
