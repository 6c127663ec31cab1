#!/usr/bin/env python3
"""make demo-deadlock: watch the lock validator catch a real deadlock.

    python3 tests/demo_deadlock.py [--kernel build/kernel.elf] [--test NAME]

Boots Pagoda with write_path=naive (write() copies from user memory while
it holds the page lock, as Linux did before 2.6.24) and runs [mmap]'s first
deadlock test: a write() whose source is a fresh mapping of the very page
it writes.  The copy faults, the fault needs that page's lock, and the task
waits for itself.  The serial console is shown as it comes: first the lock
validator's report (the moment the order is taken, before anything waits),
then, 20 s later, the hung-task watchdog's report of the stuck task.  Then
QEMU is stopped.  docs/lockdep.md explains how to read both.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS_DIR)
FIRST_TEST = 'write_from_fresh_shared_mappings_of_the_file_itself'
WATCHDOG = re.compile(r'INFO: task \S+ blocked for more than')
VALIDATOR = re.compile(r'WARNING: possible .* detected')
LIMIT = 90      # seconds: the watchdog speaks after 20


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--kernel', default=os.path.join(ROOT, 'build', 'kernel.elf'))
    ap.add_argument('--test', default=FIRST_TEST, help='the mmap_deadlock test to run')
    opts = ap.parse_args()
    build = os.path.dirname(os.path.abspath(opts.kernel))
    with tempfile.TemporaryDirectory(prefix='pagoda-demo.') as tmp:
        iso = os.path.join(tmp, 'demo.iso')
        cmdline = ['write_path=naive', 'run=/bin/tests/mmap_deadlock', 'run_arg=' + opts.test]
        subprocess.run([os.path.join(TESTS_DIR, 'mkiso.sh'), '--module',
                        os.path.join(build, 'initramfs.cpio'), opts.kernel, iso] + cmdline,
                       check=True, stdout=subprocess.DEVNULL)
        print('demo: booting with %s\n' % ' '.join(cmdline), flush=True)
        qemu = subprocess.Popen([os.path.join(TESTS_DIR, 'qemu.sh'), '--test', iso],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        start, seen_validator, stop_at = time.monotonic(), False, None
        os.set_blocking(qemu.stdout.fileno(), False)
        pending = b''
        while time.monotonic() - start < LIMIT and (stop_at is None or time.monotonic() < stop_at):
            try:
                chunk = qemu.stdout.read()
            except BlockingIOError:
                chunk = None
            if chunk:
                pending += chunk
                *lines, pending = pending.split(b'\n')
                for raw in lines:
                    line = raw.decode('utf-8', 'replace').rstrip('\r')
                    print(line, flush=True)
                    seen_validator |= bool(VALIDATOR.search(line))
                    if WATCHDOG.search(line) and stop_at is None:
                        stop_at = time.monotonic() + 2
            elif qemu.poll() is not None:
                break
            else:
                time.sleep(0.05)
        os.killpg(qemu.pid, signal.SIGKILL)
        qemu.wait()
    print('\ndemo: stopped QEMU; the test task never finishes on this write path.')
    if not seen_validator:
        print('demo: no lock validator report was seen (is this kernel built with LOCKDEP=1?)')
        return 1
    print('demo: docs/lockdep.md walks through these reports line by line.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
