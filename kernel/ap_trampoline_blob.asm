; The AP trampoline (boot/ap_trampoline.asm), assembled separately as a
; flat binary and carried here as data; kernel/smp.c copies it to 0x8000.
section .rodata
global ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
	incbin "build/ap_trampoline.bin"
ap_trampoline_end:
