/*
 * Descriptor tables (struct files_struct): fd number -> struct file, plus
 * a close-on-exec bit per descriptor.
 *
 * The slot array starts small and doubles as descriptors are used, up to
 * max_fds (RLIMIT_NOFILE, 1024 unless the process lowers or raises it).
 * New descriptors take the lowest free number, as POSIX requires; next_fd
 * remembers where the search can start.
 *
 * Lock: files->file_lock (a spinlock) protects the array, the bits, size
 * and next_fd.  Growing the array allocates with the lock dropped.  A
 * struct file is never released under the lock: fput() may sleep.
 */
#include <err.h>
#include <errno.h>
#include <fs.h>
#include <kmalloc.h>
#include <panic.h>
#include <string.h>
#include <task.h>

#define FDTABLE_MIN_SLOTS 64	/* one u64 of close-on-exec bits */

static struct files_struct *current_files(void)
{
	return current ? current->files : NULL;
}

struct files_struct *files_new(void)
{
	struct files_struct *files = kzalloc(sizeof(*files), GFP_KERNEL);

	if (!files)
		return NULL;
	files->count = 1;
	spin_init(&files->file_lock, "files");
	files->max_fds = NR_OPEN_DEFAULT;
	return files;
}

static bool cloexec_test(const struct files_struct *files, unsigned int fd)
{
	return files->close_on_exec[fd / 64] & (1ul << (fd % 64));
}

static void cloexec_assign(struct files_struct *files, unsigned int fd, bool on)
{
	if (on)
		files->close_on_exec[fd / 64] |= 1ul << (fd % 64);
	else
		files->close_on_exec[fd / 64] &= ~(1ul << (fd % 64));
}

/* Arrays for `slots` descriptors (a multiple of 64), zeroed. */
static int alloc_fd_arrays(unsigned int slots, struct file ***fd, u64 **bits)
{
	*fd = kzalloc(slots * sizeof(**fd), GFP_KERNEL);
	*bits = kzalloc(slots / 64 * sizeof(**bits), GFP_KERNEL);
	if (*fd && *bits)
		return 0;
	kfree(*fd);
	kfree(*bits);
	return -ENOMEM;
}

/*
 * Make room for descriptor nr (below max_fds).  Called and returns with
 * file_lock held, but drops it to allocate: the caller re-checks what it
 * looked at before.
 */
static int expand_files(struct files_struct *files, unsigned int nr)
{
	while (nr >= files->size) {
		unsigned int slots = MAX(files->size * 2, FDTABLE_MIN_SLOTS);
		struct file **fd, **old_fd;
		u64 *bits, *old_bits;

		while (slots <= nr)
			slots *= 2;
		spin_unlock(&files->file_lock);
		if (alloc_fd_arrays(slots, &fd, &bits)) {
			spin_lock(&files->file_lock);
			return -ENOMEM;
		}
		spin_lock(&files->file_lock);
		old_fd = fd;
		old_bits = bits;
		if (slots > files->size) {
			memcpy(fd, files->fd, files->size * sizeof(*fd));
			memcpy(bits, files->close_on_exec, files->size / 64 * sizeof(*bits));
			old_fd = files->fd;
			old_bits = files->close_on_exec;
			files->fd = fd;
			files->close_on_exec = bits;
			files->size = slots;
		}
		kfree(old_fd);	/* kfree never sleeps */
		kfree(old_bits);
	}
	return 0;
}

void files_set_max_fds(struct files_struct *files, u64 limit)
{
	spin_lock(&files->file_lock);
	files->max_fds = MIN(limit, (u64)NR_OPEN_MAX);
	spin_unlock(&files->file_lock);
}

/* The lowest free slot >= start that exists already, or files->size. */
static unsigned int find_free_slot(const struct files_struct *files, unsigned int start)
{
	unsigned int fd = MAX(start, files->next_fd);

	while (fd < files->size && files->fd[fd])
		fd++;
	return fd;
}

int fd_install_from(struct file *f, unsigned int start, bool cloexec)
{
	struct files_struct *files = current_files();
	unsigned int fd = 0;
	int err = 0;

	if (!files)
		return -EMFILE;
	spin_lock(&files->file_lock);
	if (start >= files->max_fds)
		err = -EINVAL;	/* F_DUPFD beyond the limit */
	while (!err) {
		fd = find_free_slot(files, start);
		if (fd >= files->max_fds) {
			err = -EMFILE;
			break;
		}
		if (fd < files->size)
			break;
		err = expand_files(files, fd);	/* then look again: the lock was dropped */
	}
	if (!err) {
		files->fd[fd] = f;
		cloexec_assign(files, fd, cloexec);
		if (start <= files->next_fd)
			files->next_fd = fd + 1;
	}
	spin_unlock(&files->file_lock);
	return err ? err : (int)fd;
}

