/* Segment selectors (the same values as Linux x86-64). */
#ifndef PAGODA_GDT_H
#define PAGODA_GDT_H

#define GDT_KERNEL_CS 0x10
#define GDT_KERNEL_DS 0x18
#define GDT_USER32_CS 0x20	/* selector 0x23 with RPL 3 */
#define GDT_USER_DS 0x28	/* 0x2b */
#define GDT_USER_CS 0x30	/* 0x33 */
#define GDT_TSS 0x40		/* two slots */

#endif
