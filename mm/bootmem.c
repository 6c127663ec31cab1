/*
 * Boot-time physical memory allocator (see bootmem.h).
 *
 * Two small tables: the RAM ranges from the boot loader's memory map, and
 * the ranges that are taken (the first megabyte, the kernel image, boot
 * modules, and every allocation made here).  Free memory is RAM minus
 * taken.  It only grows the taken table, never frees, and is retired once
 * the buddy allocator has been given every free range.
 */
#include <bootmem.h>
#include <compiler.h>
#include <mm.h>
#include <panic.h>
#include <string.h>

#define MAX_RANGES 64

struct range {
	phys_addr_t start, end;
};

static struct range ram[MAX_RANGES], taken[MAX_RANGES];
static int nr_ram, nr_taken;
static phys_addr_t alloc_limit = 1ul << 30;	/* the boot page tables map 1 GiB */
static bool retired;

void bootmem_add_ram(phys_addr_t start, phys_addr_t end)
{
	start = ALIGN_UP(start, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (start >= end)
		return;
	if (nr_ram == MAX_RANGES)
		panic("bootmem: too many RAM ranges");
	/* Keep the table sorted, so free ranges are released in ascending order. */
	int i = nr_ram++;
	for (; i > 0 && ram[i - 1].start > start; i--)
		ram[i] = ram[i - 1];
	ram[i] = (struct range){ start, end };
}

void bootmem_reserve(phys_addr_t start, phys_addr_t end)
{
	start = ALIGN_DOWN(start, PAGE_SIZE);
	end = ALIGN_UP(end, PAGE_SIZE);
	if (start >= end)
		return;
	if (nr_taken == MAX_RANGES)
		panic("bootmem: too many reserved ranges");
	taken[nr_taken++] = (struct range){ start, end };
}

void bootmem_set_limit(phys_addr_t limit)
{
	alloc_limit = limit;
}

/*
 * The first free stretch inside [from, end): its start in *start and its
 * end in *stop.  Returns false when [from, end) is all taken.
 */
static bool next_free(phys_addr_t from, phys_addr_t end, phys_addr_t *start, phys_addr_t *stop)
{
	bool moved = true;

	/* Skip over taken ranges that cover `from` until none does. */
	while (moved && from < end) {
		moved = false;
		for (int i = 0; i < nr_taken; i++) {
			if (taken[i].start <= from && from < taken[i].end) {
				from = taken[i].end;
				moved = true;
			}
		}
	}
	if (from >= end)
		return false;
	*start = from;
	*stop = end;
	/* The stretch ends where the next taken range begins. */
	for (int i = 0; i < nr_taken; i++)
		if (taken[i].start > from && taken[i].start < *stop)
			*stop = taken[i].start;
	return true;
}

phys_addr_t bootmem_alloc(u64 size, u64 align)
{
	if (retired)
		panic("bootmem_alloc after the page allocator took over");
	size = ALIGN_UP(size, PAGE_SIZE);
	for (int i = 0; i < nr_ram; i++) {
		phys_addr_t from = ram[i].start, start, stop;

		while (next_free(from, MIN(ram[i].end, alloc_limit), &start, &stop)) {
			phys_addr_t p = ALIGN_UP(start, align);

			if (p + size <= stop) {
				bootmem_reserve(p, p + size);
				memset(phys_to_virt(p), 0, size);
				return p;
			}
			from = stop;
		}
	}
	panic("bootmem: out of memory allocating %lu bytes", size);
}

void bootmem_release_free(void (*fn)(phys_addr_t start, phys_addr_t end))
{
	retired = true;
	for (int i = 0; i < nr_ram; i++) {
		phys_addr_t from = ram[i].start, start, stop;

		while (next_free(from, ram[i].end, &start, &stop)) {
			fn(start, stop);
			from = stop;
		}
	}
}

phys_addr_t bootmem_ram_end(void)
{
	phys_addr_t end = 0;

	for (int i = 0; i < nr_ram; i++)
		end = MAX(end, ram[i].end);
	return end;
}

u64 bootmem_ram_total(void)
{
	u64 total = 0;

	for (int i = 0; i < nr_ram; i++)
		total += ram[i].end - ram[i].start;
	return total;
}
