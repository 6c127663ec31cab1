/*
 * Time.  The monotonic clock counts nanoseconds since clock_init() from
 * the TSC; the local APIC timer ticks HZ times a second.
 */
#ifndef PAGODA_TIME_H
#define PAGODA_TIME_H

#include <types.h>

#define HZ 100
#define NSEC_PER_SEC 1000000000ul

/* Nanoseconds since boot (0 until the clock is calibrated). */
u64 clock_ns(void);
/* Timer interrupts since the timer started. */
u64 jiffies_read(void);
u64 tsc_hz(void);

/* struct timespec as x86-64 Linux lays it out (system-call arguments). */
struct timespec_k {
	long tv_sec;
	long tv_nsec;
};

/* The wall-clock time (CLOCK_REALTIME) at monotonic zero, in ns. */
u64 realtime_offset(void);

void clock_init(void);
void timer_start(void);
void timer_start_this_cpu(void);

#endif
