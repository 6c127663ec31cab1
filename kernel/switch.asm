; struct task *switch_to(u64 *prev_rsp, u64 next_rsp, struct task *prev):
; the context switch.
;
; Saves the callee-saved registers of the running task on its own kernel
; stack, stores its stack pointer in *prev_rsp, loads next_rsp and pops
; the next task's registers.  The "ret" then returns into whatever called
; switch_to in that task — or, for a task that never ran, into the address
; task setup placed there (kthread_start, ret_from_fork).  Everything else
; (rip, caller-saved registers) is already on the stacks, per the C ABI.
;
; It returns, in the task switched to, the task that was switched away from
; (the third argument as passed by that task), so the newcomer can finish
; the switch for it (finish_task_switch).

bits 64
section .text

global switch_to
switch_to:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	mov rax, rdx
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; Where a new kernel thread starts: its first switch_to "returns" here
; with the thread function in r12 and its argument in r13 (task setup put
; them in the saved registers).
extern finish_task_switch
extern kthread_exit
global kthread_start
kthread_start:
	mov rdi, rax
	call finish_task_switch
	sti
	mov rdi, r13
	call r12
	call kthread_exit
	ud2
