/* Several CPUs: start-up, and the interrupts they send each other. */
#ifndef PAGODA_SMP_H
#define PAGODA_SMP_H

#include <types.h>

struct trap_frame;

/* Start every CPU the MADT lists (called once, by the boot CPU). */
void smp_boot(void);
/* Wake one idle CPU of those in `allowed` so it picks up newly queued work; rq_lock held. */
void smp_kick_idle_cpu(u64 allowed);
/* The TLB shootdown IPI's handler (mm/tlb.c). */
void tlb_shootdown_interrupt(struct trap_frame *tf);
/* Stop the other CPUs (panic): each prints its backtrace and halts. */
void smp_stop_others(void);
/* The NMI handler's part: print this CPU's backtrace and halt (panic in progress). */
__attribute__((noreturn)) void cpu_stop_on_nmi(struct trap_frame *tf);

#endif
