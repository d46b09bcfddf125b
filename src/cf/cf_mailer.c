/*
 * cf_mailer.c -- M lines: mailer definitions with their P= F= S= R= E=
 * A= M= m= r= L= D= U= N= C= T= W= Q= /= fields, the built-in prog,
 * *file* and *include* mailers, and the =M listing.
 */
#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

/*
 * Copies a field body up to an unquoted delimiter, dropping quotes;
 * a backslash escapes a character (\n \r \t are control characters).  Returns the position after
 * the field.
 */
const char *
cf_munch(const char *p, int delim, struct buf *out)
{
	int bslash = 0, quote = 0;

	buf_reset(out);
	for (; *p != '\0'; p++) {
		if (bslash) {
			buf_addc(out, *p == 'n' ? '\n' : *p == 'r' ? '\r' :
			    *p == 't' ? '\t' : *p);
			bslash = 0;
		} else if (*p == '\\')
			bslash = 1;
		else if (*p == '"')
			quote = !quote;
		else if (quote || *p != delim)
			buf_addc(out, *p);
		else
			break;
	}
	return p;
}

static void
mailer_free(struct cf_mailer *m)
{
	if (m == NULL)
		return;
	free(m->name);
	free(m->path);
	free(m->eol);
	strarr_free(&m->argv);
	free(m->execdir);
	free(m->user);
	free(m->charset);
	free(m->mtatype);
	free(m->addrtype);
	free(m->diagtype);
	free(m->qgrp);
	free(m->rootdir);
	free(m);
}

void
cf_mailers_free(struct cf *cf)
{
	int i;

	for (i = 0; i < cf->nmailers; i++)
		mailer_free(cf->mailer[i]);
	cf->nmailers = 0;
}

static void
set_type(struct cf_mailer *m, const char *p)
{
	struct strarr parts = { 0 };
	const char *s = p, *slash;

	while ((slash = strchr(s, '/')) != NULL) {
		strarr_pushn(&parts, s, (size_t)(slash - s));
		s = slash + 1;
	}
	strarr_push(&parts, s);
	free(m->mtatype);
	free(m->addrtype);
	free(m->diagtype);
	m->mtatype = xstrdup(parts.v[0]);
	m->addrtype = xstrdup(parts.n > 1 && parts.v[1][0] ? parts.v[1]
	    : parts.v[0]);
	m->diagtype = xstrdup(parts.n > 2 && parts.v[2][0] ? parts.v[2]
	    : parts.v[0]);
	strarr_free(&parts);
}

static void
set_user(struct cf *cf, struct cf_mailer *m, const char *p)
{
	struct passwd *pw;
	struct group *gr;
	const char *colon = strchr(p, ':');
	char *u = xstrndup(p, colon ? (size_t)(colon - p) : strlen(p));
	long n;

	free(m->user);
	m->user = xstrdup(p);
	if (*u != '\0') {
		if (str_to_long(u, &n) == 0)
			m->uid = n;
		else if ((pw = getpwnam(u)) != NULL) {
			m->uid = pw->pw_uid;
			m->gid = pw->pw_gid;
		} else
			cf_syserr(cf, "readcf: mailer U= flag: unknown user %s",
			    u);
	}
	if (colon != NULL && colon[1] != '\0') {
		if (str_to_long(colon + 1, &n) == 0)
			m->gid = n;
		else if ((gr = getgrnam(colon + 1)) != NULL)
			m->gid = gr->gr_gid;
		else
			cf_syserr(cf, "readcf: mailer U= flag: unknown group "
			    "%s", colon + 1);
	}
	free(u);
}

/* Splits A= into words (spaces separate; no quoting at this level). */
static void
set_argv(struct cf_mailer *m, const char *p)
{
	strarr_free(&m->argv);
	str_split(p, " \t", &m->argv);
}

static int
rwsets(struct cf *cf, const char *p, int *env, int *hdr)
{
	const char *end;
	int i;

	i = cf_rwset(cf, p, 1, &end);
	if (i < 0)
		return -1;
	*env = *hdr = i;
	if (*end == '/') {
		i = cf_rwset(cf, end + 1, 1, NULL);
		if (i < 0)
			return -1;
		*hdr = i;
	}
	return 0;
}

/* Has any A= word a $u?  Then the mailer is not spoken to over SMTP. */
static int
argv_has_user(struct cf_mailer *m)
{
	size_t i;
	const char *p;

	for (i = 0; i < m->argv.n; i++)
		for (p = m->argv.v[i]; *p != '\0'; p++)
			if ((unsigned char)p[0] == META_MACROEXPAND &&
			    p[1] == 'u')
				return 1;
	return 0;
}

static void
mailer_install(struct cf *cf, struct cf_mailer *m)
{
	int i;

	for (i = 0; i < cf->nmailers; i++)
		if (strcmp(cf->mailer[i]->name, m->name) == 0) {
			m->num = i;
			mailer_free(cf->mailer[i]);
			cf->mailer[i] = m;
			return;
		}
	if (cf->nmailers >= CF_MAXMAILERS) {
		cf_syserr(cf, "too many mailers defined (%d max)",
		    CF_MAXMAILERS);
		mailer_free(m);
		return;
	}
	m->num = cf->nmailers;
	cf->mailer[cf->nmailers++] = m;
}

/* M line without the 'M', dollars translated. */
void
cf_mailer_line(struct cf *cf, const char *line)
{
	struct cf_mailer *m;
	struct buf body;
	const char *p = line, *q;
	int fcode;

	m = xcalloc(1, sizeof(*m));
	m->uid = m->gid = -1;
	buf_init(&body, 0);
	for (q = p; *q != '\0' && *q != ',' && !isspace((unsigned char)*q);
	    q++)
		;
	m->name = xstrndup(p, (size_t)(q - p));
	p = *q ? q + 1 : q;
	if (m->name[0] == '\0') {
		cf_syserr(cf, "name required for mailer");
		goto bad;
	}
	while (*p != '\0') {
		while (*p != '\0' && (*p == ',' || isspace((unsigned char)*p)))
			p++;
		if (*p == '\0')
			break;
		fcode = (unsigned char)*p;
		while (*p != '\0' && *p != '=' && *p != ',')
			p++;
		if (*p++ != '=') {
			cf_syserr(cf, "mailer %s: `=' expected", m->name);
			goto bad;
		}
		while (isspace((unsigned char)*p))
			p++;
		p = cf_munch(p, ',', &body);
		q = buf_cstr(&body);
		switch (fcode) {
		case 'P':
			if (*q != '\0') {
				free(m->path);
				m->path = xstrdup(q);
			}
			break;
		case 'F':
			for (; *q != '\0'; q++)
				if (!isspace((unsigned char)*q))
					m->flags[(unsigned char)*q & 0177] = 1;
			break;
		case 'S':
			if (rwsets(cf, q, &m->se_rwset, &m->sh_rwset) == -1)
				goto bad;
			break;
		case 'R':
			if (rwsets(cf, q, &m->re_rwset, &m->rh_rwset) == -1)
				goto bad;
			break;
		case 'E':
			if (*q == '\0')
				cf_syserr(cf, "mailer %s: null end-of-line "
				    "string", m->name);
			else {
				free(m->eol);
				m->eol = xstrdup(q);
			}
			break;
		case 'A':
			if (*q != '\0')
				set_argv(m, q);
			break;
		case 'M': m->maxsize = atol(q); break;
		case 'm': m->maxmsgs = atol(q); break;
		case 'r': m->maxrcpt = atol(q); break;
		case 'L':
			m->linelimit = atol(q);
			if (m->linelimit < 0)
				m->linelimit = 0;
			break;
		case 'N': m->nice = atol(q); break;
		case 'D':
			free(m->execdir);
			m->execdir = xstrdup(q);
			break;
		case 'C':
			free(m->charset);
			m->charset = xstrdup(q);
			break;
		case 'T': set_type(m, q); break;
		case 'U': set_user(cf, m, q); break;
		case 'W': m->wait = atol(q); break;
		case 'Q':
			free(m->qgrp);
			m->qgrp = xstrdup(q);
			break;
		case '/':
			free(m->rootdir);
			m->rootdir = xstrdup(q);
			break;
		default:
			cf_syserr(cf, "M%s: unknown mailer equate %c=",
			    m->name, fcode);
			break;
		}
	}
	buf_free(&body);
	if (m->path == NULL) {
		cf_syserr(cf, "M%s: P= argument required", m->name);
		mailer_free(m);
		return;
	}
	if (m->argv.n == 0)
		cf_syserr(cf, "M%s: A= argument required", m->name);
	if (m->flags['L'] && m->linelimit == 0)
		m->linelimit = 990;
	if (strcmp(m->path, "[TCP]") == 0) {
		cf_syserr(cf, "M%s: P=[TCP] must be replaced by P=[IPC]",
		    m->name);
		mailer_free(m);
		return;
	}
	if (strcmp(m->path, "[IPC]") == 0) {
		if (m->argv.n < 2 || m->argv.v[1][0] == '\0') {
			cf_syserr(cf, "M%s: too few parameters for %s mailer",
			    m->name, m->path);
			mailer_free(m);
			return;
		}
		if (strcmp(m->argv.v[0], "TCP") != 0 &&
		    strcmp(m->argv.v[0], "FILE") != 0) {
			cf_syserr(cf, "M%s: second argument in %s mailer must "
			    "be %s or %s", m->name, m->path, "TCP", "FILE");
			mailer_free(m);
			return;
		}
		if (m->mtatype == NULL)
			set_type(m, strcmp(m->argv.v[0], "FILE") == 0 ?
			    "dns/rfc822/x-unix" : "dns/rfc822/smtp");
	}
	if (m->eol == NULL)
		m->eol = xstrdup(argv_has_user(m) ? "\n" : "\r\n");
	if (m->maxrcpt <= 0)
		m->maxrcpt = 100;
	/* programs get one recipient per run, whatever F= says */
	if (strcmp(m->name, "prog") == 0)
		m->flags['m'] = 0;
	mailer_install(cf, m);
	return;
bad:
	buf_free(&body);
	mailer_free(m);
}

