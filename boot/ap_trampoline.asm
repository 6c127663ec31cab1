; The application processors' way from reset to 64-bit C.
;
; An AP starts, after INIT-SIPI-SIPI, in 16-bit real mode at the page the
; SIPI names (here 0x8000: the vector is the page number).  This code is
; assembled on its own (flat binary, org 0x8000), built into the kernel,
; and copied to 0x8000 by the boot CPU, which fills in the data block at
; its end: the kernel's page tables, the AP's stack, where to go, and its
; CPU number.  The steps are the boot CPU's (boot/entry.asm), compressed:
; protected mode, PAE, long mode with NX, paging with write protection,
; then a jump to ap_entry in the higher half.
;
; While this runs, the boot CPU keeps an identity mapping of the first
; 2 MiB in the kernel's page tables, so the instruction after "enable
; paging" exists.  ap_entry loads the AP's own GDT and IDT before the boot
; CPU removes it.

TRAMPOLINE_BASE equ 0x8000
DATA_OFFSET     equ 0xf00		; the data block: see kernel/smp.c

bits 16
org TRAMPOLINE_BASE

ap_start16:
	cli
	cld
	xor ax, ax
	mov ds, ax
	lgdt [gdt_ptr]
	mov eax, cr0
	or eax, 1			; PE
	mov cr0, eax
	jmp 0x08:ap_start32

bits 32
ap_start32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, (1 << 5) | (1 << 7)	; PAE, PGE
	mov cr4, eax
	mov eax, [data_cr3]
	mov cr3, eax
	mov ecx, 0xc0000080		; EFER
	rdmsr
	or eax, (1 << 8) | (1 << 11)	; LME, NXE
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)	; PG, WP
	mov cr0, eax
	jmp 0x18:ap_start64

bits 64
ap_start64:
	xor eax, eax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [data_stack]
	mov edi, [data_cpu]
	xor ebp, ebp			; ends the AP's backtraces
	mov rax, [data_entry]
	call rax			; ap_entry(cpu): never returns
.halt:
	cli
	hlt
	jmp .halt

align 8
gdt:
	dq 0				; null
	dq 0x00cf9a000000ffff		; 0x08: 32-bit code
	dq 0x00cf92000000ffff		; 0x10: data
	dq 0x00af9a000000ffff		; 0x18: 64-bit code
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd gdt

times DATA_OFFSET - ($ - $$) db 0
data_cr3:	dd 0			; physical address of the kernel's PML4 (below 4 GiB)
data_cpu:	dd 0			; the AP's index in cpus[]
data_stack:	dq 0			; top of its first kernel stack
data_entry:	dq 0			; ap_entry
