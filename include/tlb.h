/*
 * TLB flushing after page-table changes.  Only the current CPU runs user
 * code for now; with more CPUs, these become shootdowns (issue [smp]).
 */
#ifndef PAGODA_TLB_H
#define PAGODA_TLB_H

#include <types.h>

struct mm;

/* Forget cached translations of [start, end) in mm (if it is loaded here). */
void flush_tlb_range(struct mm *mm, u64 start, u64 end);

#endif
