/*
 * The CMOS real-time clock: read once at boot for the wall-clock time.
 * Afterwards CLOCK_REALTIME is that reading plus the monotonic clock.
 */
#include <rtc.h>
#include <x86.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define STATUS_A_UPDATING 0x80
#define STATUS_B_BINARY 0x04
#define STATUS_B_24H 0x02

static u8 cmos_read(u8 reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static unsigned int from_bcd(u8 v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to year-month-day (a civil-calendar formula). */
static u64 days_since_epoch(unsigned int y, unsigned int m, unsigned int d)
{
	y -= m <= 2;
	u64 era = y / 400, yoe = y - era * 400;
	u64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	u64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

u64 rtc_read_epoch_seconds(void)
{
	u8 sec, min, hour, day, mon, year, b;

	/* Wait out an update in progress, so the fields belong together. */
	while (cmos_read(RTC_STATUS_A) & STATUS_A_UPDATING)
		cpu_relax();
	sec = cmos_read(RTC_SECONDS);
	min = cmos_read(RTC_MINUTES);
	hour = cmos_read(RTC_HOURS);
	day = cmos_read(RTC_DAY);
	mon = cmos_read(RTC_MONTH);
	year = cmos_read(RTC_YEAR);
	b = cmos_read(RTC_STATUS_B);
	if (!(b & STATUS_B_BINARY)) {
		sec = from_bcd(sec);
		min = from_bcd(min);
		hour = from_bcd(hour & 0x7f) | (hour & 0x80);
		day = from_bcd(day);
		mon = from_bcd(mon);
		year = from_bcd(year);
	}
	if (!(b & STATUS_B_24H) && (hour & 0x80))
		hour = ((hour & 0x7f) + 12) % 24;
	return days_since_epoch(2000 + year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}
