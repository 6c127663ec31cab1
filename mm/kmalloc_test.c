/* Self-tests for kmalloc (mm/kmalloc.c). */
#include <kmalloc.h>
#include <ktest.h>
#include <string.h>

#define NOBJ 300

KTEST(kmalloc_sizes_and_alignment)
{
	static const size_t sizes[] = { 1, 8, 16, 17, 33, 100, 128, 500, 1024, 2000, 2048, 2049, 4096, 10000, 65536 };

	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = kmalloc(sizes[i], GFP_KERNEL);

		if (!KEXPECT(p != NULL))
			continue;
		KEXPECT(ksize(p) >= sizes[i]);
		KEXPECT_EQ((u64)p % 16, 0);
		if (sizes[i] > 2048)
			KEXPECT_EQ((u64)p % PAGE_SIZE, 0);
		memset(p, 0x5a, ksize(p));
		kfree(p);
	}
	KEXPECT(kmalloc(0, GFP_KERNEL) == NULL);
	KEXPECT(kmalloc(1ul << 40, GFP_KERNEL) == NULL);
	kfree(NULL);	/* allowed, does nothing */
}

KTEST(kmalloc_objects_do_not_overlap)
{
	static u8 *objs[NOBJ];
	bool intact = true;

	for (int i = 0; i < NOBJ; i++) {
		size_t size = 8 + (i * 37) % 3000;

		objs[i] = kmalloc(size, GFP_KERNEL);
		if (!KEXPECT(objs[i] != NULL))
			return;
		memset(objs[i], i & 0xff, size);
	}
	for (int i = 0; i < NOBJ; i++) {
		size_t size = 8 + (i * 37) % 3000;

		for (size_t b = 0; b < size; b++)
			intact &= objs[i][b] == (i & 0xff);
		kfree(objs[i]);
	}
	KEXPECT(intact);
}

KTEST(kzalloc_zeroes_reused_memory)
{
	u8 *p = kmalloc(200, GFP_KERNEL);
	bool zero = true;

	if (!KEXPECT(p != NULL))
		return;
	memset(p, 0xee, 200);
	kfree(p);
	p = kzalloc(200, GFP_KERNEL);	/* the slab is LIFO: the same object */
	for (int i = 0; i < 200; i++)
		zero &= p[i] == 0;
	KEXPECT(zero);
	kfree(p);
}

KTEST(kmalloc_returns_pages)
{
	u64 before;

	/* Warm every class up once, so that each keeps its one cached slab. */
	for (size_t s = 16; s <= 2048; s *= 2)
		kfree(kmalloc(s, GFP_KERNEL));
	before = nr_free_pages();
	for (int round = 0; round < 20; round++) {
		static void *p[64];

		for (int i = 0; i < 64; i++)
			p[i] = kmalloc(16 << (i % 8), GFP_KERNEL);
		for (int i = 0; i < 64; i++)
			kfree(p[i]);
		kfree(kmalloc(20000, GFP_KERNEL));
	}
	KEXPECT_EQ(nr_free_pages(), before);
}
