/*
 * queue_qf.c -- the qf control file of sendmail 8.17 (format V8) as a
 * struct qf: a parser without I/O and a writer into a struct buf.
 *
 * A file is a sequence of records, one letter each, ending with a "."
 * line.  A line starting with a space or a tab continues the record
 * before it (headers use this; sendmail folds every record so).  The
 * records before an R line (M, C, Q, r) belong to that recipient; an M
 * line before the S line is the envelope's status message.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "queue.h"

struct qfp {
	const struct qf_limits	*lim;
	struct qf		*qf;
	struct err		*err;
	size_t			 line;		/* first line of the record */
	int			 seen_sender;
	/* records waiting for their R line */
	char			*status, *ctl, *orcpt, *final;
	size_t			 rcpt_cap, header_cap, macro_cap;
};

void
queue_qf_limits_default(struct qf_limits *lim)
{
	lim->record_max = 64 * 1024;
	lim->rcpt_max = 100000;
	lim->header_max = 10000;
	lim->macro_max = 1000;
	lim->lenient = 0;
}

static void
rcpt_free(struct qf_rcpt *r)
{
	free(r->addr);
	free(r->status);
	free(r->ctl);
	free(r->orcpt);
	free(r->final);
}

void
queue_qf_free(struct qf *qf)
{
	size_t i;

	if (qf == NULL)
		return;
	free(qf->dfdir);
	free(qf->bodytype);
	free(qf->quarantine);
	free(qf->message);
	for (i = 0; i < qf->nmacros; i++) {
		free(qf->macros[i].name);
		free(qf->macros[i].value);
	}
	free(qf->macros);
	free(qf->sender);
	free(qf->envid);
	free(qf->auth);
	free(qf->errorto);
	free(qf->content_length);
	for (i = 0; i < qf->nrcpts; i++)
		rcpt_free(&qf->rcpts[i]);
	free(qf->rcpts);
	for (i = 0; i < qf->nheaders; i++) {
		free(qf->headers[i].cond);
		free(qf->headers[i].name);
		free(qf->headers[i].value);
	}
	free(qf->headers);
	memset(qf, 0, sizeof(*qf));
}

static void
pending_free(struct qfp *p)
{
	free(p->status);
	free(p->ctl);
	free(p->orcpt);
	free(p->final);
	p->status = p->ctl = p->orcpt = p->final = NULL;
}

/* A malformed record: an error when strict, skipped when lenient. */
static int
bad(struct qfp *p, const char *what, int c)
{
	if (p->lim->lenient)
		return 0;
	if (c != 0)
		return err_set(p->err, ERR_DATAERR, "line %zu: %s '%c'",
		    p->line, what, isprint(c) ? c : '?');
	return err_set(p->err, ERR_DATAERR, "line %zu: %s", p->line, what);
}

/* Decimal number: strict needs digits only (an optional '-'); lenient
 * reads as atol() does. */
