/*
 * System-call dispatch: the table from number to handler, and the
 * per-CPU set-up of the syscall instruction.
 *
 * Handlers take their arguments with their real C types (see syscall.h,
 * fs_syscalls.h); the table stores them as a generic six-argument
 * function.  On x86-64 the six integer arguments travel in registers
 * whatever the declared types, so calling through the generic type
 * passes each register to the parameter in its position.
 */
#include <errno.h>
#include <fs_syscalls.h>
#include <futex.h>
#include <gdt.h>
#include <lockdep.h>
#include <printk.h>
#include <sched.h>
#include <syscall.h>
#include <syscall_nr.h>
#include <traps.h>
#include <x86.h>

typedef long (*syscall_fn)(u64, u64, u64, u64, u64, u64);

struct syscall_entry {
	const char *name;
	syscall_fn fn;
};

/* Through void (*)(void): the one cast GCC accepts between function types. */
#define HANDLER(f) ((syscall_fn)(void (*)(void))(f))
#define SYSCALL(name) [NR_##name] = { #name, HANDLER(sys_##name) }

static const struct syscall_entry syscall_table[NR_SYSCALLS] = {
	/* Files and directories (fs/). */
	SYSCALL(read), SYSCALL(write), SYSCALL(open), SYSCALL(close), SYSCALL(stat),
	SYSCALL(fstat), SYSCALL(lstat), SYSCALL(lseek), SYSCALL(ioctl), SYSCALL(pread64),
	SYSCALL(pwrite64), SYSCALL(readv), SYSCALL(writev), SYSCALL(access), SYSCALL(pipe),
	SYSCALL(dup), SYSCALL(dup2), SYSCALL(fcntl), SYSCALL(fsync), SYSCALL(fdatasync),
	SYSCALL(truncate), SYSCALL(ftruncate), SYSCALL(getcwd), SYSCALL(chdir), SYSCALL(fchdir),
	SYSCALL(rename), SYSCALL(mkdir), SYSCALL(rmdir), SYSCALL(creat), SYSCALL(link),
	SYSCALL(unlink), SYSCALL(symlink), SYSCALL(readlink), SYSCALL(chmod), SYSCALL(fchmod),
	SYSCALL(umask), SYSCALL(statfs), SYSCALL(fstatfs), SYSCALL(sync), SYSCALL(syncfs), SYSCALL(fallocate), SYSCALL(mount), SYSCALL(getdents64),
	SYSCALL(openat), SYSCALL(mkdirat), SYSCALL(newfstatat), SYSCALL(unlinkat),
	SYSCALL(renameat), SYSCALL(linkat), SYSCALL(symlinkat), SYSCALL(readlinkat),
	SYSCALL(fchmodat), SYSCALL(faccessat), SYSCALL(utimensat), SYSCALL(dup3), SYSCALL(pipe2),
	SYSCALL(poll), SYSCALL(ppoll), SYSCALL(select), SYSCALL(pselect6), SYSCALL(sendfile),
	SYSCALL(renameat2), SYSCALL(faccessat2), SYSCALL(chown), SYSCALL(fchown), SYSCALL(lchown),
	SYSCALL(fchownat), SYSCALL(mknod), SYSCALL(mknodat), SYSCALL(preadv), SYSCALL(pwritev),
	/* Memory (mm/mmap.c, msync.c, mremap.c, mlock.c, fadvise.c). */
	SYSCALL(mmap), SYSCALL(mprotect), SYSCALL(munmap), SYSCALL(brk), SYSCALL(madvise),
	SYSCALL(msync), SYSCALL(mremap), SYSCALL(mlock), SYSCALL(mlock2), SYSCALL(munlock),
	SYSCALL(mlockall), SYSCALL(munlockall), SYSCALL(fadvise64),
	/* Processes (kernel/fork.c, exit.c, exec.c, sys_proc.c). */
	SYSCALL(clone), SYSCALL(fork), SYSCALL(vfork), SYSCALL(execve), SYSCALL(exit),
	SYSCALL(wait4), SYSCALL(waitid), SYSCALL(exit_group), SYSCALL(getpid), SYSCALL(getppid), SYSCALL(gettid),
	SYSCALL(getuid), [NR_geteuid] = { "geteuid", HANDLER(sys_getuid) },
	SYSCALL(getresuid), [NR_getresgid] = { "getresgid", HANDLER(sys_getresuid) },
	[NR_getgid] = { "getgid", HANDLER(sys_getuid) },
	[NR_getegid] = { "getegid", HANDLER(sys_getuid) },
	SYSCALL(getpgid), SYSCALL(setpgid), SYSCALL(getpgrp), SYSCALL(getsid), SYSCALL(setsid),
	SYSCALL(set_tid_address), SYSCALL(set_robust_list), SYSCALL(arch_prctl),
	SYSCALL(prlimit64), SYSCALL(getrlimit), SYSCALL(setrlimit), SYSCALL(getrusage), SYSCALL(times),
	SYSCALL(uname), SYSCALL(prctl), SYSCALL(sysinfo), SYSCALL(getrandom), SYSCALL(sched_yield), SYSCALL(reboot),
	SYSCALL(sched_setaffinity), SYSCALL(sched_getaffinity), SYSCALL(getcpu),
	/* Signals (kernel/signal.c). */
	SYSCALL(rt_sigaction), SYSCALL(rt_sigprocmask), SYSCALL(rt_sigreturn),
	SYSCALL(rt_sigpending), SYSCALL(rt_sigsuspend), SYSCALL(sigaltstack), SYSCALL(pause),
	SYSCALL(kill), SYSCALL(tkill), SYSCALL(tgkill),
	/* Futexes, for threads (kernel/futex.c). */
	SYSCALL(futex),
	/* Time (kernel/sys_time.c). */
	SYSCALL(nanosleep), SYSCALL(restart_syscall), SYSCALL(clock_gettime), SYSCALL(clock_getres),
	SYSCALL(clock_nanosleep), SYSCALL(gettimeofday), SYSCALL(time), SYSCALL(alarm),
	SYSCALL(setitimer), SYSCALL(getitimer),
};

