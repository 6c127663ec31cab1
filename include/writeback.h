/*
 * The flusher, dirty throttling, and the tunables behind /proc/sys/vm
 * (mm/flusher.c).  How one file's pages are written back is in
 * pagecache.h (filemap_writeback, filemap_write_and_wait).
 */
#ifndef PAGODA_WRITEBACK_H
#define PAGODA_WRITEBACK_H

#include <types.h>

struct address_space;
struct page;

/* /proc/sys/vm, with Linux's names, meanings and defaults. */
extern int dirty_background_ratio;	/* % of dirtyable memory: the flusher starts */
extern int dirty_ratio;			/* %: writers wait for writeback */
extern int dirty_expire_centisecs;	/* data dirty this long is written by the next pass */
extern int dirty_writeback_centisecs;	/* the flusher's period (0: no periodic passes) */

/* Start the flusher thread. */
void flusher_start(void);
/* A file got its first dirty page: put it on the flusher's list (tree_lock held). */
void flusher_note_dirty_mapping(struct address_space *m);
/* The file is going away (its inode is evicted): off the flusher's list. */
void flusher_forget_mapping(struct address_space *m);
/* Wake the flusher for a pass now (reclaim, or too many dirty pages). */
void wakeup_flusher(void);

/*
 * Throttling: called by writers before they dirty more (no page lock
 * held).  Past the background threshold it wakes the flusher; past
 * dirty_ratio it waits until writeback brings the dirty pages back under.
 */
void balance_dirty_pages(void);

/*
 * Reclaim found a dirty page it cannot free: the flusher writes it (the
 * queue holds a reference, never the lock).  False if the queue is full.
 */
bool writeback_queue_page(struct page *page);

/* Some page's writeback ended (end_page_writeback; any context). */
void writeback_done_wake(void);
/* Sleep until some page's writeback ends, or timeout_ns passes. */
void wait_for_writeback(u64 timeout_ns);

/* The thresholds now, in pages: the flusher's and the writers'. */
void dirty_thresholds(unsigned long *background, unsigned long *limit);

#endif
