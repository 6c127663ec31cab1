/*
 * The terminal line discipline: from the characters a device receives to
 * what read() returns, and from write() to what the device prints.
 *
 * Input (tty_receive_char, called by the driver, even from its interrupt
 * handler):
 *   - CR becomes NL (ICRNL) or is dropped (IGNCR); NL may become CR (INLCR);
 *   - with IXON, ^S and ^Q are swallowed (output is synchronous: there is
 *     nothing to stop);
 *   - with ISIG, ^C, ^\ and ^Z send SIGINT, SIGQUIT, SIGTSTP to the
 *     foreground process group and drop pending input (unless NOFLSH);
 *   - in canonical mode the current line can be edited: VERASE (DEL)
 *     removes a character, VWERASE (^W) a word, VKILL (^U) the line; NL,
 *     VEOL and VEOL2 end the line, VEOF (^D) ends it without adding a
 *     character (so ^D on an empty line makes read() return 0);
 *   - characters are echoed (ECHO), control characters as ^X (ECHOCTL),
 *     erasing as backspace-space-backspace (ECHOE).
 * A character that does not fit is dropped (canonical mode keeps the last
 * slot for the end of the line).
 *
 * Reading: canonical mode returns at most one line, once it is complete;
 * raw mode returns when VMIN characters are there (VMIN > 0: VTIME is
 * ignored, not an inter-byte timer), or waits VTIME tenths of a second
 * for one character (VMIN = 0), or never waits (both 0).
 *
 * Output: with OPOST, NL is printed as CR NL (ONLCR), CR as NL (OCRNL).
 * Job control is partial: background processes are not stopped by
 * SIGTTIN/SIGTTOU when they read or write.
 *
 * Locks: tty->lock (a spinlock, interrupts off) guards the termios, the
 * input ring and the process groups; the device's write is called under
 * it for echo, so echo and typing stay in order.  read_mutex makes
 * readers take turns (a line goes to one reader whole); write_mutex does
 * the same for writers.  No user memory is touched under tty->lock: input
 * is moved through a small buffer on the stack.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <tty.h>
#include <uio.h>

#define TTY_DELIM 0x100		/* a line ends after this slot */
#define TTY_EOF 0x200		/* ^D: ends the line, is not data */

static const struct termios tty_std_termios = {
	.c_iflag = ICRNL | IXON,
	.c_oflag = OPOST | ONLCR,
	.c_cflag = B38400 | CS8 | CREAD | HUPCL,
	.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
	.c_cc = {
		[VINTR] = 0x03, [VQUIT] = 0x1c, [VERASE] = 0x7f, [VKILL] = 0x15,
		[VEOF] = 0x04, [VTIME] = 0, [VMIN] = 1, [VSTART] = 0x11, [VSTOP] = 0x13,
		[VSUSP] = 0x1a, [VREPRINT] = 0x12, [VDISCARD] = 0x0f, [VWERASE] = 0x17,
		[VLNEXT] = 0x16,
	},
};

void tty_init(struct tty *tty, const struct tty_operations *ops, void *driver_data)
{
	memset(tty, 0, sizeof(*tty));
	tty->ops = ops;
	tty->driver_data = driver_data;
	spin_init(&tty->lock, "tty");
	tty->termios = tty_std_termios;
	tty->winsize = (struct winsize){ .ws_row = 24, .ws_col = 80 };
	wait_queue_init(&tty->read_wait);
	mutex_init(&tty->read_mutex, "tty_read");
	mutex_init(&tty->write_mutex, "tty_write");
}

/* Print with output processing; oflag is a snapshot of c_oflag. */
static void tty_emit(struct tty *tty, u32 oflag, const char *buf, size_t len)
{
	bool post = oflag & OPOST;
	char out[64];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (n + 2 > sizeof(out)) {
			tty->ops->write(tty, out, n);
			n = 0;
		}
		if (post && c == '\n' && (oflag & ONLCR))
			out[n++] = '\r';
		else if (post && c == '\r' && (oflag & OCRNL))
			c = '\n';
		out[n++] = c;
	}
	if (n)
		tty->ops->write(tty, out, n);
}

void tty_output(struct tty *tty, const char *buf, size_t len)
{
	u32 oflag;

	spin_lock(&tty->lock);
	oflag = tty->termios.c_oflag;
	spin_unlock(&tty->lock);
	tty_emit(tty, oflag, buf, len);
}

/* Is c the special character at index?  0 disables one (POSIX _POSIX_VDISABLE). */
static bool cc_is(const struct termios *t, int index, u8 c)
{
	return t->c_cc[index] && t->c_cc[index] == c;
}

/* Echoed as ^X with ECHOCTL? */
static bool echoes_as_caret(const struct termios *t, u8 c)
{
	return (t->c_lflag & ECHOCTL) && ((c < 32 && c != '\t' && c != '\n') || c == 0x7f);
}

/* The following run with tty->lock held. */

