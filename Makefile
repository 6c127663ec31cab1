# Pagoda: build the kernel, boot it, test it.
#
#   make          build build/kernel.elf and the bootable build/pagoda.iso
#   make run      boot the ISO in QEMU with the serial console on this terminal
#   make test     every test; ends with "N passed, N failed"
#   make bench    benchmarks on Pagoda and on Linux in the same QEMU
#   make demo-deadlock  the lock validator catching write()'s classic deadlock
#   make gdb      boot QEMU stopped, with gdb attached to the kernel
#   make deps     install (as root) or list the Debian packages needed
#   make clean

CC := gcc
LD := ld
NASM := nasm
BUILD := build

CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -nostdinc -isystem $(shell $(CC) -print-file-name=include) -Iinclude \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-optimize-sibling-calls \
	-fstack-protector-strong -mstack-protector-guard=global \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -fcf-protection=none \
	-MMD -MP
# The lock validator (include/lockdep.h) is in every kernel but the
# benchmarks' (make bench builds its own, LOCKDEP=0, in build/nolockdep).
LOCKDEP ?= 1
ifeq ($(LOCKDEP),1)
CFLAGS += -DCONFIG_LOCKDEP
endif
NASMFLAGS := -f elf64 -g -F dwarf -w+all -Ikernel/
LDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments -T linker.ld

