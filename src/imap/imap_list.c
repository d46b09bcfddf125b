/*
 * imap_list.c -- LIST and LSUB with LIST-EXTENDED (RFC 5258) and
 * LIST-STATUS (RFC 5819): selection options SUBSCRIBED, REMOTE,
 * RECURSIVEMATCH and SPECIAL-USE, several patterns, return options
 * SUBSCRIBED, CHILDREN, SPECIAL-USE and STATUS; % and * patterns
 * matched in O(name x pattern); \HasChildren, \NonExistent and the
 * special-use flags of namespace mailboxes.
 */
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define PATTERN_MAX	1024
#define PATTERNS_MAX	64

#define SEL_SUBSCRIBED	0x01
#define SEL_RECURSIVE	0x02
#define SEL_SPECIAL	0x04
#define RET_SUBSCRIBED	0x01
#define RET_SPECIAL	0x02
#define RET_STATUS	0x04

#define F_SUBSCRIBED	IMAP_LIST_SUBSCRIBED
#define F_NONEXISTENT	IMAP_LIST_NONEXISTENT

static const char *
special_use(const struct imap_session *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->cfg->nspecial; i++)
		if (strcmp(s->cfg->special[i].name, name) == 0)
			return s->cfg->special[i].use;
	return NULL;
}

/* pattern matching with % (no separator) and *, case-insensitive for
 * INBOX; two DP rows, so O(len(name) * len(pattern)) */
static int
pattern_match(const char *pat, const char *name, char sep)
{
	size_t m = strlen(pat), n = strlen(name), i, j;
	unsigned char *prev, *cur;
	int r;

	if (m > PATTERN_MAX)
		return 0;
	if (str_ncasecmp(name, "INBOX", 5) == 0 && (name[5] == '\0' ||
	    name[5] == sep) && str_ncasecmp(pat, "INBOX", 5) == 0) {
		pat += 5;
		name += 5;
		m -= 5;
		n -= 5;
	}
	prev = xcalloc(n + 1, 1);
	cur = xcalloc(n + 1, 1);
	prev[0] = 1;
	for (i = 1; i <= m; i++) {
		char pc = pat[i - 1];

		cur[0] = prev[0] && (pc == '*' || pc == '%');
		for (j = 1; j <= n; j++) {
			char nc = name[j - 1];

			if (pc == '*')
				cur[j] = prev[j] || cur[j - 1];
			else if (pc == '%')
				cur[j] = prev[j] || (cur[j - 1] && nc != sep);
			else
				cur[j] = prev[j - 1] && pc == nc;
		}
		memcpy(prev, cur, n + 1);
	}
	r = prev[n];
	free(prev);
	free(cur);
	return r;
}

static int
any_match(const struct strarr *pats, const char *name, char sep)
{
	size_t i;

	for (i = 0; i < pats->n; i++)
		if (pattern_match(pats->v[i], name, sep))
			return 1;
	return 0;
}

static void
list_line(struct imap_session *s, const char *verb, unsigned flags,
    const char *use, const char *name, int childinfo)
{
	imap_list_line(s, verb, flags, use, name, childinfo, NULL);
}

void
imap_list_line(struct imap_session *s, const char *verb, unsigned flags,
    const char *use, const char *name, int childinfo, const char *oldname)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "* %s (", verb);
	if (flags & F_NONEXISTENT)
		(void)buf_adds(&b, "\\NonExistent ");
	else if (flags & MAILBOX_NOSELECT)
		(void)buf_adds(&b, "\\Noselect ");
	if (flags & MAILBOX_NOINFERIORS)
		(void)buf_adds(&b, "\\NoInferiors ");
	if (flags & F_SUBSCRIBED)
		(void)buf_adds(&b, "\\Subscribed ");
	if (flags & MAILBOX_HASCHILDREN)
		(void)buf_adds(&b, "\\HasChildren ");
	if (flags & MAILBOX_HASNOCHILDREN)
		(void)buf_adds(&b, "\\HasNoChildren ");
	if (use != NULL)
		buf_printf(&b, "%s ", use);
	if (b.data[b.len - 1] == ' ')
		buf_truncate(&b, b.len - 1);
	buf_printf(&b, ") \"%s%c\" ", s->sep == '\\' || s->sep == '"' ?
	    "\\" : "", s->sep);
	imap_cstr_out(&b, name);
	if (childinfo)
		(void)buf_adds(&b, " (CHILDINFO (\"SUBSCRIBED\"))");
	if (oldname != NULL) {
		(void)buf_adds(&b, " (\"OLDNAME\" (");
		imap_cstr_out(&b, oldname);
		(void)buf_adds(&b, "))");
	}
	(void)buf_adds(&b, "\r\n");
	(void)buf_add(&s->out, b.data, b.len);
	buf_free(&b);
}

