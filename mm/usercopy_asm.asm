; The instructions that touch user memory, each with an exception-table
; entry: if it faults on an address the fault handler cannot (or, with
; faults disabled, may not) resolve, execution resumes at its fix-up,
; which reports how much was left undone.  SMAP forbids the kernel to
; touch user pages except between stac and clac.
;
; Arguments as in C: rdi, rsi, rdx.  Return value in rax.

bits 64
section .text

; Record "if the instruction at %1 faults, continue at %2".
%macro EXTABLE 2
	section .extable
	dq %1, %2
	section .text
%endmacro

; size_t raw_copy_user(void *dst, const void *src, size_t n)
;   Copies n bytes; returns how many were NOT copied.  Eight bytes a step,
;   then the tail.  If a step faults, the rest is retried byte by byte, so
;   the copy stops at exactly the first byte that cannot be reached (a
;   quad straddling the edge of a mapping still has bytes to copy), as
;   Linux's short counts do.
global raw_copy_user
raw_copy_user:
	mov rcx, rdx
	shr rcx, 3			; whole quads
	and edx, 7			; then the tail bytes
	stac
.quads:	rep movsq
	mov ecx, edx
.bytes:	rep movsb			; on a fault, rcx holds what is left
	clac
	mov rax, rcx
	ret
.quad_fault:
	lea rcx, [rdx + rcx * 8]	; everything not yet copied, in bytes
	jmp .bytes
.byte_fault:
	clac
	mov rax, rcx
	ret
EXTABLE raw_copy_user.quads, raw_copy_user.quad_fault
EXTABLE raw_copy_user.bytes, raw_copy_user.byte_fault

; size_t raw_clear_user(void *dst, size_t n)
global raw_clear_user
raw_clear_user:
	mov rcx, rsi
	xor eax, eax
	stac
.clear:	rep stosb
	clac
	mov rax, rcx
	ret
.fault:	clac
	mov rax, rcx
	ret
EXTABLE raw_clear_user.clear, raw_clear_user.fault

; long raw_strncpy_user(char *dst, const char *src, size_t max)
;   Copies up to max bytes, stopping after a NUL.  Returns the string's
;   length (without the NUL), max if no NUL was found, or -1 on a fault.
global raw_strncpy_user
raw_strncpy_user:
	xor eax, eax		; bytes copied so far
	stac
.next:	cmp rax, rdx
	je .done
.load:	mov cl, [rsi + rax]
	mov [rdi + rax], cl
	test cl, cl
	jz .done
	inc rax
	jmp .next
.done:	clac
	ret
.fault:	clac
	mov rax, -1
	ret
EXTABLE raw_strncpy_user.load, raw_strncpy_user.fault

; int raw_probe_user(const void *addr): read one byte; 0, or -1 on a fault.
global raw_probe_user
raw_probe_user:
	xor eax, eax
	stac
.load:	mov cl, [rdi]
	clac
	ret
.fault:	clac
	mov eax, -1
	ret
EXTABLE raw_probe_user.load, raw_probe_user.fault
