/*
 * imap_sort.c -- SORT and UID SORT (RFC 5256, with RFC 5957's
 * DISPLAYFROM/DISPLAYTO): the messages SEARCH keys select, ordered by
 * ARRIVAL, DATE, SIZE, SUBJECT (base subject), FROM, TO, CC and their
 * REVERSE, ties by sequence number.  Keys are computed once per message
 * and sorted with qsort, so a SORT is O(n log n) plus one read of each
 * message that a header key needs.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define CRIT_MAX	16

enum crit {
	S_ARRIVAL, S_DATE, S_SIZE, S_SUBJECT, S_FROM, S_TO, S_CC,
	S_DISPLAYFROM, S_DISPLAYTO
};

struct sortkey {
	size_t		 seq;
	int64_t		 num[CRIT_MAX];
	char		*str[CRIT_MAX];
};

static struct {
	enum crit	 c[CRIT_MAX];
	int		 rev[CRIT_MAX];
	size_t		 n;
} order;

static const char *const weekday_months[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
	"nov", "dec"
};

/* RFC 5322 date-time ("Sat, 24 Mar 2007 23:00:00 +0200") as UTC;
 * -1 when it cannot be read. */
int64_t
imap_rfc822_date(const char *v)
{
	const char *p = strchr(v, ',');
	char mon[4], zone[16];
	int d, y, H, M, S = 0, m, n;
	struct tm tm;
	int64_t t, off = 0;

	p = p ? p + 1 : v;
	zone[0] = '\0';
	n = sscanf(p, " %d %3s %d %d:%d:%d %15s", &d, mon, &y, &H, &M, &S,
	    zone);
	if (n < 5) {
		return -1;
	}
	if (n == 5) {
		/* no seconds: "hh:mm zone" */
		const char *z = strchr(p, ':');

		S = 0;
		if (z != NULL && sscanf(z + 3, " %15s", zone) != 1)
			zone[0] = '\0';
	}
	for (m = 0; m < 12; m++)
		if (str_ncasecmp(mon, weekday_months[m], 3) == 0)
			break;
	if (m == 12)
		return -1;
	if (y < 50)
		y += 2000;
	else if (y < 1000)
		y += 1900;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = d;
	tm.tm_mon = m;
	tm.tm_year = y - 1900;
	tm.tm_hour = H;
	tm.tm_min = M;
	tm.tm_sec = S;
	t = (int64_t)timegm(&tm);
	if ((zone[0] == '+' || zone[0] == '-') && isdigit((unsigned char)
	    zone[1])) {
		long z = strtol(zone + 1, NULL, 10);

		off = (z / 100) * 3600 + (z % 100) * 60;
		if (zone[0] == '-')
			off = -off;
	} else if (str_casecmp(zone, "EST") == 0)
		off = -5 * 3600;
	else if (str_casecmp(zone, "EDT") == 0)
		off = -4 * 3600;
	else if (str_casecmp(zone, "CST") == 0)
		off = -6 * 3600;
	else if (str_casecmp(zone, "CDT") == 0)
		off = -5 * 3600;
	else if (str_casecmp(zone, "MST") == 0)
		off = -7 * 3600;
	else if (str_casecmp(zone, "MDT") == 0)
		off = -6 * 3600;
	else if (str_casecmp(zone, "PST") == 0)
		off = -8 * 3600;
	else if (str_casecmp(zone, "PDT") == 0)
		off = -7 * 3600;
	return t - off;
}

/* A "[blob]" and the blanks after it: its length, or 0. */
static size_t
skip_blob(const char *s)
{
	size_t i = 1;

	if (s[0] != '[')
		return 0;
	while (s[i] != '\0' && s[i] != '[' && s[i] != ']')
		i++;
	if (s[i] != ']')
		return 0;
	i++;
	while (s[i] == ' ')
		i++;
	return i;
}

/* RFC 5256's base subject, upper-cased for comparing; *reply_out
 * (may be NULL) tells whether a re:/fwd: part was taken away. */
