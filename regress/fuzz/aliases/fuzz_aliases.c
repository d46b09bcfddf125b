/*
 * fuzz_aliases.c -- the aliases(5) parser on arbitrary bytes: parsed
 * whole and fed in pieces whose sizes come from the input, with a small
 * and the default line limit.  It must never crash or leak; both ways
 * must give the same lines; every line must fit the limit, its colon
 * and value must lie inside it, and line numbers never go down.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "map/map.h"

static void
run(const uint8_t *data, size_t size, size_t step, size_t linemax,
    struct buf *out)
{
	struct map_alias_parser *p = map_alias_parser_new(linemax);
	struct map_alias_ent e;
	enum map_alias_next r;
	unsigned long last = 0;
	size_t off = 0, n, max = linemax ? linemax : MAP_ALIAS_LINEMAX;

	for (;;) {
		r = map_alias_parser_next(p, &e);
		if (r == MAP_ALIAS_END)
			break;
		if (r == MAP_ALIAS_MORE) {
			if (off == size) {
				map_alias_parser_eof(p);
				continue;
			}
			n = size - off < step ? size - off : step;
			map_alias_parser_feed(p, data + off, n);
			off += n;
			continue;
		}
		if (e.lineno < last || e.len > max)
			abort();
		last = e.lineno;
		if (r == MAP_ALIAS_ENT) {
			if (e.colon >= e.len || e.line[e.colon] != ':' ||
			    e.rhs < e.line || e.rhs + e.rhslen != e.line + e.len)
				abort();
			(void)buf_printf(out, "%lu E %s\n", e.lineno, e.line);
		} else
			(void)buf_printf(out, "%lu %d\n", e.lineno, e.kind);
	}
	map_alias_parser_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a, b;
	size_t step = size > 0 ? (size_t)data[0] % 7 + 1 : 1;
	size_t limits[2] = { 16, 0 };
	int i;

	for (i = 0; i < 2; i++) {
		buf_init(&a, 0);
		buf_init(&b, 0);
		run(data, size, size ? size : 1, limits[i], &a);
		run(data, size, step, limits[i], &b);
		if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len)))
			abort();
		buf_free(&a);
		buf_free(&b);
	}
	return 0;
}
