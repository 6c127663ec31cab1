/*
 * The cpio "newc" archive format (fs/cpio.c), as made by
 * `cpio -H newc -o` and read by the initramfs unpacker.
 *
 * Each member is a 110-byte ASCII header ("070701" and thirteen 8-digit
 * hex fields), the NUL-terminated name, then the data, name and data each
 * padded to a multiple of 4 bytes.  A member named "TRAILER!!!" ends the
 * archive; several archives may follow each other, padded with NULs.
 */
#ifndef PAGODA_CPIO_H
#define PAGODA_CPIO_H

#include <types.h>

#define CPIO_HEADER_LEN 110
#define CPIO_TRAILER "TRAILER!!!"

struct cpio_entry {
	const char *name;	/* NUL-terminated, inside the archive */
	u32 ino, mode, uid, gid, nlink, mtime;
	u32 dev_major, dev_minor;	/* of the file system it came from */
	u32 rdev_major, rdev_minor;	/* device files */
	const void *data;	/* inside the archive */
	u32 size;
};

/*
 * Read the member at *off of the archive [base, base + len) into e and
 * move *off past it: 1 for a member, 0 for the trailer, -EINVAL for a
 * malformed archive.
 */
int cpio_next(const u8 *base, size_t len, size_t *off, struct cpio_entry *e);
/* Skip NUL padding between archives; true if another member follows. */
bool cpio_more(const u8 *base, size_t len, size_t *off);

#endif