int fd_replace(unsigned int fd, struct file *f, bool cloexec)
{
	struct files_struct *files = current_files();
	struct file *old = NULL;
	int err;

	if (!files)
		return -EBADF;
	spin_lock(&files->file_lock);
	err = fd < files->max_fds ? expand_files(files, fd) : -EBADF;
	if (!err) {
		old = files->fd[fd];
		files->fd[fd] = f;
		cloexec_assign(files, fd, cloexec);
	}
	spin_unlock(&files->file_lock);
	fput(old);
	return err ? err : (int)fd;
}

/* Take the file out of slot fd (file_lock held); NULL if the slot is free. */
static struct file *take_fd(struct files_struct *files, unsigned int fd)
{
	struct file *f;

	if (fd >= files->size || !files->fd[fd])
		return NULL;
	f = files->fd[fd];
	files->fd[fd] = NULL;
	cloexec_assign(files, fd, false);
	if (fd < files->next_fd)
		files->next_fd = fd;
	return f;
}

int close_fd(unsigned int fd)
{
	struct files_struct *files = current_files();
	struct file *f;

	if (!files)
		return -EBADF;
	spin_lock(&files->file_lock);
	f = take_fd(files, fd);
	spin_unlock(&files->file_lock);
	if (!f)
		return -EBADF;
	fput(f);
	return 0;
}

/* The file at fd in files (NULL: no table), referenced, or NULL. */
static struct file *files_fget(struct files_struct *files, int fd)
{
	struct file *f = NULL;

	if (!files || fd < 0)
		return NULL;
	spin_lock(&files->file_lock);
	if ((unsigned int)fd < files->size && files->fd[fd]) {
		f = files->fd[fd];
		get_file(f);
	}
	spin_unlock(&files->file_lock);
	return f;
}

struct file *fget(int fd)
{
	return files_fget(current_files(), fd);
}

struct file *fget_task(struct task *t, int fd)
{
	struct file *f;

	spin_lock(&t->lock);	/* exit clears t->files under it */
	f = files_fget(t->files, fd);
	spin_unlock(&t->lock);
	return f;
}

int next_open_fd_task(struct task *t, int from)
{
	int found = -1;

	spin_lock(&t->lock);
	if (t->files && from >= 0) {
		spin_lock(&t->files->file_lock);
		for (unsigned int fd = from; fd < t->files->size && found < 0; fd++)
			if (t->files->fd[fd])
				found = fd;
		spin_unlock(&t->files->file_lock);
	}
	spin_unlock(&t->lock);
	return found;
}

int get_close_on_exec(unsigned int fd)
{
	struct files_struct *files = current_files();
	int ret = -EBADF;

	if (!files)
		return ret;
	spin_lock(&files->file_lock);
	if (fd < files->size && files->fd[fd])
		ret = cloexec_test(files, fd);
	spin_unlock(&files->file_lock);
	return ret;
}

int set_close_on_exec(unsigned int fd, bool on)
{
	struct files_struct *files = current_files();
	int ret = -EBADF;

	if (!files)
		return ret;
	spin_lock(&files->file_lock);
	if (fd < files->size && files->fd[fd]) {
		cloexec_assign(files, fd, on);
		ret = 0;
	}
	spin_unlock(&files->file_lock);
	return ret;
}

struct files_struct *files_dup(struct files_struct *old)
{
	struct files_struct *files = files_new();
	unsigned int slots;
	struct file **fd;
	u64 *bits;

	if (!files)
		return NULL;
	spin_lock(&old->file_lock);
	while ((slots = old->size) != 0) {
		spin_unlock(&old->file_lock);
		if (alloc_fd_arrays(slots, &fd, &bits)) {
			kfree(files);
			return NULL;
		}
		spin_lock(&old->file_lock);
		if (old->size == slots)
			break;
		kfree(fd);	/* it grew meanwhile: try again */
		kfree(bits);
	}
	if (slots) {
		for (unsigned int i = 0; i < slots; i++) {
			fd[i] = old->fd[i];
			if (fd[i])
				get_file(fd[i]);
		}
		memcpy(bits, old->close_on_exec, slots / 64 * sizeof(*bits));
		files->fd = fd;
		files->close_on_exec = bits;
		files->size = slots;
	}
	files->max_fds = old->max_fds;
	files->next_fd = old->next_fd;
	spin_unlock(&old->file_lock);
	return files;
}

void files_put(struct files_struct *files)
{
	if (!files || __atomic_sub_fetch(&files->count, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	/* Nobody else can see the table now: no lock needed. */
	for (unsigned int i = 0; i < files->size; i++)
		fput(files->fd[i]);
	kfree(files->fd);
	kfree(files->close_on_exec);
	kfree(files);
}

void files_close_on_exec(struct files_struct *files)
{
	spin_lock(&files->file_lock);
	for (unsigned int fd = 0; fd < files->size; fd++) {
		struct file *f;

		if (!files->fd[fd] || !cloexec_test(files, fd))
			continue;
		f = take_fd(files, fd);
		spin_unlock(&files->file_lock);
		fput(f);
		spin_lock(&files->file_lock);
	}
	spin_unlock(&files->file_lock);
}
