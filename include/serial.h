#ifndef PAGODA_SERIAL_H
#define PAGODA_SERIAL_H

#include <types.h>

void serial_init(void);
void serial_write(const char *s, size_t len);

#endif
