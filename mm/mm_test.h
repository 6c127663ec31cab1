/* Helpers the mm/ self-tests share. */
#ifndef PAGODA_MM_TEST_H
#define PAGODA_MM_TEST_H

struct file;
struct page;

/* readpage of a file of zeros: fills the page, marks it uptodate, unlocks it. */
int ktest_zero_readpage(struct file *file, struct page *page);

#endif
