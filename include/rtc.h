#ifndef PAGODA_RTC_H
#define PAGODA_RTC_H

#include <types.h>

/* Seconds since 1970-01-01 UTC, from the CMOS clock. */
u64 rtc_read_epoch_seconds(void);

#endif
