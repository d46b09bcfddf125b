/*
 * cf_read.c -- reading sendmail.cf: folded lines, comments, "$x"
 * notation turned into metasymbols, and one handler per line type
 * (V D C F O H P T E M K Q X S R).  Problems are reported with the file
 * and line and reading goes on, as sendmail does.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_int.h"
#include "lib/fdio.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define CF_MAXLINE	(1024 * 1024)	/* one folded cf line */
#define CF_MAXPRIO	25

/*
 * Drops a trailing comment: '#' after text (V>=3), not "\#".  Trailing
 * blanks before it go too.
 */
static void
strip_comment(struct cf *cf, struct buf *b)
{
	char *p;

	if (cf->level < 3 || b->len == 0)
		return;
	for (p = b->data; *p != '\0'; p++) {
		if (*p == '\\' && p[1] == '#') {
			p++;
			continue;
		}
		if (*p == '#' && p > b->data) {
			while (p > b->data && isspace((unsigned char)p[-1]))
				p--;
			buf_truncate(b, (size_t)(p - b->data));
			return;
		}
	}
}

/* D: "Dxvalue" / "D{name}value"; quotes and backslashes as in M fields */
static void
line_define(struct cf *cf, const char *p)
{
	const char *end;
	struct buf v;
	int id, bslash = 0, quote = 0;

	id = cf_macid(cf, p, &end);
	if (id == 0)
		return;
	buf_init(&v, 0);
	for (p = end; *p != '\0'; p++) {
		if (bslash) {
			buf_addc(&v, *p);
			bslash = 0;
		} else if (*p == '\\')
			bslash = 1;
		else if (*p == '"')
			quote = !quote;
		else
			buf_addc(&v, *p);
	}
	cf_macdefine(cf, id, buf_cstr(&v));
	buf_free(&v);
}

static void
line_class(struct cf *cf, const char *p)
{
	struct strarr words = { 0 };
	struct buf ex;
	const char *end;
	size_t i;
	int id;

	id = cf_macid(cf, p, &end);
	if (id == 0)
		return;
	buf_init(&ex, 0);
	cf_expand(cf, end, &ex);
	str_split(buf_cstr(&ex), " \t\r\n", &words);
	for (i = 0; i < words.n; i++)
		cf_class_add(cf, id, words.v[i]);
	strarr_free(&words);
	buf_free(&ex);
}

static void
line_fileclass(struct cf *cf, const char *p)
{
	const char *end;
	struct buf ex;
	int id, optional = 0;

	id = cf_macid(cf, p, &end);
	if (id == 0)
		return;
	p = str_skip_ws(end);
	if (p[0] == '-' && p[1] == 'o') {
		optional = 1;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		p = str_skip_ws(p);
	}
	buf_init(&ex, 0);
	cf_expand(cf, p, &ex);
	cf_fileclass(cf, id, buf_cstr(&ex), optional);
	buf_free(&ex);
}

static void
line_trusted(struct cf *cf, const char *p)
{
	struct strarr words = { 0 };
	size_t i;

	str_split(p, " \t\r\n", &words);
	for (i = 0; i < words.n; i++)
		cf_class_add(cf, 't', words.v[i]);
	strarr_free(&words);
}

static void
line_version(struct cf *cf, const char *p)
{
	char *end;
	long lvl;
	const char *v;
	size_t n;

	lvl = strtol(p, &end, 10);
	cf->level = (int)lvl;
	if (*end != '/')
		return;
	v = end + 1;
	for (n = 0; isalpha((unsigned char)v[n]); n++)
		;
	free(cf->vendor);
	cf->vendor = xstrndup(v, n);
	if (str_casecmp(cf->vendor, "Berkeley") != 0 &&
	    str_casecmp(cf->vendor, "Sendmail") != 0)
		cf_syserr(cf, "invalid V line vendor code: \"%s\"",
		    cf->vendor);
}

static void
line_precedence(struct cf *cf, const char *p)
{
	const char *eq = strchr(p, '=');
	long v;

	if (eq == NULL) {
		cf_syserr(cf, "unknown configuration line \"P%s\"", p);
		return;
	}
	if (cf->prec_names.n >= CF_MAXPRIO) {
		cf_syserr(cf, "Too many P lines, %d max", CF_MAXPRIO);
		return;
	}
	v = strtol(eq + 1, NULL, 10);
	cf->prec_vals[cf->prec_names.n] = v;
	strarr_pushn(&cf->prec_names, p, (size_t)(eq - p));
}

/* H?flags?name: value, H?${m}?name: value, Hname: value */
static void
line_header(struct cf *cf, const char *p)
{
	struct cf_header *h = xcalloc(1, sizeof(*h));
	const char *q, *colon;

	if (*p == '?') {
		q = strchr(p + 1, '?');
		if (q == NULL) {
			cf_syserr(cf, "header syntax error, line \"%s\"", p);
			free(h);
			return;
		}
		if ((unsigned char)p[1] == META_MACROEXPAND)
			h->macro = xstrndup(p + 2, (size_t)(q - p - 2));
		else
			h->flags = xstrndup(p + 1, (size_t)(q - p - 1));
		p = q + 1;
	}
	colon = strchr(p, ':');
	if (colon == NULL) {
		cf_syserr(cf, "header syntax error, line \"%s\"", p);
		free(h->flags);
		free(h->macro);
		free(h);
		return;
	}
	h->name = xstrndup(p, (size_t)(colon - p));
	str_rtrim(h->name);
	h->value = xstrdup(str_skip_ws(colon + 1));
	ptrarr_push(&cf->headers, h);
}

