/*
 * Terminals: the line discipline (fs/tty.c), its ioctls (fs/tty_ioctl.c)
 * and the console terminal on the serial port (fs/console.c).
 *
 * A struct tty sits between a device (which delivers input characters and
 * prints output) and the processes reading and writing it.  In canonical
 * mode (the default) it collects input into lines, with editing (erase,
 * word erase, kill line) and echo, and read() returns one line at a time;
 * ^D ends input; ^C, ^\ and ^Z signal the foreground process group.  In
 * raw mode (ICANON off, set with TCSETS) read() returns characters as they
 * come, by VMIN and VTIME.
 *
 * The termios and winsize structures are Linux's (the ioctl ABI).
 */
#ifndef PAGODA_TTY_H
#define PAGODA_TTY_H

#include <mutex.h>
#include <spinlock.h>
#include <types.h>
#include <wait.h>

/* ioctl requests */
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCFLSH 0x540b
#define TIOCSCTTY 0x540e
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429

#define TCIFLUSH 0
#define TCOFLUSH 1
#define TCIOFLUSH 2

/* c_iflag */
#define ISTRIP 0000040
#define INLCR 0000100
#define IGNCR 0000200
#define ICRNL 0000400
#define IXON 0002000
/* c_oflag */
#define OPOST 0000001
#define ONLCR 0000004
#define OCRNL 0000010
/* c_cflag */
#define B38400 0000017
#define CS8 0000060
#define CREAD 0000200
#define HUPCL 0002000
/* c_lflag */
#define ISIG 0000001
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHONL 0000100
#define NOFLSH 0000200
#define TOSTOP 0000400
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000

/* c_cc indexes */
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSWTC 7
#define VSTART 8
#define VSTOP 9
#define VSUSP 10
#define VEOL 11
#define VREPRINT 12
#define VDISCARD 13
#define VWERASE 14
#define VLNEXT 15
#define VEOL2 16
#define NCCS 19

/* The kernel's struct termios of TCGETS/TCSETS: 36 bytes. */
struct termios {
	u32 c_iflag;
	u32 c_oflag;
	u32 c_cflag;
	u32 c_lflag;
	u8 c_line;
	u8 c_cc[NCCS];
};

struct winsize {
	u16 ws_row;
	u16 ws_col;
	u16 ws_xpixel;
	u16 ws_ypixel;
};

struct tty;

struct tty_operations {
	/* Print raw bytes; may be called from interrupt context (echo). */
	void (*write)(struct tty *tty, const char *buf, size_t len);
};

#define TTY_BUF_SIZE 4096	/* input characters held */

struct tty {
	const struct tty_operations *ops;	/* fixed */
	void *driver_data;			/* fixed: the driver's */
	struct spinlock lock;
	struct termios termios;		/* lock */
	struct winsize winsize;		/* lock */
	/*
	 * Input ring (lock): tail <= canon_head <= head, counting characters
	 * ever received.  [tail, canon_head) is ready for readers; in
	 * canonical mode [canon_head, head) is the line being edited.  Each
	 * slot holds a character, or'ed with TTY_DELIM where a line ends.
	 */
	u16 buf[TTY_BUF_SIZE];
	u64 head, canon_head, tail;
	int pgrp;			/* lock: foreground process group, 0 if none */
	int session;			/* lock: the session it controls, 0 if none */
	struct wait_queue read_wait;	/* readers waiting for input */
	struct mutex read_mutex;	/* one reader at a time */
	struct mutex write_mutex;	/* writers' chunks do not interleave */
};

void tty_init(struct tty *tty, const struct tty_operations *ops, void *driver_data);
/* A character arrived from the device (any context, even an interrupt). */
void tty_receive_char(struct tty *tty, char c);
struct iov_iter;
ssize_t tty_read(struct tty *tty, struct iov_iter *to, bool nonblock);
ssize_t tty_write(struct tty *tty, struct iov_iter *from);
long tty_ioctl(struct tty *tty, unsigned int cmd, unsigned long arg);
/*
 * Job control's check before a read (SIGTTIN), a write with TOSTOP or a
 * change of the settings (SIGTTOU) by a task of a background group: 0,
 * -EIO, or -ERESTARTSYS with the signal sent to its group.
 */
int tty_job_check(struct tty *tty, int sig);
/* Become the controlling terminal of the opener's session, if it has none. */
void tty_open_ctty(struct tty *tty);
/* Drop unread input. */
void tty_flush_input(struct tty *tty);
/* What a reader or writer of the terminal would find now (poll.h's bits). */
struct poll_table;
unsigned int tty_poll(struct tty *tty, struct poll_table *pt);
/* Send sig to the foreground process group. */
void tty_signal_pgrp(struct tty *tty, int sig);
/* Is the console session sid's controlling terminal?  *pgrp: its foreground group. */
bool console_controls(int sid, int *pgrp);
/* Print with output processing (ONLCR); tty->lock not held. */
void tty_output(struct tty *tty, const char *buf, size_t len);

#endif
