/*
 * fuzz_imapcmd.c -- arbitrary bytes as an IMAP client's input: commands
 * are parsed one after another (as the session would, skipping bad
 * lines) under the pre-login and the post-login limits, every atom
 * is also tried as a sequence set, every argument as FETCH items,
 * every string as a CATENATE URL, and every literal8 as APPEND's
 * binary input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap_int.h"

static void
seqsets(const struct imap_arg *v, size_t n, unsigned depth)
{
	struct imap_seqset s;
	size_t i;

	for (i = 0; i < n; i++) {
		(void)imap_fetch_items_check(&v[i]);
		if (v[i].type == IMAP_ARG_LIST && depth < 64)
			seqsets(v[i].list, v[i].nlist, depth + 1);
		if (v[i].type != IMAP_ARG_LIST) {
			struct imap_url u;
			const char *why;

			if (imap_url_parse(v[i].str, v[i].len, &u, &why) == 0)
				imap_url_free(&u);
		}
		if (v[i].literal8) {
			struct buf b;

			buf_init(&b, 0);
			imap_binary_convert(v[i].str, v[i].len, &b);
			buf_free(&b);
		}
		if (v[i].type != IMAP_ARG_ATOM)
			continue;
		if (imap_seqset_parse(v[i].str, v[i].len, &s) == 0) {
			(void)imap_seqset_has(&s, 1, 10);
			imap_seqset_free(&s);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_limits lim;
	int auth;

	for (auth = 0; auth < 2; auth++) {
		const char *p = (const char *)data;
		size_t left = size;

		imap_limits_default(&lim, auth);
		while (left > 0) {
			struct imap_cmd cmd;
			struct err err;
			size_t used, lit;
			enum imap_parse r;

			r = imap_cmd_parse(p, left, &lim, &cmd, &used, &lit,
			    &err);
			if (r == IMAP_PARSE_OK)
				seqsets(cmd.args, cmd.nargs, 0);
			imap_cmd_free(&cmd);
			if (used == 0 || used > left)
				break;
			p += used;
			left -= used;
		}
	}
	return 0;
}
