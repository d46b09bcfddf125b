/*
 * fuzz_makemap_line.c -- arbitrary bytes as makemap input: cut into
 * pieces by map_line_split() and parsed by map_line_parse() under
 * option sets taken from the first byte (separator, comment, -f, -e),
 * checking that every entry's key and value lie within the piece.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "map/map.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct map_line_opts o;
	struct map_line ln;
	const char *p = (const char *)data;
	size_t off = 0, plen;
	int nl;

	memset(&o, 0, sizeof(o));
	if (size > 0) {
		o.sep = (data[0] & 1) ? ':' : 0;
		o.comment = (data[0] & 2) ? ';' : '#';
		o.foldcase = !(data[0] & 4);
		o.allowempty = (data[0] & 8) != 0;
		o.piece = (data[0] & 16) ? 7 : 0;
	}
	buf_init(&ln.key, 0);
	while (map_line_split(p + off, size - off, 1, o.piece, &plen, &nl)) {
		const char *piece = p + off;

		assert(plen > 0 && plen <= size - off);
		off += plen;
		if (map_line_parse(piece, plen, off == size, &o, &ln) ==
		    MAP_LINE_ENTRY) {
			assert(ln.val >= piece && ln.val + ln.vallen <=
			    piece + plen);
			assert(ln.key.len <= plen);
		}
	}
	assert(off == size);
	buf_free(&ln.key);
	return 0;
}
