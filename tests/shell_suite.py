"""The shell suite of tests/harness.py: `shell on pagoda`.

Boots Pagoda on a copy of its ext2 root (build/rootfs.img) with no test
asked for, so /init starts a login shell (busybox ash) on the serial
console, and drives that console as a person at a terminal would: it types
a command a few bytes at a time, waits (with a time limit per step) for
what the terminal must show, and goes on.  One TAP result per scenario,
shell/NAME:

  pipelines and redirections    |, >, >>, 2>&1, a here-document, 40 short
                                pipelines in a row
  loops and functions           for, while, a function, $((...)) in ash and bash
  files                         ls -l, mkdir -p, cp -r, mv, rm -r, ln -s, find,
                                grep -r, sort | uniq -c, tar | tar, dd
  md5sum of a 32 MiB file       made in the guest, checked against the host's
  ps, free, df, mount, uptime,  real figures
  top, time
  ^C                            interrupts sleep within 1 s
  ^Z, jobs, fg                  in ash and in bash
  background job                its completion is reported (Done)
  kill -9 1 and others          init (no handler) takes none of them
  line editing                  backspace and up-arrow at busybox's prompt
  poweroff                      poweroff -f ends QEMU; from the host, e2fsck
                                -fn on the image and the session's files in it

and the usual "no lock validator or hung-task report" over the boot.  A
failed step is reported with the step, what was expected and the last lines
of the console; the suite then goes on (after ^C brings the prompt back) or,
if the shell no longer answers, reports the remaining scenarios as not run.

The whole console output is kept in the log folder (shell.log), with a line
`## harness +SECONDS: ...` for each thing typed and each failed wait.

By hand:  python3 tests/shell_suite.py [--kernel build/kernel.elf]

Standard library only: this must run with Debian 12's python3.
"""
import codecs
import contextlib
import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zlib

import disks
from boots import (MKISO, QEMU, ROOT, TAIL, Report, Run, check_kernel_reports, clean, describe,
                   live, live_lock, stopping)

LABEL = 'shell'
STEP_TIMEOUT = 10        # default for one expected output
MD5_TIMEOUT = 60         # making (measured: 7 s) or hashing (1 s) 32 MiB under TCG
POWEROFF_TIMEOUT = 20    # poweroff -f (it syncs first) until QEMU exits
CHUNK, PAUSE = 8, 0.01   # keystrokes: bytes per write and the pause between (16-byte FIFO)

SH_PROMPT = r'(?m)^pagoda:[^\n]*# \Z'          # PS1='pagoda:\w# ' (/etc/profile)
BASH_PROMPT = r'(?m)^bash-[0-9.]+# \Z'         # bash's default PS1, '\s-\v\$ '
ANY_PROMPT = r'(?m)^(pagoda:[^\n]*|bash-[0-9.]+)# \Z'

WORK = '/root/t'                       # the scenarios' scratch folder on the ext2 root
KEPT = '/root/t/seq.txt'               # written by `files`, checked in the image at the end
KEPT_COUNT = 5000
BIG = '/root/big'                      # the 32 MiB file, checked in the image at the end
GUEST_KIB = 256 * 1024                 # tests/qemu.sh's memory
PIPELINES = 40                         # short pipelines in a row (pipelines and redirections)
BIG_BLOCKS, BIG_SEQ = 64, 120000       # see big_bytes


def seq_bytes(n):
    """What `seq n` prints."""
    return ''.join('%d\n' % i for i in range(1, n + 1)).encode()


BIG_COMMAND = ('seq %d > s && for i in $(seq %d); do echo "block $i"; cat s; done | '
               'dd of=big bs=1M count=32 iflag=fullblock; rm s; ls -l big' % (BIG_SEQ, BIG_BLOCKS))