char *
imap_base_subject(const char *v, int *reply_out)
{
	int reply = 0;

	struct buf b;
	char *s, *p;
	size_t len;
	int again;

	/* whitespace runs become one space */
	buf_init(&b, 0);
	for (p = (char *)v; *p; p++) {
		if (*p == '\t' || *p == '\r' || *p == '\n' || *p == ' ') {
			if (b.len > 0 && b.data[b.len - 1] != ' ')
				(void)buf_addc(&b, ' ');
			continue;
		}
		(void)buf_addc(&b, *p);
	}
	s = buf_steal(&b);
	if (s == NULL)
		s = xstrdup("");
	do {
		again = 0;
		/* trailing "(fwd)" and blanks */
		for (;;) {
			len = strlen(s);
			while (len > 0 && s[len - 1] == ' ')
				s[--len] = '\0';
			if (len >= 5 &&
			    str_casecmp(s + len - 5, "(fwd)") == 0) {
				s[len - 5] = '\0';
				reply = 1;
			}
			else
				break;
		}
		/* leading re:, fw:, fwd: with blobs, and blobs */
		for (;;) {
			size_t i = 0, k;

			while (s[i] == ' ')
				i++;
			k = i;
			if (str_ncasecmp(s + k, "re", 2) == 0)
				k += 2;
			else if (str_ncasecmp(s + k, "fwd", 3) == 0)
				k += 3;
			else if (str_ncasecmp(s + k, "fw", 2) == 0)
				k += 2;
			if (k > i) {
				while (s[k] == ' ')
					k++;
				k += skip_blob(s + k);
				if (s[k] == ':') {
					memmove(s, s + k + 1,
					    strlen(s + k + 1) + 1);
					reply = 1;
					continue;
				}
			}
			k = skip_blob(s + i);
			if (k > 0 && s[i + k] != '\0') {
				memmove(s, s + i + k, strlen(s + i + k) + 1);
				continue;
			}
			if (i > 0)
				memmove(s, s + i, strlen(s + i) + 1);
			break;
		}
		/* "[fwd: subject]" */
		len = strlen(s);
		if (len > 6 && str_ncasecmp(s, "[fwd:", 5) == 0 &&
		    s[len - 1] == ']') {
			s[len - 1] = '\0';
			memmove(s, s + 5, len - 5);
			again = 1;
			reply = 1;
		}
	} while (again);
	for (p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (reply_out != NULL)
		*reply_out = reply;
	return s;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct sortkey *x = a, *y = b;
	size_t i;

	for (i = 0; i < order.n; i++) {
		int r;

		if (x->str[i] != NULL || y->str[i] != NULL)
			r = strcmp(x->str[i] ? x->str[i] : "",
			    y->str[i] ? y->str[i] : "");
		else
			r = x->num[i] < y->num[i] ? -1 : x->num[i] > y->num[i];
		if (r != 0)
			return order.rev[i] ? -r : r;
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* s as i;unicode-casemap compares it (I18NLEVEL=1) */
static char *
casemap_dup(const char *s)
{
	struct buf b;
	char *d;

	buf_init(&b, 0);
	imap_casemap(s, strlen(s), &b);
	d = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return d;
}

/* One message's keys; its text is read when a header key needs it. */
static void
keys_of(struct imap_session *s, struct sortkey *k)
{
	long x = imap_msg_index(s, k->seq);
	struct imap_msg msg;
	struct buf raw, v, name, mbox, host;
	struct err err;
	size_t i;
	int loaded = 0;

	memset(&msg, 0, sizeof(msg));
	buf_init(&raw, 0);
	buf_init(&v, 0);
	buf_init(&name, 0);
	buf_init(&mbox, 0);
	buf_init(&host, 0);
	for (i = 0; i < order.n; i++) {
		enum crit c = order.c[i];
		const char *h;

		if (c == S_ARRIVAL) {
			k->num[i] = x < 0 ? 0 :
			    (int64_t)mailbox_msg_received(s->mb, (size_t)x);
			continue;
		}
		if (c == S_SIZE) {
			k->num[i] = x < 0 ? 0 : (int64_t)s->mb->msgs[x].vsize;
			continue;
		}
		if (!loaded && x >= 0) {
			err_clear(&err);
			if (mailbox_msg_read(s->mb, (size_t)x, &raw, &err) == 0)
				imap_msg_init(&msg, raw.data ? raw.data : "",
				    raw.len);
			else
				imap_msg_init(&msg, "", 0);
			imap_msg_parse(&msg);
			loaded = 1;
		}
		if (!loaded) {
			k->str[i] = xstrdup("");
			continue;
		}
		h = msg.text.data ? msg.text.data : "";
		switch (c) {
		case S_DATE:
			k->num[i] = imap_hdr_get(h, msg.root.hdr_len, "Date",
			    &v) ? imap_rfc822_date(v.data ? v.data : "") : -1;
			if (k->num[i] == -1)
				k->num[i] = (int64_t)mailbox_msg_received(s->mb,
				    (size_t)x);
			break;
		case S_SUBJECT:
			if (imap_hdr_get(h, msg.root.hdr_len, "Subject", &v) &&
			    v.data != NULL)
				imap_decode_words_utf8(v.data, &name);
			else
				buf_reset(&name);
			buf_reset(&v);
			imap_casemap(buf_cstr(&name), name.len, &v);
			k->str[i] = imap_base_subject(buf_cstr(&v), NULL);
			break;
		default: {
			const char *field = c == S_FROM ||
			    c == S_DISPLAYFROM ? "From" : c == S_CC ? "Cc" :
			    "To";

			if (!imap_hdr_get(h, msg.root.hdr_len, field, &v))
				buf_reset(&v);
			imap_addr_first(v.data ? v.data : "", v.len, &name,
			    &mbox, &host);
			if (c == S_DISPLAYFROM || c == S_DISPLAYTO) {
				/* the display name, else the address */
				if (name.len > 0) {
					imap_decode_words_utf8(name.data, &v);
					k->str[i] = casemap_dup(buf_cstr(&v));
				}
				else {
					buf_reset(&v);
					if (mbox.len > 0)
						buf_printf(&v, "%s@%s",
						    mbox.data, host.data ?
						    host.data : "");
					k->str[i] = casemap_dup(v.data ?
					    v.data : "");
				}
			} else
				k->str[i] = casemap_dup(mbox.data ? mbox.data :
				    "");
			break;
		}
		}
	}
	if (loaded)
		imap_msg_free(&msg);
	buf_free(&raw);
	buf_free(&v);
	buf_free(&name);
	buf_free(&mbox);
	buf_free(&host);
}

void
imap_cmd_sort(struct imap_session *s, struct imap_cmd *c, int uid)
{
	static const struct {
		const char	*name;
		enum crit	 c;
	} names[] = {
		{ "ARRIVAL", S_ARRIVAL }, { "DATE", S_DATE },
		{ "SIZE", S_SIZE }, { "SUBJECT", S_SUBJECT },
		{ "FROM", S_FROM }, { "TO", S_TO }, { "CC", S_CC },
		{ "DISPLAYFROM", S_DISPLAYFROM }, { "DISPLAYTO", S_DISPLAYTO },
	};
	const char *verb = uid ? "UID SORT" : "SORT";
	const struct imap_arg *args = c->args;
	size_t nargs = c->nargs;
	struct sortkey *keys;
	struct buf out;
	size_t *seqs, n, i, j;
	uint32_t *v, *u;
	unsigned ret;
	int rev = 0;

	/* ESORT: SORT RETURN (MIN MAX COUNT ALL SAVE) (program) ... */
	if (imap_return_opts(s, c->tag, verb, &args, &nargs, &ret) == -1)
		return;
	if (nargs < 3 || args[0].type != IMAP_ARG_LIST ||
	    args[0].nlist == 0) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %s: Invalid "
		    "arguments.", verb);
		return;
	}
	order.n = 0;
	for (i = 0; i < args[0].nlist; i++) {
		const char *w = imap_arg_string(&args[0].list[i]);

		if (w != NULL && str_casecmp(w, "REVERSE") == 0) {
			rev = 1;
			continue;
		}
		for (j = 0; w != NULL && j < sizeof(names) / sizeof(names[0]);
		    j++)
			if (str_casecmp(w, names[j].name) == 0)
				break;
		if (w == NULL || j == sizeof(names) / sizeof(names[0]) ||
		    order.n == CRIT_MAX) {
			imap_tagged(s, c->tag, "BAD Error in IMAP command %s: "
			    "Invalid sort program.", verb);
			return;
		}
		order.c[order.n] = names[j].c;
		order.rev[order.n++] = rev;
		rev = 0;
	}
	if (rev || order.n == 0) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %s: Invalid "
		    "sort program.", verb);
		return;
	}
	/* the charset, then SEARCH keys */
	if (imap_arg_string(&args[1]) == NULL ||
	    !imap_charset_known(imap_arg_string(&args[1]))) {
		imap_tagged(s, c->tag, "%s", IMAP_BADCHARSET);
		return;
	}
	if (imap_search_run_cs(s, c->tag, verb, imap_arg_string(&args[1]),
	    args + 2, nargs - 2, &seqs, &n, NULL) == -1)
		return;
	keys = xcalloc(n ? n : 1, sizeof(*keys));
	{
		struct err err;

		err_clear(&err);
		(void)mailbox_hold(s->mb, &err);
	}
	for (i = 0; i < n; i++) {
		keys[i].seq = seqs[i];
		keys_of(s, &keys[i]);
	}
	mailbox_release(s->mb);
	free(seqs);
	if (n > 1)
		qsort(keys, n, sizeof(*keys), key_cmp);
	v = xreallocarray(NULL, n ? n : 1, sizeof(*v));
	u = xreallocarray(NULL, n ? n : 1, sizeof(*u));
	for (i = 0; i < n; i++) {
		u[i] = s->known[keys[i].seq - 1].uid;
		v[i] = uid ? u[i] : (uint32_t)keys[i].seq;
		for (j = 0; j < order.n; j++)
			free(keys[i].str[j]);
	}
	/* MIN and MAX of a sort are its first and last (RFC 5267) */
	imap_ret_save(s, ret, u, n, n ? &u[0] : NULL, n ? &u[n - 1] : NULL);
	/* CONTEXT=SEARCH: UPDATE keeps the result as a set */
	if (ret & IMAP_RET_UPDATE) {
		uint32_t *set = xreallocarray(NULL, n ? n : 1, sizeof(*set));

		memcpy(set, u, n * sizeof(*u));
		qsort(set, n, sizeof(*set), imap_u32_cmp);
		if (imap_ctx_keep(s, c->tag, uid, args + 2, nargs - 2, set,
		    n) == -1)
			ret &= ~IMAP_RET_UPDATE;
		free(set);
	}
	buf_init(&out, 0);
	if (ret == 0) {
		(void)buf_adds(&out, "* SORT");
		for (i = 0; i < n; i++)
			buf_printf(&out, " %" PRIu32, v[i]);
	} else if ((ret & ~(IMAP_RET_GIVEN | IMAP_RET_SAVE)) != 0) {
		/* PARTIAL: of the sorted order */
		imap_esearch_ret_out(&out, s, c->tag, uid, ret, v, n);
	}
	if (out.len > 0) {
		(void)buf_adds(&out, "\r\n");
		(void)buf_add(&s->out, out.data, out.len);
	}
	buf_free(&out);
	free(keys);
	free(v);
	free(u);
	/* as SEARCH's (THREAD's never says it, as dovecot's) */
	imap_tagged(s, c->tag, "OK %sSort completed.", s->search_lost ?
	    "[EXPUNGEISSUED] " : "");
}
