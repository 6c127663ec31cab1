#ifndef PAGODA_PIT_H
#define PAGODA_PIT_H

/* Busy-wait ms milliseconds (at most 54) on the PIT's channel 2. */
void pit_wait_ms(unsigned int ms);

#endif
