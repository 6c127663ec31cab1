/*
 * execve: replace the calling process's program.
 *
 * Everything that can fail happens first - copying the arguments, opening
 * and checking the file, building the complete new address space - while
 * the old program is intact, so a failed execve returns an error to a
 * caller that still exists.  Only then comes the point of no return:
 * switch to the new address space, close O_CLOEXEC files, reset signal
 * handlers, and set the registers to start the program.
 */
#include <err.h>
#include <errno.h>
#include <exec.h>
#include <fcntl.h>
#include <fpu.h>
#include <fs.h>
#include <gdt.h>
#include <kmalloc.h>
#include <mutex.h>
#include <printk.h>
#include <sched.h>
#include <string.h>
#include <syscall.h>
#include <tlb.h>
#include <traps.h>
#include <usercopy.h>
#include <vm.h>
#include <x86.h>

#define MAX_INTERP_DEPTH 4	/* #! scripts whose interpreter is a script, ... */
#define SCRIPT_LINE_MAX 256	/* Linux's BINPRM_BUF_SIZE */
#define EXEC_MAX_PTRS 32768
#define PATH_MAX 4096

int exec_args_init(struct exec_args *a)
{
	memset(a, 0, sizeof(*a));
	a->size = EXEC_STRINGS_MAX;
	a->strings = kmalloc(a->size, GFP_KERNEL);
	a->max_ptrs = EXEC_MAX_PTRS;
	a->argv = kmalloc(a->max_ptrs * sizeof(char *), GFP_KERNEL);
	if (!a->strings || !a->argv) {
		exec_args_free(a);
		return -ENOMEM;
	}
	return 0;
}

void exec_args_free(struct exec_args *a)
{
	kfree(a->strings);
	kfree(a->argv);
	kfree(a->filename);
	a->strings = NULL;
	a->argv = NULL;
	a->filename = NULL;
}

int exec_args_add(struct exec_args *a, const char *s, size_t len)
{
	if (a->used + len + 1 > a->size || a->argc + a->envc >= a->max_ptrs)
		return -E2BIG;
	memcpy(a->strings + a->used, s, len);
	a->strings[a->used + len] = '\0';
	a->argv[a->argc + a->envc] = a->strings + a->used;
	a->used += len + 1;
	return 0;
}

/* Append a NULL-terminated user array of strings to a, counting them in *count. */
static int copy_user_strings(struct exec_args *a, char *const *uvec, int *count)
{
	for (int i = 0; uvec; i++) {
		u64 ptr;
		long len;

		if (get_user_u64(&ptr, &uvec[i]))
			return -EFAULT;
		if (!ptr)
			break;
		if (a->argc + a->envc >= a->max_ptrs)
			return -E2BIG;
		len = strncpy_from_user(a->strings + a->used, (const char *)ptr, a->size - a->used);
		if (len == -ENAMETOOLONG)
			return -E2BIG;
		if (len < 0)
			return len;
		a->argv[a->argc + a->envc] = a->strings + a->used;
		a->used += len + 1;
		(*count)++;
	}
	return 0;
}

/* Copy s into the string buffer; NULL when it is full. */
static char *store_string(struct exec_args *a, const char *s)
{
	size_t len = strlen(s) + 1;
	char *dst = a->strings + a->used;

	if (a->used + len > a->size)
		return NULL;
	memcpy(dst, s, len);
	a->used += len;
	return dst;
}