def big_bytes():
    """The 32 MiB file BIG_COMMAND makes: blocks of `seq BIG_SEQ` (712 KiB),
    each after a line naming it, cut at 32 MiB by dd.  Not `seq 4400000 |
    head -c`: an applet that ash runs without exec (seq, head) keeps the
    shell's line-buffered stdout and writes each line with a system call of
    its own (Linux too: 825,437 writes for head -c 5000000), so it would take
    minutes under TCG."""
    block = seq_bytes(BIG_SEQ)
    data = b''.join(b'block %d\n' % i + block for i in range(1, BIG_BLOCKS + 1))
    assert len(data) >= 32 << 20
    return data[:32 << 20]


class StepFailed(Exception):
    """A step of a scenario did not see what it expected."""


class ShellGone(Exception):
    """The console no longer answers (QEMU ended, or the shell is stuck)."""


class Console:
    """QEMU with its serial console on pipes: keystrokes in, output read by a
    thread with a time stamp per line (run.lines, raw), the whole of it in
    the log.  Matching works on the output since the last send, cleaned as a
    terminal would show it (boots.clean, line by line)."""

    def __init__(self, run, cmd, env=None):
        self.run = run
        self.start = time.monotonic()
        self.raw = ''                # everything QEMU printed, decoded
        self.mark = 0                # where in raw the last send was
        self.partial = ''            # the line being printed (no newline yet)
        self.transcript = []         # cleaned lines and harness notes, for failure reports
        self.cond = threading.Condition()
        self.eof = False
        self.powered_off = False
        self.image_kib = None        # the root image's size, which df must show
        with live_lock:
            if stopping.is_set():
                raise ShellGone('interrupted')
            self.log = open(run.log_path, 'w', errors='replace')
            self.log.write('## harness: %s\n' % ' '.join(cmd))
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         env=dict(os.environ, **env) if env else None)
            live.add(self.proc)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def now(self):
        return time.monotonic() - self.start

    def _read(self):
        decoder = codecs.getincrementaldecoder('utf-8')('replace')
        fd = self.proc.stdout.fileno()
        while True:
            data = os.read(fd, 4096)
            text = decoder.decode(data, final=not data)
            with self.cond:
                self.raw += text
                lines = (self.partial + text).split('\n')
                self.partial = lines.pop()
                for line in lines:
                    self._line(line.rstrip('\r'))
                if not data:
                    self.eof = True
                self.cond.notify_all()
            if not data:
                return

    def _line(self, line):
        """A complete line of output (cond held)."""
        self.run.lines.append((self.now(), line))
        self.transcript.append(clean(line))
        self.log.write(line + '\n')
        self.log.flush()

    def note(self, text):
        """A line of the harness's own in the log and the transcript."""
        with self.cond:
            line = '## harness +%.2f: %s' % (self.now(), text)
            self.transcript.append(line)
            self.log.write(line + '\n')
            self.log.flush()

    def alive(self):
        return self.proc.poll() is None

    def send(self, text, note=True):
        """Type text (a few bytes at a time); later expects look only at
        what comes after this."""
        if note:
            self.note('send %r' % text)
        with self.cond:
            self.mark = len(self.raw)
        data = text.encode()
        try:
            for i in range(0, len(data), CHUNK):
                self.proc.stdin.write(data[i:i + CHUNK])
                self.proc.stdin.flush()
                time.sleep(PAUSE)
        except (BrokenPipeError, OSError) as e:
            raise ShellGone('cannot type into QEMU: %s' % e)

    def screen(self):
        """The output since the last send, as a terminal would show it (cond held)."""
        text = self.raw[self.mark:]
        return '\n'.join(clean(line.rstrip('\r')) for line in text.split('\n'))

    def expect(self, regex, timeout=STEP_TIMEOUT, what=None):
        """Wait for regex in the output since the last send; returns the
        match, or raises StepFailed with the console's last lines."""
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = pattern.search(self.screen())
                if m:
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    break
                self.cond.wait(min(left, 0.5))
        why = 'QEMU ended (%s)' % self.proc.poll() if self.eof else 'not within %g s' % timeout
        self.note('expected /%s/: %s' % (regex, why))
        raise StepFailed('%sexpected /%s/: %s' % (what + ': ' if what else '', regex, why))

    def quiet(self, regex, seconds):
        """The output since the last send must not match regex for seconds."""
        time.sleep(seconds)
        with self.cond:
            m = re.search(regex, self.screen())
        if m:
            self.note('unexpected /%s/: %r' % (regex, m[0]))
            raise StepFailed('unexpected /%s/ within %g s: %r' % (regex, seconds, m[0]))

    def text(self):
        """screen(), taking the lock."""
        with self.cond:
            return self.screen()

    def tail(self):
        with self.cond:
            lines = self.transcript + ([clean(self.partial.rstrip('\r'))] if self.partial else [])
        return lines[-TAIL:]

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        """End QEMU if it still runs; finish the log and run."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.run.status = -signal.SIGKILL
        self.proc.wait()
        if self.run.status is None:
            self.run.status = self.proc.returncode
        self.reader.join(10)
        with self.cond:
            if self.partial:
                self._line(self.partial.rstrip('\r'))
                self.partial = ''
        with live_lock:
            live.discard(self.proc)
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        self.log.write('## harness: %s after %.2f s\n' % (describe(self.run), self.now()))
        self.log.close()


# ------------------------------------------------------------------ steps --

def cmd(c, line, regex=None, timeout=STEP_TIMEOUT, prompt=SH_PROMPT):
    """Type a command line and Enter; wait for regex (if any) in what
    follows, then for the prompt.  Returns regex's match."""
    c.send(line + '\n')
    m = c.expect(regex, timeout, 'after %r' % line) if regex else None
    c.expect(prompt, timeout, 'the prompt after %r' % line)
    return m


