/*
 * Descriptor calls: dup, dup2, dup3, fcntl, ioctl, pipe, pipe2.
 */
#include <errno.h>
#include <fs_syscalls.h>
#include <pipe.h>
#include <usercopy.h>

long sys_dup(unsigned int fildes)
{
	struct file *f = fget(fildes);
	long fd;

	if (!f)
		return -EBADF;
	fd = fd_install_new(f, false);
	if (fd < 0)
		fput(f);
	return fd;
}

static long dup_to(unsigned int oldfd, unsigned int newfd, bool cloexec)
{
	struct file *f = fget(oldfd);
	long ret;

	if (!f)
		return -EBADF;
	ret = fd_replace(newfd, f, cloexec);
	if (ret < 0)
		fput(f);
	return ret;
}

long sys_dup3(unsigned int oldfd, unsigned int newfd, int flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return dup_to(oldfd, newfd, flags & O_CLOEXEC);
}

long sys_dup2(unsigned int oldfd, unsigned int newfd)
{
	if (oldfd == newfd) {	/* nothing to do, if oldfd is open */
		struct file *f = fget(oldfd);

		if (!f)
			return -EBADF;
		fput(f);
		return newfd;
	}
	return dup_to(oldfd, newfd, false);
}

/* The status flags F_SETFL may change; the access mode and the rest stay. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

static void set_status_flags(struct file *f, unsigned int flags, unsigned int mask)
{
	spin_lock(&f->f_lock);
	f->f_flags = (f->f_flags & ~mask) | (flags & mask);
	spin_unlock(&f->f_lock);
}

static long dup_from(struct file *f, unsigned long start, bool cloexec)
{
	long fd;

	if (start > INT32_MAX)
		return -EINVAL;
	get_file(f);
	fd = fd_install_from(f, start, cloexec);
	if (fd < 0)
		fput(f);
	return fd;
}

long sys_fcntl(unsigned int fd, unsigned int cmd, unsigned long arg)
{
	struct file *f = fget(fd);
	long ret;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		ret = dup_from(f, arg, cmd == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		ret = get_close_on_exec(fd);
		if (ret > 0)
			ret = FD_CLOEXEC;
		break;
	case F_SETFD:
		ret = set_close_on_exec(fd, arg & FD_CLOEXEC);
		break;
	case F_GETFL:
		ret = READ_ONCE(f->f_flags);
		break;
	case F_SETFL:
		set_status_flags(f, arg, SETFL_MASK);
		ret = 0;
		break;
	case F_GETPIPE_SZ:	/* bash asks before it puts a here-document in a pipe */
		ret = f->f_inode->i_pipe ? (long)PIPE_SIZE : -EBADF;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	fput(f);
	return ret;
}

/* FIONREAD on a regular file: the bytes between the offset and the end. */
static long file_bytes_left(struct file *f, void *uarg)
{
	u64 size = READ_ONCE(f->f_inode->i_size), pos = READ_ONCE(f->f_pos);

	return put_user_u32(pos < size ? MIN(size - pos, (u64)INT32_MAX) : 0, uarg);
}

long sys_ioctl(unsigned int fd, unsigned int cmd, unsigned long arg)
{
	struct file *f = fget(fd);
	u32 on;
	long ret;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		ret = set_close_on_exec(fd, cmd == FIOCLEX);
		break;
	case FIONBIO:
		ret = get_user_u32(&on, (void *)arg);
		if (!ret)
			set_status_flags(f, on ? O_NONBLOCK : 0, O_NONBLOCK);
		break;
	default:
		if (cmd == FIONREAD && S_ISREG(f->f_inode->i_mode))
			ret = file_bytes_left(f, (void *)arg);
		else
			ret = f->f_op->ioctl ? f->f_op->ioctl(f, cmd, arg) : -ENOTTY;
		break;
	}
	fput(f);
	return ret;
}

long sys_pipe2(int *fildes, int flags)
{
	bool cloexec = flags & O_CLOEXEC;
	struct file *files[2];
	int fds[2];
	long err;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (flags & O_DIRECT)
		return -EINVAL;	/* packet-mode pipes are not supported */
	err = create_pipe_files(files, flags);
	if (err)
		return err;
	fds[0] = fd_install_new(files[0], cloexec);
	if (fds[0] < 0) {
		fput(files[0]);
		fput(files[1]);
		return fds[0];
	}
	fds[1] = fd_install_new(files[1], cloexec);
	if (fds[1] < 0) {
		close_fd(fds[0]);
		fput(files[1]);
		return fds[1];
	}
	if (copy_to_user(fildes, fds, sizeof(fds))) {
		close_fd(fds[0]);
		close_fd(fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(int *fildes)
{
	return sys_pipe2(fildes, 0);
}
