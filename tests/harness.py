#!/usr/bin/env python3
"""Pagoda's test harness: boots the kernel under QEMU and reports TAP.

    python3 tests/harness.py [--kernel build/kernel.elf] [--timeout SECS]
                             [--filter GLOB] [--keep-logs DIR]

Suites, each introduced by a `# suite WHAT on WHERE` line:
  ktest on pagoda           the kernel's self-tests (kernel command line ktest=*)
  harness checks on pagoda  boots that must fail in a given way, proving that
                            the harness (and the kernel) can see failures
  user on host              the user test programs (build/user/*) on this Linux
  blk on pagoda             user/tests/blockdev.c with its disks attached (a
                            read-only one, a scratch one, two with injected
                            errors), then the scratch image checked from here
  blk on linux              the same program on Linux (../shared/peers/linux/run)
  naive write path on pagoda  [mmap]'s deadlock tests 1-3 with write_path=naive:
                            each must be reported by the lock validator or the
                            hung-task watchdog within 30 s
  durable (killed), expire, wb errors, low memory on pagoda
                            writeback: see tests/wb_suites.py
  shell on pagoda           busybox ash and bash typed at on the serial console
                            (see tests/shell_suite.py)
  ... on pagoda -smp 4      the kernel and user suites again, on four CPUs
  harness self-test on host this harness against a fake QEMU (tests/fake/)
A test that hangs or panics is reported as that test's failure, with the tail
of the serial log, and the kernel is booted again without it.  The output
ends with `N passed, N failed`; the exit status is 0 iff nothing failed.

Standard library only: this must run with Debian 12's python3.
"""
import argparse
import concurrent.futures
import contextlib
import fnmatch
import os
import re
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass

import disks
import shell_suite
import wb_suites
from boots import (EXIT_FAILED, EXIT_PANIC, KERNEL_REPORT, ROOT, TESTS_DIR, Report, Totals,
                   boot, boot_suite, check_recorded_files, clean, describe, describe_host, host_program, live,
                   live_lock, parse_tap, run_console, stopping)


WORKERS = 2       # the machine has 2 cores; each QEMU (TCG, -smp 1) uses one
HANG = 'hang'     # expected "exit status" of a check that must time out



@dataclass
class Check:
    """One boot of the kernel that must end in a given way."""
    cmdline: list         # kernel command line, one argument per item
    timeout: float        # seconds, or None for --timeout
    exit: object          # expected QEMU exit status, or HANG
    regexes: list         # each must match (re.search) some line of the log
    name: str             # the TAP result's name
    smp: int = 1          # CPUs


# The harness proving that it can fail.  Add entries here.
CHECKS = [
    Check(['ktest=harness_must_fail'], None, EXIT_FAILED,
          [r'^not ok \d+ - harness_must_fail\b'],
          'harness sees a failing self-test'),
    Check(['ktest=panic_null_deref'], None, EXIT_PANIC,
          [r'KERNEL PANIC:', r'\[<[0-9a-f]+>\] deliberate_null_deref\+0x'],
          'null dereference panics with a backtrace naming deliberate_null_deref'),
    Check(['ktest=panic_stack_smash'], None, EXIT_PANIC,
          [r'KERNEL PANIC:', r'stack-protector'],
          'stack smashing is caught by the canary'),
    # `# start` proves the kernel got as far as the test: a boot that hangs
    # before it must not pass for a caught hang.
    Check(['ktest=harness_hang'], 8, HANG,
          [r'^# start harness_hang$'],
          'harness catches a hang'),
    Check(['ktest=panic_wx_text_write'], None, EXIT_PANIC,
          [r'KERNEL PANIC:', r'(?i)page.fault', r'\[<[0-9a-f]+>\] write_kernel_text\+0x'],
          'writing kernel text faults (W^X)'),
    Check(['ktest=panic_stack_overflow'], None, EXIT_PANIC,
          [r'KERNEL PANIC: double fault', r'\[<[0-9a-f]+>\] ktest_fn_panic_stack_overflow\+0x'],
          'kernel stack overflow hits the guard page (double fault on its own stack)'),
    Check(['ktest=panic_with_other_cpus_busy'], None, EXIT_PANIC,
          [r'KERNEL PANIC: deliberate, with 3 other CPUs'] +
          [r'^CPU %d stopped:' % cpu for cpu in (1, 2, 3)] +
          [r'\[<[0-9a-f]+>\] spin_with_interrupts_off\+0x'],
          'panic at -smp 4 stops the other CPUs, each printing its backtrace', smp=4),
]


