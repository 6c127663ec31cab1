#ifndef PAGODA_CPU_H
#define PAGODA_CPU_H

#include <types.h>

struct cpu_features {
	char vendor[13];
	char brand[49];
	bool smep, smap, pge, nx;
};

extern struct cpu_features cpu_features;

/* Detect features and turn on the protections this CPU has (SMEP, SMAP). */
void cpu_init_features(void);
/* Turn on SMEP, SMAP and global pages on the calling CPU (after detection). */
void cpu_enable_protections(void);

#endif
