/*
 * The page cache's index: a radix tree from page number to struct page.
 *
 * Each node has 64 slots, so each level consumes 6 bits of the index; a
 * tree of height h covers indices below 64^h.  The tree grows a level at
 * the top when an index does not fit, and lookups walk from the root.  A
 * sparse file (a hole of gigabytes between two pages) costs a few nodes,
 * not an array the size of the file.
 *
 * All functions here run under mapping->tree_lock.
 */
#include <errno.h>
#include <kmalloc.h>
#include <pagecache.h>

static unsigned long max_index(unsigned int height)
{
	return height * PAGE_INDEX_BITS >= 64 ? ~0ul : (1ul << (height * PAGE_INDEX_BITS)) - 1;
}

static unsigned int slot_of(unsigned long index, unsigned int level)
{
	return (index >> (level * PAGE_INDEX_BITS)) & (PAGE_INDEX_SLOTS - 1);
}

struct page *page_index_lookup(struct address_space *m, unsigned long index)
{
	struct page_index_node *node = m->root;

	if (!node || index > max_index(m->height))
		return NULL;
	for (unsigned int level = m->height - 1; level > 0; level--) {
		node = node->slots[slot_of(index, level)];
		if (!node)
			return NULL;
	}
	return node->slots[slot_of(index, 0)];
}

/* Insert page at index; the slot must be empty.  GFP_KERNEL allocations: no locks but tree_lock. */
int page_index_insert(struct address_space *m, unsigned long index, struct page *page)
{
	struct page_index_node *node;

	/* Grow upwards until index fits: the old root becomes slot 0 of a new one. */
	while (!m->root || index > max_index(m->height)) {
		struct page_index_node *top = kzalloc(sizeof(*top), GFP_KERNEL);

		if (!top)
			return -ENOMEM;
		if (m->root) {
			top->slots[0] = m->root;
			top->count = 1;
		}
		m->root = top;
		m->height++;
	}
	node = m->root;
	for (unsigned int level = m->height - 1; level > 0; level--) {
		void **slot = &node->slots[slot_of(index, level)];

		if (!*slot) {
			*slot = kzalloc(sizeof(struct page_index_node), GFP_KERNEL);
			if (!*slot)
				return -ENOMEM;
			node->count++;
		}
		node = *slot;
	}
	if (node->slots[slot_of(index, 0)])
		return -EEXIST;
	node->slots[slot_of(index, 0)] = page;
	node->count++;
	return 0;
}

/* Remove index's page; free nodes that become empty on the way back up. */
static bool remove_below(struct page_index_node *node, unsigned long index, unsigned int level)
{
	unsigned int s = slot_of(index, level);

	if (!node->slots[s])
		return false;
	if (level > 0) {
		struct page_index_node *child = node->slots[s];

		if (!remove_below(child, index, level - 1))
			return false;
		if (child->count > 0)
			return true;
		kfree(child);
	}
	node->slots[s] = NULL;
	node->count--;
	return true;
}

void page_index_remove(struct address_space *m, unsigned long index)
{
	if (!m->root || index > max_index(m->height))
		return;
	remove_below(m->root, index, m->height - 1);
	if (m->root->count == 0) {
		kfree(m->root);
		m->root = NULL;
		m->height = 0;
	}
}

/*
 * The first page at or after *index, or NULL; *index is set to its index.
 * Used to walk a file's cached pages in ascending order (truncate).
 */
static struct page *next_below(struct page_index_node *node, unsigned long *index,
			       unsigned int level)
{
	for (unsigned int s = slot_of(*index, level); s < PAGE_INDEX_SLOTS; s++) {
		unsigned long span = 1ul << (level * PAGE_INDEX_BITS);
		unsigned long base = *index & ~((span << PAGE_INDEX_BITS) - 1);

		if (s != slot_of(*index, level))
			*index = base + s * span;	/* moved on: start of that slot */
		if (!node->slots[s])
			continue;
		if (level == 0)
			return node->slots[s];
		struct page *p = next_below(node->slots[s], index, level - 1);
		if (p)
			return p;
	}
	return NULL;
}

struct page *page_index_next(struct address_space *m, unsigned long *index)
{
	if (!m->root || *index > max_index(m->height))
		return NULL;
	return next_below(m->root, index, m->height - 1);
}
