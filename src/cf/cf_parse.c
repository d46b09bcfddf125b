/*
 * cf_parse.c -- an address through the cf: prescan, rulesets 3 and 0,
 * then the $#mailer $@host $:user triple built into a struct cf_addr
 * (with the user part through ruleset 2, the mailer's R= and 4, as
 * sendmail does); $#error triples become the user error they carry.
 * Also crackaddr (the "$g" template that keeps comments and phrases) and
 * remotename (/try).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define EX_OK		0
#define EX_TEMPFAIL	75

void
cf_addr_free(struct cf_addr *a)
{
	if (a == NULL)
		return;
	free(a->host);
	free(a->user);
	memset(a, 0, sizeof(*a));
}

static int
is_meta(const char *tok, int meta)
{
	return tok != NULL && (unsigned char)tok[0] == meta;
}

/* A DSN-style "5.1.1" at s followed by `delim`: its length, else 0. */
static int
isenhsc(const char *s, int delim)
{
	int l = 0;

	if (!isdigit((unsigned char)s[0]) || s[1] != '.')
		return 0;
	l = 2;
	if (!isdigit((unsigned char)s[l]))
		return 0;
	while (isdigit((unsigned char)s[l]))
		l++;
	if (s[l++] != '.' || !isdigit((unsigned char)s[l]))
		return 0;
	while (isdigit((unsigned char)s[l]))
		l++;
	return s[l] == delim ? l : 0;
}

static void
strip_quotes(char *s)
{
	char *q = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			*q++ = *++s;
			continue;
		}
		if (*s == '"')
			continue;
		*q++ = *s;
	}
	*q = '\0';
}

/*
 * $#error $@ dsn $: "550 text": the user error it stands for, with its
 * reply code (553 if the text has none) and enhanced code (the text's,
 * else a DSN-like $@) kept for an SMTP reply; shown without them.
 */
static void
error_triple(struct cf *cf, char *ubuf, const char *host, struct cf_addr *a)
{
	/* the address first for the codes sendmail names it with (553) */
	const char *to = cf->e_to;
	const char *code = "553", *text = ubuf, *enh = NULL;
	char cbuf[4];
	int enhlen = 0;

	strip_quotes(ubuf);
	if (isdigit((unsigned char)ubuf[0]) && isdigit((unsigned char)ubuf[1])
	    && isdigit((unsigned char)ubuf[2]) && ubuf[3] == ' ') {
		memcpy(cbuf, ubuf, 3);
		cbuf[3] = '\0';
		code = cbuf;
		text = ubuf + 4;
		if (ubuf[0] == '4')
			a->queueup = 1;
	}
	if ((enhlen = isenhsc(text, ' ')) > 0) {
		enh = text;
		text += enhlen + 1;
	} else if (host != NULL && (enhlen = isenhsc(host, '\0')) > 0)
		enh = host;
	if (enh != NULL)
		cf_usrerr(cf, to, "%s %.*s %s", code, enhlen, enh, text);
	else
		cf_usrerr(cf, to, "%s %s", code, text);
	a->bad = 1;
}

/* Builds the address from a resolved workspace; tv starts at $#. */
void
cf_buildaddr(struct cf *cf, char **tv, int flags, struct cf_addr *a)
{
	char **hostp = NULL, *mname;
	struct buf hbuf, ubuf;
	struct cf_mailer *m;
	const char *p;
	int maxatom = ADDR_MAXATOM;

	memset(a, 0, sizeof(*a));
	if (*tv == NULL || !is_meta(*tv, META_CANONNET)) {
		cf_syserr(cf, "554 5.3.5 buildaddr: no mailer in parsed "
		    "address");
		a->bad = 1;
		return;
	}
	mname = *++tv;
	if (mname == NULL) {
		cf_syserr(cf, "554 5.3.5 buildaddr: no mailer in parsed "
		    "address");
		a->bad = 1;
		return;
	}
	maxatom--;
	if (*++tv != NULL && is_meta(*tv, META_CANONHOST)) {
		hostp = ++tv;
		maxatom--;
	}
	maxatom--;
	while (*tv != NULL && !is_meta(*tv, META_CANONUSER)) {
		tv++;
		maxatom--;
	}
	if (*tv == NULL) {
		cf_syserr(cf, "554 5.3.5 buildaddr: no user");
		a->bad = 1;
		return;
	}
	buf_init(&hbuf, 0);
	buf_init(&ubuf, 0);
	if (tv == hostp)
		hostp = NULL;
	else if (hostp != NULL)
		cf_cataddr(cf, hostp, tv - 1, &hbuf, '\0', 0);
	tv++;
	cf_cataddr(cf, tv, NULL, &ubuf, ' ', 0);
	maxatom--;

	if (str_casecmp(mname, "error") == 0) {
		if (hostp != NULL)
			a->host = xstrdup(buf_cstr(&hbuf));
		a->user = xstrdup(buf_cstr(&ubuf));
		error_triple(cf, ubuf.data ? ubuf.data : (char *)"",
		    hostp != NULL ? buf_cstr(&hbuf) : NULL, a);
		goto out;
	}
	m = cf_mailer_find(cf, mname);
	if (m == NULL) {
		cf_syserr(cf, "554 5.3.5 buildaddr: unknown mailer %s", mname);
		a->bad = 1;
		/* sendmail's error mailer, no host and an empty user */
		free(a->user);
		a->user = xstrdup("");
		goto out;
	}
	a->mailer = m;
	if (hostp == NULL) {
		if (!m->flags['l']) {
			cf_syserr(cf, "554 5.3.5 buildaddr: no host");
			a->bad = 1;
			goto out;
		}
	} else
		a->host = xstrdup(buf_cstr(&hbuf));

	p = buf_cstr(&ubuf);
	if (m->flags['@'] && *p == '@') {
		p++;
		tv++;
		maxatom--;
	}
	if (*p == '"')
		p++;
	if (*p == '|' && m->flags['|'])
		a->mailer = m = cf_mailer_find(cf, "prog");
	else if (*p == '/' && m->flags['/'])
		a->mailer = m = cf_mailer_find(cf, "*file*");
	else if (*p == ':' && m->flags[':']) {
		char *inc = xstrdup(buf_cstr(&ubuf));

		strip_quotes(inc);
		if (str_ncasecmp(inc, ":include:", 9) == 0) {
			a->mailer = cf_mailer_find(cf, "*include*");
			a->user = xstrdup(inc + 9);
			free(inc);
			goto out;
		}
		free(inc);
	}
	cf_macdefine(cf, 'h', a->host);
	if (cf->level >= 10 || !(flags & (RF_SENDERADDR | RF_HEADERADDR))) {
		(void)cf_rewrite(cf, tv, RS_RECIPIENT, 0, maxatom);
		if (m->re_rwset > 0)
			(void)cf_rewrite(cf, tv, m->re_rwset, 0, maxatom);
	}
	(void)cf_rewrite(cf, tv, RS_FINAL, 0, maxatom);
	cf_cataddr(cf, tv, NULL, &ubuf, '\0', 1);
	a->user = xstrdup(buf_cstr(&ubuf));
	if (a->host != NULL && !m->flags['h'])
		str_lower(a->host);
	if (!m->flags['u'])
		str_lower(a->user);
out:
	buf_free(&hbuf);
	buf_free(&ubuf);
}

/*
 * A recipient's user goes through the "queuegroup" ruleset when the cf
 * has one (not while rebuilding aliases), as sendmail selects its queue
 * group; we keep one queue, so only -bt's trace shows it.
 */
static void
queuegroup(struct cf *cf, const char *user)
{
	const char *mode = cf_macro_value(cf, "{opMode}");
	int rs;
	char **pvp;

	/* newaliases asks first: no ruleset lookup by name per alias */
	if ((mode != NULL && strcmp(mode, "i") == 0) ||
	    (rs = cf_rwset(cf, "queuegroup", 0, NULL)) < 0)
		return;
	pvp = cf_pvp_new(cf);
	if (cf_prescan(cf, user, '\0', &cf->tok_ext, pvp, NULL,
	    cf->e_to) == 0 && pvp[0] != NULL)
		(void)cf_rewrite(cf, pvp, rs, 0, ADDR_MAXATOM);
	cf_pvp_free(cf, pvp);
}

