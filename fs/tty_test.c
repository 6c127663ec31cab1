/*
 * Self-tests for the terminal line discipline (fs/tty.c): a tty whose
 * "device" records what would be printed; characters are fed in as the
 * serial interrupt would, and lines read back.
 */
#include <errno.h>
#include <ktest.h>
#include <string.h>
#include <tty.h>
#include <uio.h>

struct screen {
	char out[256];
	size_t len;
};

static void screen_write(struct tty *tty, const char *buf, size_t len)
{
	struct screen *s = tty->driver_data;

	for (size_t i = 0; i < len && s->len < sizeof(s->out) - 1; i++)
		s->out[s->len++] = buf[i];
	s->out[s->len] = '\0';
}

static const struct tty_operations screen_ops = { .write = screen_write };

static struct tty test_tty;
static struct screen screen;

static void start(void)
{
	memset(&screen, 0, sizeof(screen));
	tty_init(&test_tty, &screen_ops, &screen);
}

static void type(const char *s)
{
	while (*s)
		tty_receive_char(&test_tty, *s++);
}

/* A non-blocking read of at most n - 1 bytes, NUL-terminated. */
static ssize_t read_line(char *buf, size_t n)
{
	struct iov_iter iter;
	struct iovec iov;
	ssize_t got;

	iov_iter_kernel(&iter, &iov, buf, n - 1);
	got = tty_read(&test_tty, &iter, true);
	buf[got > 0 ? got : 0] = '\0';
	return got;
}

KTEST(tty_canonical_editing_and_echo)
{
	char buf[64];

	start();
	type("abc\x7f\x7f" "d\r");	/* DEL erases; Enter sends CR, read as NL */
	KEXPECT_EQ(read_line(buf, sizeof(buf)), 3);
	KEXPECT(strcmp(buf, "ad\n") == 0);
	KEXPECT(strcmp(screen.out, "abc\b \b\b \bd\r\n") == 0);
	/* Nothing complete: a non-blocking read finds nothing. */
	type("partial");
	KEXPECT_EQ(read_line(buf, sizeof(buf)), -EAGAIN);
	/* ^U kills the line, ^W a word. */
	type("\x15" "one two\x17" "three\n");
	KEXPECT_EQ(read_line(buf, sizeof(buf)), 10);
	KEXPECT(strcmp(buf, "one three\n") == 0);
	/* One line per read, even when more are there; a short buffer splits a line. */
	type("L1\nL2\n");
	KEXPECT_EQ(read_line(buf, 3), 2);
	KEXPECT(strcmp(buf, "L1") == 0);
	KEXPECT_EQ(read_line(buf, sizeof(buf)), 1);
	KEXPECT_EQ(read_line(buf, sizeof(buf)), 3);
	KEXPECT(strcmp(buf, "L2\n") == 0);
}

KTEST(tty_eof_and_interrupt)
{
	char buf[64];

	start();
	/* ^D sends the line without a newline; on an empty line it is end of file. */
	type("xy\x04");
	KEXPECT_EQ(read_line(buf, sizeof(buf)), 2);
	KEXPECT(strcmp(buf, "xy") == 0);
	type("\x04");
	KEXPECT_EQ(read_line(buf, sizeof(buf)), 0);
	/* ^C (no foreground group here, so no signal) drops the line, echoed as ^C. */
	screen.len = 0;
	type("lost\x03" "kept\n");
	KEXPECT_EQ(read_line(buf, sizeof(buf)), 5);
	KEXPECT(strcmp(buf, "kept\n") == 0);
	KEXPECT(strcmp(screen.out, "lost^Ckept\r\n") == 0);
	/* Control characters echo as ^X and erase as two columns. */
	screen.len = 0;
	type("\x01\x7f\n");
	KEXPECT(strcmp(screen.out, "^A\b \b\b \b\r\n") == 0);
	KEXPECT_EQ(read_line(buf, sizeof(buf)), 1);
}

KTEST(tty_raw_mode_and_output)
{
	struct iov_iter iter;
	struct iovec iov;
	char buf[64];

	start();
	spin_lock(&test_tty.lock);
	test_tty.termios.c_lflag &= ~(ICANON | ECHO);
	test_tty.termios.c_cc[VMIN] = 0;	/* polling reads */
	spin_unlock(&test_tty.lock);
	KEXPECT_EQ(read_line(buf, sizeof(buf)), 0);
	type("ab\x7f");		/* no editing: DEL is data */
	KEXPECT_EQ(read_line(buf, sizeof(buf)), 3);
	KEXPECT(memcmp(buf, "ab\x7f", 3) == 0);
	KEXPECT_EQ(screen.len, 0);	/* no echo */
	/* Output processing turns NL into CR NL (ONLCR). */
	iov_iter_kernel(&iter, &iov, "hi\nthere\n", 9);
	KEXPECT_EQ(tty_write(&test_tty, &iter), 9);
	KEXPECT(strcmp(screen.out, "hi\r\nthere\r\n") == 0);
}