static int
in_list(const struct strarr *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i], name) == 0)
			return 1;
	return 0;
}

/* The parsed command */
struct listcmd {
	unsigned		 sel, ret;
	struct strarr		 pats;		/* reference + pattern */
	const struct imap_arg	*status;	/* RETURN (STATUS (...)) */
	int			 extended;
};

static const char *
parse(struct imap_session *s, struct imap_cmd *c, int lsub,
    struct listcmd *l)
{
	const struct imap_arg *a = c->args;
	size_t n = c->nargs, i;
	const char *ref;

	memset(l, 0, sizeof(*l));
	if (!lsub && n > 0 && a[0].type == IMAP_ARG_LIST) {
		for (i = 0; i < a[0].nlist; i++) {
			const char *o = imap_arg_string(&a[0].list[i]);

			if (o == NULL)
				return "Invalid selection option";
			if (str_casecmp(o, "SUBSCRIBED") == 0)
				l->sel |= SEL_SUBSCRIBED;
			else if (str_casecmp(o, "RECURSIVEMATCH") == 0)
				l->sel |= SEL_RECURSIVE;
			else if (str_casecmp(o, "SPECIAL-USE") == 0)
				l->sel |= SEL_SPECIAL;
			else if (str_casecmp(o, "REMOTE") != 0)
				return "Unknown selection option";
		}
		/* RECURSIVEMATCH needs another option to recurse for */
		if ((l->sel & SEL_RECURSIVE) &&
		    !(l->sel & (SEL_SUBSCRIBED | SEL_SPECIAL)))
			return "RECURSIVEMATCH alone";
		l->extended = 1;
		a++;
		n--;
	}
	if (n < 2 || (ref = imap_arg_string(&a[0])) == NULL)
		return "Invalid arguments";
	if (a[1].type == IMAP_ARG_LIST && !lsub) {
		if (a[1].nlist == 0 || a[1].nlist > PATTERNS_MAX)
			return "Invalid patterns";
		for (i = 0; i < a[1].nlist; i++) {
			const char *p = imap_arg_string(&a[1].list[i]);
			struct buf b;

			if (p == NULL)
				return "Invalid patterns";
			buf_init(&b, 0);
			buf_printf(&b, "%s%s", ref, p);
			strarr_push(&l->pats, b.data);
			buf_free(&b);
		}
		l->extended = 1;
	} else {
		const char *p = imap_arg_string(&a[1]);
		struct buf b;

		if (p == NULL)
			return "Invalid arguments";
		buf_init(&b, 0);
		buf_printf(&b, "%s%s", ref, p);
		strarr_push(&l->pats, b.data);
		buf_free(&b);
	}
	a += 2;
	n -= 2;
	if (n > 0 && !lsub) {
		const char *r = imap_arg_string(&a[0]);

		if (n != 2 || r == NULL || str_casecmp(r, "RETURN") != 0 ||
		    a[1].type != IMAP_ARG_LIST)
			return "Invalid arguments";
		for (i = 0; i < a[1].nlist; i++) {
			const char *o = imap_arg_string(&a[1].list[i]);

			if (o == NULL)
				return "Invalid return option";
			if (str_casecmp(o, "SUBSCRIBED") == 0)
				l->ret |= RET_SUBSCRIBED;
			else if (str_casecmp(o, "SPECIAL-USE") == 0)
				l->ret |= RET_SPECIAL;
			else if (str_casecmp(o, "STATUS") == 0 &&
			    i + 1 < a[1].nlist &&
			    a[1].list[i + 1].type == IMAP_ARG_LIST) {
				l->ret |= RET_STATUS;
				l->status = &a[1].list[++i];
			} else if (str_casecmp(o, "CHILDREN") != 0)
				return "Unknown return option";
		}
		l->extended = 1;
	} else if (n > 0)
		return "Invalid arguments";
	(void)s;
	return NULL;
}

/* Subscribed descendants of name that the patterns do not name
 * themselves (RFC 5258's CHILDINFO). */
static int
childinfo(const struct imap_session *s, const struct strarr *subs,
    const struct strarr *pats, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < subs->n; i++)
		if (strncmp(subs->v[i], name, len) == 0 &&
		    subs->v[i][len] == s->sep &&
		    !any_match(pats, subs->v[i], s->sep))
			return 1;
	return 0;
}

