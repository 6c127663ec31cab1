/*
 * Basic integer types for a freestanding kernel.  The compiler's own
 * <stdint.h>, <stddef.h> and <stdbool.h> are freestanding headers, so we
 * use them rather than inventing our own spellings.
 */
#ifndef PAGODA_TYPES_H
#define PAGODA_TYPES_H

#include <compiler.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* A physical address.  Never dereference one: go through phys_to_virt(). */
typedef u64 phys_addr_t;

typedef long ssize_t;

#endif
