/*
 * The user's floating-point and SSE registers.  The kernel never touches
 * them (it is built with -mgeneral-regs-only), so they need saving only
 * when another user task takes the CPU, and around signal handlers.
 * The save format is the 512-byte fxsave area.
 */
#ifndef PAGODA_FPU_H
#define PAGODA_FPU_H

#include <types.h>

static inline void fpu_save(u8 *area) { __asm__ __volatile__("fxsaveq (%0)" : : "r"(area) : "memory"); }
static inline void fpu_restore(const u8 *area) { __asm__ __volatile__("fxrstorq (%0)" : : "r"(area) : "memory"); }

/* Enable SSE for user space (CR0.MP, CR4.OSFXSR/OSXMMEXCPT). */
void fpu_init_cpu(void);
/* The register state a new program starts with. */
void fpu_init_state(u8 *area);
/* MXCSR bits the CPU accepts (the rest must be 0 in fxrstor). */
u32 fpu_mxcsr_mask(void);

#endif