static void echo_char(struct tty *tty, u8 c)
{
	const struct termios *t = &tty->termios;

	if (!(t->c_lflag & ECHO))
		return;
	if (echoes_as_caret(t, c)) {
		char caret[2] = { '^', (char)(c ^ 0x40) };

		tty_emit(tty, t->c_oflag, caret, 2);
	} else {
		tty_emit(tty, t->c_oflag, (const char *)&c, 1);
	}
}

static size_t input_room(const struct tty *tty)
{
	return TTY_BUF_SIZE - (tty->head - tty->tail);
}

static void put_input(struct tty *tty, u16 v)
{
	tty->buf[tty->head % TTY_BUF_SIZE] = v;
	tty->head++;
}

static void commit_input(struct tty *tty)
{
	tty->canon_head = tty->head;
	wake_up(&tty->read_wait);
}

static void flush_input_locked(struct tty *tty)
{
	tty->tail = tty->canon_head = tty->head;
}

/* The last character of the line being edited (which must not be empty). */
static u8 last_char(const struct tty *tty)
{
	return tty->buf[(tty->head - 1) % TTY_BUF_SIZE] & 0xff;
}

/* Remove the last character of the line being edited, and from the screen. */
static bool erase_char(struct tty *tty)
{
	const struct termios *t = &tty->termios;
	u8 c;

	if (tty->head == tty->canon_head)
		return false;
	c = last_char(tty);
	tty->head--;
	if ((t->c_lflag & ECHO) && (t->c_lflag & ECHOE)) {
		for (int cols = echoes_as_caret(t, c) ? 2 : 1; cols; cols--)
			tty_emit(tty, t->c_oflag, "\b \b", 3);
	} else {
		echo_char(tty, t->c_cc[VERASE]);
	}
	return true;
}

static bool is_space(u8 c)
{
	return c == ' ' || c == '\t';
}

static void erase_word(struct tty *tty)
{
	while (tty->head > tty->canon_head && is_space(last_char(tty)))
		erase_char(tty);
	while (tty->head > tty->canon_head && !is_space(last_char(tty)))
		erase_char(tty);
}

static void kill_line(struct tty *tty)
{
	const struct termios *t = &tty->termios;

	if ((t->c_lflag & ECHO) && !(t->c_lflag & ECHOKE)) {
		echo_char(tty, t->c_cc[VKILL]);
		if (t->c_lflag & ECHOK)
			tty_emit(tty, t->c_oflag, "\n", 1);
		tty->head = tty->canon_head;
		return;
	}
	while (erase_char(tty))
		;
}

static bool ends_line(const struct termios *t, u8 c)
{
	return c == '\n' || cc_is(t, VEOL, c) || ((t->c_lflag & IEXTEN) && cc_is(t, VEOL2, c));
}

static void canon_receive(struct tty *tty, u8 c)
{
	const struct termios *t = &tty->termios;

	if (cc_is(t, VERASE, c)) {
		erase_char(tty);
	} else if ((t->c_lflag & IEXTEN) && cc_is(t, VWERASE, c)) {
		erase_word(tty);
	} else if (cc_is(t, VKILL, c)) {
		kill_line(tty);
	} else if (cc_is(t, VEOF, c)) {
		if (input_room(tty)) {
			put_input(tty, TTY_EOF | TTY_DELIM);
			commit_input(tty);
		}
	} else if (ends_line(t, c)) {
		if (input_room(tty)) {
			put_input(tty, c | TTY_DELIM);
			if (c == '\n' && !(t->c_lflag & ECHO) && (t->c_lflag & ECHONL))
				tty_emit(tty, t->c_oflag, "\n", 1);
			echo_char(tty, c);
			commit_input(tty);
		}
	} else if (input_room(tty) > 1) {	/* keep a slot for the end of the line */
		put_input(tty, c);
		echo_char(tty, c);
	}
}

/* The signal a character raises under ISIG, or 0. */
static int signal_char(const struct termios *t, u8 c)
{
	if (!(t->c_lflag & ISIG))
		return 0;
	if (cc_is(t, VINTR, c))
		return SIGINT;
	if (cc_is(t, VQUIT, c))
		return SIGQUIT;
	if (cc_is(t, VSUSP, c))
		return SIGTSTP;
	return 0;
}

/* One input character; returns a signal to send (after dropping the lock) or 0. */
static int ldisc_receive(struct tty *tty, u8 c)
{
	const struct termios *t = &tty->termios;
	int sig;

	if (t->c_iflag & ISTRIP)
		c &= 0x7f;
	if (c == '\r') {
		if (t->c_iflag & IGNCR)
			return 0;
		if (t->c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (t->c_iflag & INLCR)) {
		c = '\r';
	}
	/* IXON: ^S/^Q are flow control, never data (output is never held back here). */
	if ((t->c_iflag & IXON) && (cc_is(t, VSTOP, c) || cc_is(t, VSTART, c)))
		return 0;
	sig = signal_char(t, c);
	if (sig) {
		if (!(t->c_lflag & NOFLSH))
			flush_input_locked(tty);
		echo_char(tty, c);
		return sig;
	}
	if (t->c_lflag & ICANON) {
		canon_receive(tty, c);
	} else if (input_room(tty)) {
		put_input(tty, c);
		echo_char(tty, c);
		commit_input(tty);
	}
	return 0;
}

void tty_receive_char(struct tty *tty, char c)
{
	int sig;

	spin_lock(&tty->lock);
	sig = ldisc_receive(tty, (u8)c);
	spin_unlock(&tty->lock);
	if (sig)
		tty_signal_pgrp(tty, sig);
}

unsigned int tty_poll(struct tty *tty, struct poll_table *pt)
{
	unsigned int mask = POLLOUT | POLLWRNORM;	/* output never waits */

	poll_wait(&tty->read_wait, pt);
	spin_lock(&tty->lock);
	/* A whole line in canonical mode, any character otherwise (as Linux's poll). */
	if (tty->canon_head != tty->tail)
		mask |= POLLIN | POLLRDNORM;
	spin_unlock(&tty->lock);
	return mask;
}

void tty_flush_input(struct tty *tty)
{
	spin_lock(&tty->lock);
	flush_input_locked(tty);
	spin_unlock(&tty->lock);
}

/* Wait (lock held) until `need` characters are ready for readers; 0 or -errno. */
static int wait_for_input(struct tty *tty, size_t need, u64 timeout_ns, bool nonblock)
{
	while (tty->canon_head - tty->tail < need) {
		int err;

		if (nonblock)
			return -EAGAIN;
		if (timeout_ns)
			err = wait_sleep_timeout(&tty->read_wait, &tty->lock, true, timeout_ns);
		else
			err = wait_sleep(&tty->read_wait, &tty->lock, true);
		if (err)
			return err;
	}
	return 0;
}

/* How long and for how much a read waits, from the termios (lock held). */
static int wait_for_read(struct tty *tty, size_t count, bool nonblock)
{
	const struct termios *t = &tty->termios;
	u8 min = t->c_cc[VMIN], time = t->c_cc[VTIME];
	int err;

	if (t->c_lflag & ICANON)
		return wait_for_input(tty, 1, 0, nonblock);
	if (min)
		return wait_for_input(tty, MIN(min, count), 0, nonblock);
	if (!time)
		return 0;	/* polling read: whatever is there, maybe nothing */
	err = wait_for_input(tty, 1, time * (NSEC_PER_SEC / 10), nonblock);
	return err == -ETIMEDOUT ? 0 : err;
}

/* Move up to max ready characters to kbuf (lock held); *line_end: a line was finished. */
static size_t take_input(struct tty *tty, char *kbuf, size_t max, bool *line_end)
{
	bool canon = tty->termios.c_lflag & ICANON;
	size_t n = 0;

	*line_end = false;
	while (n < max && tty->tail < tty->canon_head) {
		u16 v = tty->buf[tty->tail % TTY_BUF_SIZE];

		tty->tail++;
		if (!(v & TTY_EOF))
			kbuf[n++] = v & 0xff;
		if (canon && (v & TTY_DELIM)) {
			*line_end = true;
			break;
		}
	}
	return n;
}

ssize_t tty_read(struct tty *tty, struct iov_iter *to, bool nonblock)
{
	size_t done = 0;
	char kbuf[128];
	int err;

	err = tty_job_check(tty, SIGTTIN);
	if (err)
		return err;
	mutex_lock(&tty->read_mutex);
	spin_lock(&tty->lock);
	err = wait_for_read(tty, to->count, nonblock);
	while (!err) {
		bool line_end;
		size_t n = take_input(tty, kbuf, MIN(sizeof(kbuf), to->count), &line_end);
		size_t copied;

		spin_unlock(&tty->lock);
		copied = copy_to_iter(kbuf, n, to);
		done += copied;
		if (copied < n) {
			err = -EFAULT;	/* the rest of those characters is lost */
			spin_lock(&tty->lock);
			break;
		}
		spin_lock(&tty->lock);
		if (line_end || !to->count || tty->tail == tty->canon_head)
			break;
	}
	spin_unlock(&tty->lock);
	mutex_unlock(&tty->read_mutex);
	return done ? (ssize_t)done : err;
}

ssize_t tty_write(struct tty *tty, struct iov_iter *from)
{
	size_t done = 0;
	char kbuf[256];
	bool tostop;

	spin_lock(&tty->lock);
	tostop = tty->termios.c_lflag & TOSTOP;
	spin_unlock(&tty->lock);
	if (tostop) {
		int err = tty_job_check(tty, SIGTTOU);

		if (err)
			return err;
	}
	mutex_lock(&tty->write_mutex);
	while (from->count) {
		size_t want = MIN(sizeof(kbuf), from->count);
		size_t n = copy_from_iter(kbuf, want, from);

		tty_output(tty, kbuf, n);
		done += n;
		if (n < want)
			break;
	}
	mutex_unlock(&tty->write_mutex);
	return done ? (ssize_t)done : -EFAULT;
}