/* Marks 0x80-0x9f bytes (they would read as metasymbols); 1 if bad. */
int
cf_invalidaddr(struct cf *cf, char *addr, int isrcpt)
{
	char *p;
	int bad = 0;
	size_t len = 0;

	for (p = addr; *p != '\0'; p++) {
		if (((unsigned char)*p & 0340) == 0200) {
			bad = 1;
			*p = '?';
		}
		if (++len > ADDR_MAXNAME - 1) {
			char saved = *p;

			*p = '\0';
			cf_usrerr(cf, cf->e_to, "553 5.1.0 Address \"%s\" too "
			    "long (%d bytes max)", addr, ADDR_MAXNAME - 1);
			*p = saved;
			return 1;
		}
	}
	if (bad)
		cf_usrerr(cf, cf->e_to, "501 5.1.%d 8-bit character in "
		    "mailbox address \"%s\"", isrcpt ? 3 : 7, addr);
	return bad;
}

int
cf_parseaddr(struct cf *cf, const char *addr, int flags, int delim,
    size_t *end_out, struct cf_addr *a)
{
	char **pvp = cf_pvp_new(cf);
	char *copy;
	int queueup = 0, r3, r0;

	memset(a, 0, sizeof(*a));
	cf->e_to = cf_arena_str(cf, addr, strlen(addr));
	if (cf_prescan(cf, addr, delim, &cf->tok_ext, pvp, end_out,
	    cf->e_to) == -1 || pvp[0] == NULL) {
		cf_pvp_free(cf, pvp);
		return -1;
	}
	copy = cf_arena_str(cf, addr, end_out ? *end_out : strlen(addr));
	if (cf_invalidaddr(cf, copy, !(flags & RF_SENDERADDR))) {
		cf_pvp_free(cf, pvp);
		return -1;
	}
	/* newaliases: a one-atom name may replay the last one's path */
	if (cf->memo == NULL || !cf_memo_replay(cf, pvp)) {
		cf_memo_begin(cf, pvp);
		r3 = cf_rewrite(cf, pvp, RS_CANON, 0, ADDR_MAXATOM);
		r0 = cf_rewrite(cf, pvp, RS_PARSE, 0, ADDR_MAXATOM);
		queueup = r3 == EX_TEMPFAIL || r0 == EX_TEMPFAIL;
		cf_memo_end(cf, pvp, r3 != EX_OK ? r3 : r0);
	}
	cf_buildaddr(cf, pvp, flags, a);
	if (!a->bad && a->user != NULL &&
	    !(flags & (RF_SENDERADDR | RF_HEADERADDR)))
		queuegroup(cf, a->user);
	if (queueup) {
		/* a notice, not an error: the address is kept and queued */
		if (!cf->holderrs)
			cf_notice(cf, cf->e_to, "Transient parse error -- "
			    "message queued for future delivery");
		a->queueup = 1;
	}
	cf_pvp_free(cf, pvp);
	return 0;
}

/*
 * The address with its mailbox replaced by $g: a phrase and <route> keep
 * the phrase, comments stay around a bare address.
 */
char *
cf_crackaddr(struct cf *cf, const char *addr)
{
	struct buf out;
	const char *p, *lt = NULL, *gt = NULL, *start, *end;
	int quote = 0, cmnt = 0, depth = 0;

	(void)cf;
	buf_init(&out, 0);
	while (isspace((unsigned char)*addr))
		addr++;
	/* the first top-level <...> */
	for (p = addr; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (quote) {
			if (*p == '"')
				quote = 0;
			continue;
		}
		if (*p == '"')
			quote = 1;
		else if (*p == '(')
			cmnt++;
		else if (*p == ')' && cmnt > 0)
			cmnt--;
		else if (cmnt == 0 && *p == '<') {
			if (depth++ == 0 && lt == NULL)
				lt = p;
		} else if (cmnt == 0 && *p == '>' && depth > 0) {
			if (--depth == 0 && gt == NULL)
				gt = p;
		}
	}
	if (lt != NULL && gt != NULL && strspn(lt + 1, " \t") ==
	    (size_t)(gt - lt - 1)) {
		buf_adds(&out, addr);	/* "<>" has no mailbox to replace */
		return buf_steal(&out);
	}
	if (lt != NULL) {
		buf_add(&out, addr, (size_t)(lt - addr) + 1);
		buf_addc(&out, META_MACROEXPAND);
		buf_addc(&out, 'g');
		if (gt != NULL)
			buf_adds(&out, gt);
		else
			buf_addc(&out, '>');
		return buf_steal(&out);
	}
	/* a bare address: comments around it are kept */
	start = addr;
	end = addr + strlen(addr);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	quote = cmnt = 0;
	{
		const char *a0 = NULL, *a1 = NULL;

		for (p = start; p < end; p++) {
			if (*p == '\\' && p + 1 < end) {
				if (cmnt == 0) {
					if (a0 == NULL)
						a0 = p;
					a1 = p + 2;
				}
				p++;
				continue;
			}
			if (quote) {
				if (*p == '"')
					quote = 0;
				a1 = p + 1;
				continue;
			}
			if (*p == '(') {
				cmnt++;
				continue;
			}
			if (*p == ')' && cmnt > 0) {
				cmnt--;
				continue;
			}
			if (cmnt > 0 || isspace((unsigned char)*p))
				continue;
			if (*p == '"')
				quote = 1;
			if (a0 == NULL)
				a0 = p;
			a1 = p + 1;
		}
		if (a0 == NULL) {
			buf_addc(&out, META_MACROEXPAND);
			buf_addc(&out, 'g');
			return buf_steal(&out);
		}
		buf_add(&out, start, (size_t)(a0 - start));
		buf_addc(&out, META_MACROEXPAND);
		buf_addc(&out, 'g');
		buf_add(&out, a1, (size_t)(end - a1));
	}
	return buf_steal(&out);
}

