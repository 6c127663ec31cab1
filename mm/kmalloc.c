/*
 * kmalloc: a small slab allocator over the buddy allocator.
 *
 * Each size class (16, 32, ..., 2048 bytes) owns some slab pages.  A slab
 * page is one 4 KiB page cut into equal objects; its free objects form a
 * list threaded through the objects themselves, headed by page->slab_free.
 * The class keeps the slab pages that still have free objects on a
 * "partial" list.  kfree finds the object's page through the direct map
 * (virt_to_page), and so its class.
 *
 * Requests above 2048 bytes get a block of whole pages; the block's order
 * is kept in its first struct page so kfree knows how much to free.
 *
 * Lock: each class's lock protects its partial list and, for its slab
 * pages, slab_free and slab_inuse.
 */
#include <kmalloc.h>
#include <panic.h>
#include <spinlock.h>
#include <string.h>
#include <vmstat.h>

struct kmem_class {
	struct spinlock lock;
	size_t size;
	struct list_head partial;	/* lock: slab pages with a free object */
	unsigned int partial_count;	/* lock */
};

#define NR_CLASSES 8
#define SMALLEST_CLASS 16

static struct kmem_class classes[NR_CLASSES];

static struct kmem_class *class_for(size_t size)
{
	for (int i = 0; i < NR_CLASSES; i++)
		if (size <= classes[i].size)
			return &classes[i];
	return NULL;
}

void kmalloc_init(void)
{
	for (int i = 0; i < NR_CLASSES; i++) {
		spin_init(&classes[i].lock, "kmem_class");
		classes[i].size = SMALLEST_CLASS << i;
		list_init(&classes[i].partial);
	}
}

/* Make a new slab page for class c, all objects free; no lock needed yet. */
static struct page *new_slab(struct kmem_class *c, gfp_t gfp)
{
	struct page *page = alloc_page(gfp & ~GFP_ZERO);
	char *base;

	if (!page)
		return NULL;
	base = page_address(page);
	page_set_flag(page, PG_slab);
	inc_vm_stat(NR_SLAB);
	page->slab_class = c;
	page->slab_inuse = 0;
	page->slab_free = NULL;
	/* Thread the free list from the last object down, so it starts at base. */
	for (size_t i = PAGE_SIZE / c->size; i-- > 0;) {
		*(void **)(base + i * c->size) = page->slab_free;
		page->slab_free = base + i * c->size;
	}
	return page;
}

static void *slab_alloc(struct kmem_class *c, gfp_t gfp)
{
	struct page *page;
	void *obj;

	spin_lock(&c->lock);
	if (list_empty(&c->partial)) {
		spin_unlock(&c->lock);
		page = new_slab(c, gfp);	/* outside the lock: the page allocator takes its own */
		if (!page)
			return NULL;
		spin_lock(&c->lock);
		list_add(&page->list, &c->partial);
		c->partial_count++;
	}
	page = list_first_entry(&c->partial, struct page, list);
	obj = page->slab_free;
	page->slab_free = *(void **)obj;
	page->slab_inuse++;
	if (!page->slab_free) {		/* full: off the partial list */
		list_del(&page->list);
		c->partial_count--;
	}
	spin_unlock(&c->lock);
	return obj;
}

static void free_slab(struct page *page)
{
	page_clear_flag(page, PG_slab);
	dec_vm_stat(NR_SLAB);
	free_pages(page, 0);
}

static void slab_free(struct page *page, void *obj)
{
	struct kmem_class *c = page->slab_class;
	bool release = false;

	if ((u64)((char *)obj - (char *)page_address(page)) % c->size)
		panic("kfree(%p): not the start of a %zu-byte object", obj, c->size);
	spin_lock(&c->lock);
	if (!page->slab_free) {		/* was full: back on the partial list */
		list_add(&page->list, &c->partial);
		c->partial_count++;
	}
	*(void **)obj = page->slab_free;
	page->slab_free = obj;
	page->slab_inuse--;
	/* Keep one empty slab per class to avoid churn; return the rest. */
	if (page->slab_inuse == 0 && c->partial_count > 1) {
		list_del(&page->list);
		c->partial_count--;
		release = true;
	}
	spin_unlock(&c->lock);

	if (release)
		free_slab(page);
}

static unsigned int order_for(size_t size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

void *kmalloc(size_t size, gfp_t gfp)
{
	struct kmem_class *c;
	struct page *page;
	void *p;

	if (size == 0)
		return NULL;
	c = class_for(size);
	if (c) {
		p = slab_alloc(c, gfp);
		if (p && (gfp & GFP_ZERO))
			memset(p, 0, c->size);
		return p;
	}
	if (order_for(size) > MAX_ORDER)
		return NULL;
	page = alloc_pages(gfp & ~GFP_ZERO, order_for(size));
	if (!page)
		return NULL;
	mod_vm_stat(NR_SLAB, 1l << page->order);	/* kernel memory, as slab pages are */
	if (gfp & GFP_ZERO)
		memset(page_address(page), 0, size);
	return page_address(page);
}

void kfree(const void *ptr)
{
	struct page *page;

	if (!ptr)
		return;
	page = virt_to_page(ptr);
	if (page_test_flag(page, PG_slab)) {
		slab_free(page, (void *)ptr);
	} else {
		mod_vm_stat(NR_SLAB, -(1l << page->order));
		free_pages(page, page->order);
	}
}

char *kstrdup(const char *s, gfp_t gfp)
{
	size_t len = strlen(s) + 1;
	char *copy = kmalloc(len, gfp);

	if (copy)
		memcpy(copy, s, len);
	return copy;
}

size_t ksize(const void *ptr)
{
	struct page *page = virt_to_page(ptr);

	if (page_test_flag(page, PG_slab))
		return page->slab_class->size;
	return PAGE_SIZE << page->order;
}

/*
 * Free every empty slab page the classes keep (see slab_free): after this
 * the free-page count reflects only the objects still allocated.
 */
unsigned long kmalloc_shrink(void)
{
	unsigned long freed = 0;

	for (int i = 0; i < NR_CLASSES; i++) {
		struct kmem_class *c = &classes[i];

		for (;;) {
			struct page *page, *empty = NULL;

			spin_lock(&c->lock);
			list_for_each_entry(page, &c->partial, list) {
				if (page->slab_inuse == 0) {
					empty = page;
					break;
				}
			}
			if (empty) {
				list_del(&empty->list);
				c->partial_count--;
			}
			spin_unlock(&c->lock);
			if (!empty)
				break;
			free_slab(empty);
			freed++;
		}
	}
	return freed;
}