/* Split "#! interp  arg  \n..." into its two words; the arg keeps inner spaces. */
static int parse_script_line(const char *line, size_t len, char *interp, char *arg)
{
	const char *nl = memchr(line, '\n', len);
	size_t i = 2, n = 0, end;

	if (!nl)
		return -ENOEXEC;	/* the line does not fit in what we read: Linux refuses too */
	end = nl - line;
	while (i < end && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (i < end && line[i] != ' ' && line[i] != '\t')
		interp[n++] = line[i++];
	interp[n] = '\0';
	while (i < end && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r'))
		end--;
	memcpy(arg, line + i, end - i);
	arg[end - i] = '\0';
	return n ? 0 : -ENOEXEC;
}

/*
 * A "#!interpreter [arg]" script: run the interpreter instead, with argv
 * = interpreter, the optional single argument, the script's path as
 * given, then the original argv[1..].  The original argv[0] is dropped,
 * as Linux does.
 */
static int prepare_script(struct exec_args *a, const char *line, size_t len)
{
	char interp[SCRIPT_LINE_MAX], arg[SCRIPT_LINE_MAX];
	char **old = a->argv, **argv;
	int n = 0, err = parse_script_line(line, len, interp, arg);

	if (err)
		return err;
	if (a->argc + a->envc + 2 > a->max_ptrs)
		return -E2BIG;
	argv = kmalloc(a->max_ptrs * sizeof(char *), GFP_KERNEL);
	if (!argv)
		return -ENOMEM;
	argv[n++] = store_string(a, interp);
	if (arg[0])
		argv[n++] = store_string(a, arg);
	argv[n++] = store_string(a, a->filename);
	/* The rest of argv (without argv[0], if there was one), then envp. */
	for (int i = a->argc > 0 ? 1 : 0; i < a->argc + a->envc; i++)
		argv[n++] = old[i];
	for (int i = 0; i < n; i++) {
		if (!argv[i]) {		/* store_string ran out of room */
			kfree(argv);
			return -E2BIG;
		}
	}
	kfree(old);
	a->argv = argv;
	a->argc = n - a->envc;
	kfree(a->filename);
	a->filename = kmalloc(strlen(interp) + 1, GFP_KERNEL);
	if (!a->filename)
		return -ENOMEM;
	memcpy(a->filename, interp, strlen(interp) + 1);
	return 0;
}

/* Open the program and check it may be executed: a regular file with an x bit. */
static struct file *open_exec(const char *path)
{
	struct file *f = filp_open(path, O_RDONLY, 0);

	if (IS_ERR(f))
		return f;
	if (!S_ISREG(f->f_inode->i_mode) || !(f->f_inode->i_mode & 0111)) {
		fput(f);
		return ERR_PTR(-EACCES);
	}
	return f;
}

/*
 * The caller, not the leader, survives an execve: it takes the old
 * leader's pid (the process id must not change) and its place under the
 * parent, and the old leader - a zombie by now - goes without a wait4.
 * tasklist_lock held; every other thread has exited.
 */
static struct task *take_over_leader(struct thread_group *tg)
{
	struct task *old = tg->leader, *me = current;
	int pid = old->pid;

	old->pid = me->pid;
	me->pid = pid;
	me->parent = old->parent;
	me->exit_signal = old->exit_signal;
	me->pgid = old->pgid;
	me->sid = old->sid;
	if (old->parent) {
		list_del(&old->sibling);
		list_add_tail(&me->sibling, &me->parent->children);
	}
	old->parent = NULL;
	old->autoreaped = true;
	list_del(&old->all_link);
	tg->leader = me;
	return old;
}

/*
 * execve in a process with several threads: the others end (quietly: the
 * process does not) before the new program starts, as Linux does.
 */
static int kill_other_threads(void)
{
	struct thread_group *tg = current->tg;
	struct task *th, *old_leader = NULL;

	spin_lock(&tasklist_lock);
	if (tg->live == 1) {
		spin_unlock(&tasklist_lock);
		return 0;
	}
	if (tg->execing) {
		spin_unlock(&tasklist_lock);
		return -EAGAIN;	/* another thread is exec'ing: it wins */
	}
	tg->execing = current;
	list_for_each_entry(th, &tg->threads, tg_link)
		if (th != current)
			send_signal(th, SIGKILL, NULL);
	while (tg->live > 1)
		wait_sleep(&tg->live_changed, &tasklist_lock, false);
	if (current != tg->leader)
		old_leader = take_over_leader(tg);
	tg->execing = NULL;
	spin_unlock(&tasklist_lock);
	if (old_leader)
		task_put(old_leader);	/* nobody will wait4 for it */
	return 0;
}

/* The handlers become our own, if other processes' threads shared them. */
static int unshare_sighand(void)
{
	struct sighand *s;

	if (__atomic_load_n(&current->sighand->refcount, __ATOMIC_ACQUIRE) == 1)
		return 0;
	s = sighand_copy(current->sighand);
	if (!s)
		return -ENOMEM;
	sighand_put(current->sighand);
	current->sighand = s;
	return 0;
}

/* Point of no return: the task becomes the new program. */
static void commit_exec(struct mm *mm, const struct exec_args *a, const struct elf_info *info,
			u64 sp)
{
	struct task *t = current;
	struct mm *old = t->mm;
	struct trap_frame *tf = task_user_frame(t);
	const char *base = strrchr(a->filename, '/');

	spin_lock(&t->lock);	/* get_task_mm's lock */
	t->mm = mm;
	spin_unlock(&t->lock);
	mm_cpu_switch(old, mm);
	write_cr3(virt_to_phys(mm->pml4));
	if (old)
		mm_put(old);
	if (t->vfork_done) {		/* the vfork parent may run again */
		complete(t->vfork_done);
		t->vfork_done = NULL;
	}
	files_close_on_exec(t->files);
	/* Handlers are gone with the old program; "ignore" survives. */
	spin_lock(&t->sighand->lock);
	for (int i = 0; i < NSIG; i++) {
		struct sigaction_k *ka = &t->sighand->action[i];
		if (ka->handler != SIG_IGN)
			ka->handler = SIG_DFL;
		ka->flags = 0;
		ka->mask = 0;
		ka->restorer = NULL;
	}
	spin_unlock(&t->sighand->lock);
	t->altstack.sp = 0;
	t->altstack.size = 0;
	strlcpy(t->comm, base ? base + 1 : a->filename, sizeof(t->comm));

	mm->brk_start = mm->brk = info->brk;
	t->fs_base = 0;
	wrmsr(MSR_FS_BASE, 0);
	fpu_init_state(t->fpu);
	fpu_restore(t->fpu);

	memset(tf, 0, sizeof(*tf));
	tf->rip = info->entry;
	tf->rsp = sp;
	tf->cs = GDT_USER_CS | 3;
	tf->ss = GDT_USER_DS | 3;
	tf->rflags = X86_RFLAGS_IF | 0x2;	/* bit 1 is always set */
	/* rdx = 0: no exit handler from a dynamic loader (glibc registers it). */
}

int do_execve(struct exec_args *a)
{
	for (int depth = 0; depth <= MAX_INTERP_DEPTH; depth++) {
		struct file *f = open_exec(a->filename);
		char head[SCRIPT_LINE_MAX];
		struct elf_info info;
		struct mm *mm;
		ssize_t n;
		u64 pos = 0, sp;
		int err;

		if (IS_ERR(f))
			return PTR_ERR(f);
		n = kernel_read(f, head, sizeof(head), &pos);
		if (n >= 2 && head[0] == '#' && head[1] == '!') {
			fput(f);
			err = prepare_script(a, head, n);
			if (err)
				return err;
			continue;	/* now run the interpreter */
		}
		mm = mm_create();
		if (!mm) {
			fput(f);
			return -ENOMEM;
		}
		err = elf_load(f, mm, &info);
		mm->exe_file = f;	/* takes our reference: /proc/PID/exe */
		if (err == -ELIBBAD) {
			pr_info("exec: %s is dynamically linked; Pagoda runs static programs only",
				a->filename);
			err = -ENOEXEC;
		}
		if (!err)
			err = elf_build_stack(mm, a, &info, &sp);
		if (!err)
			err = kill_other_threads();
		if (!err)
			err = unshare_sighand();
		if (err) {
			mm_put(mm);
			return err;
		}
		commit_exec(mm, a, &info, sp);
		return 0;
	}
	return -ELOOP;
}

long sys_execve(const char *path, char *const *argv, char *const *envp)
{
	struct exec_args a;
	long err = exec_args_init(&a);

	if (err)
		return err;
	a.filename = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!a.filename) {
		err = -ENOMEM;
		goto out;
	}
	err = strncpy_from_user(a.filename, path, PATH_MAX);
	if (err >= 0 && a.filename[0] == '\0')
		err = -ENOENT;
	if (err >= 0)
		err = copy_user_strings(&a, argv, &a.argc);
	if (err >= 0)
		err = copy_user_strings(&a, envp, &a.envc);
	if (err >= 0)
		err = do_execve(&a);
out:
	exec_args_free(&a);
	return err < 0 ? err : 0;
}
