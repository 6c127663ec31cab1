#ifndef PAGODA_DEBUG_EXIT_H
#define PAGODA_DEBUG_EXIT_H

#include <compiler.h>

/* Values for the test harness; QEMU exits with (code << 1) | 1. */
enum qemu_exit_code {
	QEMU_EXIT_PASS = 0,	/* QEMU status 1 */
	QEMU_EXIT_FAIL = 1,	/* QEMU status 3 */
	QEMU_EXIT_PANIC = 2,	/* QEMU status 5 */
};

__noreturn void qemu_exit(enum qemu_exit_code code);

#endif
