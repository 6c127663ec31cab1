#!/usr/bin/env python3
"""make bench: the same static benchmark binaries on Pagoda and on Linux,
in the same QEMU, three ways, as one table.

    python3 tests/bench.py [--kernel build/kernel.elf] [--only MODE]

Modes:
  icount  -icount shift=0,sleep=on: guest time advances one nanosecond per
          executed instruction, so "ns" reads as instructions and the
          figures repeat exactly on a busy machine;
  tcg     plain TCG, wall clock (noisy: compare within one run only);
  kvm     hardware virtualisation, wall clock, when /dev/kvm works (else
          the table says it was skipped, and why).
Each benchmark program prints lines "name value unit".  Pagoda runs it
through /init's run=PATH; Linux through ../shared/peers/linux/run, which
boots Debian's kernel with the binary (TCG only: it has no KVM mode).
Programs that need a disk (DISK_MIB) get a fresh scratch image, attached
as /dev/vda on both sides.  Programs that run on ext2 (EXT2_ROOT) run on
Pagoda in its ext2 root (a copy of build/rootfs.img, root=/dev/vda,
user_dir=/) and on Linux in the root of a fresh ext2 image of the same
size, mounted on /mnt.  The table is printed and written into
docs/performance.md between the markers, keeping the hand-written
analysis around it.
"""
import argparse
import datetime
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
PEER = os.path.join(ROOT, '..', 'shared', 'peers', 'linux', 'run')
DOC = os.path.join(ROOT, 'docs', 'performance.md')
BEGIN, END = '<!-- bench:begin -->', '<!-- bench:end -->'
LINE = re.compile(r'^(\w+) ([0-9.]+) (\S+)\s*$')
TIMEOUT = 900
DISK_MIB = {'disk': 64}     # benchmarks that get a scratch disk as /dev/vda, and its size
# Benchmarks that want CPUs to cross: Pagoda boots them with this many, under the
# wall clock only (-icount runs the virtual CPUs in turn, so nothing would cross;
# the Linux peer has one CPU: its cross-CPU rows stay empty).
SMP_CPUS = {'smp': 2}
EXT2_ROOT = {'ext2'}        # benchmarks that run in an ext2 file system


def scratch_disk(folder, program, side, build):
    """A fresh image for program on this side ('pagoda' or 'linux'), or None."""
    image = os.path.join(folder, program + '.img')
    rootfs = os.path.join(build, 'rootfs.img')
    if program in EXT2_ROOT:
        if side == 'pagoda':
            shutil.copyfile(rootfs, image)
        else:       # an empty ext2 of the same size, as mkfs.ext2 makes it
            with open(image, 'wb') as f:
                f.truncate(os.path.getsize(rootfs))
            subprocess.run(['mkfs.ext2', '-q', '-F', image], check=True, capture_output=True)
        return image
    if program not in DISK_MIB:
        return None
    with open(image, 'wb') as f:
        f.truncate(DISK_MIB[program] << 20)
    return image


def parse(text):
    """{metric: (value, unit)} from a benchmark's output."""
    out = {}
    for line in text.replace('\r', '').splitlines():
        m = LINE.match(line.strip())
        if m:
            out[m[1]] = (float(m[2]), m[3])
    return out


def run_pagoda(kernel, program, mode):
    """Boot Pagoda with run=/bin/bench/PROGRAM; (metrics, error)."""
    build = os.path.dirname(kernel)
    with tempfile.TemporaryDirectory() as tmp:
        iso = os.path.join(tmp, 'bench.iso')
        cmdline = ['run=/bin/bench/' + program]
        if program in EXT2_ROOT:
            cmdline += ['root=/dev/vda', 'user_dir=/']
        subprocess.run([os.path.join(TESTS, 'mkiso.sh'), '--module',
                        os.path.join(build, 'initramfs.cpio'), kernel, iso] + cmdline,
                       check=True, capture_output=True)
        flags = {'icount': ['--icount'], 'tcg': [], 'kvm': ['--kvm']}[mode]
        if mode != 'icount' and program in SMP_CPUS:
            flags += ['--smp', str(SMP_CPUS[program])]
        image = scratch_disk(tmp, program, 'pagoda', build)
        drive = ['-drive', 'if=none,id=d0,format=raw,file=' + image,
                 '-device', 'virtio-blk-pci,drive=d0'] if image else []
        try:
            r = subprocess.run([os.path.join(TESTS, 'qemu.sh'), '--test'] + flags + [iso] + drive,
                               capture_output=True, text=True, errors='replace',
                               timeout=TIMEOUT if mode != 'kvm' else 60)
        except subprocess.TimeoutExpired:
            return {}, 'timed out'
    if '# run done' not in r.stdout:
        tail = (r.stdout + r.stderr).strip().splitlines()[-1:] or ['no output']
        return {}, 'did not finish: ' + tail[0]
    return parse(r.stdout), None


