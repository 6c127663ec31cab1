; The multiboot2 header: the few words GRUB looks for in the first 32 KiB of
; the kernel file to know it is a multiboot2 kernel.  We ask for nothing
; special (no video mode, no relocation): GRUB loads the ELF segments at the
; physical addresses the linker gave them and jumps to the ELF entry point
; (_start in entry.asm) in 32-bit protected mode with paging off.

MB2_MAGIC    equ 0xe85250d6
MB2_ARCH_X86 equ 0

section .multiboot_header
align 8
mb2_header_start:
	dd MB2_MAGIC
	dd MB2_ARCH_X86
	dd mb2_header_end - mb2_header_start
	dd -(MB2_MAGIC + MB2_ARCH_X86 + (mb2_header_end - mb2_header_start))
	; The end tag (type 0, flags 0, size 8) closes the list of requests.
	align 8
	dw 0
	dw 0
	dd 8
mb2_header_end:
