#ifndef PAGODA_RANDOM_H
#define PAGODA_RANDOM_H

#include <types.h>

/* Unpredictable-enough bytes (not cryptographic: see kernel/random.c). */
void get_random_bytes(void *buf, size_t len);

#endif
