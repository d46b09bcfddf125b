/*
 * deliver_msg.c -- a queued message as one mailer is to get it: the
 * UNIX From line (UnixFromLine, "From $g $d"), the qf's headers that the
 * mailer's flags select, with late macros ($g of Return-Path) expanded,
 * then the df's body, each line ended with the mailer's E= and escaped as
 * its flags ask (F=X leading dots, F=E "From ").
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deliver.h"
#include "lib/fdio.h"
#include "lib/str.h"

#define BODYCHUNK	65536

/* Whether the mailer takes a header with this ?condition?. */
static int
header_wanted(const struct cf_mailer_info *m, struct cf *cf,
    const struct qf_header *h, int delbcc)
{
	const unsigned char *c = (const unsigned char *)h->cond;

	if (delbcc && (str_casecmp(h->name, "Bcc") == 0 ||
	    str_casecmp(h->name, "Resent-Bcc") == 0))
		return 0;
	if (c == NULL || *c == '\0')
		return 1;
	if (*c == 0201) {		/* ?${macro}?: when it is set */
		const char *v = cf_macro_value(cf, (const char *)c + 1);

		return v != NULL && *v != '\0';
	}
	for (; *c != '\0'; c++)
		if (m->flags[*c])
			return 1;
	return 0;
}

/*
 * The addresses of a From:/To:/Cc:... header as the mailer is to see
 * them (rulesets 1 or 2 and the mailer's header S= or R=, comments and
 * phrases kept), each item of the comma list on its own, the white
 * space between them kept.
 */
static void
rewrite_list(struct cf *cf, const struct cf_mailer_info *m, const char *v,
    int sender, struct buf *out)
{
	struct cf_resolved r;
	const char *p = v, *start;
	size_t end;
	char *item, *done;
	int tf;

	buf_reset(out);
	while (*p != '\0') {
		start = p;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ',')
			p++;
		(void)buf_add(out, start, (size_t)(p - start));
		if (*p == '\0')
			break;
		end = 0;
		(void)cf_addr_resolve(cf, p, !sender, ',', &end, &r);
		cf_resolved_free(&r);
		if (end == 0)
			end = strlen(p);
		item = strndup(p, end);
		if (item == NULL)
			return;
		/* trailing white space stays outside the rewritten item */
		while (end > 0 && (item[end - 1] == ' ' ||
		    item[end - 1] == '\t' || item[end - 1] == '\n'))
			item[--end] = '\0';
		if (strchr(item, ':') != NULL && item[strlen(item) - 1] == ';')
			(void)buf_adds(out, item);	/* a group: as it is */
		else {
			done = cf_mailer_addr(cf, m->name, item, sender, 1, &tf);
			(void)buf_adds(out, done != NULL ? done : item);
			free(done);
		}
		p += strlen(item);
		free(item);
	}
}

static int
has_meta(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0200 && (unsigned char)*s < 0240)
			return 1;
	return 0;
}

/* Appends one line with the mailer's escapes and line end. */
static void
put_line(struct buf *out, const struct cf_mailer_info *m, const char *p,
    size_t n)
{
	if (m->flags['X'] && n > 0 && p[0] == '.')
		(void)buf_addc(out, '.');
	if (m->flags['E'] && n >= 5 && memcmp(p, "From ", 5) == 0)
		(void)buf_addc(out, '>');
	(void)buf_add(out, p, n);
	(void)buf_adds(out, m->eol);
}

/* Text with "\n" inside (a folded header): each line its own. */
static void
put_text(struct buf *out, const struct cf_mailer_info *m, const char *s)
{
	const char *nl;

	while ((nl = strchr(s, '\n')) != NULL) {
		put_line(out, m, s, (size_t)(nl - s));
		s = nl + 1;
	}
	put_line(out, m, s, strlen(s));
}

struct sink {
	int	(*fn)(void *, const char *, size_t);
	void	*arg;
};

