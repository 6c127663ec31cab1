/*
 * Traps: exceptions and interrupts.
 *
 * Every vector enters through a small stub in kernel/trap_entry.asm that
 * saves the general registers on the stack, making a struct trap_frame,
 * and calls trap_dispatch().  The frame's layout is fixed by that stub.
 */
#ifndef PAGODA_TRAPS_H
#define PAGODA_TRAPS_H

#include <types.h>

struct trap_frame {
	/* Saved by trap_entry.asm, last pushed first. */
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector;		/* VEC_SYSCALL for a frame built by the syscall entry */
	u64 error_code;		/* pushed by the CPU, or 0 by the stub; for a
				 * system call, its number (Linux's orig_rax) */
	/* Pushed by the CPU. */
	u64 rip, cs, rflags, rsp, ss;
};

/* Exception vectors that the handlers name. */
#define VEC_DIVIDE_ERROR 0
#define VEC_NMI 2
#define VEC_BREAKPOINT 3
#define VEC_INVALID_OPCODE 6
#define VEC_DOUBLE_FAULT 8
#define VEC_GENERAL_PROTECTION 13
#define VEC_PAGE_FAULT 14
#define VEC_MACHINE_CHECK 18

/* Interrupt vectors. */
#define VEC_IRQ_BASE 32		/* first vector for device interrupts */
#define VEC_LAPIC_TIMER 32
#define VEC_IOAPIC_BASE 48	/* I/O APIC pin n arrives at VEC_IOAPIC_BASE + n */
#define VEC_RESCHEDULE 0xf0	/* IPI: an idle CPU has work (just wakes it) */
#define VEC_TLB_SHOOTDOWN 0xf1	/* IPI: drop stale translations (mm/tlb.c) */
#define VEC_SPURIOUS 255
#define VEC_SYSCALL 0x80	/* not an IDT vector: marks a syscall's frame */
#define VEC_PIC_SPURIOUS_MASTER 0xe7	/* the masked 8259s' spurious IRQ 7 and 15 */
#define VEC_PIC_SPURIOUS_SLAVE 0xef

/* Interrupt stack table slots (1-based, as in the IDT gate). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

/* Page-fault error code bits. */
#define PF_PRESENT (1u << 0)	/* 0: page not present; 1: protection violation */
#define PF_WRITE (1u << 1)
#define PF_USER (1u << 2)
#define PF_RESERVED (1u << 3)
#define PF_INSTR (1u << 4)

typedef void (*irq_handler_t)(struct trap_frame *tf);

void gdt_init_this_cpu(void);
void idt_init(void);
void idt_load(void);
void irq_set_handler(int vector, irq_handler_t handler);
void trap_dispatch(struct trap_frame *tf);
void print_trap_frame(const struct trap_frame *tf);

/* The user registers of a task running in user mode: at the top of its kernel stack. */
#define task_user_frame(t) ((struct trap_frame *)(t)->kstack_top - 1)

#endif