def lines(*texts):
    """A regex for these whole lines, one after the other."""
    return r'(?m)^' + r'\n'.join(texts) + r'$'


def pipelines(c):
    cmd(c, 'cd ' + WORK)
    with open(os.path.join(ROOT, 'user', 'rootfs', 'etc', 'passwd')) as f:
        users = len(f.read().splitlines())          # 3
    cmd(c, 'cat /etc/passwd | wc -l', lines(r'\s*%d' % users))
    cmd(c, 'echo one > f1; echo two >> f1; echo three >> f1')
    cmd(c, 'cat f1', lines('one', 'two', 'three'))
    cmd(c, 'echo four > f1; cat f1', lines('four', r'pagoda:.*'))
    cmd(c, 'ls /nonexistent > err.txt 2>&1; echo "st""atus $?"', lines('status 1'))
    cmd(c, 'cat err.txt', lines(r'ls: /nonexistent: No such file or directory'))
    # Without 2>&1 the error goes to the terminal and the file stays empty.
    cmd(c, 'ls /nonexistent > out.txt', lines(r'ls: /nonexistent: No such file or directory'))
    cmd(c, 'wc -c < out.txt', lines('0'))
    cmd(c, 'cat f1 f1 | tr a-z A-Z | sed s/OU/ou/ | sort -u', lines('FouR'))
    c.send('cat <<EOF\n')
    c.expect(r'(?m)^> \Z', what='the here-document prompt')
    c.send('hello $((6*7))\n')
    c.expect(r'(?m)^> \Z', what='the here-document prompt')
    c.send('world\nEOF\n')
    c.expect(lines('hello 42', 'world'), what='the here-document')
    c.expect(SH_PROMPT, what='the prompt after the here-document')
    # A person types many short pipelines; in each, ash puts the later
    # commands into the process group of the first, which may have exited
    # already (a zombie, still a member until ash collects it, as on Linux).
    c.send('for i in $(seq %d); do echo "p$i" | cat; done\n' % PIPELINES)
    c.expect(SH_PROMPT, 20, 'the prompt after %d pipelines' % PIPELINES)
    out = c.text()
    ran = len(re.findall(r'(?m)^p\d+$', out))
    other = [line for line in out.splitlines()[1:-1] if not re.fullmatch(r'p\d+', line)]
    if ran != PIPELINES or other:
        raise StepFailed('%d of %d pipelines `echo "p$i" | cat` printed their line%s'
                         % (ran, PIPELINES, '; the terminal said %r' % other[0] if other else ''))


