/*
 * x86-64 four-level page tables: PML4 -> PDPT -> PD -> PT, 512 entries of
 * 8 bytes at each level, each level indexed by 9 bits of the address.
 */
#ifndef PAGODA_PAGING_H
#define PAGODA_PAGING_H

#include <types.h>

typedef u64 pte_t;

#define PTE_PRESENT (1ul << 0)
#define PTE_WRITE (1ul << 1)
#define PTE_USER (1ul << 2)
#define PTE_PWT (1ul << 3)		/* write-through */
#define PTE_PCD (1ul << 4)		/* cache disable */
#define PTE_ACCESSED (1ul << 5)
#define PTE_DIRTY (1ul << 6)
#define PTE_HUGE (1ul << 7)		/* 2 MiB page at the PD level */
#define PTE_GLOBAL (1ul << 8)		/* kept in the TLB across CR3 loads */
#define PTE_PROTNONE (1ul << 9)		/* software: a PROT_NONE page (not present, still ours) */
#define PTE_NX (1ul << 63)		/* not executable */
#define PTE_ADDR_MASK 0x000ffffffffff000ul

/* Common combinations for kernel mappings. */
#define PAGE_KERNEL_RW (PTE_PRESENT | PTE_WRITE | PTE_GLOBAL | PTE_NX)
#define PAGE_KERNEL_RO (PTE_PRESENT | PTE_GLOBAL | PTE_NX)
#define PAGE_KERNEL_RX (PTE_PRESENT | PTE_GLOBAL)
#define PAGE_KERNEL_MMIO (PAGE_KERNEL_RW | PTE_PCD | PTE_PWT)

extern pte_t *kernel_pml4;

int map_page(pte_t *pml4, u64 va, phys_addr_t pa, u64 flags);
int map_huge_page(pte_t *pml4, u64 va, phys_addr_t pa, u64 flags);
/* Remove a 4 KiB mapping and flush it from this CPU's TLB. */
void unmap_page(pte_t *pml4, u64 va);
/*
 * Look va up: false if not mapped, else its physical address and the
 * effective permissions (writable and user only if every level allows
 * it, not executable if any level forbids it) in *flags.
 */
bool translate(pte_t *pml4, u64 va, phys_addr_t *pa, u64 *flags);
/* The 4 KiB-level entry for va, creating the tables above it if `create`. */
pte_t *page_walk(pte_t *pml4, u64 va, bool create);
/*
 * Call fn for every 4 KiB entry in the user range [start, end) that holds
 * a page: present, or kept behind PROT_NONE (PTE_PROTNONE), in address
 * order.  A nonzero return from fn stops the walk and is returned.
 */
int for_each_user_pte(pte_t *pml4, u64 start, u64 end,
		      int (*fn)(pte_t *pte, u64 va, void *arg), void *arg);
/* Free the tables below a top-level entry already taken out of its PML4. */
void free_pml4_entry_tables(pte_t entry);
/*
 * Tear down the user half in one pass: each mapping drops its page
 * reference, then the tables are freed.  Only for tables no CPU has
 * loaded (so no TLB holds their translations and no flush is owed).
 */
void free_user_address_space(pte_t *pml4);
/* Call fn for every present leaf mapping in [start, end). */
void for_each_mapping(pte_t *pml4, u64 start, u64 end,
		      void (*fn)(u64 va, u64 size, u64 flags, void *arg), void *arg);

/* Map device registers uncached into the ioremap area. */
void *ioremap(phys_addr_t pa, u64 size);

/* Firmware tables (ACPI): direct-mapped if possible, else ioremapped. */
const void *map_phys(phys_addr_t pa, u64 len);

/* has_ram tells which 2 MiB chunks hold RAM (or firmware tables): only those are mapped. */
void paging_init(phys_addr_t direct_map_end, bool (*has_ram)(phys_addr_t start, phys_addr_t end));

#endif
