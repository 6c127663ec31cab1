/*
 * Parsing cpio "newc" archives (see include/cpio.h).  Every length is
 * checked against the archive's end: a corrupt archive is -EINVAL, never
 * a read past the buffer.
 */
#include <cpio.h>
#include <errno.h>
#include <string.h>

#define CPIO_FIELDS 13

/* Eight hex digits; false if any is not one. */
static bool parse_hex8(const u8 *s, u32 *out)
{
	u32 v = 0;

	for (int i = 0; i < 8; i++) {
		u8 c = s[i];
		u32 digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (c >= 'a' && c <= 'f')
			digit = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			digit = c - 'A' + 10;
		else
			return false;
		v = v << 4 | digit;
	}
	*out = v;
	return true;
}

int cpio_next(const u8 *base, size_t len, size_t *off, struct cpio_entry *e)
{
	const u8 *h = base + *off;
	u32 f[CPIO_FIELDS];
	size_t name_off, data_off, next;

	if (*off > len || len - *off < CPIO_HEADER_LEN)
		return -EINVAL;
	if (memcmp(h, "070701", 6) != 0 && memcmp(h, "070702", 6) != 0)
		return -EINVAL;
	for (int i = 0; i < CPIO_FIELDS; i++)
		if (!parse_hex8(h + 6 + 8 * i, &f[i]))
			return -EINVAL;
	/* f[11] is the name's size with its NUL, f[6] the data's size. */
	name_off = *off + CPIO_HEADER_LEN;
	if (f[11] == 0 || f[11] > len - name_off || base[name_off + f[11] - 1] != '\0')
		return -EINVAL;
	data_off = ALIGN_UP(name_off + f[11], 4);
	if (data_off > len || f[6] > len - data_off)
		return -EINVAL;
	next = ALIGN_UP(data_off + f[6], 4);
	*e = (struct cpio_entry){
		.ino = f[0], .mode = f[1], .uid = f[2], .gid = f[3], .nlink = f[4],
		.mtime = f[5], .size = f[6], .dev_major = f[7], .dev_minor = f[8],
		.rdev_major = f[9], .rdev_minor = f[10],
		.name = (const char *)base + name_off,
		.data = base + data_off,
	};
	*off = MIN(next, len);
	return strcmp(e->name, CPIO_TRAILER) == 0 ? 0 : 1;
}

bool cpio_more(const u8 *base, size_t len, size_t *off)
{
	while (*off < len && base[*off] == '\0')
		(*off)++;
	return *off < len;
}
