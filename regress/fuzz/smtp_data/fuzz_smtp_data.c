/*
 * fuzz_smtp_data.c -- arbitrary bytes as the DATA phase of a session:
 * the first byte picks the bare CR/LF policy, raw (BDAT) mode, the line
 * limit and the header limit, the rest is fed to the DATA reader once whole and once
 * in chunks of varying size; both runs must give the same lines and
 * stop at the same byte.  The lines go through the header parser, and
 * the message, dot-stuffed as a relaying client sends it, must read
 * back as exactly one message ending where it was put.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp.h"

struct run {
	struct buf		 lines;		/* pieces and flags */
	struct buf		 wire;		/* relayed, dot-stuffed */
	struct buf		 whole;		/* the line being joined */
	struct smtp_hdrs	*hdrs;
	int			 hstate;
};

static int
line_cb(void *arg, const char *line, size_t len, int flags)
{
	struct run *r = arg;
	int blank;
	char f = (char)('0' + flags);

	if (buf_add(&r->lines, line, len) == -1 ||
	    buf_add(&r->lines, &f, 1) == -1)
		abort();
	if (r->hstate == 0)
		r->hstate = smtp_hdrs_line(r->hdrs, line, len, flags, &blank);
	if (memchr(line, '\n', len) != NULL)
		abort();
	if (buf_add(&r->whole, line, len) == -1)
		abort();
	if (!(flags & SMTP_LINE_CONT)) {
		if (smtp_dot_stuff_line(&r->wire, r->whole.data,
		    r->whole.len) == -1)
			abort();
		buf_reset(&r->whole);
	}
	return 0;
}

/* Feeds data in chunks of the sizes in steps (cycled), 0: whole. */
static enum smtp_data_status
feed(struct run *r, const uint8_t *steps, size_t nsteps, size_t maxline,
    unsigned policy, size_t maxhdr, const char *p, size_t n,
    size_t *used_out)
{
	struct smtp_data *d = smtp_data_new(maxline, line_cb, r);
	enum smtp_data_status st = SMTP_DATA_MORE;
	size_t off = 0, k = 0, c, used;

	buf_init(&r->lines, 0);
	buf_init(&r->wire, 0);
	buf_init(&r->whole, 0);
	r->hdrs = smtp_hdrs_new(maxhdr);
	r->hstate = 0;
	smtp_data_set_flags(d, policy);
	while (off < n) {
		c = nsteps ? (size_t)steps[k++ % nsteps] % 17 + 1 : n - off;
		if (c > n - off)
			c = n - off;
		st = smtp_data_feed(d, p + off, c, &used);
		off += used;
		if (st != SMTP_DATA_MORE)
			break;
		if (used != c)
			abort();
	}
	if (st == SMTP_DATA_MORE && (policy & SMTP_DATA_RAW))
		st = smtp_data_finish(d);	/* BDAT LAST */
	if (st == SMTP_DATA_ERROR && smtp_data_error(d)[0] == '\0')
		abort();
	(void)smtp_hdrs_count(r->hdrs);
	smtp_data_free(d);
	*used_out = off;
	return st;
}

static void
done(struct run *r)
{
	buf_free(&r->lines);
	buf_free(&r->wire);
	buf_free(&r->whole);
	smtp_hdrs_free(r->hdrs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run a, b, c;
	enum smtp_data_status sa, sb, sc;
	size_t ua, ub, uc, maxline, maxhdr;
	unsigned policy;
	const char *p;
	size_t n;

	if (size < 1)
		return 0;
	policy = (data[0] & 3) | (data[0] & 0x40 ? SMTP_DATA_RAW : 0);
	maxline = (data[0] >> 2) & 7 ? ((data[0] >> 2) & 7) * 3 : 0;
	maxhdr = data[0] & 0x20 ? 64 : 0;
	p = (const char *)data + 1;
	n = size - 1;
	sa = feed(&a, NULL, 0, maxline, policy, maxhdr, p, n, &ua);
	sb = feed(&b, data, size, maxline, policy, maxhdr, p, n, &ub);
	if (sa != sb)
		abort();
	if (sa != SMTP_DATA_ERROR && (ua != ub || a.lines.len != b.lines.len ||
	    (a.lines.len > 0 &&
	    memcmp(a.lines.data, b.lines.data, a.lines.len) != 0)))
		abort();
	if (sa == SMTP_DATA_END) {
		/* what a client relays must end exactly where it was put */
		if (buf_add(&a.wire, ".\r\nX", 4) == -1)
			abort();
		sc = feed(&c, NULL, 0, 0, 0, 0, a.wire.data, a.wire.len, &uc);
		if (sc != SMTP_DATA_END || uc != a.wire.len - 1)
			abort();
		done(&c);
	}
	done(&a);
	done(&b);
	return 0;
}