static int
num(struct qfp *p, const char *s, long long *out)
{
	const char *q = s;
	char *end;

	if (p->lim->lenient) {
		*out = strtoll(s, NULL, 10);
		return 0;
	}
	if (*q == '-')
		q++;
	if (!isdigit((unsigned char)*q))
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

/* Replaces *slot with a copy of s (a record seen twice: the last wins,
 * as sendmail's reader keeps the last). */
static void
set_str(char **slot, const char *s)
{
	free(*slot);
	*slot = xstrdup(s);
}

static int
rec_number(struct qfp *p, int c, const char *v)
{
	long long n;

	if (num(p, v, &n) == -1)
		return bad(p, "bad number in record", c);
	switch (c) {
	case 'V':
		if (!p->lim->lenient && (n < 0 || n > QF_VERSION))
			return err_set(p->err, ERR_DATAERR, "line %zu: "
			    "unsupported queue file version %lld", p->line, n);
		p->qf->version = (int)n;
		break;
	case 'T':
		p->qf->ctime = n;
		p->qf->has_ctime = 1;
		break;
	case 'K':
		p->qf->dtime = n;
		break;
	case 'N':
		p->qf->ntries = (long)n;
		break;
	case 'P':
		p->qf->priority = (long)n;
		p->qf->has_priority = 1;
		break;
	}
	return 0;
}

static int
rec_inode(struct qfp *p, const char *v)
{
	long long maj, min;
	unsigned long long ino;
	char *end;

	errno = 0;
	maj = strtoll(v, &end, 10);
	if (end == v || *end != '/')
		return bad(p, "bad inode record", 'I');
	v = end + 1;
	min = strtoll(v, &end, 10);
	if (end == v || *end != '/')
		return bad(p, "bad inode record", 'I');
	v = end + 1;
	if (!isdigit((unsigned char)*v))
		return bad(p, "bad inode record", 'I');
	ino = strtoull(v, &end, 10);
	if (*end != '\0' || errno != 0)
		return bad(p, "bad inode record", 'I');
	p->qf->has_inode = 1;
	p->qf->df_major = (long)maj;
	p->qf->df_minor = (long)min;
	p->qf->df_inode = ino;
	return 0;
}

static int
rec_flags(struct qfp *p, const char *v)
{
	static const char letters[] = "wr8bdnse";
	const char *l;

	/* sendmail takes "From " here for a spoofing attempt */
	if (strncmp(v, "rom ", 4) == 0)
		return bad(p, "bogus flags record", 'F');
	for (; *v != '\0'; v++)
		if ((l = strchr(letters, *v)) != NULL)
			p->qf->flags |= 1u << (l - letters);
	return 0;
}

static int
rec_macro(struct qfp *p, const char *v)
{
	struct qf *qf = p->qf;
	struct qf_macro *m;
	const char *close, *val;
	int braced = 0;
	size_t nlen;

	if (*v == '{') {
		close = strchr(v, '}');
		if (close == NULL || close == v + 1)
			return bad(p, "bad macro name", '$');
		braced = 1;
		nlen = (size_t)(close - v - 1);
		val = close + 1;
		v++;
	} else if (*v != '\0' && *v != '\n' && (unsigned char)*v > ' ') {
		nlen = 1;
		val = v + 1;
	} else
		return bad(p, "bad macro name", '$');
	if (memchr(v, '\n', nlen) != NULL)
		return bad(p, "bad macro name", '$');
	if (qf->nmacros >= p->lim->macro_max)
		return err_set(p->err, ERR_DATAERR, "line %zu: more than %zu "
		    "macros", p->line, p->lim->macro_max);
	if (qf->nmacros == p->macro_cap) {
		p->macro_cap = p->macro_cap ? p->macro_cap * 2 : 8;
		qf->macros = xreallocarray(qf->macros, p->macro_cap,
		    sizeof(*qf->macros));
	}
	m = &qf->macros[qf->nmacros++];
	m->name = xstrndup(v, nlen);
	m->braced = braced;
	m->value = xstrdup(val);
	return 0;
}

static int
rec_deliverby(struct qfp *p, const char *v)
{
	long long n;

	if (v[0] == '\0' || v[1] != ' ' || num(p, v + 2, &n) == -1)
		return bad(p, "bad deliver-by record", '!');
	p->qf->dlvr_flag = (unsigned char)v[0];
	p->qf->deliver_by = n;
	return 0;
}

static int
rec_rcpt(struct qfp *p, const char *v)
{
	struct qf *qf = p->qf;
	struct qf_rcpt *r;
	static const char letters[] = "PNSFDBAY";
	const char *colon = v, *l;
	unsigned flags = 0;

	if (qf->version >= 1) {
		colon = strchr(v, ':');
		if (colon == NULL)
			return bad(p, "recipient without flags", 'R');
		for (; v < colon; v++)
			if ((l = strchr(letters, *v)) != NULL)
				flags |= 1u << (l - letters);
		colon++;
	} else
		flags = QF_R_PRIMARY;
	if (*colon == '\0')
		return bad(p, "empty recipient", 'R');
	if (qf->nrcpts >= p->lim->rcpt_max)
		return err_set(p->err, ERR_DATAERR, "line %zu: more than %zu "
		    "recipients", p->line, p->lim->rcpt_max);
	if (qf->nrcpts == p->rcpt_cap) {
		p->rcpt_cap = p->rcpt_cap ? p->rcpt_cap * 2 : 4;
		qf->rcpts = xreallocarray(qf->rcpts, p->rcpt_cap,
		    sizeof(*qf->rcpts));
	}
	r = &qf->rcpts[qf->nrcpts++];
	r->flags = flags;
	r->addr = xstrdup(colon);
	r->status = p->status;
	r->ctl = p->ctl;
	r->orcpt = p->orcpt;
	r->final = p->final;
	p->status = p->ctl = p->orcpt = p->final = NULL;
	return 0;
}

static int
rec_header(struct qfp *p, const char *v)
{
	struct qf *qf = p->qf;
	struct qf_header *h;
	const char *cond = NULL, *name, *colon, *q;
	size_t clen = 0;

	if (*v == '?') {
		cond = v + 1;
		q = strchr(cond, '?');
		if (q == NULL)
			return bad(p, "unclosed header condition", 'H');
		clen = (size_t)(q - cond);
		if (memchr(cond, '\n', clen) != NULL)
			return bad(p, "bad header condition", 'H');
		name = q + 1;
	} else
		name = v;
	colon = strchr(name, ':');
	if (colon == NULL || colon == name)
		return bad(p, "header without a name", 'H');
	for (q = name; q < colon; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return bad(p, "bad header name", 'H');
	if (qf->nheaders >= p->lim->header_max)
		return err_set(p->err, ERR_DATAERR, "line %zu: more than %zu "
		    "headers", p->line, p->lim->header_max);
	if (qf->nheaders == p->header_cap) {
		p->header_cap = p->header_cap ? p->header_cap * 2 : 16;
		qf->headers = xreallocarray(qf->headers, p->header_cap,
		    sizeof(*qf->headers));
	}
	h = &qf->headers[qf->nheaders++];
	h->cond = cond != NULL ? xstrndup(cond, clen) : NULL;
	h->name = xstrndup(name, (size_t)(colon - name));
	h->value = xstrdup(colon + 1);
	return 0;
}

/* Records waiting for an R line that never came. */
static int
dangling(struct qfp *p)
{
	int any = p->status || p->ctl || p->orcpt || p->final;

	pending_free(p);
	if (any)
		return bad(p, "recipient records without a recipient", 0);
	return 0;
}

static int
record(struct qfp *p, const char *rec)
{
	struct qf *qf = p->qf;
	const char *v = rec + 1;
	int c = (unsigned char)rec[0];

	switch (c) {
	case 'V': case 'T': case 'K': case 'N': case 'P':
		return rec_number(p, c, v);
	case 'd':
		set_str(&qf->dfdir, v);
		return 0;
	case 'I':
		return rec_inode(p, v);
	case 'B':
		set_str(&qf->bodytype, v);
		return 0;
	case 'q':
		set_str(&qf->quarantine, v);
		return 0;
	case 'M':
		if (p->seen_sender)
			set_str(&p->status, v);
		else
			set_str(&qf->message, v);
		return 0;
	case 'F':
		return rec_flags(p, v);
	case '$':
		return rec_macro(p, v);
	case 'S':
		p->seen_sender = 1;
		set_str(&qf->sender, v);
		return 0;
	case 'Z':
		set_str(&qf->envid, v);
		return 0;
	case 'A':
		set_str(&qf->auth, v);
		return 0;
	case '!':
		return rec_deliverby(p, v);
	case 'E':
		set_str(&qf->errorto, v);
		return 0;
	case 'L':
		set_str(&qf->content_length, v);
		return 0;
	case 'C':
		set_str(&p->ctl, v);
		return 0;
	case 'Q':
		set_str(&p->orcpt, v);
		return 0;
	case 'r':
		set_str(&p->final, v);
		return 0;
	case 'R':
		return rec_rcpt(p, v);
	case 'H':
		if (dangling(p) == -1)
			return -1;
		return rec_header(p, v);
	case 'D':		/* obsolete data file name */
		return 0;
	case '.':
		if (*v != '\0')
			return bad(p, "bad terminator", '.');
		if (dangling(p) == -1)
			return -1;
		qf->terminated = 1;
		return 0;
	default:
		return bad(p, "unknown record", c);
	}
}

enum qf_parse
queue_qf_parse(const char *buf, size_t len, const struct qf_limits *lim,
    struct qf *out, struct err *err)
{
	struct qfp p;
	struct buf rec;
	size_t off = 0, eol, line = 1;
	const char *nl, *text;
	enum qf_parse rc = QF_OK;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.lim = lim;
	p.qf = out;
	p.err = err;
	buf_init(&rec, lim->record_max);
	err_clear(err);
	while (off < len) {
		int toolong = 0, last_open = 0;

		if (out->terminated) {
			if (!lim->lenient) {
				err_set(err, ERR_DATAERR, "line %zu: data "
				    "after the terminator", line);
				rc = QF_BAD;
			}
			break;
		}
		/* one record: a line and the lines that continue it */
		buf_reset(&rec);
		p.line = line;
		do {
			if (rec.len > 0 && buf_addc(&rec, '\n') == -1)
				toolong = 1;
			nl = memchr(buf + off, '\n', len - off);
			eol = nl != NULL ? (size_t)(nl - buf) : len;
			if (nl == NULL && !lim->lenient) {
				rc = QF_NEED_MORE;
				goto out;
			}
			if (lim->lenient && eol > off && buf[eol - 1] == '\r')
				eol--;
			if (!toolong && buf_add(&rec, buf + off, eol - off) ==
			    -1)
				toolong = 1;
			off = nl != NULL ? (size_t)(nl - buf) + 1 : len;
			line++;
			last_open = off == len;
		} while (off < len && (buf[off] == ' ' || buf[off] == '\t'));
		text = buf_cstr(&rec);
		/* strict: a record at the very end may yet be continued
		 * (one starting with '.' is judged now: it ends the file) */
		if (last_open && !lim->lenient && text[0] != '.') {
			rc = QF_NEED_MORE;
			goto out;
		}
		if (toolong) {
			if (lim->lenient)
				continue;
			err_set(err, ERR_DATAERR, "line %zu: record longer "
			    "than %zu bytes", p.line, lim->record_max);
			rc = QF_BAD;
			goto out;
		}
		if (memchr(text, '\0', rec.len) != NULL) {
			if (lim->lenient)
				continue;
			err_set(err, ERR_DATAERR, "line %zu: NUL byte",
			    p.line);
			rc = QF_BAD;
			goto out;
		}
		if (rec.len == 0) {
			if (bad(&p, "empty line", 0) == -1) {
				rc = QF_BAD;
				goto out;
			}
			continue;
		}
		if (record(&p, text) == -1) {
			rc = QF_BAD;
			goto out;
		}
	}
	if (!out->terminated && !lim->lenient)
		rc = QF_NEED_MORE;
out:
	pending_free(&p);
	buf_free(&rec);
	if (rc != QF_OK)
		queue_qf_free(out);
	return rc;
}

/*
 * The value as sendmail's denlstring() leaves it: a newline that does
 * not start a continuation line (or any newline, outside headers) would
 * start a new record, so then every newline becomes a space.
 */
static int
add_denl(struct buf *b, const char *s, int header)
{
	const char *p = s;
	size_t start = b->len;
	int fix = 0;

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (!header || (*p != ' ' && *p != '\t')) {
			fix = 1;
			break;
		}
	}
	if (buf_adds(b, s) == -1)
		return -1;
	if (fix)
		for (p = b->data + start; p < b->data + b->len; p++)
			if (*p == '\n')
				b->data[p - b->data] = ' ';
	return 0;
}

static int
add_rec(struct buf *b, int c, const char *s)
{
	if (s == NULL)
		return 0;
	if (buf_addc(b, c) == -1 || add_denl(b, s, 0) == -1 ||
	    buf_addc(b, '\n') == -1)
		return -1;
	return 0;
}

static int
format_rcpt(const struct qf *qf, const struct qf_rcpt *r, struct buf *b)
{
	static const char letters[] = "PNSFDBAY";
	int i;

	if (add_rec(b, 'M', r->status) == -1 ||
	    add_rec(b, 'C', r->ctl) == -1 ||
	    add_rec(b, 'Q', r->orcpt) == -1 ||
	    add_rec(b, 'r', r->final) == -1 ||
	    buf_addc(b, 'R') == -1)
		return -1;
	if (qf->version >= 1) {
		for (i = 0; letters[i] != '\0'; i++)
			if ((r->flags & (1u << i)) && buf_addc(b, letters[i])
			    == -1)
				return -1;
		if (buf_addc(b, ':') == -1)
			return -1;
	}
	if (add_denl(b, r->addr != NULL ? r->addr : "", 0) == -1 ||
	    buf_addc(b, '\n') == -1)
		return -1;
	return 0;
}

static int
format_all(const struct qf *qf, struct buf *b)
{
	static const char letters[] = "wr8bdnse";
	size_t i;
	int j;

	if (buf_printf(b, "V%d\nT%lld\nK%lld\nN%ld\nP%ld\n", qf->version,
	    qf->ctime, qf->dtime, qf->ntries, qf->priority) == -1 ||
	    add_rec(b, 'd', qf->dfdir) == -1)
		return -1;
	if (qf->has_inode && buf_printf(b, "I%ld/%ld/%llu\n", qf->df_major,
	    qf->df_minor, qf->df_inode) == -1)
		return -1;
	if (add_rec(b, 'B', qf->bodytype) == -1 ||
	    add_rec(b, 'q', qf->quarantine) == -1 ||
	    add_rec(b, 'M', qf->message) == -1)
		return -1;
	if (qf->flags != 0) {
		if (buf_addc(b, 'F') == -1)
			return -1;
		for (j = 0; letters[j] != '\0'; j++)
			if ((qf->flags & (1u << j)) &&
			    buf_addc(b, letters[j]) == -1)
				return -1;
		if (buf_addc(b, '\n') == -1)
			return -1;
	}
	for (i = 0; i < qf->nmacros; i++) {
		const struct qf_macro *m = &qf->macros[i];

		if (m->braced || strlen(m->name) != 1) {
			if (buf_printf(b, "${%s}", m->name) == -1)
				return -1;
		} else if (buf_printf(b, "$%s", m->name) == -1)
			return -1;
		if (add_denl(b, m->value, 0) == -1 || buf_addc(b, '\n') == -1)
			return -1;
	}
	if (add_rec(b, 'S', qf->sender != NULL ? qf->sender : "") == -1 ||
	    add_rec(b, 'Z', qf->envid) == -1 ||
	    add_rec(b, 'A', qf->auth) == -1)
		return -1;
	if (qf->dlvr_flag != 0 && buf_printf(b, "!%c %lld\n",
	    qf->dlvr_flag, qf->deliver_by) == -1)
		return -1;
	if (add_rec(b, 'E', qf->errorto) == -1 ||
	    add_rec(b, 'L', qf->content_length) == -1)
		return -1;
	for (i = 0; i < qf->nrcpts; i++)
		if (format_rcpt(qf, &qf->rcpts[i], b) == -1)
			return -1;
	for (i = 0; i < qf->nheaders; i++) {
		const struct qf_header *h = &qf->headers[i];

		if (buf_addc(b, 'H') == -1)
			return -1;
		if (h->cond != NULL && buf_printf(b, "?%s?", h->cond) == -1)
			return -1;
		if (buf_printf(b, "%s:", h->name) == -1 ||
		    add_denl(b, h->value, 1) == -1 || buf_addc(b, '\n') == -1)
			return -1;
	}
	return buf_adds(b, ".\n");
}

int
queue_qf_format(const struct qf *qf, struct buf *b, struct err *err)
{
	size_t start = b->len;

	if (format_all(qf, b) == -1) {
		buf_truncate(b, start);
		return err_set(err, ERR_SOFTWARE, "queue file larger than "
		    "%zu bytes", b->max);
	}
	return 0;
}
