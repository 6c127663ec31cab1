/* Kernel command-line lookup (see cmdline.h). */
#include <boot.h>
#include <cmdline.h>
#include <compiler.h>
#include <string.h>

bool cmdline_get(const char *key, char *buf, size_t size)
{
	return cmdline_find(boot_info.cmdline, key, buf, size);
}

bool cmdline_find(const char *cmdline, const char *key, char *buf, size_t size)
{
	const char *p = cmdline;
	size_t klen = strlen(key);

	while (*p) {
		const char *word = p, *end;

		while (*p && *p != ' ')
			p++;
		end = p;
		while (*p == ' ')
			p++;
		if ((size_t)(end - word) < klen || strncmp(word, key, klen) != 0)
			continue;
		if (word + klen == end || word[klen] == '=') {
			const char *v = word + klen + (word + klen < end);
			size_t n = MIN((size_t)(end - v), size - 1);

			memcpy(buf, v, n);
			buf[n] = '\0';
			return true;
		}
	}
	return false;
}