static int
flush(struct buf *out, const struct sink *sk, struct err *err)
{
	if (out->len > 0 && sk->fn(sk->arg, out->data, out->len) == -1)
		return err_set(err, ERR_IOERR, "write to mailer: %s",
		    strerror(errno));
	buf_reset(out);
	return 0;
}

static int
fd_sink(void *arg, const char *p, size_t n)
{
	return fdio_write_all(*(int *)arg, p, n);
}

int
dlv_write_message(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, int fd, struct err *err)
{
	return dlv_write_message_cb(dm, m, sender, fd_sink, &fd, err);
}

int
dlv_write_message_cb(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, int (*fn)(void *, const char *, size_t), void *arg,
    struct err *err)
{
	struct sink sk = { fn, arg };
	struct cf *cf = dm->cf;
	const struct qf *qf = dm->qf;
	struct buf out, ex, tr, line;
	char chunk[BODYCHUNK], date[64];
	const char *ufrom, *p, *nl;
	time_t ct = (time_t)qf->ctime;
	struct tm tm;
	ssize_t n;
	off_t off = 0;
	size_t i;
	int rc = 0;

	buf_init(&out, 0);
	buf_init(&ex, 0);
	buf_init(&tr, 0);
	buf_init(&line, 0);
	cf_macro_define(cf, "g", sender);
	(void)localtime_r(&ct, &tm);
	(void)strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	cf_macro_define(cf, "d", date);
	if (!m->flags['n']) {
		ufrom = cf_option_value(cf, "UnixFromLine");
		cf_macro_translate(cf, ufrom ? ufrom : "From $g $d", &tr);
		cf_macro_expand(cf, buf_cstr(&tr), &ex);
		/* the From_ line itself is never escaped */
		(void)buf_add(&out, ex.data ? ex.data : "", ex.len);
		(void)buf_adds(&out, m->eol);
	}
	for (i = 0; i < qf->nheaders; i++) {
		const struct qf_header *h = &qf->headers[i];

		if (!header_wanted(m, cf, h, (qf->flags & QF_F_DELBCC) != 0))
			continue;
		buf_reset(&line);
		(void)buf_printf(&line, "%s:", h->name);
		if (has_meta(h->value)) {
			cf_macro_expand(cf, h->value, &ex);
			(void)buf_adds(&line, buf_cstr(&ex));
		} else if (m->name != NULL && (cf_header_flags(h->name) &
		    (CF_H_FROM | CF_H_RCPT))) {
			rewrite_list(cf, m, h->value, (cf_header_flags(h->name) &
			    CF_H_FROM) != 0, &ex);
			(void)buf_adds(&line, buf_cstr(&ex));
		} else
			(void)buf_adds(&line, h->value);
		put_text(&out, m, buf_cstr(&line));
	}
	(void)buf_adds(&out, m->eol);
	/* the body, line by line: a line may span chunks */
	buf_reset(&line);
	for (; dm->dffd >= 0;) {
		if (out.len > BODYCHUNK && (rc = flush(&out, &sk, err)) == -1)
			goto done;
		n = pread(dm->dffd, chunk, sizeof(chunk), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_set(err, ERR_IOERR, "cannot read df%s: %s",
			    dm->id, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		off += n;
		for (p = chunk; p < chunk + n; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(chunk + n - p));
			if (nl == NULL) {
				(void)buf_add(&line, p, (size_t)(chunk + n - p));
				break;
			}
			if (line.len > 0) {
				(void)buf_add(&line, p, (size_t)(nl - p));
				put_line(&out, m, line.data, line.len);
				buf_reset(&line);
			} else
				put_line(&out, m, p, (size_t)(nl - p));
		}
	}
	if (line.len > 0)	/* a last line without its newline */
		(void)buf_add(&out, line.data, line.len);
	rc = flush(&out, &sk, err);
done:
	buf_free(&out);
	buf_free(&ex);
	buf_free(&tr);
	buf_free(&line);
	return rc;
}
