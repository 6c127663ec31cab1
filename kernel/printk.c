/*
 * printk: the kernel log, written to the serial console.
 *
 * A message is formatted into a local buffer first and written out in one
 * call to the serial driver, which keeps each call's bytes together, so
 * lines from different CPUs, an interrupt or the console terminal do not
 * interleave mid-line.
 */
#include <printk.h>
#include <serial.h>
#include <spinlock.h>
#include <time.h>

static int console_level = LOG_INFO;	/* print levels <= this */

void printk_set_level(int level)
{
	console_level = level;
}

void printk_break_lock(void)
{
	serial_break_lock();
}

/* The serial driver writes each message whole (its lock). */
static void console_write(const char *s, size_t len)
{
	serial_write(s, len);
}

void vprintk(enum log_level level, const char *fmt, va_list ap)
{
	char buf[512];
	u64 ns = clock_ns();
	int n;

	if ((int)level > console_level)
		return;
	n = snprintf(buf, sizeof(buf), "[%5lu.%06lu] ", (unsigned long)(ns / 1000000000),
		     (unsigned long)(ns % 1000000000 / 1000));
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;	/* truncated: still end the line */
	if (buf[n - 1] != '\n')
		buf[n++] = '\n';
	console_write(buf, n);
}

void printk(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	console_write(buf, n);
}
