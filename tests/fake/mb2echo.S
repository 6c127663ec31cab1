/*
 * A tiny multiboot2 "kernel" for checking tests/mkiso.sh and tests/qemu.sh
 * without Pagoda: it prints on COM1 the command line and the module strings
 * GRUB hands over, then ends QEMU through isa-debug-exit with value 0
 * (QEMU exit status 1).  Build (see tests/fake/selftest.sh):
 *   gcc -m32 -nostdlib -static -Wl,-Ttext=0x100000 -Wl,--build-id=none \
 *       -o mb2echo.elf mb2echo.S
 */
        .set MB2_MAGIC, 0xe85250d6
        .set COM1, 0x3f8

        .text
        .code32
        .align 8
header:                               /* must be in the first 32 KiB */
        .long MB2_MAGIC, 0, header_end - header
        .long -(MB2_MAGIC + (header_end - header))
        .short 0, 0                   /* end tag */
        .long 8
header_end:

        .globl _start
_start:
        mov $stack_top, %esp
        lea 8(%ebx), %edi             /* first tag of the boot information */
tag:
        mov (%edi), %eax              /* tag type; 0 ends the list */
        test %eax, %eax
        jz done
        cmp $1, %eax                  /* 1: command line, string at +8 */
        jne 1f
        mov $s_cmdline, %esi
        call puts
        lea 8(%edi), %esi
        jmp show
1:      cmp $3, %eax                  /* 3: module, string at +16 */
        jne next
        mov $s_module, %esi
        call puts
        lea 16(%edi), %esi
show:   call puts
        mov $s_end, %esi
        call puts
next:   mov 4(%edi), %eax             /* tags are 8-byte aligned */
        add $7, %eax
        and $~7, %eax
        add %eax, %edi
        jmp tag
done:
        mov $s_done, %esi
        call puts
        mov $0xf4, %dx                /* isa-debug-exit: QEMU exits 1 */
        xor %eax, %eax
        out %eax, %dx
        cli
2:      hlt
        jmp 2b

puts:                                 /* print the string at %esi */
        movb (%esi), %cl
        test %cl, %cl
        jz 4f
        mov $COM1 + 5, %dx            /* wait for the transmitter */
3:      in %dx, %al
        test $0x20, %al
        jz 3b
        mov $COM1, %dx
        mov %cl, %al
        out %al, %dx
        inc %esi
        jmp puts
4:      ret

s_cmdline: .asciz "mb2echo cmdline=["
s_module:  .asciz "mb2echo module=["
s_end:     .asciz "]\r\n"
s_done:    .asciz "mb2echo done\r\n"

        .bss
        .align 16
        .space 4096
stack_top:
