/*
 * The first process.  kernel_init (the first kernel thread, pid 1) sets up
 * the root file system from the initramfs, gives itself a descriptor
 * table with the console as 0, 1 and 2, and execs /init: from then on it
 * is an ordinary user process that never exits.  Orphans are given to it.
 */
#include <boot.h>
#include <cmdline.h>
#include <debug_exit.h>
#include <errno.h>
#include <exec.h>
#include <fs.h>
#include <kmalloc.h>
#include <ktest.h>
#include <page.h>
#include <panic.h>
#include <printk.h>
#include <sched.h>
#include <string.h>
#include <traps.h>
#include <vm.h>

void enter_user_mode(struct trap_frame *frame);

static u64 free_pages_at_init;

static void unpack_initramfs(void)
{
	for (int i = 0; i < boot_info.module_count; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		int err = initramfs_unpack(phys_to_virt(m->start), m->end - m->start);

		if (err)
			pr_err("initramfs: cannot unpack %s: error %d", m->name, err);
		else
			pr_info("initramfs: unpacked %s (%lu KiB)", m->name, (m->end - m->start) >> 10);
	}
}

/* Is this command-line word (key=value) one for /init: its keys, and test_anything=? */
static bool word_for_init(const char *word, size_t len)
{
	static const char *const keys[] = { "user", "user_skip", "run", "run_arg", "stress_seconds",
					    "user_dir", "durable", "durable_then", "expire" };

	if (len > 5 && !strncmp(word, "test_", 5))
		return true;
	for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t klen = strlen(keys[i]);

		if (len > klen && !strncmp(word, keys[i], klen) && word[klen] == '=')
			return true;
	}
	return false;
}

/* argv for /init: "/init" and the command-line words meant for it (user=...), in order. */
static int init_args(struct exec_args *a)
{
	static const char *const env[] = { "HOME=/", "TERM=linux", "PATH=/bin:/sbin:/usr/bin" };
	const char *p = boot_info.cmdline;
	int err = exec_args_add(a, "/init", 5);

	a->argc = 1;
	while (*p && !err) {
		const char *word = p;

		while (*p && *p != ' ')
			p++;
		if (word_for_init(word, p - word)) {
			err = exec_args_add(a, word, p - word);
			a->argc++;
		}
		while (*p == ' ')
			p++;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(env) && !err; i++) {
		err = exec_args_add(a, env[i], strlen(env[i]));
		a->envc++;
	}
	a->filename = kmalloc(6, GFP_KERNEL);
	if (!a->filename)
		return -ENOMEM;
	memcpy(a->filename, "/init", 6);
	return err;
}

/* Turn this kernel thread into the first user process and run /init. */
static int start_init(void)
{
	struct task *t = current;
	struct exec_args a;
	int err;

	t->files = files_new();
	t->fs = fs_new_root();
	t->sighand = kzalloc(sizeof(*t->sighand), GFP_KERNEL);
	if (!t->files || !t->fs || !t->sighand)
		return -ENOMEM;
	t->sighand->refcount = 1;
	spin_init(&t->sighand->lock, "sighand");
	t->tg = thread_group_new(t);
	if (!t->tg)
		return -ENOMEM;
	spin_lock(&tasklist_lock);
	thread_group_add(t->tg, t);
	spin_unlock(&tasklist_lock);
	t->pgid = t->sid = t->tgid;
	strlcpy(t->comm, "init", sizeof(t->comm));
	err = vfs_open_console_fds();
	if (err)
		return err;
	err = exec_args_init(&a);
	if (!err)
		err = init_args(&a);
	if (!err)
		err = do_execve(&a);
	exec_args_free(&a);
	return err;
}

void kernel_init(void *arg)
{
	int err;

	(void)arg;
	filemap_init();
	vfs_init();
	if (!vfs_root_is_disk())
		unpack_initramfs();
	ktest_run_from_cmdline();	/* exits QEMU when self-tests were asked for */

	err = start_init();
	if (err) {
		pr_emerg("cannot run /init: error %d. Nothing more to do.", err);
		pr_info("Press Ctrl-A then X to leave QEMU.");
		return;
	}
	free_pages_at_init = nr_free_pages();
	pr_info("free pages when /init started: %lu", free_pages_at_init);
	enter_user_mode(task_user_frame(current));
}

/* reboot(2) and the end of init: report, then leave QEMU (or halt). */
__noreturn void power_off(enum qemu_exit_code code)
{
	pr_info("free pages at power-off: %lu (when /init started: %lu)", nr_free_pages(),
		free_pages_at_init);
	pr_info("power off");
	qemu_exit(code);
}

__noreturn void init_exited(int status_word)
{
	pr_emerg("init exited (wait status %#x): nothing is left to run", status_word);
	power_off(QEMU_EXIT_FAIL);
}