def run_linux(kernel, program, mode):
    """The same binary in the Linux peer; (metrics, error)."""
    if mode == 'kvm':
        return {}, 'the Linux peer runs under TCG only'
    if not os.access(PEER, os.X_OK):
        return {}, 'no Linux peer at %s' % PEER
    binary = os.path.join(os.path.dirname(kernel), 'bench', program)
    flags = ['--icount'] if mode == 'icount' else []
    with tempfile.TemporaryDirectory() as tmp:
        image = scratch_disk(tmp, program, 'linux', os.path.dirname(kernel))
        if image:
            flags += ['--disk', image]
        if program in EXT2_ROOT:
            flags += ['--cwd', '/mnt']
        try:
            r = subprocess.run([PEER] + flags + [binary], capture_output=True, text=True,
                               errors='replace', timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return {}, 'timed out'
    if r.returncode != 0:
        return {}, 'exit status %d' % r.returncode
    return parse(r.stdout), None


def kvm_problem():
    """None if KVM can run a guest here, else why not."""
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        return 'no usable /dev/kvm'
    return None    # a real boot decides; run_pagoda reports a failure


def versions():
    qemu = subprocess.run(['qemu-system-x86_64', '--version'], capture_output=True,
                          text=True).stdout.splitlines()[0]
    kernels = sorted(glob.glob('/boot/vmlinuz-*'))
    linux = os.path.basename(kernels[-1]).replace('vmlinuz-', 'Linux ') if kernels else '?'
    return qemu, linux


def number(value):
    """A figure for the table: whole numbers as they are, small fractions
    (faults per page) with three significant digits."""
    if value == int(value) or abs(value) >= 100:
        return '%.0f' % value
    return '%.3g' % value


def table(results, modes):
    """Markdown: one section per mode."""
    lines = []
    titles = {'icount': 'Instructions (-icount shift=0,sleep=on: 1 ns = 1 instruction)',
              'tcg': 'Wall clock, TCG', 'kvm': 'Wall clock, KVM'}
    for mode in modes:
        res = results[mode]
        lines.append('### ' + titles[mode])
        lines.append('')
        if res.get('skipped'):
            lines.append('Skipped: %s.' % res['skipped'])
            lines.append('')
            continue
        for who in ('pagoda', 'linux'):
            if res[who + '_error']:
                lines.append('%s: %s.' % ('Pagoda' if who == 'pagoda' else 'Linux',
                                          res[who + '_error']))
        lines.append('| metric | unit | Pagoda | Linux | Pagoda/Linux |')
        lines.append('|---|---|---:|---:|---:|')
        for name in res['order']:
            p, l = res['pagoda'].get(name), res['linux'].get(name)
            unit = (p or l)[1]
            ratio = '%.2f' % (p[0] / l[0]) if p and l and l[0] else '-'
            lines.append('| %s | %s | %s | %s | %s |' % (
                name, unit, number(p[0]) if p else '-', number(l[0]) if l else '-', ratio))
        lines.append('')
    return '\n'.join(lines)


def write_doc(body):
    """Put the generated part between the markers, keeping the rest."""
    if os.path.exists(DOC):
        text = open(DOC).read()
    else:
        text = '# Performance\n\n%s\n%s\n' % (BEGIN, END)
    if BEGIN not in text:
        text += '\n%s\n%s\n' % (BEGIN, END)
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1] if END in rest else ''
    open(DOC, 'w').write(head + BEGIN + '\n' + body + '\n' + END + tail)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--kernel', default=os.path.join(ROOT, 'build', 'kernel.elf'))
    ap.add_argument('--only', choices=['icount', 'tcg', 'kvm'])
    opts = ap.parse_args()
    programs = sorted(os.path.basename(p) for p in
                      glob.glob(os.path.join(os.path.dirname(opts.kernel), 'bench', '*')))
    modes = [opts.only] if opts.only else ['icount', 'tcg', 'kvm']
    results = {}
    for mode in modes:
        res = {'pagoda': {}, 'linux': {}, 'order': [], 'pagoda_error': None,
               'linux_error': None}
        results[mode] = res
        if mode == 'kvm' and kvm_problem():
            res['skipped'] = kvm_problem()
            continue
        for program in programs:
            print('# bench: %s on Pagoda (%s)' % (program, mode), file=sys.stderr, flush=True)
            got, err = run_pagoda(opts.kernel, program, mode)
            res['pagoda'].update(got)
            res['pagoda_error'] = res['pagoda_error'] or err
            if mode == 'kvm' and err:
                res['skipped'] = '/dev/kvm is there but QEMU could not run Pagoda with it (%s)' % err
                break
            print('# bench: %s on Linux (%s)' % (program, mode), file=sys.stderr, flush=True)
            got_l, err_l = run_linux(opts.kernel, program, mode)
            res['linux'].update(got_l)
            res['linux_error'] = res['linux_error'] or err_l
            for name in list(got) + list(got_l):
                if name not in res['order']:
                    res['order'].append(name)
    qemu, linux = versions()
    header = ('Measured %s on %s, with %s; Linux is Debian\'s %s with busybox, in the same '
              'QEMU set-up (../shared/peers/linux/run).  Pagoda is the kernel make bench builds '
              'without its lock validator (LOCKDEP=0, build/kernel-nolockdep.elf).\n' %
              (datetime.date.today().isoformat(), os.uname().nodename and 'this machine', qemu,
               linux))
    body = header + '\n' + table(results, modes)
    print(body)
    if not opts.only:
        write_doc(body)
        print('# written to %s' % os.path.relpath(DOC), file=sys.stderr)


if __name__ == '__main__':
    main()
