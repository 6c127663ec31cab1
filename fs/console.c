/*
 * The console: a terminal on the serial port, /dev/console and /dev/tty.
 *
 * Output goes to COM1 unchanged (the line discipline did the CR/NL work);
 * input arrives from the serial driver's interrupt handler, which is
 * switched on when the console is first opened: until somebody can read
 * it, typing goes nowhere and the interrupt line stays masked.
 */
#include <serial.h>
#include <tty.h>
#include <vfs_internal.h>

static struct tty console_tty;
static bool console_input_on;	/* set once, by the first open */

static void console_write(struct tty *tty, const char *buf, size_t len)
{
	(void)tty;
	serial_write_raw(buf, len);
}

static const struct tty_operations console_tty_ops = {
	.write = console_write,
};

static void console_receive(char c)
{
	tty_receive_char(&console_tty, c);
}

void console_init(void)
{
	tty_init(&console_tty, &console_tty_ops, NULL);
}

bool console_controls(int sid, int *pgrp)
{
	bool controls;

	spin_lock(&console_tty.lock);
	controls = sid > 0 && console_tty.session == sid;
	*pgrp = console_tty.pgrp;
	spin_unlock(&console_tty.lock);
	return controls;
}

static int console_open(struct inode *inode, struct file *f)
{
	(void)inode;
	if (!__atomic_exchange_n(&console_input_on, true, __ATOMIC_ACQ_REL))
		serial_set_receive_handler(console_receive);
	f->private_data = &console_tty;
	if (!(f->f_flags & O_NOCTTY))
		tty_open_ctty(&console_tty);
	return 0;
}

static ssize_t console_read(struct file *f, struct iov_iter *to, u64 *pos)
{
	(void)pos;
	return tty_read(f->private_data, to, f->f_flags & O_NONBLOCK);
}

static ssize_t console_file_write(struct file *f, struct iov_iter *from, u64 *pos)
{
	(void)pos;
	return tty_write(f->private_data, from);
}

static long console_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	return tty_ioctl(f->private_data, cmd, arg);
}

static unsigned int console_poll(struct file *f, struct poll_table *pt)
{
	return tty_poll(f->private_data, pt);
}

const struct file_operations console_fops = {
	.open = console_open,
	.read = console_read,
	.write = console_file_write,
	.ioctl = console_ioctl,
	.poll = console_poll,
};
