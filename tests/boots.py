"""Running Pagoda (and test programs) and reading what they print.

tests/harness.py and its suites build on this: one run of a program with a
time limit and a time stamp per line (run_console), one boot of an ISO with a
kernel command line and fresh disks (boot), the test protocol picked out of a
console log (parse_tap), reports printed in order (Report, Totals), and a
suite of tests run by one or more boots (boot_suite).

Standard library only: this must run with Debian 12's python3.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import disks

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS_DIR)
MKISO = os.path.join(TESTS_DIR, 'mkiso.sh')
QEMU = os.path.join(TESTS_DIR, 'qemu.sh')

UNTIL_GRACE = 3   # seconds a run goes on after the line it was waiting for
TAIL = 40         # lines of serial log shown with a failure

# What the kernel writes to isa-debug-exit, as QEMU's exit status (v<<1)|1.
EXIT_PASSED, EXIT_FAILED, EXIT_PANIC = 1, 3, 5

# ---------------------------------------------------------------- running --

@dataclass
class Run:
    """Everything one run of a program (usually QEMU) printed, and how it ended."""
    name: str
    log_path: str
    timeout: float
    lines: list = field(default_factory=list)  # (seconds since start, text)
    status: int = None       # exit status; negative = killed by that signal
    timed_out: bool = False
    error: str = None        # set if the run could not even start
    disk_dir: str = None     # where its disk images are (boots with disks)
    caught_at: float = None  # when a line matched `until` (the run was then ended)


# Running processes, so that an interrupted harness can kill them: they are
# in sessions of their own, which the terminal's Ctrl-C does not reach.
live, live_lock, stopping = set(), threading.Lock(), threading.Event()


def run_console(name, cmd, timeout, opts, cwd=None, until=None, grace=UNTIL_GRACE, env=None):
    """Run cmd, reading its output line by line as it comes so that each line
    gets a time stamp, and kill its whole process group after `timeout` s.
    Usable for QEMU (the serial console) as for a test binary on the host.
    until: a regex; once a line matches it, the run goes on until a line of
    `=` only (the end of a kernel report) or for `grace` more seconds,
    whichever comes first, and is then ended (SIGKILL), with run.caught_at
    set.  env: variables to add to the environment."""
    run = Run(name, os.path.join(opts.logs, name + '.log'), timeout)
    with open(run.log_path, 'w', errors='replace') as log:
        log.write('## harness: %s (timeout %gs)\n' % (' '.join(cmd), timeout))
        start = time.monotonic()
        # A session of its own: a timeout then kills QEMU and anything it
        # started in one go.
        with live_lock:
            if stopping.is_set():
                run.error = 'interrupted'
                return run
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd,
                                    env=dict(os.environ, **env) if env else None)
            live.add(proc)

        caught, report_ended = threading.Event(), threading.Event()

        def read():
            for raw in proc.stdout:
                text = raw.decode('utf-8', 'replace').rstrip('\r\n')
                run.lines.append((time.monotonic() - start, text))
                log.write(text + '\n')
                log.flush()          # so `tail -f` on the log follows the boot
                if until and run.caught_at is None and until.search(clean(text)):
                    run.caught_at = run.lines[-1][0]
                    caught.set()
                elif caught.is_set() and re.fullmatch(r'=+', clean(text).strip()):
                    report_ended.set()
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            if until:
                deadline = start + timeout
                while proc.poll() is None and not caught.is_set() and time.monotonic() < deadline:
                    caught.wait(0.2)
                if caught.is_set() and grace:
                    report_ended.wait(grace)
                    deadline = time.monotonic()
                run.status = proc.wait(max(deadline - time.monotonic(), 0))
            else:
                run.status = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            run.timed_out = run.caught_at is None
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            run.status = run.status if run.timed_out else -signal.SIGKILL
        reader.join(10)
        with live_lock:
            live.discard(proc)
        log.write('## harness: %s after %.2f s\n' % (describe(run), time.monotonic() - start))
    return run


def boot(name, cmdline, timeout, opts, smp=1, disk_specs=(), until=None, grace=UNTIL_GRACE,
         mem=None):
    """Build an ISO with this kernel command line and boot it once, with
    fresh disk images (tests/disks.py) attached if disk_specs names any
    (until, grace: see run_console), in mem of memory ('64M'; default:
    tests/qemu.sh's)."""
    iso = os.path.join(opts.workdir, name + '.iso')
    modules = []
    initramfs = os.path.join(os.path.dirname(opts.kernel), 'initramfs.cpio')
    if os.path.isfile(initramfs):
        modules = ['--module', initramfs]
    made = subprocess.run([MKISO] + modules + [opts.kernel, iso] + cmdline,
                          capture_output=True, text=True)
    if made.returncode != 0:
        run = Run(name, None, timeout, error='ISO build failed (tests/mkiso.sh)')
        run.lines = [(0, line) for line in (made.stdout + made.stderr).splitlines()]
        return run
    disk_dir = os.path.join(opts.workdir, name + '.disks')
    try:
        run = run_console(name, [QEMU, '--test', '--smp', str(smp), iso] +
                          disks.create(disk_dir, disk_specs), timeout, opts, until=until,
                          grace=grace, env={'PAGODA_MEM': mem} if mem else None)
        run.disk_dir = disk_dir
        return run
    finally:
        os.unlink(iso)


def describe(run):
    """How a run ended, in words."""
    if run.error:
        return run.error
    if run.caught_at is not None:
        return 'ended by the harness after the report it waited for'
    if run.timed_out:
        return 'hang (timeout %gs)' % run.timeout
    if run.status == EXIT_PANIC:
        return 'panic'
    if run.status < 0:
        return 'killed by signal %d' % -run.status
    meaning = {0: 'triple fault or reset', EXIT_PASSED: 'all passed',
               EXIT_FAILED: 'some failed'}.get(run.status, 'not from the kernel')
    return 'exit status %d (%s)' % (run.status, meaning)


# ---------------------------------------------------------------- parsing --

ESCAPES = re.compile(r'\x1b(\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>])')
CONTROLS = re.compile(r'[\x00-\x08\x0b-\x1f\x7f]')
SUITE = re.compile(r'^# suite (.+)$')
START = re.compile(r'^# start (\S+)')
RESULT = re.compile(r'^(not ok|ok)\b\s*\d*\s*(?:- )?([^#]*?)\s*(?:#\s*(.*))?$')
DONE = re.compile(r'^# \S+ done: (\d+) passed, (\d+) failed')


def clean(text):
    """A console line as a terminal would show it: without escape sequences
    (GRUB's screen clearing), without what a carriage return overwrote, and
    without other control characters."""
    return CONTROLS.sub('', ESCAPES.sub('', text).split('\r')[-1])


@dataclass
class Result:
    ok: bool
    name: str
    reason: str
    output: list             # lines between `# start NAME` and the result


@dataclass
class Tap:
    suites: list = field(default_factory=list)    # names from `# suite`
    results: list = field(default_factory=list)   # Result
    done: tuple = None       # (passed, failed) from `# ... done:`
    running: str = None      # a test that started and never reported
    first_test_at: float = None   # time of the first `# start` or result


def parse_tap(lines):
    """Pick the test protocol out of a console log; anything else (kernel log
    lines, firmware noise) is only kept as the output of the running test."""
    tap, since = Tap(), None
    for i, (when, raw) in enumerate(lines):
        line = clean(raw)
        start, result = START.match(line), RESULT.match(line)
        if (start or result) and tap.first_test_at is None:
            tap.first_test_at = when
        if start:
            tap.running, since = start[1], i + 1
        elif result:
            output = [clean(t) for _, t in lines[since:i]] if since is not None else []
            tap.results.append(Result(result[1] == 'ok', result[2], result[3] or '', output))
            tap.running, since = None, None
        elif m := SUITE.match(line):
            tap.suites.append(m[1])
        elif m := DONE.match(line):
            tap.done = (int(m[1]), int(m[2]))
    return tap


# -------------------------------------------------------------- reporting --

class Report:
    """What one job found, held back until it is its turn to be printed, so
    that output stays in the same order however the parallel jobs finish."""
    def __init__(self):
        self.items = []
        self.runs = []      # boots behind the report, for checks made after them

    def comment(self, text):
        self.items.append(('#', text))

    def result(self, name, ok, reason='', details=None, run=None):
        """details: lines to show under the result, by default the tail of
        run's log; the log's path is shown too."""
        if details is None:
            details = [clean(line) for _, line in run.lines] if run else []
        self.items.append(('tap', name, ok, reason, details, run and run.log_path))


def short_path(path):
    """path relative to the current folder if it is inside it."""
    rel = os.path.relpath(path)
    return path if rel.startswith('..') else rel


class Totals:
    """Prints reports, numbering TAP results globally across suites."""
    def __init__(self):
        self.count, self.failed = 0, []

    def emit(self, report):
        for item in report.items:
            if item[0] == '#':
                print(item[1], flush=True)
                continue
            _, name, ok, reason, details, log_path = item
            self.count += 1
            print('%s %d - %s%s' % ('ok' if ok else 'not ok', self.count, name,
                                    ' # ' + reason if reason else ''))
            if not ok:
                self.failed.append(name)
            for line in details[-TAIL:]:
                print('#   ' + line)
            if log_path:
                print('# log: ' + short_path(log_path))
            sys.stdout.flush()

    def finish(self):
        print('1..%d' % self.count)
        if self.failed:
            print('# failed: ' + ', '.join(self.failed))
        print('%d passed, %d failed' % (self.count - len(self.failed), len(self.failed)))
        return 0 if not self.failed else 1


# ---------------------------------------------------------- kernel reports --

# What the lock validator and the hung-task watchdog print (kernel/lockdep_report.c,
# kernel/hung_task.c).  Those a self-test provokes say "(expected by a self-test)".
KERNEL_REPORT = re.compile(r'WARNING: (possible (circular locking dependency|recursive locking) '
                           r'detected|lock held when returning to user space)|'
                           r'INFO: task \S+ blocked for more than \d+ seconds|'
                           r'lockdep: .*: the lock validator is off')
EXPECTED_REPORT = '(expected by a self-test)'


def check_kernel_reports(report, runs, label):
    """One result for a suite's boots: no lock validator or hung-task report
    that no self-test asked for.  A correct kernel prints none."""
    for run in runs:
        text = [clean(line) for _, line in run.lines]
        for i, line in enumerate(text):
            if KERNEL_REPORT.search(line) and EXPECTED_REPORT not in line:
                report.result(label + '/no lock validator or hung-task report', False,
                              line.strip(), details=text[max(i - 2, 0):i + 60], run=run)
                return
    report.result(label + '/no lock validator or hung-task report', True)


# ------------------------------------------------------------------ suites --

def boot_suite(opts, key='ktest', pattern=None, timeout=None, smp=1, extra=(), label=None,
               disk_specs=(), mem=None):
    """Tests run by one boot, chosen with KEY=GLOB on the command line
    (ktest=* for the kernel's self-tests).  A test that hangs or panics is
    reported, then the kernel boots again with KEY_skip= naming every such
    test so far, to run the rest.  The report keeps the runs (report.runs).
    Last, the boots' logs must hold no unasked-for lock validator report."""
    label = label or (key if smp == 1 else '%s-smp%d' % (key, smp))
    report = boot_suite_runs(opts, key, pattern, timeout, smp, extra, label, disk_specs, mem)
    check_kernel_reports(report, report.runs, label)
    return report


def boot_suite_runs(opts, key, pattern, timeout, smp, extra, label, disk_specs, mem):
    """boot_suite's boots (see there)."""
    report, seen, skip = Report(), set(), []
    while True:
        cmdline = [key + '=' + (pattern or opts.filter or '*')] + list(extra)
        if skip:
            cmdline.append(key + '_skip=' + ','.join(skip))
        name = label if not skip else '%s-skip%d' % (label, len(skip))
        run = boot(name, cmdline, timeout or opts.timeout, opts, smp, disk_specs, mem=mem)
        report.runs.append(run)
        tap = parse_tap(run.lines)
        if key == 'ktest' and not skip and tap.first_test_at is not None:
            boot_time = '# boot time: %.2f s from QEMU start to the first test line'
            report.comment(boot_time % tap.first_test_at)
        # A test that ran in an earlier boot of this chain keeps its first result.
        for r in tap.results:
            if r.name not in seen:
                seen.add(r.name)
                report.result(label + '/' + r.name, r.ok, r.reason,
                              details=[] if r.ok else r.output, run=None if r.ok else run)
        if run.status in (EXIT_PASSED, EXIT_FAILED) and tap.done:
            check_consistency(report, run, tap, key, label)
            return report
        # Otherwise the run ended badly.  Unless it was inside a test that
        # can be skipped, booting again would only end the same way.
        if not tap.suites:
            report.result(label + '/boot', False, describe(run) + ' before the suite started',
                          run=run)
            return report
        if tap.running is None:
            report.result(label + '/end of run', False, describe(run) + ' outside any test',
                          run=run)
            return report
        if tap.running in skip:
            report.result(label + '/end of run', False, '%s in %s, which %s_skip= should '
                          'have skipped' % (describe(run), tap.running, key), run=run)
            return report
        report.result(label + '/' + tap.running, False, describe(run), run=run)
        seen.add(tap.running)
        skip.append(tap.running)


def check_recorded_files(report, label, run, image, expected=None):
    """One result: every file the programs recorded (`# file-checksum`) reads
    back from the image with debugfs with the size and CRC they recorded
    (and there are `expected` of them, if given; else at least one)."""
    records = disks.recorded_files(clean(line) for _, line in run.lines)
    problems = [p for p in (disks.dumped_file_problem(image, *r) for r in records) if p]
    if not problems and (not records or (expected is not None and len(records) != expected)):
        problems = ['%d recorded' % len(records)]
    report.result('%s/the %d files the programs recorded read back from the image with debugfs '
                  '(host check)' % (label, len(records)), not problems, '; '.join(problems[:3]),
                  run=run if problems else None)


def check_consistency(report, run, tap, key, label):
    """The kernel's own count and exit status must agree with the result
    lines we read; if not, lines were lost or the kernel miscounts."""
    ok = sum(r.ok for r in tap.results)
    bad = len(tap.results) - ok
    # /init powers off the same way whatever the verdict: only the kernel's
    # self-tests report it in the exit status.
    status_agrees = key != 'ktest' or (run.status == EXIT_FAILED) == (bad > 0)
    if tap.done != (ok, bad) or not status_agrees:
        report.result(label + '/protocol', False,
                      'kernel says %d passed, %d failed with %s; harness read %d ok, %d not ok'
                      % (tap.done + (describe(run), ok, bad)), run=run)


def host_program(name, cmd, timeout, opts, prefix=''):
    """A program run on the host that prints TAP (a user test binary, the
    harness's own self-test), in a fresh scratch folder of its own; exit
    status 0 means all passed.  Its results are reported under prefix."""
    report = Report()
    scratch = tempfile.mkdtemp(prefix='host.', dir=opts.workdir)
    try:
        run = run_console(name, cmd, timeout, opts, cwd=scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    tap = parse_tap(run.lines)
    for r in tap.results:
        report.result(prefix + r.name, r.ok, r.reason,
                      details=[] if r.ok else r.output, run=None if r.ok else run)
    if run.error or run.timed_out or not tap.results or \
            (run.status != 0 and all(r.ok for r in tap.results)):
        report.result(prefix + name, False, describe_host(run, tap), run=run)
    return report


def describe_host(run, tap):
    """Why a host program's run counts as failed although no test said so."""
    if run.error or run.timed_out:
        return describe(run)
    if not tap.results:
        return 'printed no test results (exit status %d)' % run.status
    return 'exit status %d although every test passed' % run.status
