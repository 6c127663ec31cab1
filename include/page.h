/*
 * struct page: one for every physical page frame, in the array mem_map
 * indexed by page frame number (pfn = physical address / PAGE_SIZE).
 *
 * The buddy allocator (mm/page_alloc.c) hands out blocks of 2^order
 * contiguous pages.  A page is freed when its reference count drops to
 * zero; holding a reference never implies holding the page lock.
 */
#ifndef PAGODA_PAGE_H
#define PAGODA_PAGE_H

#include <list.h>
#include <mm.h>
#include <types.h>

enum page_flag {
	PG_reserved,	/* never given to the allocator (firmware, kernel image) */
	PG_buddy,	/* free, heads a free block of 2^order pages */
	PG_slab,	/* holds kmalloc objects of one size class */
	PG_locked,	/* page lock held (page cache) */
	PG_uptodate,	/* contents valid (page cache) */
	PG_dirty,	/* must be written back (page cache; set_page_dirty) */
	PG_writeback,	/* being written back (page cache) */
	PG_error,	/* the last I/O on it failed (page cache) */
	PG_lru,		/* on an LRU list (mm/lru.c) */
	PG_active,	/* ... the active one, not the inactive one */
	PG_referenced,	/* used since reclaim or the LRU last looked at it */
	PG_waiters,	/* a task may sleep for this page's lock or writeback (filemap.c) */
	PG_anon,	/* a process's anonymous memory (counted in NR_ANON_PAGES until freed) */
};

struct kmem_class;

struct page {
	unsigned long flags;	/* PG_* bits, atomic bit operations */
	int refcount;		/* atomic; 0 = free */
	int mapcount;		/* atomic: user page-table entries mapping it (page_add_rmap) */
	/*
	 * Free-list link while PG_buddy (zone lock); partial-slab link while
	 * PG_slab (the class's lock); free for the owner's use otherwise.
	 */
	struct list_head list;
	union {
		struct {			/* page-cache pages (later) */
			struct address_space *mapping;
			unsigned long index;
		};
		struct {			/* kmalloc slab pages */
			struct kmem_class *slab_class;
			void *slab_free;	/* first free object */
		};
	};
	unsigned int order;	/* block order while PG_buddy; allocation order of a large kmalloc */
	unsigned int slab_inuse;	/* objects handed out from a slab page */
};

extern struct page *mem_map;
extern u64 max_pfn;		/* one past the highest page frame of RAM */

static inline u64 page_to_pfn(const struct page *p) { return (u64)(p - mem_map); }
static inline struct page *pfn_to_page(u64 pfn) { return &mem_map[pfn]; }
static inline phys_addr_t page_to_phys(const struct page *p) { return page_to_pfn(p) << PAGE_SHIFT; }
static inline void *page_address(const struct page *p) { return phys_to_virt(page_to_phys(p)); }
static inline struct page *virt_to_page(const void *va) { return pfn_to_page(virt_to_phys(va) >> PAGE_SHIFT); }

static inline bool page_test_flag(const struct page *p, enum page_flag f)
{
	return __atomic_load_n(&p->flags, __ATOMIC_RELAXED) & (1ul << f);
}
static inline void page_set_flag(struct page *p, enum page_flag f)
{
	__atomic_fetch_or(&p->flags, 1ul << f, __ATOMIC_RELAXED);
}
static inline void page_clear_flag(struct page *p, enum page_flag f)
{
	__atomic_fetch_and(&p->flags, ~(1ul << f), __ATOMIC_RELAXED);
}
/* Set (clear) the flag; true if it was set before. */
static inline bool page_test_and_set_flag(struct page *p, enum page_flag f)
{
	return __atomic_fetch_or(&p->flags, 1ul << f, __ATOMIC_ACQ_REL) & (1ul << f);
}
static inline bool page_test_and_clear_flag(struct page *p, enum page_flag f)
{
	return __atomic_fetch_and(&p->flags, ~(1ul << f), __ATOMIC_ACQ_REL) & (1ul << f);
}

/*
 * Allocation flags: what the allocator may do to find memory when little
 * is free (mm/vmscan.c).  Whatever the flags say, it never sleeps when
 * interrupts are off: every spinlock holder and interrupt handler gets a
 * GFP_NOWAIT allocation, which may dip a little into the reserve instead.
 */
typedef unsigned int gfp_t;
#define GFP_ZERO (1u << 0)	/* fill the pages with zeros */
#define __GFP_RECLAIM (1u << 1)	/* may sleep to reclaim pages, and call the OOM killer */
#define __GFP_FS (1u << 2)	/* ... and may wait for file-system writeback to make progress */
#define GFP_NOWAIT 0u
/*
 * Inside a file system (ext2, the buffer cache), where the caller may hold
 * a page lock or a buffer the flusher needs: reclaim what is clean, never
 * wait for writeback.
 */
#define GFP_NOFS __GFP_RECLAIM
#define GFP_KERNEL (__GFP_RECLAIM | __GFP_FS)

#define MAX_ORDER 10		/* largest block: 2^10 pages = 4 MiB */

struct page *alloc_pages(gfp_t gfp, unsigned int order);
/*
 * Free-page levels in pages (page_alloc.c sets them from the memory size):
 * below low the reclaim thread wakes, and works until high; an allocation
 * that would leave fewer than min free reclaims for itself first.
 */
struct watermarks {
	u64 min, low, high;
};
extern struct watermarks watermarks;
/* A block of 2^order pages if at least keep pages stay free afterwards; not initialised. */
struct page *take_free_block(unsigned int order, u64 keep);
/* alloc_pages when the fast path found too little free (mm/vmscan.c). */
struct page *alloc_pages_slowpath(gfp_t gfp, unsigned int order);
static inline struct page *alloc_page(gfp_t gfp) { return alloc_pages(gfp, 0); }
/* Drop the allocation's reference; the block is freed when none remain. */
void free_pages(struct page *page, unsigned int order);

static inline void get_page(struct page *p) { __atomic_fetch_add(&p->refcount, 1, __ATOMIC_RELAXED); }
static inline void put_page(struct page *p) { free_pages(p, 0); }

/*
 * Turn an allocated block of 2^order pages into 2^order single pages, each
 * with its own reference, to be freed one by one.
 */
void split_page(struct page *page, unsigned int order);

/*
 * A user page-table entry now maps (no longer maps) the page: keeps
 * mapcount and NR_FILE_MAPPED (mm/rmap.c).  Every place that fills or
 * empties a user entry calls one; an entry kept behind PROT_NONE counts.
 */
void page_add_rmap(struct page *page);
void page_remove_rmap(struct page *page);
static inline bool page_mapped(const struct page *p)
{
	return __atomic_load_n(&p->mapcount, __ATOMIC_RELAXED) > 0;
}
/* A page of a process's own memory (PG_anon, counted in NR_ANON_PAGES until freed). */
struct page *alloc_anon_page(gfp_t gfp);

u64 nr_free_pages(void);
/* Free blocks of exactly this order (for self-tests and statistics). */
u64 buddy_free_blocks(unsigned int order);
u64 nr_total_pages(void);	/* pages the allocator manages, free or not */
/* How many invalid frees (double frees, freeing reserved pages) were refused. */
u64 page_alloc_bad_frees(void);

void page_alloc_init(void);
bool page_alloc_is_ready(void);

#endif