char *
cf_remotename(struct cf *cf, const char *name, struct cf_mailer *m,
    int flags, int *stat_out)
{
	char **pvp, *fancy, *oldg;
	struct buf lbuf, out;
	int rwset;
	char addrtype[4];

	if (flags & RF_SENDERADDR) {
		rwset = (flags & RF_HEADERADDR) ? m->sh_rwset : m->se_rwset;
		addrtype[2] = 's';
	} else {
		rwset = (flags & RF_HEADERADDR) ? m->rh_rwset : m->re_rwset;
		addrtype[2] = 'r';
	}
	if (rwset < 0)	/* never: unset rulesets are 0 */
		return xstrdup(name);
	addrtype[0] = (flags & RF_HEADERADDR) ? 'h' : 'e';
	addrtype[1] = ' ';
	addrtype[3] = '\0';
	cf_macro_define(cf, "{addr_type}", addrtype);

	if ((flags & RF_CANONICAL) || m->flags['c'])
		fancy = xstrdup("\201g");
	else
		fancy = cf_crackaddr(cf, name);

	pvp = cf_pvp_new(cf);
	if (cf_prescan(cf, name, '\0', &cf->tok_ext, pvp, NULL,
	    cf->e_to) == -1 || pvp[0] == NULL) {
		cf_pvp_free(cf, pvp);
		free(fancy);
		return xstrdup(name);
	}
	if (cf_rewrite(cf, pvp, RS_CANON, 0, ADDR_MAXATOM) == EX_TEMPFAIL)
		*stat_out = EX_TEMPFAIL;
	if (cf_rewrite(cf, pvp, (flags & RF_SENDERADDR) ? RS_SENDER :
	    RS_RECIPIENT, 0, ADDR_MAXATOM) == EX_TEMPFAIL)
		*stat_out = EX_TEMPFAIL;
	if (rwset > 0 && cf_rewrite(cf, pvp, rwset, 0, ADDR_MAXATOM) ==
	    EX_TEMPFAIL)
		*stat_out = EX_TEMPFAIL;
	if (cf_rewrite(cf, pvp, RS_FINAL, 0, ADDR_MAXATOM) == EX_TEMPFAIL)
		*stat_out = EX_TEMPFAIL;

	buf_init(&lbuf, 0);
	buf_init(&out, 0);
	cf_cataddr(cf, pvp, NULL, &lbuf, '\0', 0);
	oldg = cf_macvalue(cf, 'g') ? xstrdup(cf_macvalue(cf, 'g')) : NULL;
	cf_macdefine(cf, 'g', buf_cstr(&lbuf));
	if ((flags & RF_CANONICAL) && lbuf.len > 0 && lbuf.data[0] == '@')
		cf_expand(cf, "<\201g>", &out);
	else
		cf_expand(cf, fancy, &out);
	cf_macdefine(cf, 'g', oldg);
	free(oldg);
	free(fancy);
	cf_pvp_free(cf, pvp);
	buf_free(&lbuf);
	return buf_steal(&out);
}
