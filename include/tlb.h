/*
 * TLB flushing after page-table changes, on every CPU that may cache the
 * old translations (mm/tlb.c).  Call with no spinlock held.
 */
#ifndef PAGODA_TLB_H
#define PAGODA_TLB_H

#include <types.h>

struct mm;

/* Forget cached translations of [start, end) in mm, on every CPU running it. */
void flush_tlb_range(struct mm *mm, u64 start, u64 end);
/* The same for kernel mappings, on every CPU. */
void flush_tlb_kernel_range(u64 start, u64 end);
/* The scheduler moves this CPU from one address space to another. */
void mm_cpu_switch(struct mm *from, struct mm *to);

#endif
