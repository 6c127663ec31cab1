"""Disks for the test boots (tests/harness.py imports this).

Each boot that needs disks gets fresh images in a folder of its own; this
module makes them, gives QEMU's arguments for attaching them as virtio-blk
devices (in order: the first is /dev/vda), and checks from the host what
the kernel wrote on them.

Injected errors use QEMU's blkdebug driver: a rules file makes the first
read or write covering one sector fail with EIO, once.
"""
import os
import re
import shutil
import struct
import zlib
import subprocess
from dataclasses import dataclass

MiB = 1 << 20
BAD_SECTOR = 2048            # user/tests/blockdev.c's BAD_SECTOR
PATTERN_BYTES = 4 * MiB      # blockdev.c writes its pattern here, from offset 0


@dataclass
class Disk:
    """One virtio disk of a boot."""
    name: str                # file name of the image in the boot's folder
    mib: int = 32
    fill: int = None         # every byte of the image, or None for zeros
    readonly: bool = False
    error_event: str = None  # 'write_aio' or 'read_aio': fail once at BAD_SECTOR
    msix: bool = True        # False: vectors=0, so the driver must use INTx
    ext2_block: int = None   # make an ext2 image of ext2_staging() with this block size
    ext2_empty: bool = False  # ... or an empty one (mkfs.ext2's default block size)
    copy_of: str = None      # a copy of this image (the root disk build/rootfs.img)
    grow_mib: int = None     # ... grown to this size (resize2fs), for big files
    eio_files: tuple = ()    # an ext2 image holding these files, whose first writes fail


