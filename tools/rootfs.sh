#!/usr/bin/env bash
# Stage Pagoda's root file system in a folder, for mkfs.ext2 -d:
#
#   tools/rootfs.sh INITRAMFS_DIR OUT_DIR
#
# OUT_DIR gets the initramfs's programs (/init, /bin/tests, ...), the files
# of user/rootfs (/etc), Debian's static busybox as /bin/busybox with a
# link for each of its applets where busybox itself would install it
# (busybox --list-full: bin/ls, sbin/reboot, usr/bin/wc, ...) and /bin/sh,
# Debian's static bash as /bin/bash, and the empty folders the system
# expects (/root; /dev, /proc and /tmp are mount points).
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 INITRAMFS_DIR OUT_DIR" >&2; exit 2; }
initramfs=$1 out=$2
here=$(cd "$(dirname "$0")/.." && pwd)
busybox=/bin/busybox bash_static=/bin/bash-static
for f in "$busybox" "$bash_static"; do
	[[ -x $f ]] || { echo "rootfs.sh: $f missing (make deps installs it)" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out"
cp -a "$initramfs"/. "$out"/
cp -a "$here"/user/rootfs/etc "$out"/
rm -f "$out"/etc/README.md
mkdir -p "$out"/bin "$out"/sbin "$out"/usr/bin "$out"/usr/sbin "$out"/root "$out"/dev \
	"$out"/proc "$out"/tmp
chmod 700 "$out"/root
chmod 1777 "$out"/tmp
cp "$busybox" "$out"/bin/busybox
cp "$bash_static" "$out"/bin/bash
# Each applet links to /bin/busybox from where busybox would put it; a
# program already there (init's own files) stays.
"$busybox" --list-full | while read -r applet; do
	[[ -e $out/$applet || -L $out/$applet ]] || ln -s /bin/busybox "$out/$applet"
done
ln -sf busybox "$out"/bin/sh
# Terminal descriptions for bash's line editing (TERM=vt100 from /init; xterm
# for those who set it), where the host has them (Debian's ncurses-base).
for t in v/vt100 v/vt102 x/xterm l/linux; do
	if [[ -f /lib/terminfo/$t ]]; then
		mkdir -p "$out"/lib/terminfo/"${t%/*}"
		cp /lib/terminfo/"$t" "$out"/lib/terminfo/"$t"
	fi
done
