; The way into the kernel from user space: the syscall instruction, and
; the common way back out for system calls, interrupts and new processes.
;
; "syscall" leaves the user rip in rcx and rflags in r11, masks rflags
; with SFMASK (interrupts off, AC clear) and jumps here in ring 0 - still
; on the user's stack, with the user's GS.  We swap GS to reach this CPU's
; data, switch to the task's kernel stack, and build the same struct
; trap_frame that an interrupt from user mode builds (include/traps.h), so
; that signals, fork and exec deal with one layout.  The system call
; number is in rax, the arguments in rdi, rsi, rdx, r10, r8, r9 (r10, not
; rcx, which syscall overwrote).

bits 64
%include "trap_frame.inc"
extern syscall_dispatch
extern prepare_return_to_user
extern account_enter_kernel

PERCPU_KERNEL_RSP equ 8
PERCPU_USER_RSP equ 16
USER_DS equ 0x2b
USER_CS equ 0x33
VECTOR_SYSCALL equ 0x80		; marks a frame built by this entry

section .text

global syscall_entry
syscall_entry:
	swapgs
	mov [gs:PERCPU_USER_RSP], rsp
	mov rsp, [gs:PERCPU_KERNEL_RSP]
	; The frame an interrupt would have pushed: ss, rsp, rflags, cs, rip.
	push USER_DS
	push qword [gs:PERCPU_USER_RSP]
	push r11
	push USER_CS
	push rcx
	push rax			; "error code" slot: the call number (orig_rax)
	push VECTOR_SYSCALL
	PUSH_GENERAL_REGS
	xor ebp, ebp			; the user's frames are not ours to follow
	call account_enter_kernel	; before sti: an interrupt's time is not user time
	mov rdi, rsp
	sti
	call syscall_dispatch		; puts the result in the frame's rax
	jmp return_to_user

; Leave the kernel to user mode with rsp at a struct trap_frame: deliver
; signals and reschedule first, then restore every register.  Used after
; system calls, after interrupts and exceptions from user mode, and by new
; processes (ret_from_fork, exec).
global return_to_user
return_to_user:
	cli
	mov rdi, rsp
	call prepare_return_to_user	; signals, rescheduling; returns with interrupts off
	POP_GENERAL_REGS
	add rsp, 16			; vector and error code
	swapgs
	iretq

; A child of fork starts here: finish the switch, then return to user
; mode through its copy of the parent's frame (rax = 0 in it).
extern fork_child_start
global ret_from_fork
ret_from_fork:
	mov rdi, rax
	call fork_child_start
	jmp return_to_user

; Leave a kernel thread for user mode after it exec'ed a program
; (kernel_init starting /init): its user frame is at the top of its stack.
global enter_user_mode
enter_user_mode:			; (struct trap_frame *frame)
	mov rsp, rdi
	jmp return_to_user