# ----------------------------------------------------------------- suites --

def user_programs(opts):
    """The user test binaries built by make (build/user/*)."""
    folder = os.path.join(os.path.dirname(opts.kernel), 'user')
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, f) for f in os.listdir(folder)
                  if os.access(os.path.join(folder, f), os.X_OK))


def after(jobs, fn, *args):
    """Run fn(*args) once every job in jobs has finished."""
    concurrent.futures.wait(jobs)
    return fn(*args)


def ktest_suite(opts, smp=1):
    """The kernel's self-tests, with a scratch disk for those that need one;
    then, from the host, e2fsck and debugfs on the ext2 images they wrote."""
    report = boot_suite(opts, 'ktest', None, None, smp, disks.KTEST_CMDLINE,
                        disk_specs=disks.KTEST_DISKS)
    label = 'ktest' if smp == 1 else 'ktest-smp%d' % smp
    run = report.runs[-1]
    wrote = 'ext2_writes_a_file_at_odd_sizes_and_reads_it_back'
    if not any(re.search(r'^ok \d+ - %s\b' % wrote, clean(line)) for _, line in run.lines):
        return report       # not run in the last boot (--filter), or it failed: reported already
    for d in disks.KTEST_DISKS:
        if d.ext2_block:
            problem = disks.ext2_problems(os.path.join(run.disk_dir, d.name))
            report.result('%s/%s is clean for e2fsck -fn and holds /written.bin (host check)'
                          % (label, d.name), problem is None, problem or '',
                          run=run if problem else None)
    return report


def user_tmpfs_suite(opts, smp=1):
    """Every user program on Pagoda's tmpfs root, on a machine of the tests'
    own (they may tune it and run it out of memory: user/tests/oom.c); the
    OOM killer must have said so on the console, in Linux's words."""
    label = 'user' if smp == 1 else 'user-smp%d' % smp
    report = boot_suite(opts, 'user', '*', opts.timeout * 5, smp, disks.MACHINE_OF_OUR_OWN, label)
    wb_suites.check_oom_message(report, label, report.runs[-1])
    return report


def user_ext2_suite(opts):
    """Every user program again, on an ext2 root (a copy of build/rootfs.img)
    with a small ext2 disk for the ENOSPC tests; then, from the host, e2fsck
    on both images and debugfs reading back every file the programs recorded."""
    label = 'user-ext2'
    rootfs = os.path.join(os.path.dirname(opts.kernel), 'rootfs.img')
    report = boot_suite(opts, 'user', '*', opts.timeout * 5, 1, disks.USER_EXT2_CMDLINE, label,
                        disks.user_ext2_disks(rootfs))
    run = report.runs[-1]
    root = os.path.join(run.disk_dir, 'root.img')
    for name in ('root.img', 'small.img'):
        problem = disks.ext2_problems(os.path.join(run.disk_dir, name), written=False)
        report.result('%s/%s is clean for e2fsck -fn after the programs (host check)' % (label, name),
                      problem is None, problem or '', run=run if problem else None)
    check_recorded_files(report, label, run, root)
    return report


def durable_suite(opts):
    """init writes a file, fsyncs it and powers off with no sync: the data
    must be in the image (debugfs), and the image clean for e2fsck."""
    label = 'durable'
    rootfs = os.path.join(os.path.dirname(opts.kernel), 'rootfs.img')
    report = Report()
    run = boot(label, ['root=/dev/vda', 'durable=' + disks.DURABLE_PATH], opts.timeout, opts,
               disk_specs=[disks.Disk('root.img', copy_of=rootfs)])
    said = any('# durable: %s written and fsynced' % disks.DURABLE_PATH in clean(l) for _, l in run.lines)
    report.result(label + '/init wrote and fsynced the file, then powered off', said and not run.timed_out,
                  '' if said else describe(run), run=None if said else run)
    image = os.path.join(run.disk_dir, 'root.img')
    problem = disks.durable_problem(image) or disks.ext2_problems(image, written=False)
    report.result(label + '/the fsynced file is on the disk, and the image clean (host check)',
                  problem is None, problem or '', run=run if problem else None)
    return report


# [mmap]'s deadlock tests 1-3 (user/tests/mmap_deadlock.c): a write from a
# mapping of the very page written; two processes, each writing the page the
# other sources from; a write from a mapping another thread remaps and mlocks.
NAIVE_DEADLOCK_TESTS = ['write_from_fresh_shared_mappings_of_the_file_itself',
                        'two_processes_each_writing_the_page_the_other_sources_from',
                        'write_from_a_mapping_that_another_thread_remaps_and_mlocks']
NAIVE_CATCH_SECONDS = 30


def naive_write_test(opts, test):
    """Boot with write_path=naive (write() copies from user memory holding the
    page lock) and run one deadlock test: the lock validator or the hung-task
    watchdog must report it within NAIVE_CATCH_SECONDS of the test's start.
    The run is ended then: the test itself never finishes."""
    report, label = Report(), 'naive-write/' + test
    cmdline = ['write_path=naive', 'run=/bin/tests/mmap_deadlock', 'run_arg=' + test]
    run = boot('naive-' + test, cmdline, opts.timeout, opts, until=KERNEL_REPORT)
    text = [clean(line) for _, line in run.lines]
    started = next((when for when, line in run.lines
                    if clean(line).startswith('# start mmap_deadlock/' + test)), None)
    problem = None
    if started is None:
        problem = 'the test never started (%s)' % describe(run)
    elif run.caught_at is None:
        problem = 'no report (%s)' % describe(run)
    elif run.caught_at - started > NAIVE_CATCH_SECONDS:
        problem = 'reported %.1f s after the test started' % (run.caught_at - started)
    first = next((line for line in text if KERNEL_REPORT.search(line)), '')
    report.result('%s is caught within %d s' % (label, NAIVE_CATCH_SECONDS), problem is None,
                  problem or '%.1f s: %s' % (run.caught_at - started, first.strip()),
                  run=run if problem else None)
    return report


# The user programs written for ext2: on Linux they run on a fresh ext2 image.
EXT2_PROGRAMS = ['bigfile', 'dirscale', 'enospc', 'fsmeta', 'fsx', 'links', 'meminfo', 'mmap_calls',
                 'mmap_deadlock', 'mmap_truncate', 'oom', 'sparse', 'truncate', 'writes']


def ext2_on_linux(opts, prog):
    """One of EXT2_PROGRAMS in the Linux peer, in the root of a fresh ext2
    (enospc: of the small disk), then e2fsck on the image: the expectations
    are checked against Linux's own ext2.  The guest is ours alone, as
    Pagoda's are: the tests that tune or exhaust the machine run too."""
    report, label = Report(), 'ext2-linux/' + prog
    if not os.access(opts.peer, os.X_OK):
        report.result(label + '/peer', False, 'no Linux peer at %s' % opts.peer)
        return report
    folder = os.path.join(opts.workdir, 'ext2-linux-%s.disks' % prog)
    small = prog == 'enospc'
    disks.create(folder, [disks.Disk('fs.img', mib=disks.SMALL_DISK_MIB if small else 64,
                                     ext2_empty=True)])
    image = os.path.join(folder, 'fs.img')
    cmd = [opts.peer, '--disk', image, '--cwd', '/mnt', os.path.join(os.path.dirname(opts.kernel),
                                                                    'user', prog)]
    own = [v.upper() for v in disks.MACHINE_OF_OUR_OWN]
    run = run_console('ext2-linux-' + prog, cmd + own + (['TEST_SMALL_DIR=/mnt'] if small else []),
                      opts.timeout * 3, opts)
    tap = parse_tap(run.lines)
    for r in tap.results:       # the peer runs the program as /prog
        name = re.sub(r'^prog/', prog + '/', r.name)
        report.result('ext2-linux/' + name, r.ok, r.reason,
                      details=[] if r.ok else r.output, run=None if r.ok else run)
    if run.error or run.timed_out or not tap.results or run.status != 0:
        report.result(label + '/run', False, describe_host(run, tap), run=run)
        return report
    problem = disks.ext2_problems(image, written=False)
    report.result(label + '/the image is clean for e2fsck -fn (host check)', problem is None,
                  problem or '', run=run if problem else None)
    return report


def blk_suite(opts, smp=1):
    """user/tests/blockdev.c on Pagoda with its disks; then, from the host,
    the pattern it wrote on the scratch disk and the kernel's log lines."""
    label = 'blk' if smp == 1 else 'blk-smp%d' % smp
    # At -smp 4 the scratch disk runs on INTx too: both interrupt paths carry data.
    report = boot_suite(opts, 'user', 'blockdev', opts.timeout * 2, smp, disks.BLOCKDEV_CMDLINE,
                        label, disks.blockdev_disks(scratch_msix=smp == 1))
    run = report.runs[-1]
    problem = disks.pattern_mismatch(os.path.join(run.disk_dir, 'scratch.img'))
    report.result(label + '/the scratch image holds the pattern written inside Pagoda (host check)',
                  problem is None, problem or '', run=run if problem else None)
    text = [clean(line) for _, line in run.lines]
    for regex, what in disks.BLOCKDEV_LOG_CHECKS:
        found = any(re.search(regex, line) for line in text)
        report.result('%s/%s (kernel log)' % (label, what), found,
                      '' if found else 'no line matches /%s/' % regex, run=None if found else run)
    return report


def blk_on_linux(opts):
    """The scratch-disk tests of blockdev.c on Linux itself, with the
    disk attached to the peer as /dev/vda: the expectations are Linux's."""
    report, label = Report(), 'blk-linux'
    prog = os.path.join(os.path.dirname(opts.kernel), 'user', 'blockdev')
    if not os.access(opts.peer, os.X_OK):
        report.result(label + '/peer', False, 'no Linux peer at %s' % opts.peer)
        return report
    folder = os.path.join(opts.workdir, label + '.disks')
    disks.create(folder, [disks.Disk('scratch.img')])
    image = os.path.join(folder, 'scratch.img')
    run = run_console(label, [opts.peer, '--disk', image, prog, 'TEST_DISK=/dev/vda'],
                      opts.timeout * 3, opts)
    tap = parse_tap(run.lines)
    for r in tap.results:       # the peer runs the program as /prog
        name = re.sub(r'^prog/', 'blockdev/', r.name)
        report.result(label + '/' + name, r.ok, r.reason,
                      details=[] if r.ok else r.output, run=None if r.ok else run)
    if run.error or run.timed_out or not tap.results or run.status != 0:
        report.result(label + '/run', False, describe_host(run, tap), run=run)
        return report
    problem = disks.pattern_mismatch(image)
    report.result(label + '/the scratch image holds the pattern written by Linux (host check)',
                  problem is None, problem or '', run=run if problem else None)
    return report


def run_check(check, opts):
    """One harness check: a boot that must end as check.exit, with every
    regex matching some line of its serial log."""
    report = Report()
    name = 'check-' + re.sub(r'[^A-Za-z0-9_.-]+', '_', ' '.join(check.cmdline))
    run = boot(name, check.cmdline, check.timeout or opts.timeout, opts, check.smp)
    problems = []
    if (run.timed_out and check.exit != HANG) or (not run.timed_out and run.status != check.exit):
        expected = 'a hang' if check.exit == HANG else 'exit status %d' % check.exit
        problems.append('expected %s, got %s' % (expected, describe(run)))
    text = [clean(line) for _, line in run.lines]
    for regex in check.regexes:
        if not any(re.search(regex, line) for line in text):
            problems.append('no line matches /%s/' % regex)
    report.result(check.name, not problems, '; '.join(problems), run=run if problems else None)
    return report


# ------------------------------------------------------------------- main --

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--kernel', default=os.path.join(ROOT, 'build', 'kernel.elf'))
    parser.add_argument('--timeout', type=float, default=120,
                        help='seconds before a boot counts as hung (default 120)')
    parser.add_argument('--filter', metavar='GLOB',
                        help='run only the self-tests matching GLOB (passed as ktest=GLOB); '
                             'the harness checks are then left out')
    parser.add_argument('--keep-logs', metavar='DIR', dest='logs',
                        default=os.path.join(ROOT, 'build', 'test', 'logs'),
                        help='where each boot\'s serial log goes (default build/test/logs)')
    parser.add_argument('--suites', metavar='GLOB', default='*',
                        help='run only the suites whose title matches GLOB '
                             '(e.g. "low memory*")')
    parser.add_argument('--skip-suites', metavar='GLOB', default=None,
                        help='leave out the suites whose title matches GLOB')
    parser.add_argument('--no-selftest', action='store_true',
                        help='skip the test of the harness itself with a fake QEMU (~2 min)')
    parser.add_argument('--peer', default=os.path.join(ROOT, '..', 'shared', 'peers', 'linux', 'run'),
                        help='the Linux peer runner (default ../shared/peers/linux/run)')
    opts = parser.parse_args()
    sys.stdout.reconfigure(errors='replace')   # a console may print anything
    opts.kernel = os.path.abspath(opts.kernel)
    if not os.path.isfile(opts.kernel):
        sys.exit('harness: %s not found: build the kernel first (make)' % opts.kernel)
    if opts.logs == parser.get_default('logs'):   # no stale logs from earlier runs
        shutil.rmtree(opts.logs, ignore_errors=True)
    os.makedirs(opts.logs, exist_ok=True)
    opts.workdir = tempfile.mkdtemp(prefix='pagoda-harness.')

    # A suite is its title and its jobs, each a function (with its arguments)
    # returning a Report; `alone` ones need the whole machine and run one at a
    # time after everything else.  Reports are printed in this order.
    suites = [('ktest on pagoda', [(ktest_suite, opts)])]
    if not opts.filter:
        suites += [
            ('harness checks on pagoda', [(run_check, check, opts) for check in CHECKS]),
            # All user programs in one boot: longer than a self-test boot.
            ('user on pagoda', [(user_tmpfs_suite, opts)]),
            ('blk on pagoda', [(blk_suite, opts)]),
            ('user on pagoda, ext2 root', [(user_ext2_suite, opts)]),
            ('durable on pagoda', [(durable_suite, opts)]),
            ('durable (killed) on pagoda', [(wb_suites.durable_kill_suite, opts)]),
            ('expire on pagoda', [(wb_suites.expire_suite, opts)]),
            ('wb errors on pagoda', [(wb_suites.wb_errors_suite, opts)]),
            ('low memory on pagoda', [(wb_suites.low_memory_suite, opts)]),
            ('shell on pagoda', [(shell_suite.shell_suite, opts)]),
            # The same tests pass in the user suites above, on the normal write path.
            ('naive write path on pagoda', [(naive_write_test, opts, test)
                                            for test in NAIVE_DEADLOCK_TESTS]),
            # Every user test must pass on Linux first: there, the expectation
            # itself is checked.
            ('user on host', [(host_program, os.path.basename(prog), [prog], opts.timeout, opts)
                              for prog in user_programs(opts)]),
            ('blk on linux', [(blk_on_linux, opts)]),
            ('ext2 on linux', [(ext2_on_linux, opts, prog) for prog in EXT2_PROGRAMS])]
        if not opts.no_selftest:
            selftest = os.path.join(TESTS_DIR, 'fake', 'selftest.sh')
            suites.append(('harness self-test on host',
                           [(host_program, 'selftest', [selftest], opts.timeout * 3, opts,
                             'harness/')]))
    # The same again with four CPUs running at once (TCG's multi-threaded
    # mode).  Four virtual CPUs need the machine's cores to themselves.
    alone = []
    if not opts.filter:
        alone = [('ktest on pagoda -smp 4', [(ktest_suite, opts, 4)]),
                 ('user on pagoda -smp 4', [(user_tmpfs_suite, opts, 4)]),
                 # [smp]'s stress: fork/exec/exit loops on four CPUs for 30 s, and
                 # the free-page count back where it started (init's no_page_leaks).
                 ('stress on pagoda -smp 4', [(boot_suite, opts, 'user', 'stress',
                                               opts.timeout * 5, 4, ['stress_seconds=30'],
                                               'stress-smp4')]),
                 ('blk on pagoda -smp 4', [(blk_suite, opts, 4)])]
    def chosen(title):
        return fnmatch.fnmatchcase(title, opts.suites) and not (
            opts.skip_suites and fnmatch.fnmatchcase(title, opts.skip_suites))
    suites = [(t, jobs) for t, jobs in suites if chosen(t)]
    alone = [(t, jobs) for t, jobs in alone if chosen(t)]
    pool = concurrent.futures.ThreadPoolExecutor(WORKERS)
    one_at_a_time = concurrent.futures.ThreadPoolExecutor(1)
    suites = [(t, [pool.submit(*job) for job in jobs]) for t, jobs in suites]
    earlier = [job for _, jobs in suites for job in jobs]
    suites += [(t, [one_at_a_time.submit(after, earlier, *job) for job in jobs])
               for t, jobs in alone]
    totals = Totals()
    try:
        for title, jobs in suites:
            print('# suite ' + title, flush=True)
            for job in jobs:
                totals.emit(job.result())
    except KeyboardInterrupt:
        with live_lock:                     # no new boots, and end the running ones
            stopping.set()
            for proc in live:
                with contextlib.suppress(ProcessLookupError):   # already ended
                    os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(opts.workdir, ignore_errors=True)
        print('\nharness: interrupted', file=sys.stderr)
        os._exit(130)                       # do not wait for the worker threads
    pool.shutdown()
    one_at_a_time.shutdown()
    shutil.rmtree(opts.workdir, ignore_errors=True)
    sys.exit(totals.finish())


if __name__ == '__main__':
    main()