void
cf_mailer_builtins(struct cf *cf)
{
	static const char *const builtins[] = {
		"prog, P=/bin/sh, F=lsouDq9, T=X-Unix/X-Unix/X-Unix, "
		    "A=sh -c \201u",
		"*file*, P=[FILE], F=lsDFMPEouq9, T=X-Unix/X-Unix/X-Unix, "
		    "A=FILE \201u",
		"*include*, P=/dev/null, F=su, A=INCLUDE \201u",
		NULL
	};
	int i;

	for (i = 0; builtins[i] != NULL; i++)
		cf_mailer_line(cf, builtins[i]);
}

struct cf_mailer *
cf_mailer_find(struct cf *cf, const char *name)
{
	int i, c = tolower((unsigned char)name[0]);

	/* the first letter first: this runs for every address resolved */
	for (i = 0; i < cf->nmailers; i++)
		if (tolower((unsigned char)cf->mailer[i]->name[0]) == c &&
		    str_casecmp(cf->mailer[i]->name, name) == 0)
			return cf->mailer[i];
	return NULL;
}

static void
print_rwset(struct cf *cf, FILE *out, int rs)
{
	if (rs >= 0 && rs < CF_MAXRWSETS && cf->rsname[rs] != NULL)
		(void)fputs(cf->rsname[rs], out);
	else
		(void)fprintf(out, "%d", rs);
}

void
cf_mailer_print(struct cf *cf, struct cf_mailer *m, FILE *out)
{
	size_t i;
	int c;

	(void)fprintf(out, "mailer %d (%s): P=%s S=", m->num, m->name,
	    m->path);
	print_rwset(cf, out, m->se_rwset);
	(void)fputc('/', out);
	print_rwset(cf, out, m->sh_rwset);
	(void)fputs(" R=", out);
	print_rwset(cf, out, m->re_rwset);
	(void)fputc('/', out);
	print_rwset(cf, out, m->rh_rwset);
	(void)fprintf(out, " M=%ld U=%ld:%ld F=", m->maxsize, m->uid,
	    m->gid);
	for (c = 0; c < 0200; c++)
		if (m->flags[c])
			(void)fputc(c, out);
	(void)fprintf(out, " L=%ld E=", m->linelimit);
	cf_xputs(cf, out, m->eol);
	if (m->charset != NULL)
		(void)fprintf(out, " C=%s", m->charset);
	(void)fprintf(out, " T=%s/%s/%s",
	    m->mtatype ? m->mtatype : "<undefined>",
	    m->addrtype ? m->addrtype : "<undefined>",
	    m->diagtype ? m->diagtype : "<undefined>");
	(void)fprintf(out, " r=%ld", m->maxrcpt);
	if (m->rootdir != NULL)
		(void)fprintf(out, " /=%s", m->rootdir);
	if (m->argv.n > 0) {
		(void)fputs(" A=", out);
		for (i = 0; i < m->argv.n; i++) {
			if (i > 0)
				(void)fputc(' ', out);
			cf_xputs(cf, out, m->argv.v[i]);
		}
	}
	(void)fputc('\n', out);
}
