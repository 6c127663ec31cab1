/*
 * Kernel log.  Every message has a level; messages above the console level
 * (boot option loglevel=N, default 6 = info) are not printed.  Each line
 * starts with the time since boot, like Linux's dmesg.
 */
#ifndef PAGODA_PRINTK_H
#define PAGODA_PRINTK_H

#include <compiler.h>
#include <stdarg.h>
#include <types.h>

enum log_level {
	LOG_EMERG = 0,
	LOG_ERR = 3,
	LOG_WARNING = 4,
	LOG_NOTICE = 5,
	LOG_INFO = 6,
	LOG_DEBUG = 7,
};

__printf(2, 3) void printk(enum log_level level, const char *fmt, ...);
void vprintk(enum log_level level, const char *fmt, va_list ap);

/* Raw output with no time stamp or level filter: the test protocol uses it. */
__printf(1, 2) void kprintf(const char *fmt, ...);

void printk_set_level(int level);
/* Let panic() print even if another CPU died holding the console lock. */
void printk_break_lock(void);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);

#define pr_emerg(...) printk(LOG_EMERG, __VA_ARGS__)
#define pr_err(...) printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARNING, __VA_ARGS__)
#define pr_notice(...) printk(LOG_NOTICE, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

#endif