static void
emit(struct imap_session *s, const struct listcmd *l, const char *verb,
    unsigned flags, const char *name, int info)
{
	const char *use = special_use(s, name);

	list_line(s, verb, flags, use, name, info);
	if ((l->ret & RET_STATUS) && !(flags & (MAILBOX_NOSELECT |
	    F_NONEXISTENT)))
		(void)imap_status_reply(s, NULL, name, l->status);
}

void
imap_cmd_list(struct imap_session *s, struct imap_cmd *c, int lsub)
{
	struct mailbox_entry *v = NULL;
	struct strarr subs = { 0 }, done = { 0 };
	struct listcmd l;
	struct err err;
	const char *why, *verb = lsub ? "LSUB" : "LIST";
	size_t n = 0, i, j;

	if ((why = parse(s, c, lsub, &l)) != NULL) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %s: %s",
		    c->name, why);
		strarr_free(&l.pats);
		return;
	}
	if (!lsub && !l.extended && l.pats.n == 1 &&
	    strcmp(l.pats.v[0], "") == 0 &&
	    imap_arg_string(&c->args[1]) != NULL && *c->args[1].str == '\0') {
		/* the hierarchy delimiter and root */
		imap_reply(s, "LIST (\\Noselect) \"%s%c\" \"\"",
		    s->sep == '\\' || s->sep == '"' ? "\\" : "", s->sep);
		imap_tagged(s, c->tag, "OK List completed.");
		strarr_free(&l.pats);
		return;
	}
	err_clear(&err);
	if (lsub || (l.sel & SEL_SUBSCRIBED) || (l.ret & RET_SUBSCRIBED))
		(void)mailbox_subs_read(&s->loc, s->sep, &subs, &err);
	if (mailbox_list(&s->loc, s->sep, &v, &n, &err) == -1) {
		imap_tagged(s, c->tag, "NO [SERVERBUG] Internal error "
		    "occurred. Refer to server log for more information.");
		strarr_free(&l.pats);
		strarr_free(&subs);
		return;
	}
	if (lsub || (l.sel & SEL_SUBSCRIBED)) {
		/* subscribed names, existing or not */
		for (i = 0; i < subs.n; i++) {
			unsigned f;

			if (!any_match(&l.pats, subs.v[i], s->sep) ||
			    ((l.sel & SEL_SPECIAL) &&
			    special_use(s, subs.v[i]) == NULL))
				continue;
			for (j = 0; j < n; j++)
				if (strcmp(v[j].name, subs.v[i]) == 0)
					break;
			if (lsub)
				f = j == n || (v[j].flags & MAILBOX_NOSELECT) ?
				    MAILBOX_NOSELECT : 0;
			else
				f = (j == n ? F_NONEXISTENT : v[j].flags) |
				    F_SUBSCRIBED;
			strarr_push(&done, subs.v[i]);
			if (lsub)
				list_line(s, verb, f, NULL, subs.v[i], 0);
			else
				emit(s, &l, verb, f, subs.v[i], 0);
		}
		/* parents: LSUB's \Noselect, RECURSIVEMATCH's CHILDINFO */
		for (i = 0; i < subs.n && (lsub || (l.sel & SEL_RECURSIVE));
		    i++) {
			char *parent = xstrdup(subs.v[i]), *sl;

			while ((sl = strrchr(parent, s->sep)) != NULL) {
				*sl = '\0';
				if (!any_match(&l.pats, parent, s->sep) ||
				    in_list(&done, parent))
					continue;
				if (!lsub && !childinfo(s, &subs, &l.pats,
				    parent))
					continue;
				strarr_push(&done, parent);
				if (lsub) {
					list_line(s, verb, MAILBOX_NOSELECT,
					    NULL, parent, 0);
					continue;
				}
				for (j = 0; j < n; j++)
					if (strcmp(v[j].name, parent) == 0)
						break;
				emit(s, &l, verb, j == n ? F_NONEXISTENT :
				    v[j].flags, parent, 1);
			}
			free(parent);
		}
	} else
		for (i = 0; i < n; i++) {
			unsigned f = v[i].flags;

			if (!any_match(&l.pats, v[i].name, s->sep) ||
			    ((l.sel & SEL_SPECIAL) &&
			    special_use(s, v[i].name) == NULL))
				continue;
			if ((l.ret & RET_SUBSCRIBED) &&
			    in_list(&subs, v[i].name))
				f |= F_SUBSCRIBED;
			emit(s, &l, verb, f, v[i].name, 0);
		}
	mailbox_list_free(v, n);
	strarr_free(&subs);
	strarr_free(&done);
	strarr_free(&l.pats);
	imap_tagged(s, c->tag, lsub ? "OK Lsub completed." :
	    "OK List completed.");
}