LOOPS = [
    ('for i in 1 2 3; do echo "n$i"; done', lines('n1', 'n2', 'n3')),
    ('i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo "i=$i"', lines('i=5')),
    ('sq() { echo "sq($1)=$(($1*$1))"; }; sq 12; sq 7', lines(r'sq\(12\)=144', r'sq\(7\)=49')),
    ('n=0; for w in a b c d; do n=$((n+2)); done; echo "$((n*10+1))"', lines('81')),
]


def loops(c):
    for line, regex in LOOPS:
        cmd(c, line, regex)
    cmd(c, 'bash', prompt=BASH_PROMPT)
    for line, regex in LOOPS:
        cmd(c, line, regex, prompt=BASH_PROMPT)
    cmd(c, 'for ((k=0; k<3; k++)); do echo "k$k"; done', lines('k0', 'k1', 'k2'),
        prompt=BASH_PROMPT)
    cmd(c, 'f() { local x=$1; echo "${x^^}-${#x}"; }; f abc', lines('ABC-3'), prompt=BASH_PROMPT)
    cmd(c, 'echo "${BASH_VERSION%%.*}"', lines(r'[0-9]+'), prompt=BASH_PROMPT)
    cmd(c, 'exit')


def files(c):
    cmd(c, 'cd %s && rm -rf a t2 f lnk' % WORK)
    cmd(c, 'mkdir -p a/b/c && echo deep > a/b/c/file.txt && echo top > a/top.txt')
    cmd(c, 'ls -l a', lines(r'd[rwx-]{9} .* b', r'-[rwx-]{9} +1 root +root +4 .* top\.txt'))
    cmd(c, 'cp -r a a2 && cat a2/b/c/file.txt', lines('deep'))
    cmd(c, 'mv a2 a3 && ls -d a*', lines('a +a3'))
    cmd(c, 'cat a3/b/c/file.txt a3/top.txt', lines('deep', 'top'))
    cmd(c, 'rm -r a3 && ls -d a*', lines('a'))
    cmd(c, 'find . -name file.txt', lines(r'\./a/b/c/file\.txt', r'pagoda:.*'))
    cmd(c, 'grep -r dee .', lines(r'\./a/b/c/file\.txt:deep', r'pagoda:.*'))
    cmd(c, 'ln -s a/b/c/file.txt lnk && readlink lnk && cat lnk',
        lines(r'a/b/c/file\.txt', 'deep'))
    cmd(c, 'printf "pear\\nfig\\npear\\nkiwi\\nfig\\npear\\n" | sort | uniq -c',
        lines(r'\s*2 fig', r'\s*1 kiwi', r'\s*3 pear'))
    cmd(c, 'seq %d > %s && cp %s a/b/ && ls -l a/b' % (KEPT_COUNT, KEPT, KEPT),
        r'(?m)^-.* %d .* seq\.txt$' % len(seq_bytes(KEPT_COUNT)))
    cmd(c, 'mkdir t2 && tar cf - a | tar xf - -C t2 && diff -r a t2/a && echo "same"" tree"',
        lines('same tree'))
    kept = hashlib.md5(seq_bytes(KEPT_COUNT)).hexdigest()
    cmd(c, 'md5sum a/b/seq.txt t2/a/b/seq.txt',
        lines('%s  a/b/seq.txt' % kept, '%s  t2/a/b/seq.txt' % kept))
    # Debian's busybox prints no third line (bytes copied).
    cmd(c, 'dd if=/dev/zero of=f bs=1k count=100',
        lines(r'100\+0 records in', r'100\+0 records out'))
    cmd(c, 'wc -c < f; ls -l f', lines('102400', r'-.* 102400 .* f'))
    cmd(c, 'sync')