def pattern_word(off):
    """The 8-byte word blockdev.c's pattern has at disk offset off."""
    return ((off // 8) * 0x9e3779b97f4a7c15 + 0x5041474f4441) & 0xffffffffffffffff


def write_pattern(path):
    """Write the pattern as Pagoda would (for the fake QEMU and peer)."""
    words = [pattern_word(off) for off in range(0, PATTERN_BYTES, 8)]
    with open(path, 'r+b') as f:
        f.write(struct.pack('<%dQ' % len(words), *words))


def pattern_mismatch(path):
    """None if the image starts with the pattern, else where and how it differs."""
    try:
        with open(path, 'rb') as f:
            data = f.read(PATTERN_BYTES)
    except OSError as e:
        return 'cannot read %s: %s' % (path, e)
    if len(data) < PATTERN_BYTES:
        return 'the image is only %d bytes' % len(data)
    words = struct.unpack('<%dQ' % (PATTERN_BYTES // 8), data)
    for i, w in enumerate(words):
        if w != pattern_word(i * 8):
            return 'first difference at byte %d: %#018x, expected %#018x' % (
                i * 8, w, pattern_word(i * 8))
    return None


# ---- ext2 images, made by mkfs.ext2 -d from a staging folder ----

BIG_SIZE = 3 * MiB           # fs/ext2/ext2_test.c's BIG_SIZE
SPARSE_TAIL = 5 << 30        # ... SPARSE_TAIL
DIR_FILES = 300              # ... DIR_FILES
RA_SIZE = 1 * MiB            # ... RA_SIZE: read only by the read-ahead test


def big_byte(i):
    """The byte big.bin holds at offset i (ext2_test.c's big_byte)."""
    return (i * 7 + (i >> 12)) & 0xff


def ext2_staging(folder):
    """What fs/ext2/ext2_test.c expects to find on its ext2 disks."""
    def put(name, data):
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(data)
    put('hello.txt', b'hello, ext2\n')
    put('a/b/c/deep.txt', b'deep\n')
    put('big.bin', bytes(big_byte(i) for i in range(BIG_SIZE)))
    put('ra.bin', bytes(big_byte(i) for i in range(RA_SIZE)))
    with open(os.path.join(folder, 'sparse.bin'), 'wb') as f:
        f.write(b'head')
        f.seek(SPARSE_TAIL)
        f.write(b'tail')
    for i in range(DIR_FILES):
        put('dir/f%03d' % i, b'f%03d' % i)
    os.symlink('hello.txt', os.path.join(folder, 'link_fast'))
    os.symlink('a/b/c/' + './' * 40 + 'deep.txt', os.path.join(folder, 'link_slow'))
    os.link(os.path.join(folder, 'hello.txt'), os.path.join(folder, 'hard.txt'))


WRITTEN_SIZE = 300 * 1024 + 17   # fs/ext2/ext2_write_test.c's WRITTEN_SIZE


def written_byte(i):
    """The byte /written.bin holds at offset i (ext2_write_test.c's written_byte)."""
    return (i * 13 + (i >> 10)) & 0xff


def ext2_problems(image, written=True):
    """None if e2fsck -fn finds the image clean (and, if `written`, debugfs
    reads /written.bin back as ext2_write_test.c wrote it), else what is wrong."""
    fsck = subprocess.run(['e2fsck', '-fn', image], capture_output=True, text=True)
    if fsck.returncode != 0:
        lines = [l for l in fsck.stdout.splitlines() if not l.startswith('Pass ')]
        return 'e2fsck -fn exit status %d: %s' % (fsck.returncode, ' | '.join(lines[:6]))
    if not written:
        return None
    out = image + '.written.bin'
    subprocess.run(['debugfs', '-R', 'dump /written.bin %s' % out, image], capture_output=True)
    try:
        with open(out, 'rb') as f:
            data = f.read()
    except OSError:
        return 'debugfs found no /written.bin'
    if len(data) != WRITTEN_SIZE:
        return '/written.bin is %d bytes, expected %d' % (len(data), WRITTEN_SIZE)
    for i, b in enumerate(data):
        if b != written_byte(i):
            return '/written.bin differs first at byte %d' % i
    return None


def make_ext2(image, mib, block_size, staging):
    """An ext2 image (e2fsprogs' defaults; block_size None: mkfs's own choice)
    of staging's contents (mkfs.ext2 -d), or empty if staging is None."""
    with open(image, 'wb') as f:
        f.truncate(mib * MiB)
    cmd = ['mkfs.ext2', '-q', '-F'] + (['-b', str(block_size)] if block_size else [])
    cmd += ['-d', staging] if staging else []
    subprocess.run(cmd + [image], check=True, capture_output=True)
    if staging:
        # mkfs -d indexes no directory; e2fsck -D gives those of more than
        # one block an htree (dir/ with 1 KiB blocks), which Pagoda must keep valid.
        fsck = subprocess.run(['e2fsck', '-fyD', image], capture_output=True, text=True)
        if fsck.returncode not in (0, 1):      # 1: "file system modified", as asked
            raise RuntimeError('e2fsck -fyD %s: exit status %d' % (image, fsck.returncode))


def error_rule(event, sector, iotype=None):
    """A blkdebug rule: the first I/O covering sector fails with EIO, once.
    The event only arms it (write_aio: at the first write, which mounting
    makes); iotype='write' keeps a read of the sector (read-ahead) from
    using it up."""
    return ('[inject-error]\nevent = "%s"\nerrno = "5"\n' % event +
            ('iotype = "%s"\n' % iotype if iotype else '') +
            'sector = "%d"\nonce = "on"\n' % sector)


def grow_ext2(image, mib):
    """Make the ext2 image mib MiB large, its file system too."""
    with open(image, 'r+b') as f:
        f.truncate(mib * MiB)
    subprocess.run(['e2fsck', '-fy', image], capture_output=True)   # resize2fs insists
    subprocess.run(['resize2fs', image, '%dM' % mib], check=True, capture_output=True)


EIO_FILES = ('eio1', 'eio2', 'eio3', 'eio4')    # user/tests/wb_errors.c's files
EIO_FILE_SIZE = 64 * 1024


def make_eio_image(image, names):
    """16 MiB of ext2 (1 KiB blocks) holding names, EIO_FILE_SIZE bytes each."""
    staging = image + '.staging'
    os.makedirs(staging, exist_ok=True)
    for n, name in enumerate(names):
        with open(os.path.join(staging, name), 'wb') as f:
            f.write(bytes((i * 7 + n) % 255 + 1 for i in range(EIO_FILE_SIZE)))
    with open(image, 'wb') as f:
        f.truncate(16 * MiB)
    subprocess.run(['mkfs.ext2', '-q', '-F', '-b', '1024', '-d', staging, image], check=True,
                   capture_output=True)


def eio_sectors(image, names):
    """The first 512-byte sector of each file's first data block."""
    sectors = []
    for name in names:
        out = subprocess.run(['debugfs', '-R', 'bmap /%s 0' % name, image], capture_output=True,
                             text=True, check=True).stdout
        sectors.append(int(out.split()[0]) * 2)      # 1 KiB blocks
    return sectors


def create(folder, disks):
    """Make the images afresh in folder; returns QEMU's arguments for them."""
    os.makedirs(folder, exist_ok=True)
    args = []
    staging = os.path.join(folder, 'ext2-staging')
    if any(d.ext2_block for d in disks) and not os.path.isdir(staging):
        os.makedirs(staging)
        ext2_staging(staging)
    for i, d in enumerate(disks):
        image = os.path.join(folder, d.name)
        if d.copy_of:
            shutil.copyfile(d.copy_of, image)
            if d.grow_mib:
                grow_ext2(image, d.grow_mib)
        elif d.eio_files:
            make_eio_image(image, d.eio_files)
        elif d.ext2_block or d.ext2_empty:
            make_ext2(image, d.mib, d.ext2_block, None if d.ext2_empty else staging)
        else:
            with open(image, 'wb') as f:
                if d.fill is None:
                    f.truncate(d.mib * MiB)        # sparse: costs no disk space
                else:
                    f.write(bytes([d.fill]) * (d.mib * MiB))
        drive = 'if=none,id=d%d,format=raw' % i
        rules = image + '.rules'
        if d.error_event:
            with open(rules, 'w') as f:
                f.write(error_rule(d.error_event, BAD_SECTOR))
        elif d.eio_files:
            with open(rules, 'w') as f:
                f.write(''.join(error_rule('write_aio', s, 'write')
                                for s in eio_sectors(image, d.eio_files)))
        if d.error_event or d.eio_files:
            drive += ',cache=none,werror=report,rerror=report,file=blkdebug:%s:%s' % (rules, image)
        else:
            drive += ',file=' + image
        if d.readonly:
            drive += ',readonly=on'
        device = 'virtio-blk-pci,drive=d%d' % i + ('' if d.msix else ',vectors=0')
        args += ['-drive', drive, '-device', device]
    return args


# The self-tests' disks: a scratch disk (ktest_disk=vda) and two ext2
# images, with 4 KiB and 1 KiB blocks (ktest_ext2=vdb,vdc).
KTEST_DISKS = [Disk('scratch.img'), Disk('ext2-4k.img', mib=24, ext2_block=4096),
               Disk('ext2-1k.img', mib=24, ext2_block=1024)]
KTEST_CMDLINE = ['ktest_disk=vda', 'ktest_ext2=vdb,vdc']


def blockdev_disks(scratch_msix=True):
    """user/tests/blockdev.c's disks, vda to vdd; the read-only one uses INTx."""
    return [Disk('readonly.img', mib=8, fill=0x5a, readonly=True, msix=False),
            Disk('scratch.img', msix=scratch_msix),
            Disk('write-error.img', mib=8, error_event='write_aio'),
            Disk('read-error.img', mib=8, error_event='read_aio')]


BLOCKDEV_CMDLINE = ['test_disk=/dev/vdb', 'test_disk_ro=/dev/vda',
                    'test_disk_eio_write=/dev/vdc', 'test_disk_eio_read=/dev/vdd']

# Lines the kernel must have logged in the blockdev boot: (regex, what it shows).
BLOCKDEV_LOG_CHECKS = [
    (r'vda: virtio disk .*INTx, read-only', 'the read-only disk runs on INTx and is read-only'),
    (r'vdb: virtio disk .*(MSI-X|INTx)', 'the scratch disk was found'),
    (r'vdc: write error at sector %d' % BAD_SECTOR, 'the injected write error was logged'),
    (r'vdd: read error at sector %d' % BAD_SECTOR, 'the injected read error was logged'),
]


# ---- the user programs on an ext2 root ----

SMALL_DISK_MIB = 4           # user/tests/enospc.c fills it


def user_ext2_disks(rootfs):
    """A copy of the root disk as vda, and the small empty ext2 disk as vdb."""
    return [Disk('root.img', copy_of=rootfs), Disk('small.img', mib=SMALL_DISK_MIB, ext2_empty=True)]


# What only a machine of the tests' own may do (init passes test_x=1 on as
# TEST_X=1): tune /proc/sys, count dirty pages undisturbed, run out of memory.
MACHINE_OF_OUR_OWN = ['test_may_tune=1', 'test_dirty_counts=1', 'test_oom=1']
USER_EXT2_CMDLINE = ['root=/dev/vda', 'user_dir=/scratch',
                     'test_small_disk=/dev/vdb'] + MACHINE_OF_OUR_OWN

# What utest_record_file prints: the file's absolute path, size and CRC-32.
CHECKSUM_LINE = re.compile(r'^# file-checksum (\S+) (\d+) ([0-9a-f]{8})$')


def recorded_files(lines):
    """[(path, size, crc)] from the file-checksum lines of a log."""
    out = []
    for line in lines:
        m = CHECKSUM_LINE.match(line.strip())
        if m:
            out.append((m[1], int(m[2]), int(m[3], 16)))
    return out


def dumped_file_problem(image, path, size, crc):
    """None if debugfs reads path out of the image with this size and CRC-32."""
    out = image + '.dump'
    if os.path.exists(out):
        os.unlink(out)
    subprocess.run(['debugfs', '-R', 'dump %s %s' % (path, out), image], capture_output=True)
    try:
        with open(out, 'rb') as f:
            data = f.read()
    except OSError:
        return '%s: not in the image' % path
    if len(data) != size or zlib.crc32(data) != crc:
        return '%s: %d bytes, CRC %08x in the image; the test recorded %d bytes, CRC %08x' % (
            path, len(data), zlib.crc32(data), size, crc)
    return None


# ---- "data reaches the disk": init's durable= mode ----

DURABLE_PATH = '/durable.bin'
DURABLE_SIZE = 1 << 20       # user/init/init.c's DURABLE_SIZE


def durable_byte(i):
    """The byte init's durable= file holds at offset i (init.c's durable_byte)."""
    return (i * 29 + (i >> 9)) & 0xff


def durable_problem(image, path=DURABLE_PATH):
    """None if the image holds init's pattern file at path (durable=, expire=)."""
    expected = bytes(durable_byte(i) for i in range(DURABLE_SIZE))
    return dumped_file_problem(image, path, DURABLE_SIZE, zlib.crc32(expected))
