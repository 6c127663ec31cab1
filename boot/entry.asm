; The 32-bit to 64-bit trampoline.
;
; GRUB enters _start in 32-bit protected mode, paging off, with
;   eax = 0x36d76289 (the multiboot2 magic), ebx = physical address of the
;   multiboot2 information structure.
; We check that the CPU can run us (CPUID, long mode, NX), build just
; enough page tables to run at our linked address, enable PAE, long mode,
; NX and paging, and jump to the 64-bit C entry kmain(magic, mbi).
;
; The early page tables map the first 1 GiB of physical memory three times
; with 2 MiB pages:
;   - identity (virtual = physical), so the instruction after "enable
;     paging" still exists;
;   - at 0xffff800000000000, the start of the direct map, so C code can
;     reach the multiboot2 information (GRUB puts it in low memory);
;   - at 0xffffffff80000000, where the kernel is linked (-mcmodel=kernel).
; mm/paging.c replaces them with the real kernel page tables soon after.

KERNEL_VMA    equ 0xffffffff80000000
MB2_BOOT_MAGIC equ 0x36d76289

PTE_PRESENT   equ 1 << 0
PTE_WRITE     equ 1 << 1
PTE_HUGE      equ 1 << 7

CR0_PE        equ 1 << 0
CR0_WP        equ 1 << 16
CR0_PG        equ 1 << 31
CR4_PAE       equ 1 << 5
MSR_EFER      equ 0xc0000080
EFER_LME      equ 1 << 8
EFER_NXE      equ 1 << 11
COM1          equ 0x3f8

extern kmain
extern boot_canary_init

section .boot.text
bits 32
global _start
_start:
	cli
	cld
	mov edi, eax			; keep the magic and the info pointer
	mov esi, ebx			; in registers the checks below leave alone

	mov esp, early_stack_top	; GRUB leaves esp undefined

	cmp edi, MB2_BOOT_MAGIC
	mov ebp, msg_not_multiboot2
	jne early_fail

	; CPUID exists if the ID bit (21) of EFLAGS can be flipped.
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	xor eax, ecx
	mov ebp, msg_no_cpuid
	jz early_fail

	; Extended leaf 0x80000001: EDX bit 29 = long mode, bit 20 = NX.
	mov eax, 0x80000000
	cpuid
	mov ebp, msg_no_long_mode
	cmp eax, 0x80000001
	jb early_fail
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz early_fail
	mov ebp, msg_no_nx
	test edx, 1 << 20
	jz early_fail

	; Fill the early page directory: 512 entries of 2 MiB = the first 1 GiB.
	mov ecx, 0
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_PRESENT | PTE_WRITE | PTE_HUGE
	mov [early_pd + ecx * 8], eax
	mov dword [early_pd + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 512
	jne .fill_pd

	; pdpt_low[0] -> pd: used by the identity map (PML4 slot 0) and by the
	; direct map (PML4 slot 256).  pdpt_high[510] -> pd: the kernel's -2 GiB.
	mov eax, early_pd + (PTE_PRESENT | PTE_WRITE)
	mov [early_pdpt_low], eax
	mov [early_pdpt_high + 510 * 8], eax
	mov eax, early_pdpt_low + (PTE_PRESENT | PTE_WRITE)
	mov [early_pml4], eax
	mov [early_pml4 + 256 * 8], eax
	mov eax, early_pdpt_high + (PTE_PRESENT | PTE_WRITE)
	mov [early_pml4 + 511 * 8], eax

	mov eax, early_pml4
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	; WP makes read-only pages read-only for the kernel too (W^X relies on it).
	mov eax, cr0
	or eax, CR0_PG | CR0_WP | CR0_PE
	mov cr0, eax

	lgdt [early_gdt_ptr]
	jmp 0x08:long_mode_entry

; Print the message at ebp on COM1 and stop.  Runs before anything is set up,
; so the port is driven by hand (GRUB already programmed its speed).
early_fail:
	mov dx, COM1
.next:
	mov al, [ebp]
	test al, al
	jz .halt
	out dx, al
	inc ebp
	jmp .next
.halt:
	cli
	hlt
	jmp .halt

bits 64
long_mode_entry:
	mov edi, edi			; the upper halves are undefined after the
	mov esi, esi			; mode switch: zero-extend magic and pointer
	xor eax, eax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	; Leave the identity map: continue at the kernel's linked address.
	mov rax, higher_half_entry
	jmp rax

section .text
higher_half_entry:
	mov rsp, boot_stack_top
	xor ebp, ebp			; a zero frame pointer ends every backtrace
	push rdi
	push rsi
	call boot_canary_init		; before any function with a stack canary returns
	pop rsi
	pop rdi
	call kmain			; kmain(magic, mbi): never returns
.hang:
	cli
	hlt
	jmp .hang

section .boot.data
align 4096
early_pml4:	times 512 dq 0
early_pdpt_low:	times 512 dq 0
early_pdpt_high: times 512 dq 0
early_pd:	times 512 dq 0

align 8
early_gdt:
	dq 0				; null descriptor
	dq 0x00af9a000000ffff		; 0x08: 64-bit code, ring 0
early_gdt_end:
early_gdt_ptr:
	dw early_gdt_end - early_gdt - 1
	dd early_gdt

align 16
early_stack:	times 256 db 0
early_stack_top:

msg_not_multiboot2: db "Pagoda: not booted by a multiboot2 loader", 13, 10, 0
msg_no_cpuid:       db "Pagoda: this CPU has no CPUID instruction", 13, 10, 0
msg_no_long_mode:   db "Pagoda: this CPU cannot run 64-bit code (no long mode)", 13, 10, 0
msg_no_nx:          db "Pagoda: this CPU has no NX (no-execute) bit", 13, 10, 0

; The stack kmain starts on.  kmain leaves it for a guarded kernel stack as
; soon as memory management is up.
section .bss
align 16
boot_stack:	resb 16384
boot_stack_top:
