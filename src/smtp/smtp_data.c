/*
 * smtp_data.c -- the DATA phase reader: a state machine fed the bytes
 * read from the socket in chunks of any size, which removes the dot of
 * stuffed lines, finds the end of data (only <CRLF>.<CRLF>) and hands
 * the message to a callback line by line, without terminators.  Whole
 * lines inside one chunk are passed straight from the caller's bytes;
 * only a line cut by a chunk boundary is copied.  Bare CR and bare LF
 * are errors unless the policy flags allow them, and even then they
 * never end the data (see doc/smtp.md for the smuggling policy).
 * For BDAT the same reader runs raw: lines and the bare CR/LF policy,
 * but no dots, and the caller says where the message ends.
 */
#include <stdlib.h>
#include <string.h>

#include "smtp.h"
#include "lib/xalloc.h"

enum data_state {
	DS_READING,
	DS_END,
	DS_ERROR
};

enum line_end {
	END_CRLF,
	END_BARE_LF
};

struct smtp_data {
	size_t		 maxline;
	int		(*cb)(void *, const char *, size_t, int);
	void		*arg;
	unsigned	 policy;	/* SMTP_DATA_* */
	enum data_state	 state;
	int		 bol;		/* nothing of the current line seen */
	int		 dot;		/* its leading '.' was removed */
	int		 cr;		/* the last byte seen was a CR */
	int		 prev_crlf;	/* the line before ended in CRLF */
	size_t		 emitted;	/* bytes of this line already given */
	struct buf	 line;		/* the rest of it, not yet given */
	int		 cbres;
	const char	*err;
	size_t		 bytes, nuls;
};

#define ERR_BARE_LF	"421 4.5.0 Bare linefeed (LF) not allowed"
#define ERR_BARE_CR	"421 4.5.0 Bare carriage return (CR) not allowed"
#define ERR_INTERNAL	"451 4.3.0 Internal error reading message"

struct smtp_data *
smtp_data_new(size_t maxline,
    int (*line_cb)(void *, const char *, size_t, int), void *arg)
{
	struct smtp_data *d = xcalloc(1, sizeof(*d));

	d->maxline = maxline ? maxline : SMTP_DATA_MAXLINE_DEFAULT;
	d->cb = line_cb;
	d->arg = arg;
	buf_init(&d->line, xadd(d->maxline, 1));
	smtp_data_reset(d);
	return d;
}

void
smtp_data_reset(struct smtp_data *d)
{
	d->state = DS_READING;
	d->bol = 1;
	d->dot = 0;
	d->cr = 0;
	d->prev_crlf = 1;	/* the DATA command ended in CRLF */
	d->emitted = 0;
	buf_reset(&d->line);
	d->cbres = 0;
	d->err = NULL;
	d->bytes = d->nuls = 0;
}

void
smtp_data_set_flags(struct smtp_data *d, unsigned flags)
{
	d->policy = flags;
}

/* Gives one piece of a line to the callback, unless it already failed. */
static void
emit(struct smtp_data *d, const char *s, size_t len, int flags)
{
	const char *z = s, *end = s + len;

	while ((z = memchr(z, '\0', (size_t)(end - z))) != NULL) {
		flags |= SMTP_LINE_NUL;
		d->nuls++;
		z++;
	}
	if ((d->policy & SMTP_DATA_CR_OK) && memchr(s, '\r', len) != NULL)
		flags |= SMTP_LINE_BARE_CR;
	d->bytes += len;
	if (d->cbres == 0)
		d->cbres = d->cb(d->arg, s, len, flags);
}

/*
 * Adds len bytes known to be inside the current line; gives away
 * maxline-byte pieces (SMTP_LINE_CONT) while more than maxline are
 * held, so the pieces do not depend on how the input was chunked.
 */
static int
add_content(struct smtp_data *d, const char *s, size_t len)
{
	size_t take;

	while (len > d->maxline - d->line.len) {
		take = d->maxline - d->line.len;
		if (d->line.len == 0) {
			emit(d, s, take, SMTP_LINE_CONT);
		} else {
			if (buf_add(&d->line, s, take) == -1)
				return -1;
			emit(d, d->line.data, d->line.len, SMTP_LINE_CONT);
			buf_reset(&d->line);
		}
		d->emitted += take;
		s += take;
		len -= take;
	}
	return buf_add(&d->line, s, len);
}

/*
 * The current line ends with content s/len (not yet added); 1 if it was
 * the end-of-data line, 0 otherwise, -1 on an internal error.
 */
