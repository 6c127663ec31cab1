/*
 * Terminal ioctls and job control: termios (TCGETS, TCSETS*), the window
 * size, the foreground process group, the controlling session.
 *
 * Sessions are kept simple: there is one terminal (the console), and the
 * first process that opens it becomes its session (normally init); the
 * foreground group starts as that process's group and moves with
 * TIOCSPGRP (shells do this for each job).  ^C signals every task whose
 * process group is the foreground one.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <task.h>
#include <tty.h>
#include <usercopy.h>
#include <vfs_abi.h>

/* Send sig to every task of process group pgrp; false if there is none. */
static bool signal_pgrp(int pgrp, int sig)
{
	struct siginfo_k info = { .signo = sig, .code = SI_KERNEL };
	bool found = false;
	struct task *t;

	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link) {
		if (t->pgid == pgrp && t->state != TASK_ZOMBIE && t->state != TASK_DEAD) {
			send_signal(t, sig, &info);
			found = true;
		}
	}
	spin_unlock(&tasklist_lock);
	return found;
}

/* Is some task of process group pgrp in session sid? */
static bool pgrp_in_session(int pgrp, int sid)
{
	bool found = false;
	struct task *t;

	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link) {
		if (t->pgid == pgrp && t->sid == sid) {
			found = true;
			break;
		}
	}
	spin_unlock(&tasklist_lock);
	return found;
}

static bool pgrp_exists(int pgrp)
{
	bool found = false;
	struct task *t;

	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link) {
		if (t->pgid == pgrp) {
			found = true;
			break;
		}
	}
	spin_unlock(&tasklist_lock);
	return found;
}

void tty_signal_pgrp(struct tty *tty, int sig)
{
	int pgrp;

	spin_lock(&tty->lock);
	pgrp = tty->pgrp;
	spin_unlock(&tty->lock);
	if (pgrp > 0)
		signal_pgrp(pgrp, sig);
}

int tty_job_check(struct tty *tty, int sig)
{
	int session, pgrp;

	spin_lock(&tty->lock);
	session = tty->session;
	pgrp = tty->pgrp;
	spin_unlock(&tty->lock);
	return tty_check_job(session, pgrp, sig);
}

/*
 * TIOCSCTTY: a session leader makes the terminal its session's
 * controlling one; taking it from another session needs arg 1 (root).
 */
static long tty_set_ctty(struct tty *tty, unsigned long steal)
{
	int sid, pgid, tgid;
	long err = 0;

	spin_lock(&tasklist_lock);
	sid = current->sid;
	pgid = current->pgid;
	tgid = current->tgid;
	spin_unlock(&tasklist_lock);
	if (sid != tgid)
		return -EPERM;
	spin_lock(&tty->lock);
	if (tty->session && tty->session != sid && steal != 1) {
		err = -EPERM;
	} else if (tty->session != sid) {
		tty->session = sid;
		tty->pgrp = pgid;
	}
	spin_unlock(&tty->lock);
	return err;
}

void tty_open_ctty(struct tty *tty)
{
	int sid, pgid;

	if (!current)
		return;
	spin_lock(&tasklist_lock);
	sid = current->sid;
	pgid = current->pgid;
	spin_unlock(&tasklist_lock);
	spin_lock(&tty->lock);
	if (!tty->session) {
		tty->session = sid;
		tty->pgrp = pgid;
	}
	spin_unlock(&tty->lock);
}

static long tty_get_termios(struct tty *tty, void *uarg)
{
	struct termios t;

	spin_lock(&tty->lock);
	t = tty->termios;
	spin_unlock(&tty->lock);
	return copy_to_user(uarg, &t, sizeof(t)) ? -EFAULT : 0;
}

static long tty_set_termios(struct tty *tty, void *uarg, bool flush)
{
	struct termios t;

	if (copy_from_user(&t, uarg, sizeof(t)))
		return -EFAULT;
	spin_lock(&tty->lock);
	if (flush)
		tty->tail = tty->canon_head = tty->head;
	/* Leaving canonical mode: the line being edited becomes readable as is. */
	if (!(t.c_lflag & ICANON) && tty->canon_head != tty->head) {
		tty->canon_head = tty->head;
		wake_up(&tty->read_wait);
	}
	tty->termios = t;
	spin_unlock(&tty->lock);
	wake_up(&tty->read_wait);	/* VMIN/VTIME may let a reader go */
	return 0;
}

