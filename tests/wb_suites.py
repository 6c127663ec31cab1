"""The writeback suites of tests/harness.py: data reaching the disk with and
without fsync, write errors reaching fsync, and file data larger than
memory.  Each boots Pagoda with disks made for it and then checks the images
from the host (e2fsck -fn, debugfs).

  durable (killed) on pagoda  init writes a file and fsyncs it; the harness
                              kills QEMU the moment init says so: the data
                              must be in the image
  expire on pagoda            init writes a file without fsync and waits for
                              dirty_expire + dirty_writeback (35 s): the
                              flusher alone must have put it on the disk
  wb errors on pagoda         user/tests/wb_errors.c on a disk whose files'
                              first writes fail (blkdebug): fsync and msync
                              report EIO once to each open file
  low memory on pagoda        user/tests/bigfile.c in a 64 MiB guest: 256 MiB
                              written and read back, 128 MiB through a
                              shared mapping, checksums checked from the image;
                              a writer stays under the dirty limit
"""
import os
import re

import disks
from boots import Report, boot, boot_suite, check_recorded_files, clean, describe

EXPIRE_PATH = '/expire.bin'
LOW_MEMORY = '64M'
BIG_DISK_MIB = 512


def root_copy(opts, grow_mib=None):
    """A copy of build/rootfs.img as the first disk (vda)."""
    rootfs = os.path.join(os.path.dirname(opts.kernel), 'rootfs.img')
    return disks.Disk('root.img', copy_of=rootfs, grow_mib=grow_mib)


def said(run, text):
    """Did the console show a line containing text?"""
    return any(text in clean(line) for _, line in run.lines)


def pattern_file_suite(opts, label, cmdline, marker, path, timeout):
    """Boot on a copy of the root disk with an init mode that writes init's
    pattern to path and then prints marker; QEMU is killed the moment it
    does (SIGKILL, no shutdown, no sync).  The file must be in the image."""
    report = Report()
    run = boot(label, ['root=/dev/vda'] + cmdline, timeout, opts, disk_specs=[root_copy(opts)],
               until=re.compile(re.escape(marker)), grace=0)
    seen = run.caught_at is not None
    report.result(label + '/init said "%s"; QEMU was killed then' % marker, seen,
                  '' if seen else describe(run), run=None if seen else run)
    image = os.path.join(run.disk_dir, 'root.img')
    problem = disks.durable_problem(image, path) or disks.ext2_problems(image, written=False)
    report.result(label + '/the file %s is in the image, and the image clean (host check)' % path,
                  problem is None, problem or '', run=run if problem else None)
    return report


def durable_kill_suite(opts):
    """fsync's promise holds even if the machine dies right after."""
    return pattern_file_suite(opts, 'durable-kill',
                              ['durable=' + disks.DURABLE_PATH, 'durable_then=wait'],
                              '# durable: %s written and fsynced' % disks.DURABLE_PATH,
                              disks.DURABLE_PATH, opts.timeout)


def expire_suite(opts):
    """Without fsync, the flusher writes dirty data (and the metadata that
    finds it) within dirty_expire_centisecs + dirty_writeback_centisecs."""
    return pattern_file_suite(opts, 'expire', ['expire=' + EXPIRE_PATH], '# expire: waited',
                              EXPIRE_PATH, opts.timeout + 60)


def wb_errors_suite(opts):
    """user/tests/wb_errors.c with the error disk mounted on /eio; then the
    kernel must have logged each injected error, and the image be clean."""
    label = 'wb-errors'
    report = boot_suite(opts, 'user', 'wb_errors', opts.timeout * 2, 1,
                        ['test_eio_disk=/dev/vda'], label,
                        [disks.Disk('eio.img', eio_files=disks.EIO_FILES)])
    run = report.runs[-1]
    image = os.path.join(run.disk_dir, 'eio.img')
    logged = [s for s in disks.eio_sectors(image, disks.EIO_FILES)
              if not said(run, 'vda: write error at sector %d' % s)]
    report.result(label + '/each injected write error was logged (kernel log)', not logged,
                  'no error logged at sectors %s' % logged if logged else '',
                  run=run if logged else None)
    problem = disks.ext2_problems(image, written=False)
    report.result(label + '/eio.img is clean for e2fsck -fn (host check)', problem is None,
                  problem or '', run=run if problem else None)
    return report


OOM_MESSAGE = re.compile(r'Out of memory: Killed process \d+ \(oom\) anon-rss:\d+kB, '
                         r'file-rss:\d+kB, UID:0')


def check_oom_message(report, label, run):
    """After user/tests/oom.c ran: the console named each victim it killed."""
    if not said(run, '# start oom/runaway_allocation_is_killed_and_the_system_goes_on'):
        return      # not run in this boot (a filter, or a skip after a hang)
    kills = [clean(line) for _, line in run.lines if OOM_MESSAGE.search(clean(line))]
    report.result(label + '/the OOM killer named its victims on the console (kernel log)',
                  len(kills) >= 2, '' if len(kills) >= 2 else '%d lines like "Out of memory: '
                  'Killed process N (oom) ..."' % len(kills), run=run if len(kills) < 2 else None)


def low_memory_suite(opts):
    """user/tests/bigfile.c at full size in a small guest: writeback and
    reclaim must keep up, with no process killed for lack of memory; the
    files read back from the image with the checksums the test recorded."""
    label = 'lowmem'
    report = boot_suite(opts, 'user', 'bigfile', opts.timeout * 8, 1,
                        ['root=/dev/vda', 'user_dir=/scratch', 'test_bigfile_mib=256',
                         'test_bigmap_mib=128', 'test_dirty_counts=1'], label,
                        [root_copy(opts, BIG_DISK_MIB)], mem=LOW_MEMORY)
    run = report.runs[-1]
    killed = [clean(line) for _, line in run.lines if 'Out of memory' in clean(line)]
    report.result(label + '/no process was killed for lack of memory (kernel log)', not killed,
                  killed[0] if killed else '', run=run if killed else None)
    root = os.path.join(run.disk_dir, 'root.img')
    problem = disks.ext2_problems(root, written=False)
    report.result(label + '/root.img is clean for e2fsck -fn (host check)', problem is None,
                  problem or '', run=run if problem else None)
    check_recorded_files(report, label, run, root, expected=2)
    return report
