/*
 * The hung-task watchdog and the console's task dump (kernel/hung_task.c).
 */
#ifndef PAGODA_HUNG_TASK_H
#define PAGODA_HUNG_TASK_H

#include <types.h>

struct task;

/* Start the watchdog (boot option hung_task_timeout=SECONDS, 0 = off). */
void hung_task_start(void);
/* Report every task asleep uninterruptibly, untimed, for limit_ns or more (once per sleep). */
void check_hung_tasks(u64 limit_ns);
/* The same for one task (a self-test's, which must be alive). */
void check_hung_task(struct task *t, u64 limit_ns);
/* Hung-task reports printed so far (for self-tests). */
unsigned long hung_task_report_count(void);
/* A self-test provokes reports: they say "expected", which the harness lets through. */
void hung_task_expect_reports(bool expect);

/* Print every task with its state, stack and held locks. */
void show_all_tasks(void);
/* A byte from the console: true if it completed the dump key (Ctrl-T Ctrl-T) and the dump ran. */
bool console_dump_key(char c);

#endif