static long tty_get_winsize(struct tty *tty, void *uarg)
{
	struct winsize ws;

	spin_lock(&tty->lock);
	ws = tty->winsize;
	spin_unlock(&tty->lock);
	return copy_to_user(uarg, &ws, sizeof(ws)) ? -EFAULT : 0;
}

static long tty_set_winsize(struct tty *tty, void *uarg)
{
	struct winsize ws;
	bool changed;

	if (copy_from_user(&ws, uarg, sizeof(ws)))
		return -EFAULT;

	spin_lock(&tty->lock);
	changed = memcmp(&tty->winsize, &ws, sizeof(ws)) != 0;
	tty->winsize = ws;
	spin_unlock(&tty->lock);
	if (changed)	/* as Linux: readline sets the same size before every prompt */
		tty_signal_pgrp(tty, SIGWINCH);
	return 0;
}

/* An int owned by the tty (pgrp, session), read for TIOCGPGRP/TIOCGSID. */
static long tty_get_int(struct tty *tty, const int *field, void *uarg)
{
	int v;

	spin_lock(&tty->lock);
	v = *field;
	spin_unlock(&tty->lock);
	return put_user_u32(v, uarg);
}

/* TIOCSPGRP: only on the caller's controlling terminal, to a group of its session. */
static long tty_set_pgrp(struct tty *tty, void *uarg)
{
	int pgrp, session;
	u32 v;

	if (get_user_u32(&v, uarg))
		return -EFAULT;
	pgrp = (int)v;
	if (pgrp < 0)
		return -EINVAL;
	spin_lock(&tty->lock);
	session = tty->session;
	spin_unlock(&tty->lock);
	if (session != current->sid)
		return -ENOTTY;
	if (!pgrp_in_session(pgrp, session))
		return pgrp_exists(pgrp) ? -EPERM : -ESRCH;
	spin_lock(&tty->lock);
	tty->pgrp = pgrp;
	spin_unlock(&tty->lock);
	return 0;
}

static long tty_flush(struct tty *tty, unsigned long queue)
{
	if (queue > TCIOFLUSH)
		return -EINVAL;
	if (queue != TCOFLUSH)
		tty_flush_input(tty);	/* output is written synchronously: nothing to drop */
	return 0;
}

static long tty_input_ready(struct tty *tty, void *uarg)
{
	u32 n;

	spin_lock(&tty->lock);
	n = tty->canon_head - tty->tail;
	spin_unlock(&tty->lock);
	return put_user_u32(n, uarg);
}

/* The ioctls that change the terminal: a background group must not (SIGTTOU). */
static bool changes_the_terminal(unsigned int cmd)
{
	return cmd == TCSETS || cmd == TCSETSW || cmd == TCSETSF || cmd == TCFLSH ||
	       cmd == TIOCSPGRP;
}

long tty_ioctl(struct tty *tty, unsigned int cmd, unsigned long arg)
{
	void *uarg = (void *)arg;

	if (changes_the_terminal(cmd)) {
		int err = tty_job_check(tty, SIGTTOU);

		if (err)
			return err;
	}
	switch (cmd) {
	case TCGETS:
		return tty_get_termios(tty, uarg);
	case TCSETS:
	case TCSETSW:	/* output is never queued, so "after draining" is now */
		return tty_set_termios(tty, uarg, false);
	case TCSETSF:
		return tty_set_termios(tty, uarg, true);
	case TCFLSH:
		return tty_flush(tty, arg);
	case TIOCGWINSZ:
		return tty_get_winsize(tty, uarg);
	case TIOCSWINSZ:
		return tty_set_winsize(tty, uarg);
	case TIOCGPGRP:
		return tty_get_int(tty, &tty->pgrp, uarg);
	case TIOCSPGRP:
		return tty_set_pgrp(tty, uarg);
	case TIOCGSID:
		return tty_get_int(tty, &tty->session, uarg);
	case TIOCSCTTY:
		return tty_set_ctty(tty, arg);
	case TIOCNOTTY:
		return 0;
	case FIONREAD:
		return tty_input_ready(tty, uarg);
	default:
		return -ENOTTY;
	}
}
