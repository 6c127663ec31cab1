#!/usr/bin/env bash
# Build a BIOS-bootable GRUB ISO that boots a multiboot2 kernel with a given
# command line, talking on the serial port (QEMU runs with -display none).
#
#   tests/mkiso.sh [--module FILE]... KERNEL_ELF OUT_ISO [CMDLINE_ARG...]
#
# Each CMDLINE_ARG becomes one kernel argument, passed literally: 'ktest=*'
# reaches the kernel as ktest=* (no globbing, no $ expansion by GRUB).
# Each --module FILE is copied to /boot/NAME and loaded with module2, with
# NAME as the module's string.
set -euo pipefail

die() { echo "mkiso.sh: $*" >&2; exit 1; }
usage() {
    echo "usage: $0 [--module FILE]... KERNEL_ELF OUT_ISO [CMDLINE_ARG...]" >&2
    exit 2
}

modules=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --module) [[ $# -ge 2 ]] || usage; modules+=("$2"); shift 2 ;;
        --module=*) modules+=("${1#--module=}"); shift ;;
        -h|--help) usage ;;
        --) shift; break ;;
        -*) die "unknown option $1" ;;
        *) break ;;
    esac
done
[[ $# -ge 2 ]] || usage
kernel=$1 out=$2
shift 2

template=$(dirname "$0")/../boot/grub.cfg
[[ -f $template ]] || die "$template: missing"
[[ -f $kernel ]] || die "$kernel: no such kernel (did the build run?)"
for m in "${modules[@]}"; do
    [[ -f $m ]] || die "$m: no such module file"
    case $(basename "$m") in kernel.elf|grub) die "$m: module name clashes with /boot/$(basename "$m")" ;; esac
done
command -v grub-mkrescue >/dev/null || die "grub-mkrescue not found (apt-get install grub-pc-bin grub-common xorriso mtools)"

# GRUB's script syntax is like sh's: nothing is special between single
# quotes, and a single quote itself is written '\''.
grub_quote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pagoda-iso.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/tree
mkdir -p "$tree/boot/grub"
cp "$kernel" "$tree/boot/kernel.elf"

args=""
for arg in "$@"; do args+=" $(grub_quote "$arg")"; done
module_lines=""
for m in "${modules[@]}"; do
    name=$(basename "$m")
    cp "$m" "$tree/boot/$name"
    # The module's string (after its path) is its name, so the kernel can
    # tell its modules apart.
    module_lines+="	module2 $(grub_quote "/boot/$name") $(grub_quote "$name")"$'\n'
done

# boot/grub.cfg is the template; the replacements are quoted so that bash
# 5.2 does not treat '&' in them as "the matched text".
cfg=$(<"$template")
cfg=${cfg//@CMDLINE@/"${args# }"}
cfg=${cfg//@MODULES@$'\n'/"$module_lines"}
printf '%s\n' "$cfg" >"$tree/boot/grub/grub.cfg"

mkdir -p "$(dirname "$out")"
# grub-mkrescue (and xorriso under it) chatter a lot: keep it for failures.
if ! grub-mkrescue -o "$out" "$tree" >"$work/mkrescue.log" 2>&1; then
    cat "$work/mkrescue.log" >&2
    rm -f "$out"
    die "grub-mkrescue failed to build $out"
fi