def md5_big(c):
    expected = hashlib.md5(big_bytes()).hexdigest()
    cmd(c, 'cd /root')
    t0 = time.monotonic()
    cmd(c, BIG_COMMAND, lines(r'32\+0 records in', r'32\+0 records out', r'-.* %d .* big'
                              % (32 << 20)), timeout=MD5_TIMEOUT)
    t1 = time.monotonic()
    m = cmd(c, 'md5sum big', r'(?m)^([0-9a-f]{32})  big$', timeout=MD5_TIMEOUT)
    t2 = time.monotonic()
    c.note('made in %.1f s, hashed in %.1f s' % (t1 - t0, t2 - t1))
    if m[1] != expected:
        raise StepFailed('md5sum in the guest %s, on the host %s' % (m[1], expected))
    cmd(c, 'sync')
    return 'made in %.1f s, hashed in %.1f s' % (t1 - t0, t2 - t1)


def figures(c):
    cmd(c, 'ps', lines(r'\s*1 +root +/init'))
    c.expect(r'(?m)^\s*\d+ +root +-sh$', what='ps lists the login shell')
    m = cmd(c, 'free', r'(?m)^Mem: +(\d+) +(\d+) +(\d+)')
    total, used, free = int(m[1]), int(m[2]), int(m[3])
    if not 0 < total <= GUEST_KIB or used <= 0 or used + free > total:
        raise StepFailed('free: Mem total %d, used %d, free %d KiB (a %d KiB guest)'
                         % (total, used, free, GUEST_KIB))
    m = cmd(c, 'df', r'(?m)^/dev/vda +(\d+) +(\d+) +(\d+) +\d+% +/$')
    size, used, avail = int(m[1]), int(m[2]), int(m[3])
    if size != c.image_kib or used <= 0 or used + avail > size:
        raise StepFailed('df: /dev/vda: %d KiB, %d used, %d available (the image: %d KiB)'
                         % (size, used, avail, c.image_kib))
    cmd(c, 'mount', r'(?m)^/dev/vda on / type ext2 ')
    cmd(c, 'uptime', r'(?m)^ *\d\d:\d\d:\d\d up .* load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d$')
    m = cmd(c, 'top -b -n 1', lines(r'CPU: +(\d+)% usr +(\d+)% sys +\d+% nic +(\d+)% idle .*',
                                    r'Load average: \d+\.\d\d \d+\.\d\d \d+\.\d\d \d+/\d+ \d+'))
    if not 98 <= sum(int(x) for x in m.groups()) <= 102:
        raise StepFailed('top: usr, sys and idle add up to %d%%' % sum(int(x) for x in m.groups()))
    # A shell loop is CPU time, most of it user time (busybox time reads wait4's rusage).
    m = cmd(c, "time sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'",
            lines(r'real\s+(\d+)m\s*(\d+\.\d+)s', r'user\s+(\d+)m\s*(\d+\.\d+)s',
                  r'sys\s+(\d+)m\s*(\d+\.\d+)s'))
    real, user, system = (60 * int(m[i]) + float(m[i + 1]) for i in (1, 3, 5))
    if not (user + system >= real / 2 and user > 2 * system and user + system <= real + 0.02):
        raise StepFailed('time: real %.2f s, user %.2f s, sys %.2f s' % (real, user, system))
    return 'time: real %.2f s, user %.2f s, sys %.2f s' % (real, user, system)


def interrupt(c):
    c.send('sleep 100\n')
    c.expect(r'sleep 100\n', what='the echo of the command')
    c.quiet(ANY_PROMPT, 1.0)      # sleep runs, no prompt
    c.note('send ^C')
    t0 = time.monotonic()
    c.send('\x03', note=False)
    c.expect(SH_PROMPT, 5, 'the prompt after ^C')
    took = time.monotonic() - t0
    cmd(c, 'echo "status $?"', lines('status 130'))
    if took > 1.0:
        raise StepFailed('the prompt came back %.2f s after ^C (more than 1 s)' % took)
    return 'the prompt came back %.2f s after ^C' % took


