/*
 * fuzz_statsfile.c -- the two things mailstats reads from disk, on
 * arbitrary bytes: the statistics file (stats_decode; whatever decodes
 * must encode back to the same bytes but for the padding) and the cf
 * (stats_cf_scan: names always terminated, at most 25 of them).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats/stats.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char again[STATS_SIZE];
	struct stats s, t;
	struct stats_cf cf;
	int version, i;

	if (stats_decode(data, size, &s, &version) == STATS_OK) {
		stats_encode(&s, again);
		if (stats_decode(again, sizeof(again), &t, &version) !=
		    STATS_OK || memcmp(&s, &t, sizeof(s)) != 0)
			abort();
	}
	(void)stats_cf_scan((const char *)data, size, &cf);
	if (cf.nmailers < 3 || cf.nmailers > STATS_MAILERS)
		abort();
	for (i = 0; i < cf.nmailers; i++)
		if (strlen(cf.names[i]) > STATS_NAMELEN)
			abort();
	stats_cf_free(&cf);
	return 0;
}
