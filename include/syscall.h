/*
 * System calls implemented in kernel/ and mm/ (the file-system ones are in
 * fs_syscalls.h).  Each takes its arguments with their real types; the
 * dispatcher (kernel/syscall.c) passes the six argument registers.
 * They return a value or a negative errno.
 */
#ifndef PAGODA_SYSCALL_H
#define PAGODA_SYSCALL_H

#include <signal.h>
#include <types.h>

struct trap_frame;
struct timespec_k;
struct rusage_k;

/* Process life cycle (kernel/fork.c, kernel/exit.c, kernel/exec.c). */
long sys_fork(void);
long sys_vfork(void);
long sys_clone(u64 flags, u64 stack, int *parent_tid, int *child_tid, u64 tls);
long sys_execve(const char *path, char *const *argv, char *const *envp);
long sys_exit(int code);
long sys_exit_group(int code);
long sys_wait4(int pid, int *status, int options, struct rusage_k *ru);
struct waitid_info;
long sys_waitid(int idtype, int id, struct waitid_info *infop, int options,
		struct rusage_k *ru);							/* 247 */
/* End the whole process with this wait status word (never returns). */
__noreturn void do_exit_group(int status_word);

/* Signals (kernel/signal.c). */
long sys_rt_sigaction(int sig, const struct sigaction_k *act, struct sigaction_k *oldact,
		      size_t sigsetsize);
long sys_rt_sigprocmask(int how, const sigset_t *set, sigset_t *oldset, size_t sigsetsize);
long sys_rt_sigpending(sigset_t *set, size_t sigsetsize);
long sys_rt_sigsuspend(const sigset_t *mask, size_t sigsetsize);
long sys_rt_sigreturn(void);
long sys_pause(void);
struct user_stack;
long sys_sigaltstack(const struct user_stack *ss, struct user_stack *old);
long sys_kill(int pid, int sig);
long sys_tgkill(int tgid, int tid, int sig);
long sys_tkill(int tid, int sig);

/* Memory (mm/mmap.c). */
long sys_brk(u64 addr);
long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off);
long sys_munmap(u64 addr, u64 len);
long sys_mprotect(u64 addr, u64 len, u64 prot);
long sys_madvise(u64 addr, u64 len, int advice);
long sys_msync(u64 addr, u64 len, int flags);
long sys_mremap(u64 old_addr, u64 old_len, u64 new_len, u64 flags, u64 new_addr);
long sys_fadvise64(int fd, s64 offset, s64 len, int advice);
/* mm/mlock.c */
long sys_mlock(u64 addr, u64 len);
long sys_mlock2(u64 addr, u64 len, int flags);
long sys_munlock(u64 addr, u64 len);
long sys_mlockall(int flags);
long sys_munlockall(void);

/* Identity and attributes (kernel/sys_proc.c). */
long sys_getpid(void);
long sys_getppid(void);
long sys_gettid(void);
long sys_getuid(void);
long sys_getresuid(u32 *ruid, u32 *euid, u32 *suid);				/* 118, 120 */
long sys_getpgid(int pid);
long sys_setpgid(int pid, int pgid);
long sys_getpgrp(void);
long sys_getsid(int pid);
long sys_setsid(void);
long sys_set_tid_address(int *tidptr);
long sys_set_robust_list(void *head, size_t len);
long sys_arch_prctl(int code, u64 addr);
long sys_prlimit64(int pid, int resource, const void *new_limit, void *old_limit);
long sys_getrlimit(int resource, void *rlim);
long sys_setrlimit(int resource, const void *rlim);
/* CPU time (kernel/cputime.c). */
struct tms_k;
long sys_getrusage(int who, struct rusage_k *ru);
long sys_times(struct tms_k *buf);
long sys_uname(void *buf);
long sys_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
	       unsigned long arg5);							/* 157 */
long sys_getrandom(void *buf, size_t len, unsigned int flags);
long sys_sched_yield(void);
long sys_sched_setaffinity(int pid, unsigned int len, const u64 *user_mask);
long sys_sched_getaffinity(int pid, unsigned int len, u64 *user_mask);
long sys_getcpu(unsigned int *cpu, unsigned int *node, void *cache);
struct sysinfo_k;
long sys_sysinfo(struct sysinfo_k *info);
long sys_reboot(int magic1, int magic2, unsigned int cmd, void *arg);

/* Time (kernel/sys_time.c). */
long sys_clock_gettime(int clock, struct timespec_k *tp);
long sys_clock_getres(int clock, struct timespec_k *tp);
long sys_clock_nanosleep(int clock, int flags, const struct timespec_k *req, struct timespec_k *rem);
long sys_nanosleep(const struct timespec_k *req, struct timespec_k *rem);
long sys_restart_syscall(void);
long sys_gettimeofday(void *tv, void *tz);
long sys_time(long *t);
long sys_alarm(unsigned int seconds);
long sys_setitimer(int which, const void *new_value, void *old_value);
long sys_getitimer(int which, void *value);

#endif
