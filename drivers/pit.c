/*
 * The 8254 programmable interval timer, used only as a known clock
 * (1.193182 MHz) to measure the TSC and the local APIC timer at boot.
 * Channel 2 is the one whose output we can read back (port 0x61, bit 5),
 * and its gate is under our control (port 0x61, bit 0).
 */
#include <pit.h>
#include <x86.h>

#define PIT_HZ 1193182u
#define PIT_CH2_DATA 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61		/* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */

void pit_wait_ms(unsigned int ms)
{
	u32 count = PIT_HZ / 1000 * ms;

	if (count > 0xffff)
		count = 0xffff;	/* ~54 ms at most */
	/* Gate off, speaker off; channel 2, lobyte/hibyte, mode 0 (one-shot count-down). */
	outb(PORT_B, (inb(PORT_B) & ~0x03));
	outb(PIT_CMD, 0xb0);
	outb(PIT_CH2_DATA, count & 0xff);
	outb(PIT_CH2_DATA, count >> 8);
	/* Gate on: counting starts; the output goes high at zero. */
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
	while (!(inb(PORT_B) & 0x20))
		cpu_relax();
}