C_SOURCES := $(wildcard kernel/*.c mm/*.c drivers/*.c fs/*.c fs/ext2/*.c)
# boot/ap_trampoline.asm is not linked: it is a flat binary carried as data.
ASM_SOURCES := $(filter-out boot/ap_trampoline.asm,$(wildcard boot/*.asm kernel/*.asm mm/*.asm))
OBJECTS := $(C_SOURCES:%.c=$(BUILD)/%.o) $(ASM_SOURCES:%.asm=$(BUILD)/%.o)

# User programs: static musl binaries that run unchanged on Linux and Pagoda.
USER_CC := musl-gcc
USER_CFLAGS := -static -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread -Iuser/lib
USER_TESTS := $(patsubst user/tests/%.c,$(BUILD)/user/%,$(wildcard user/tests/*.c))
# Helper programs the tests exec, built with glibc (the other C library
# static Linux binaries use): one static-PIE (ET_DYN), one plain static.
HELPERS := $(BUILD)/user-helpers/hello_exit_pie $(BUILD)/user-helpers/hello_exit_static
BENCH := $(patsubst user/bench/%.c,$(BUILD)/bench/%,$(wildcard user/bench/*.c))
INIT := $(BUILD)/user-init/init
INITRAMFS := $(BUILD)/initramfs.cpio
# The root disk: ext2 (mkfs.ext2's defaults) made from the initramfs's folder.
ROOTFS := $(BUILD)/rootfs.img
ROOTFS_SIZE := 128M

KERNEL := $(BUILD)/kernel.elf
ISO := $(BUILD)/pagoda.iso
CMDLINE ?=

.PHONY: all iso run gdb test bench demo-deadlock clean deps check-deps
all: check-deps $(KERNEL) $(USER_TESTS) $(HELPERS) $(BENCH) $(INITRAMFS) $(ROOTFS) $(ISO)

check-deps:
	@tools/deps.sh

deps:
	@tools/deps.sh --with-gdb

$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.asm Makefile kernel/trap_frame.inc
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) $(NASMFLAGS) $< -o $@

$(BUILD)/ap_trampoline.bin: boot/ap_trampoline.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f bin $< -o $@

$(BUILD)/kernel/ap_trampoline_blob.o: $(BUILD)/ap_trampoline.bin

$(BUILD)/ksyms.o $(BUILD)/ksyms_empty.o: $(BUILD)/%.o: $(BUILD)/%.c
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

# Two links: the first without a symbol table, to learn the addresses; the
# second with it.  The table sits last in the image, so it moves no symbol;
# the final check proves that by regenerating it from the result.
$(BUILD)/ksyms_empty.c: tools/gensyms.sh
	@mkdir -p $(BUILD)
	@tools/gensyms.sh --empty > $@

$(BUILD)/kernel.pass1.elf: $(OBJECTS) $(BUILD)/ksyms_empty.o linker.ld
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -o $@ $(OBJECTS) $(BUILD)/ksyms_empty.o

$(BUILD)/ksyms.c: $(BUILD)/kernel.pass1.elf tools/gensyms.sh
	@echo "  GEN     $@"
	@tools/gensyms.sh $< > $@

$(KERNEL): $(OBJECTS) $(BUILD)/ksyms.o linker.ld
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -o $@ $(OBJECTS) $(BUILD)/ksyms.o
	@tools/gensyms.sh $@ | cmp -s - $(BUILD)/ksyms.c || \
		{ echo "error: the symbol table moved symbols (see linker.ld)"; rm -f $@; exit 1; }

$(ISO): $(KERNEL) $(INITRAMFS) tests/mkiso.sh boot/grub.cfg Makefile
	@echo "  ISO     $@"
	@tests/mkiso.sh --module $(INITRAMFS) $(KERNEL) $@ root=/dev/vda $(CMDLINE)

$(BUILD)/user/%: user/tests/%.c user/lib/utest.c user/lib/utest.h Makefile
	@mkdir -p $(dir $@)
	@echo "  USER    $<"
	@$(USER_CC) $(USER_CFLAGS) user/lib/utest.c $< -o $@

$(BUILD)/user-helpers/hello_exit_pie: user/helpers/hello_exit.c Makefile
	@mkdir -p $(dir $@)
	@echo "  HELPER  $@"
	@$(CC) -static-pie -O2 -Wall -Wextra -Werror $< -o $@

$(BUILD)/user-helpers/hello_exit_static: user/helpers/hello_exit.c Makefile
	@mkdir -p $(dir $@)
	@echo "  HELPER  $@"
	@$(CC) -static -O2 -Wall -Wextra -Werror $< -o $@

$(BUILD)/bench/%: user/bench/%.c user/bench/bench.h Makefile
	@mkdir -p $(dir $@)
	@echo "  BENCH   $<"
	@$(USER_CC) $(USER_CFLAGS) -pthread $< -o $@

$(INIT): user/init/init.c Makefile
	@mkdir -p $(dir $@)
	@echo "  USER    $<"
	@$(USER_CC) $(USER_CFLAGS) $< -o $@

# The initramfs: /init, the test programs in /bin/tests, their helpers in
# /bin/user-helpers (the same relative place as on the host), and /tmp.
$(INITRAMFS): $(INIT) $(USER_TESTS) $(HELPERS) $(BENCH)
	@echo "  CPIO    $@"
	@rm -rf $(BUILD)/initramfs && mkdir -p $(BUILD)/initramfs/bin/tests \
		$(BUILD)/initramfs/bin/user-helpers $(BUILD)/initramfs/bin/bench $(BUILD)/initramfs/tmp
	@cp $(BENCH) $(BUILD)/initramfs/bin/bench/
	@cp $(INIT) $(BUILD)/initramfs/init
	@cp $(USER_TESTS) $(BUILD)/initramfs/bin/tests/
	@cp $(HELPERS) $(BUILD)/initramfs/bin/user-helpers/
	@cd $(BUILD)/initramfs && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet > ../initramfs.cpio

# The initramfs's programs, user/rootfs's /etc, Debian's static busybox
# (/bin/sh and its applets) and bash (tools/rootfs.sh).  /dev, /proc and
# /tmp are mount points; the kernel makes them if missing.
$(ROOTFS): $(INITRAMFS) tools/rootfs.sh $(wildcard user/rootfs/etc/*)
	@echo "  EXT2    $@"
	@tools/rootfs.sh $(BUILD)/initramfs $(BUILD)/rootfs
	@rm -f $@ && truncate -s $(ROOTFS_SIZE) $@
	@mkfs.ext2 -q -F -L pagoda-root -d $(BUILD)/rootfs $@

iso: $(ISO)

# The root disk as /dev/vda, in snapshot mode: what the session writes is dropped at the end.
ROOT_DRIVE := -drive if=none,id=root,format=raw,snapshot=on,file=$(ROOTFS) -device virtio-blk-pci,drive=root

run: all
	tests/qemu.sh $(ISO) $(ROOT_DRIVE)

gdb: all
	@tools/deps.sh --with-gdb
	tests/qemu.sh --gdb $(ISO) $(ROOT_DRIVE) & \
	gdb -q -x tools/gdbinit $(KERNEL); kill %1 2>/dev/null || true

test: all
	python3 tests/harness.py --kernel $(KERNEL)

# Pagoda and Linux side by side (tests/bench.py); writes docs/performance.md.
# The kernel measured is built without the lock validator, from the same
# sources, in $(BUILD)/nolockdep, and copied next to the test programs.
BENCH_KERNEL := $(BUILD)/kernel-nolockdep.elf
bench: all
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/nolockdep LOCKDEP=0 $(BUILD)/nolockdep/kernel.elf
	@cp $(BUILD)/nolockdep/kernel.elf $(BENCH_KERNEL)
	python3 tests/bench.py --kernel $(BENCH_KERNEL)

# The naive write path deadlocks on purpose; see the lock validator report it.
demo-deadlock: all
	python3 tests/demo_deadlock.py --kernel $(KERNEL)

clean:
	rm -rf $(BUILD)

-include $(OBJECTS:.o=.d)
