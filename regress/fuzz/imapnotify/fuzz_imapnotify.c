/*
 * fuzz_imapnotify.c -- arbitrary bytes as IMAP commands (post-login
 * limits), each command's arguments read as NOTIFY's (RFC 5465) by
 * imap_notify_parse: groups, mailbox names, events and MessageNew's
 * fetch attributes; the typed value it gives is walked and freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap_int.h"

static void
walk(const struct imap_notify_set *set)
{
	size_t i, j, total = 0;
	unsigned bit;

	for (i = 0; i < set->ngroups; i++)
		for (j = 0; j < set->groups[i].nnames; j++)
			total += strlen(set->groups[i].names[j]);
	for (bit = 1; bit <= IMAP_NOTIFY_SRVMETA; bit <<= 1)
		if ((set->used & bit) && imap_notify_event_name(bit) == NULL)
			abort();
	if (set->fetch != NULL && imap_fetch_items_check(set->fetch) != 0)
		abort();	/* kept only when FETCH takes it */
	(void)total;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_limits lim;
	const char *p = (const char *)data;
	size_t left = size;

	imap_limits_default(&lim, 1);
	while (left > 0) {
		struct imap_cmd cmd;
		struct imap_notify_set set;
		struct err err;
		const char *why;
		size_t used, lit;
		enum imap_parse r;

		r = imap_cmd_parse(p, left, &lim, &cmd, &used, &lit, &err);
		if (r == IMAP_PARSE_OK) {
			if (imap_notify_parse(cmd.args, cmd.nargs, &set,
			    &why) == 0)
				walk(&set);
			imap_notify_set_free(&set);
		}
		imap_cmd_free(&cmd);
		if (used == 0 || used > left)
			break;
		p += used;
		left -= used;
	}
	return 0;
}
