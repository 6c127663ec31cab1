#!/usr/bin/env bash
# The one place that knows how Pagoda runs under QEMU.
#
#   tests/qemu.sh [--test] [--gdb] [--icount] ISO [extra qemu args...]
#
#   --test    add the isa-debug-exit device, so the kernel can end QEMU with a
#             status: it writes V to port 0xf4 and QEMU exits with (V<<1)|1
#             (1 = all tests passed, 3 = some failed, 5 = panic); serial is
#             plain stdio so a harness can read it from a pipe.
#             Without --test, serial and the QEMU monitor share the terminal
#             (mon:stdio): Ctrl-A X quits, Ctrl-A C toggles the monitor.
#   --gdb     wait for a debugger on tcp::1234 before the first instruction
#             (gdb build/kernel.elf -ex 'target remote :1234').
#   --icount  run instructions at a fixed virtual rate: deterministic timing.
#   --kvm     hardware virtualisation instead of TCG (needs a working /dev/kvm).
#   --smp N   N CPUs (default 1); TCG then runs them in parallel host threads.
#   PAGODA_MEM=512M in the environment changes the guest memory (default 256M).
set -euo pipefail

usage() {
    echo "usage: $0 [--test] [--gdb] [--icount] [--kvm] [--smp N] ISO [extra qemu args...]" >&2
    exit 2   # even, so it can never be mistaken for a kernel's exit status
}

test=0 gdb=0 icount=0 kvm=0 smp=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --test) test=1 ;;
        --gdb) gdb=1 ;;
        --icount) icount=1 ;;
        --kvm) kvm=1 ;;
        --smp) smp=$2; shift ;;
        -h|--help) usage ;;
        --) shift; break ;;
        -*) echo "qemu.sh: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
    shift
done
[[ $# -ge 1 ]] || usage
iso=$1
shift
[[ -f $iso ]] || { echo "qemu.sh: $iso: no such ISO" >&2; exit 2; }

# TCG (no KVM here) with SMEP and SMAP so the kernel must respect them;
# -no-reboot turns a triple fault into QEMU exiting with status 0.
args=(-accel tcg -cpu "qemu64,+smep,+smap" -m "${PAGODA_MEM:-256M}" -smp "$smp"
      -no-reboot -display none -monitor none -nic none
      -cdrom "$iso" -boot d)
if ((test)); then
    args+=(-serial stdio -device "isa-debug-exit,iobase=0xf4,iosize=0x04")
else
    args+=(-serial mon:stdio)
fi
((gdb)) && args+=(-s -S)
((icount)) && args+=(-icount "shift=0,sleep=on")
if ((kvm)); then
    # The host CPU (it has SMEP/SMAP if the host does) instead of TCG's model.
    args=("${args[@]/tcg/kvm}")
    args=("${args[@]/qemu64,+smep,+smap/host}")
fi

exec qemu-system-x86_64 "${args[@]}" "$@"
