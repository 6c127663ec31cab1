/*
 * CPU feature detection and the protections we switch on:
 *  - SMEP: the kernel may not execute code in user pages;
 *  - SMAP: the kernel may not read or write user pages except inside the
 *    usercopy routines, which open a window with stac/clac.
 * Both turn a class of kernel exploits and bugs into an immediate fault.
 */
#include <cpu.h>
#include <printk.h>
#include <string.h>
#include <x86.h>

struct cpu_features cpu_features;

/* The protections this CPU model offers, on the CPU running this (every CPU). */
void cpu_enable_protections(void)
{
	if (cpu_features.smep)
		write_cr4(read_cr4() | CR4_SMEP);
	if (cpu_features.smap)
		write_cr4(read_cr4() | CR4_SMAP);
	if (cpu_features.pge)
		write_cr4(read_cr4() | CR4_PGE);
}

void cpu_init_features(void)
{
	u32 a, b, c, d, max_leaf, max_ext;
	struct cpu_features *f = &cpu_features;

	cpuid(0, 0, &max_leaf, &b, &c, &d);
	memcpy(f->vendor, &b, 4);
	memcpy(f->vendor + 4, &d, 4);
	memcpy(f->vendor + 8, &c, 4);

	cpuid(1, 0, &a, &b, &c, &d);
	f->pge = d & (1u << 13);
	if (max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		f->smep = b & (1u << 7);
		f->smap = b & (1u << 20);
	}
	cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		f->nx = d & (1u << 20);
	}
	if (max_ext >= 0x80000004) {
		for (u32 i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, &a, &b, &c, &d);
			memcpy(f->brand + 16 * i, &a, 4);
			memcpy(f->brand + 16 * i + 4, &b, 4);
			memcpy(f->brand + 16 * i + 8, &c, 4);
			memcpy(f->brand + 16 * i + 12, &d, 4);
		}
	}

	cpu_enable_protections();
	pr_info("cpu: %s %s; SMEP %s, SMAP %s, NX %s", f->vendor, f->brand,
		f->smep ? "on" : "not available", f->smap ? "on" : "not available",
		f->nx ? "on" : "not available");
}
