/*
 * Circular doubly linked lists with the link embedded in the element, the
 * way Linux does it: a struct list_head inside the object, container_of()
 * to get back from the link to the object.
 */
#ifndef PAGODA_LIST_H
#define PAGODA_LIST_H

#include <compiler.h>
#include <types.h>

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_head *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }

static inline void list_insert_between(struct list_head *n, struct list_head *prev, struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

/* Insert n right after head (stack order). */
static inline void list_add(struct list_head *n, struct list_head *head) { list_insert_between(n, head, head->next); }
/* Insert n right before head, i.e. at the tail (queue order). */
static inline void list_add_tail(struct list_head *n, struct list_head *head) { list_insert_between(n, head->prev, head); }

static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

/* Unlink n and make it an empty list of its own (list_empty(n) is then true). */
static inline void list_del_init(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

/* Move n to the end of the list at head. */
static inline void list_move_tail(struct list_head *n, struct list_head *head)
{
	list_del(n);
	list_add_tail(n, head);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)

#define list_for_each_entry(pos, head, member)                                   \
	for (pos = list_entry((head)->next, __typeof__(*pos), member);          \
	     &pos->member != (head);                                            \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

/* The same, but pos may be unlinked (or freed) inside the loop. */
#define list_for_each_entry_safe(pos, next, head, member)                        \
	for (pos = list_entry((head)->next, __typeof__(*pos), member),          \
	     next = list_entry(pos->member.next, __typeof__(*pos), member);     \
	     &pos->member != (head);                                            \
	     pos = next, next = list_entry(next->member.next, __typeof__(*pos), member))

#endif
