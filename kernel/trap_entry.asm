; Entry stubs for all 256 interrupt vectors.
;
; The CPU pushes ss, rsp, rflags, cs, rip and, for some exceptions, an error
; code.  Each stub makes the stack look the same for every vector (pushing a
; zero error code where the CPU pushes none), pushes its vector number and
; jumps to trap_common, which saves the general registers - completing a
; struct trap_frame (include/traps.h) - and calls trap_dispatch(frame).
;
; Coming from user mode (the saved cs has RPL 3) we also swap GS so that
; %gs points at this CPU's struct cpu while in the kernel.

bits 64
%include "trap_frame.inc"
extern trap_dispatch

section .text

%macro TRAP_NO_ERROR_CODE 1
trap_stub_%1:
	push 0
	push %1
	jmp trap_common
%endmacro

%macro TRAP_WITH_ERROR_CODE 1
trap_stub_%1:
	push %1
	jmp trap_common
%endmacro

; The exceptions for which the CPU pushes an error code.
%define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%assign v 0
%rep 256
%if HAS_ERROR_CODE(v)
	TRAP_WITH_ERROR_CODE v
%else
	TRAP_NO_ERROR_CODE v
%endif
%assign v v + 1
%endrep


extern return_to_user
FRAME_CS equ 8 * 18		; offset of cs in struct trap_frame

trap_common:
	clac				; the CPU does not clear AC: close any SMAP window
	test qword [rsp + 24], 3	; cs of the interrupted code (above vector, error, rip)
	jz .from_kernel
	swapgs
.from_kernel:
	PUSH_GENERAL_REGS
	cld
	mov rdi, rsp
	call trap_dispatch
	; Back to user mode: the common exit delivers signals and reschedules.
	test qword [rsp + FRAME_CS], 3
	jnz return_to_user
	POP_GENERAL_REGS
	add rsp, 16			; drop vector and error code
	iretq				; to kernel code: GS stays the kernel's

; The table idt_init() reads: the address of each stub, by vector.
section .rodata
global trap_stub_table
trap_stub_table:
%assign v 0
%rep 256
	dq trap_stub_%[v]
%assign v v + 1
%endrep