def suspend_in(c, prompt, stopped):
    """^Z, jobs, fg, ^C of sleep 100 in the shell whose prompt is prompt."""
    c.send('sleep 100\n')
    c.expect(r'sleep 100\n', what='the echo of the command')
    c.quiet(ANY_PROMPT, 1.0)
    c.send('\x1a')
    c.expect(stopped, what='^Z')     # ash: "^Z[1]+  Stopped", on the line of the echo
    c.expect(prompt, what='the prompt after ^Z')
    cmd(c, 'jobs', stopped, prompt=prompt)
    cmd(c, 'ps -o pid,stat,args', r'(?m)^\s*\d+ +T +sleep 100$', prompt=prompt)
    c.send('fg\n')
    c.expect(r'(?m)^sleep 100$', what='fg names the job')
    c.quiet(ANY_PROMPT, 1.5)      # running in the foreground again
    c.send('\x03')
    c.expect(prompt, 5, 'the prompt after ^C of the resumed job')
    cmd(c, 'echo "status $?"; jobs', r'(?m)^status 130\n(pagoda:|bash-)', prompt=prompt)


def suspend(c):
    suspend_in(c, SH_PROMPT, r'(?m)\[1\]\+ +Stopped +sleep 100$')
    cmd(c, 'bash', prompt=BASH_PROMPT)
    suspend_in(c, BASH_PROMPT, r'(?m)^\[1\]\+ +Stopped +sleep 100$')
    cmd(c, 'exit')


def background(c):
    # ash says nothing when it starts the job; bash says "[1] PID".
    cmd(c, 'sleep 1 &')
    time.sleep(2)
    cmd(c, 'echo "after"" sleep"', r'(?m)^\[\d+\][+-]? +Done +sleep 1$')
    cmd(c, 'bash', prompt=BASH_PROMPT)
    cmd(c, 'sleep 1 &', r'(?m)^\[1\] \d+$', prompt=BASH_PROMPT)
    time.sleep(2)
    cmd(c, 'echo "after"" sleep"', r'(?m)^\[1\]\+ +Done +sleep 1$', prompt=BASH_PROMPT)
    cmd(c, 'exit')


def init_survives(c):
    # As on Linux, init takes no signal it has no handler for (SIGTERM is
    # its "reboot" from busybox, so that one is not sent here).
    cmd(c, "kill -9 1; kill -STOP 1; kill -INT 1; kill -HUP 1; kill -QUIT 1; sleep 0.3; "
           "echo \"init $(cut -d' ' -f3 /proc/1/stat)\"", lines('init S'))


def line_editing(c):
    c.send('echo abcX')
    c.expect(r'echo abcX\Z', what='the echo of the typed text')
    c.send('\x7f')
    c.send('d\n')
    c.expect(lines('abcd'), what='backspace, then d')
    c.expect(SH_PROMPT)
    c.send('\x1b[A')
    c.expect(r'echo abcd\Z', what='up-arrow brings the last command back')
    c.send('\n')
    c.expect(lines('abcd'), what='the recalled command runs')
    c.expect(SH_PROMPT)


def image_files():
    """[(path, bytes)]: what the scenarios leave in the image."""
    return [(KEPT, seq_bytes(KEPT_COUNT)), (WORK + '/t2/a/b/seq.txt', seq_bytes(KEPT_COUNT)),
            (WORK + '/a/b/c/file.txt', b'deep\n'), (WORK + '/t2/a/top.txt', b'top\n'),
            (WORK + '/f', bytes(102400)), (BIG, big_bytes())]


IMAGE_GONE = [WORK + '/a3', WORK + '/a2']      # moved, then removed by `files`
POWEROFF = 'poweroff -f ends QEMU'
IMAGE_CHECK = ('the image is clean for e2fsck -fn, holds the files written in the session, '
               'not those removed (host check)')


SCENARIOS = [
    ('pipelines and redirections', pipelines),
    ('loops and functions in sh and bash', loops),
    ('files: ls, mkdir, cp, mv, rm, ln, find, grep, sort, tar, dd', files),
    ('md5sum of a 32 MiB file made in the guest equals the host\'s', md5_big),
    ('ps, free, df, mount, uptime, top, time print real figures', figures),
    ('^C interrupts sleep within 1 s', interrupt),
    ('^Z suspends sleep, jobs lists it, fg resumes it, in sh and bash', suspend),
    ('a background job\'s completion is reported, in sh and bash', background),
    ('line editing: backspace and up-arrow', line_editing),
    ('kill -9 1, -STOP, -INT, -HUP, -QUIT: init takes none of them', init_survives),
]


def recover(c):
    """After a failed step: ^C, back to ash's prompt (leaving bash), and a
    command that must answer.  Jobs the failed step left behind are killed,
    so that they do not confuse the next scenarios.  Raises ShellGone if the
    shell does not answer."""
    if not c.alive():
        raise ShellGone('QEMU ended (%s)' % c.proc.poll())
    try:
        c.send('\x03')
        m = c.expect(ANY_PROMPT, 5, 'a prompt after ^C')
        if m[1].startswith('bash'):
            cmd(c, 'kill -9 $(jobs -p) 2>/dev/null; exit', timeout=5)
        cmd(c, 'kill -9 $(jobs -p) 2>/dev/null; echo "al""ive"', lines('alive'), 5)
        cmd(c, '', None, 5)          # where ash reports the killed jobs
    except StepFailed as e:
        raise ShellGone('the shell no longer answers (%s)' % e)


def shell_suite(opts):
    """The scenarios on one boot (see the module's docstring)."""
    report = Report()
    name = LABEL
    run = Run(name, os.path.join(opts.logs, name + '.log'), opts.timeout)
    report.runs.append(run)
    iso = os.path.join(opts.workdir, name + '.iso')
    initramfs = os.path.join(os.path.dirname(opts.kernel), 'initramfs.cpio')
    rootfs = os.path.join(os.path.dirname(opts.kernel), 'rootfs.img')
    modules = ['--module', initramfs] if os.path.isfile(initramfs) else []
    made = subprocess.run([MKISO] + modules + [opts.kernel, iso, 'root=/dev/vda'],
                          capture_output=True, text=True)
    if made.returncode != 0:
        report.result(LABEL + '/boot', False, 'ISO build failed (tests/mkiso.sh)',
                      details=(made.stdout + made.stderr).splitlines())
        return report
    run.disk_dir = os.path.join(opts.workdir, name + '.disks')
    image = os.path.join(run.disk_dir, 'root.img')
    c = None
    try:
        args = disks.create(run.disk_dir, [disks.Disk('root.img', copy_of=rootfs)])
        c = Console(run, [QEMU, '--test', iso] + args)
        c.image_kib = os.path.getsize(rootfs) // 1024       # what df must say
        scenarios(c, report, opts.timeout)
    except ShellGone as e:         # could not even start
        report.result(LABEL + '/boot', False, str(e), details=c.tail() if c else [], run=run)
    finally:
        if c:
            c.close()
        with contextlib.suppress(OSError):
            os.unlink(iso)
    check_kernel_reports(report, report.runs, LABEL)
    if c and c.powered_off:
        check_image(report, run, image)
    else:
        report.result(LABEL + '/' + IMAGE_CHECK, False, 'not run: no poweroff')
    return report


def scenarios(c, report, boot_timeout):
    """Boot to the prompt, each scenario in turn, then poweroff -f."""
    t0 = time.monotonic()
    try:
        c.expect(SH_PROMPT, boot_timeout, 'the first prompt')
        cmd(c, 'mkdir -p %s && cd %s' % (WORK, WORK))
    except StepFailed as e:
        report.result(LABEL + '/boot to the first prompt', False, str(e), details=c.tail(),
                      run=c.run)
        for title, _ in SCENARIOS + [(POWEROFF, None)]:
            report.result(LABEL + '/' + title, False, 'not run: no shell')
        return
    report.comment('# shell: the first prompt %.1f s after QEMU started' % c.now())
    gone = None
    for title, fn in SCENARIOS:
        if gone:
            report.result(LABEL + '/' + title, False, 'not run: ' + gone)
            continue
        started = time.monotonic()
        c.note('scenario: ' + title)
        try:
            said = fn(c)
            report.result(LABEL + '/' + title, True,
                          '%.1f s%s' % (time.monotonic() - started, ', ' + said if said else ''))
        except StepFailed as e:
            c.note('FAILED: %s' % e)
            report.result(LABEL + '/' + title, False, str(e), details=c.tail(), run=c.run)
            try:
                recover(c)
            except ShellGone as g:
                gone = str(g)
                c.note('giving up: ' + gone)
        except ShellGone as e:
            gone = str(e)
            report.result(LABEL + '/' + title, False, gone, details=c.tail(), run=c.run)
    title = POWEROFF
    if gone:
        report.result(LABEL + '/' + title, False, 'not run: ' + gone)
        return
    c.note('scenario: poweroff')
    c.send('poweroff -f\n')
    status = c.wait_exit(POWEROFF_TIMEOUT)
    if status is None:
        c.note('QEMU still runs %d s after poweroff -f' % POWEROFF_TIMEOUT)
        report.result(LABEL + '/' + title, False, 'QEMU still runs %d s later' % POWEROFF_TIMEOUT,
                      details=c.tail(), run=c.run)
        return
    c.run.status = status
    c.powered_off = True
    report.result(LABEL + '/' + title, True, 'exit status %d; %.1f s in all'
                  % (status, time.monotonic() - t0))


def check_image(report, run, image):
    """After poweroff -f: the image is clean for e2fsck, holds the files
    the session wrote (read with debugfs), and not the folders it moved
    and removed."""
    problem = disks.ext2_problems(image, written=False)
    for path, data in image_files():
        problem = problem or disks.dumped_file_problem(image, path, len(data), zlib.crc32(data))
    for path in IMAGE_GONE:
        found = subprocess.run(['debugfs', '-R', 'stat ' + path, image], capture_output=True,
                               text=True)
        if 'Inode:' in found.stdout:
            problem = problem or '%s is still in the image after rm -r' % path
    report.result(LABEL + '/' + IMAGE_CHECK, problem is None, problem or '',
                  run=run if problem else None)


# ----------------------------------------------------------------- by hand --

def main():
    import argparse
    import shutil
    import tempfile
    from boots import Totals
    parser = argparse.ArgumentParser(description='the shell suite alone')
    parser.add_argument('--kernel', default=os.path.join(ROOT, 'build', 'kernel.elf'))
    parser.add_argument('--timeout', type=float, default=120,
                        help='seconds from QEMU\'s start to the first prompt (default 120)')
    parser.add_argument('--keep-logs', dest='logs', default=os.path.join(ROOT, 'build', 'test',
                                                                         'logs'))
    opts = parser.parse_args()
    opts.kernel = os.path.abspath(opts.kernel)
    os.makedirs(opts.logs, exist_ok=True)
    opts.workdir = tempfile.mkdtemp(prefix='pagoda-shell.')
    totals = Totals()
    try:
        print('# suite shell on pagoda', flush=True)
        t0 = time.monotonic()
        totals.emit(shell_suite(opts))
        print('# %.1f s' % (time.monotonic() - t0))
    finally:
        shutil.rmtree(opts.workdir, ignore_errors=True)
    sys.exit(totals.finish())


if __name__ == '__main__':
    main()
