#ifndef PAGODA_SERIAL_H
#define PAGODA_SERIAL_H

#include <types.h>

void serial_init(void);
void serial_write(const char *s, size_t len);	/* "\n" becomes "\r\n" */
void serial_write_raw(const char *s, size_t len);
/* For panic(): write without the lock from now on. */
void serial_break_lock(void);
/* Hand every received byte to handler, from the interrupt handler (IRQ 4). */
void serial_set_receive_handler(void (*handler)(char c));

#endif
