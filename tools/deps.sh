#!/bin/sh
# Check that the tools Pagoda's build and tests need are installed.  When
# one is missing: as root, install the Debian packages that provide them
# (saying which); otherwise print the apt-get command and fail.
set -eu

missing=""
need() {	# need COMMAND-OR-PATH PACKAGE
	case $1 in
	/*) [ -e "$1" ] && return 0 ;;
	*) command -v "$1" >/dev/null 2>&1 && return 0 ;;
	esac
	case " $missing " in *" $2 "*) ;; *) missing="$missing $2" ;; esac
}

need gcc gcc
need /usr/lib/x86_64-linux-gnu/libc.a libc6-dev
need ld binutils
need make make
need nasm nasm
need grub-mkrescue grub-common
need /usr/lib/grub/i386-pc/multiboot2.mod grub-pc-bin
need xorriso xorriso
need mformat mtools
need qemu-system-x86_64 qemu-system-x86
need python3 python3
need musl-gcc musl-tools
need mkfs.ext2 e2fsprogs
need cpio cpio
# The Linux peer (../shared/peers/linux/run), which the tests and benchmarks
# compare with: Debian's kernel and a static busybox.
ls /boot/vmlinuz-* >/dev/null 2>&1 || need /nonexistent/vmlinuz linux-image-amd64
# Pagoda's own root file system has the same busybox (its /bin/sh and
# applets) and Debian's static bash.
if ! [ -x /bin/busybox ] || readelf -l /bin/busybox 2>/dev/null | grep -q INTERP; then
	need /nonexistent/busybox-static busybox-static
fi
need /bin/bash-static bash-static
if [ "${1:-}" = "--with-gdb" ]; then need gdb gdb; fi

[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "make deps: installing the Debian packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
	echo "make deps: installed$missing"
else
	echo "make deps: missing Debian packages:$missing" >&2
	echo "make deps: install them with:  sudo apt-get install$missing" >&2
	exit 1
fi
