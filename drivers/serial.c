/*
 * The 16550 UART on COM1: the kernel console.  Output is polled: we wait
 * for the transmitter to be empty and write one byte.  That is slow but
 * works from anywhere, including panic() with interrupts off.
 */
#include <serial.h>
#include <x86.h>

#define COM1 0x3f8
#define UART_DATA 0		/* transmit/receive buffer (DLAB=0) */
#define UART_IER 1		/* interrupt enable (DLAB=0) */
#define UART_DLL 0		/* divisor low byte (DLAB=1) */
#define UART_DLM 1		/* divisor high byte (DLAB=1) */
#define UART_FCR 2		/* FIFO control */
#define UART_LCR 3		/* line control */
#define UART_MCR 4		/* modem control */
#define UART_LSR 5		/* line status */
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define LSR_THR_EMPTY 0x20

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);		/* no interrupts yet */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);		/* 115200 baud: divisor 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0xc7);		/* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03);		/* DTR and RTS */
}

static void serial_put_byte(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
		cpu_relax();
	outb(COM1 + UART_DATA, (u8)c);
}

/* Write len bytes, turning "\n" into "\r\n" for terminals. */
void serial_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_put_byte('\r');
		serial_put_byte(s[i]);
	}
}
