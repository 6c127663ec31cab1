/*
 * vsnprintf: the formatting engine behind printk.  It understands what the
 * kernel uses: %d %i %u %x %X %o %c %s %p %%, the length modifiers l, ll,
 * z and h, a field width (or *), a precision for strings, and the flags
 * '-' (left-justify), '0' (zero-pad), '#' (0x prefix) and '+'.
 * Like C's, it returns the length the full output would have had.
 */
#include <printk.h>
#include <string.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, alt, plus;
	int width;
	int precision; /* -1: none */
};

static void put_string(struct out *o, const struct spec *sp, const char *s)
{
	int len;

	if (!s)
		s = "(null)";
	len = sp->precision >= 0 ? (int)strnlen(s, sp->precision) : (int)strlen(s);
	if (!sp->left)
		pad(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - len);
}

static void put_number(struct out *o, const struct spec *sp, unsigned long long v,
		       bool negative, int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	const char *prefix = "";
	int n = 0, width;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);

	if (negative)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->alt && base == 16)
		prefix = upper ? "0X" : "0x";
	width = sp->width - n - (int)strlen(prefix);

	if (!sp->left && !sp->zero)
		pad(o, ' ', width);
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	if (!sp->left && sp->zero)
		pad(o, '0', width);
	while (n > 0)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', width);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		struct spec sp = { .precision = -1 };
		int lng = 0; /* 0: int, 1: long, 2: long long, -1: short */
		unsigned long long uv;
		long long sv;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '#')
				sp.alt = true;
			else if (*fmt == '+')
				sp.plus = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			sp.precision = 0;
			fmt++;
			if (*fmt == '*') {
				sp.precision = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.precision = sp.precision * 10 + (*fmt++ - '0');
			}
		}
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z')
				lng = 1;
			else if (*fmt == 'h')
				lng = -1;
			else
				break;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng >= 2)
				sv = va_arg(ap, long long);
			else if (lng == 1)
				sv = va_arg(ap, long);
			else
				sv = va_arg(ap, int);
			uv = sv < 0 ? -(unsigned long long)sv : (unsigned long long)sv;
			put_number(&o, &sp, uv, sv < 0, 10, false);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng >= 2)
				uv = va_arg(ap, unsigned long long);
			else if (lng == 1)
				uv = va_arg(ap, unsigned long);
			else
				uv = va_arg(ap, unsigned int);
			if (lng < 0)
				uv = (unsigned short)uv;
			put_number(&o, &sp, uv, false,
				   *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X');
			break;
		case 'p':
			/* Pointers print as 16 hex digits, like Linux's %px. */
			sp.zero = true;
			sp.width = 16;
			put_number(&o, &sp, (unsigned long)va_arg(ap, void *), false, 16, false);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's':
			put_string(&o, &sp, va_arg(ap, const char *));
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: stop at the NUL */
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