/* A map's complaints, one cf error a line of msg (dns: two). */
static void
cf_map_errors(struct cf *cf, const char *msg)
{
	const char *nl;

	while ((nl = strchr(msg, '\n')) != NULL) {
		cf_syserr(cf, "%.*s", (int)(nl - msg), msg);
		msg = nl + 1;
	}
	cf_syserr(cf, "%s", msg);
}

static void
line_map(struct cf *cf, const char *line)
{
	struct buf ex, name, cls;
	const char *p;
	struct err err;

	buf_init(&ex, 0);
	buf_init(&name, 0);
	buf_init(&cls, 0);
	cf_expand(cf, line, &ex);
	p = str_skip_ws(buf_cstr(&ex));
	if (!isalnum((unsigned char)*p)) {
		cf_syserr(cf, "readcf: config K line: no map name");
		goto out;
	}
	while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
		buf_addc(&name, *p++);
	p = str_skip_ws(p);
	if (!isalnum((unsigned char)*p)) {
		cf_syserr(cf, "readcf: config K line, map %s: no map class",
		    buf_cstr(&name));
		goto out;
	}
	while (isalnum((unsigned char)*p))
		buf_addc(&cls, *p++);
	p = str_skip_ws(p);
	err_clear(&err);
	/* a declared map may still come with a warning in err */
	if (map_declare(cf->maps, buf_cstr(&name), buf_cstr(&cls), p,
	    &err) == NULL || err.kind != ERR_NONE)
		cf_map_errors(cf, err.msg);
out:
	buf_free(&ex);
	buf_free(&name);
	buf_free(&cls);
}

static void
cf_line(struct cf *cf, struct buf *b)
{
	const char *p;
	char *raw = xstrdup(buf_cstr(b));

	cf->rawline = raw;
	cf_translate_dollars(cf, b);
	strip_comment(cf, b);
	p = buf_cstr(b);
	if (p[0] == '\0') {
		cf->rawline = NULL;
		free(raw);
		return;
	}
	switch (p[0]) {
	case 'R': cf_rule_add(cf, p + 1); break;
	case 'S': cf_ruleset_start(cf, p + 1); break;
	case 'D': line_define(cf, p + 1); break;
	case 'C': line_class(cf, p + 1); break;
	case 'F': line_fileclass(cf, p + 1); break;
	case 'M': cf_mailer_line(cf, p + 1); break;
	case 'H': line_header(cf, p + 1); break;
	case 'O': cf_setoption_line(cf, p + 1); break;
	case 'P': line_precedence(cf, p + 1); break;
	case 'T': line_trusted(cf, p + 1); break;
	case 'V': line_version(cf, p + 1); break;
	case 'K': line_map(cf, p + 1); break;
	case 'E': strarr_push(&cf->envvars, p + 1); break;
	case 'Q': cf_qgroup_line(cf, p + 1); break;
	case 'X': strarr_push(&cf->milters, p + 1); break;
	default:
		cf_syserr(cf, "unknown configuration line \"%s\"", p);
		break;
	}
	cf->rawline = NULL;
	free(raw);
}

/*
 * Feeds the folded lines of a buffer to cf_line: a line starting with
 * a space or tab continues the previous one (the newline is kept).
 */
static void
cf_read_text(struct cf *cf, const char *text, size_t len)
{
	struct buf line;
	size_t i = 0, end;
	int lineno = 0, firstline;

	buf_init(&line, CF_MAXLINE);
	while (i < len) {
		firstline = ++lineno;
		buf_reset(&line);
		for (;;) {
			end = i;
			while (end < len && text[end] != '\n')
				end++;
			if (buf_add(&line, text + i, end - i) == -1) {
				cf->line = firstline;
				cf_syserr(cf, "line too long");
			}
			i = end < len ? end + 1 : end;
			if (i < len && (text[i] == ' ' || text[i] == '\t')) {
				lineno++;
				buf_addc(&line, '\n');
				continue;
			}
			break;
		}
		while (line.len > 0 && line.data[line.len - 1] == '\r')
			buf_truncate(&line, line.len - 1);
		cf->line = lineno;
		if (line.len == 0 || line.data[0] == '#')
			continue;
		cf_line(cf, &line);
		if (cf->fatal)
			break;
	}
	buf_free(&line);
}

void
cf_read_buffer(struct cf *cf, const char *name, const char *text, size_t len)
{
	cf->file = name;
	cf->line = 0;
	cf_read_text(cf, text, len);
	cf->file = NULL;
	cf_after_read(cf);
}

int
cf_read(struct cf *cf, const char *path, struct err *err)
{
	struct buf text;
	char chunk[65536];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return err_sys(err, ERR_CONFIG, "cannot open %s", path);
	buf_init(&text, 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&text, chunk, (size_t)n);
	if (n < 0) {
		err_sys(err, ERR_CONFIG, "cannot read %s", path);
		(void)close(fd);
		buf_free(&text);
		return -1;
	}
	(void)close(fd);
	cf_read_buffer(cf, path, buf_cstr(&text), text.len);
	buf_free(&text);
	return 0;
}
