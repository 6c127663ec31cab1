"""Disks for the test boots (tests/harness.py imports this).

Each boot that needs disks gets fresh images in a folder of its own; this
module makes them, gives QEMU's arguments for attaching them as virtio-blk
devices (in order: the first is /dev/vda), and checks from the host what
the kernel wrote on them.

Injected errors use QEMU's blkdebug driver: a rules file makes the first
read or write covering one sector fail with EIO, once.
"""
import os
import struct
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


def create(folder, disks):
    """Make the images afresh in folder; returns QEMU's arguments for them."""
    os.makedirs(folder, exist_ok=True)
    args = []
    for i, d in enumerate(disks):
        image = os.path.join(folder, d.name)
        with open(image, 'wb') as f:
            if d.fill is None:
                f.truncate(d.mib * MiB)        # sparse: costs no disk space
            else:
                f.write(bytes([d.fill]) * (d.mib * MiB))
        drive = 'if=none,id=d%d,format=raw' % i
        if d.error_event:
            rules = image + '.rules'
            with open(rules, 'w') as f:
                f.write('[inject-error]\nevent = "%s"\nerrno = "5"\nsector = "%d"\nonce = "on"\n'
                        % (d.error_event, BAD_SECTOR))
            drive += ',cache=none,werror=report,rerror=report,file=blkdebug:%s:%s' % (rules, image)
        else:
            drive += ',file=' + image
        if d.readonly:
            drive += ',readonly=on'
        device = 'virtio-blk-pci,drive=d%d' % i + ('' if d.msix else ',vectors=0')
        args += ['-drive', drive, '-device', device]
    return args


# The self-tests' scratch disk: ktest_disk=vda.
KTEST_DISKS = [Disk('scratch.img')]
KTEST_CMDLINE = ['ktest_disk=vda']


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