/*
 * Each unknown number is reported once, so a missing call is easy to spot
 * and a program that loops on one cannot flood the console.  Numbers in
 * the table's range have a bit each; the first OUT_OF_RANGE_SLOTS others
 * are remembered, and those after them are not reported at all.
 */
#define OUT_OF_RANGE_SLOTS 16
static u64 reported_unknown[NR_SYSCALLS / 64];		/* atomic bits */
static u64 reported_out_of_range[OUT_OF_RANGE_SLOTS];	/* atomic: nr + 1, 0 = free */

/* True the first time nr is seen here (on any CPU). */
static bool first_report(u64 nr)
{
	if (nr < NR_SYSCALLS) {
		u64 bit = 1ul << (nr % 64);

		return !(__atomic_fetch_or(&reported_unknown[nr / 64], bit, __ATOMIC_RELAXED) & bit);
	}
	for (int i = 0; i < OUT_OF_RANGE_SLOTS; i++) {
		u64 seen = 0;

		if (__atomic_compare_exchange_n(&reported_out_of_range[i], &seen, nr + 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return true;	/* a free slot: now nr's */
		if (seen == nr + 1)
			return false;
	}
	return false;	/* too many distinct wild numbers: stay quiet */
}

static long unknown_syscall(u64 nr)
{
	if (first_report(nr))
		pr_warn("%s[%d]: system call %lu is not implemented (ENOSYS)", current->comm,
			current->tgid, nr);
	return -ENOSYS;
}

void syscall_dispatch(struct trap_frame *tf)
{
	u64 nr = tf->rax;
	long ret;

	if (nr < NR_SYSCALLS && syscall_table[nr].fn)
		ret = syscall_table[nr].fn(tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
	else
		ret = unknown_syscall(nr);
	tf->rax = ret;
	lockdep_sys_exit(nr);	/* no lock may stay held into user space */
}

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084

void syscall_entry(void);

/*
 * The syscall instruction loads cs/ss from STAR (kernel at 47:32), jumps to
 * LSTAR and clears the rflags bits in SFMASK: interrupts (until we are on
 * the kernel stack), direction, trap and AC (SMAP stays closed).  STAR's
 * 63:48 is for sysret, which Pagoda does not use yet (it returns with
 * iretq), but it is set up for the day it does: user cs = base + 16.
 */
void syscall_init_cpu(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((u64)(GDT_USER32_CS | 3) << 48) | ((u64)GDT_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_SFMASK, X86_RFLAGS_IF | X86_RFLAGS_DF | X86_RFLAGS_TF | X86_RFLAGS_AC);
}
