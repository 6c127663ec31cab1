/*
 * The 16550 UART on COM1: the kernel console.  Output is polled: we wait
 * for the transmitter to be empty and write one byte.  That is slow but
 * works from anywhere, including panic() with interrupts off.
 *
 * Input is interrupt driven (IRQ 4): once a receiver is registered, every
 * byte that arrives is handed to it from the interrupt handler.  The
 * driver knows nothing of terminals; the console tty (fs/console.c)
 * registers itself here.
 */
#include <apic.h>
#include <hung_task.h>
#include <printk.h>
#include <serial.h>
#include <spinlock.h>
#include <traps.h>
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
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define IER_RX_AVAILABLE 0x01
#define MCR_OUT2 0x08		/* on PCs, gates the UART's interrupt line */
#define COM1_IRQ 4

static void (*receive_handler)(char c);	/* set once, before the IRQ is routed */

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

/*
 * One writer at a time: the kernel log and the console terminal share the
 * port, and with several CPUs their bytes would otherwise interleave in
 * mid-line.  Each call's bytes come out together.
 */
static struct spinlock serial_lock = SPINLOCK_INIT("serial");
static bool serial_lock_broken;	/* panic: write even if a CPU died holding it */

static void serial_write_locked(const char *s, size_t len, bool crlf)
{
	bool lock = !READ_ONCE(serial_lock_broken);

	if (lock)
		spin_lock(&serial_lock);
	for (size_t i = 0; i < len; i++) {
		if (crlf && s[i] == '\n')
			serial_put_byte('\r');
		serial_put_byte(s[i]);
	}
	if (lock)
		spin_unlock(&serial_lock);
}

/* Write len bytes, turning "\n" into "\r\n" for terminals. */
void serial_write(const char *s, size_t len)
{
	serial_write_locked(s, len, true);
}

/* Write len bytes exactly as they are (a terminal's own output processing did its work). */
void serial_write_raw(const char *s, size_t len)
{
	serial_write_locked(s, len, false);
}

void serial_break_lock(void)
{
	WRITE_ONCE(serial_lock_broken, true);
}

static void serial_interrupt(struct trap_frame *tf)
{
	(void)tf;
	while (inb(COM1 + UART_LSR) & LSR_DATA_READY) {
		char c = (char)inb(COM1 + UART_DATA);

		console_dump_key(c);	/* Ctrl-T twice: print every task */
		if (receive_handler)
			receive_handler(c);
	}
}

void serial_set_receive_handler(void (*handler)(char c))
{
	int err;

	receive_handler = handler;
	irq_set_handler(VEC_IOAPIC_BASE + COM1_IRQ, serial_interrupt);
	err = ioapic_route_isa_irq(COM1_IRQ, VEC_IOAPIC_BASE + COM1_IRQ);
	if (err) {
		pr_warn("serial: cannot route IRQ %d (%d): no console input", COM1_IRQ, err);
		return;
	}
	outb(COM1 + UART_MCR, 0x03 | MCR_OUT2);
	outb(COM1 + UART_IER, IER_RX_AVAILABLE);
	serial_interrupt(NULL);	/* bytes that came before: the edge is gone */
}