static int
end_line(struct smtp_data *d, const char *s, size_t len, enum line_end how)
{
	int flags = how == END_BARE_LF ? SMTP_LINE_BARE_LF : 0;
	int empty = len == 0 && d->line.len == 0 && d->emitted == 0;

	if (d->dot && empty) {
		if (how == END_CRLF && d->prev_crlf)
			return 1;
		/*
		 * "." ended or begun by a bare LF (SMTP_DATA_LF_OK): not the
		 * end; kept as "." so that a client stuffs it again.
		 */
		emit(d, ".", 1, flags);
	} else if (d->line.len == 0 && len <= d->maxline) {
		emit(d, s, len, flags);	/* the common case: no copy */
	} else {
		if (add_content(d, s, len) == -1)
			return -1;
		emit(d, d->line.data, d->line.len, flags);
	}
	d->bytes += 2;
	buf_reset(&d->line);
	d->emitted = 0;
	d->bol = 1;
	d->dot = 0;
	d->prev_crlf = how == END_CRLF;
	return 0;
}

static enum smtp_data_status
fail(struct smtp_data *d, const char *why, size_t consumed, size_t *used)
{
	d->state = DS_ERROR;
	d->err = why;
	*used = consumed;
	return SMTP_DATA_ERROR;
}

enum smtp_data_status
smtp_data_feed(struct smtp_data *d, const char *p, size_t n, size_t *used)
{
	const char *q, *a, *b, *cr, *lf, *end = p + n;
	size_t i = 0;
	int r;

	*used = 0;
	if (d->state == DS_END)
		return SMTP_DATA_END;
	if (d->state == DS_ERROR)
		return SMTP_DATA_ERROR;
	while (i < n) {
		if (d->cr) {
			d->cr = 0;
			if (p[i] == '\n') {
				i++;
				if ((r = end_line(d, "", 0, END_CRLF)) == -1)
					return fail(d, ERR_INTERNAL, i, used);
				if (r == 1) {
					d->state = DS_END;
					*used = i;
					return SMTP_DATA_END;
				}
				continue;
			}
			if (!(d->policy & SMTP_DATA_CR_OK))
				return fail(d, ERR_BARE_CR, i, used);
			if (add_content(d, "\r", 1) == -1)
				return fail(d, ERR_INTERNAL, i, used);
		}
		if (d->bol) {
			d->bol = 0;
			if (p[i] == '.' && !(d->policy & SMTP_DATA_RAW)) {
				d->dot = 1;
				i++;
				continue;
			}
		}
		/* a = this segment, b = its LF or the end of the chunk */
		a = p + i;
		lf = memchr(a, '\n', (size_t)(end - a));
		b = lf != NULL ? lf : end;
		q = a;
		while ((cr = memchr(q, '\r', (size_t)(b - q))) != NULL &&
		    cr + 1 < b) {
			/* a CR with a byte other than LF after it */
			if (!(d->policy & SMTP_DATA_CR_OK))
				return fail(d, ERR_BARE_CR, (size_t)(cr - p) + 1,
				    used);
			q = cr + 1;
		}
		if (lf == NULL) {
			/* the line goes on in the next chunk */
			if (cr != NULL)
				d->cr = 1;
			if (add_content(d, a, (size_t)((cr ? cr : end) - a))
			    == -1)
				return fail(d, ERR_INTERNAL, n, used);
			break;
		}
		i = (size_t)(lf - p) + 1;
		if (cr == NULL && !(d->policy & SMTP_DATA_LF_OK))
			return fail(d, ERR_BARE_LF, i, used);
		r = end_line(d, a, (size_t)((cr ? cr : lf) - a),
		    cr ? END_CRLF : END_BARE_LF);
		if (r == -1)
			return fail(d, ERR_INTERNAL, i, used);
		if (r == 1) {
			d->state = DS_END;
			*used = i;
			return SMTP_DATA_END;
		}
	}
	*used = n;
	return SMTP_DATA_MORE;
}

enum smtp_data_status
smtp_data_finish(struct smtp_data *d)
{
	size_t used;

	if (d->state == DS_END)
		return SMTP_DATA_END;
	if (d->state == DS_ERROR)
		return SMTP_DATA_ERROR;
	if (d->cr) {
		d->cr = 0;
		if (!(d->policy & SMTP_DATA_CR_OK))
			return fail(d, ERR_BARE_CR, 0, &used);
		if (add_content(d, "\r", 1) == -1)
			return fail(d, ERR_INTERNAL, 0, &used);
	}
	if (!d->bol) {
		/* the last line had no CRLF: give what is left of it */
		if (d->dot && d->line.len == 0 && d->emitted == 0)
			emit(d, ".", 1, SMTP_LINE_NO_EOL);
		else
			emit(d, buf_cstr(&d->line), d->line.len,
			    SMTP_LINE_NO_EOL);
	}
	d->state = DS_END;
	return SMTP_DATA_END;
}

const char *
smtp_data_error(struct smtp_data *d)
{
	return d->err != NULL ? d->err : "";
}

int
smtp_data_cb_result(struct smtp_data *d)
{
	return d->cbres;
}

size_t
smtp_data_bytes(struct smtp_data *d)
{
	return d->bytes;
}

size_t
smtp_data_nuls(struct smtp_data *d)
{
	return d->nuls;
}

void
smtp_data_free(struct smtp_data *d)
{
	if (d == NULL)
		return;
	buf_free(&d->line);
	free(d);
}
