/*
 * cf_bt.c -- address test mode (sendmail -bt): one command per line,
 * "rulesets address" runs the address through the listed rulesets with
 * a trace of each, and the "." "=" "-" "$" "/" commands inspect and
 * change the configuration the way sendmail's test mode does.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "version.h"

#define BT_MAXLINE	2048	/* sendmail reads -bt input in such pieces */
#define EX_OK		0

/* "-dN.M" inside -bt: only category 21 changes what we print */
static void
bt_debug(struct cf *cf, const char *arg)
{
	const char *p = arg;
	long cat, lvl;
	char *end;

	while (*p != '\0') {
		cat = strtol(p, &end, 10);
		if (end == p)
			break;
		lvl = 1;
		if (*end == '.')
			lvl = strtol(end + 1, &end, 10);
		if (cat == 21)
			cf->debug21 = (int)lvl;
		p = end;
		if (*p == ',')
			p++;
		else
			break;
	}
}

static void
bt_dot(struct cf *cf, const char *line, FILE *out)
{
	struct buf v, ex;
	struct strarr words = { 0 };
	const char *end;
	size_t i;
	int id;

	switch (line[1]) {
	case 'D':
		id = cf_macid(cf, line + 2, &end);
		if (id == 0)
			return;
		buf_init(&v, 0);
		buf_set(&v, end);
		cf_translate_dollars(cf, &v);
		cf_macdefine(cf, id, buf_cstr(&v));
		buf_free(&v);
		break;
	case 'C':
		if (line[2] == '\0')
			return;
		id = cf_macid(cf, line + 2, &end);
		if (id == 0)
			return;
		buf_init(&v, 0);
		buf_init(&ex, 0);
		buf_set(&v, end);
		cf_translate_dollars(cf, &v);
		cf_expand(cf, buf_cstr(&v), &ex);
		str_split(buf_cstr(&ex), " \t\r\n", &words);
		for (i = 0; i < words.n; i++)
			cf_class_add(cf, id, words.v[i]);
		strarr_free(&words);
		buf_free(&v);
		buf_free(&ex);
		break;
	case '\0':
		(void)fprintf(out, "Usage: .[DC]macro value(s)\n");
		break;
	default:
		(void)fprintf(out, "Unknown \".\" command %s\n", line);
		break;
	}
}

static void
bt_equal(struct cf *cf, const char *line, FILE *out)
{
	int rs, i;

	switch (line[1]) {
	case 'S':
		rs = cf_rwset(cf, line + 2, 0, NULL);
		if (rs < 0) {
			(void)fprintf(out, "Undefined ruleset %s\n", line + 2);
			return;
		}
		cf_print_ruleset(cf, rs, out);
		break;
	case 'M':
		for (i = 0; i < cf->nmailers; i++)
			cf_mailer_print(cf, cf->mailer[i], out);
		break;
	case '\0':
		(void)fprintf(out, "Usage: =Sruleset or =M\n");
		break;
	default:
		(void)fprintf(out, "Unknown \"=\" command %s\n", line);
		break;
	}
}

static void
bt_map(struct cf *cf, char *p, FILE *out)
{
	struct map *map;
	struct buf val;
	struct err err;
	enum map_result r;
	int stat = 0;
	char *q;
	const char *args[1];

	if (*p == '\0') {
		(void)fprintf(out, "Usage: /map mapname key\n");
		return;
	}
	for (q = p; *q != '\0' && !isspace((unsigned char)*q); q++)
		;
	if (*q == '\0') {
		(void)fprintf(out, "No key specified\n");
		return;
	}
	*q++ = '\0';
	map = map_find(cf->maps, p);
	if (map == NULL) {
		(void)fprintf(out, "Map named \"%s\" not found\n", p);
		return;
	}
	{
		int first = !(map->flags & MF_OPENTRIED);

		if (!map_available(map)) {
			(void)fprintf(out, "Map named \"%s\" not open\n", p);
			return;
		}
		/*
		 * the reason a map did not open is said on first use, as
		 * sendmail's syserr with errno set: status 71 (EX_OSERR)
		 */
		if (first && (map->flags & MF_OPENFAILED) &&
		    map->open_err.msg[0] != '\0') {
			int was = cf->exitstat;

			cf_syserr(cf, "%s", map->open_err.msg);
			if (was == 0)
				cf->exitstat = 71;
		}
	}
	(void)fprintf(out, "map_lookup: %s (%s) ", p, q);
	buf_init(&val, 0);
	err_clear(&err);
	args[0] = q;
	r = map_lookup(map, q, args, 1, &val, &stat, &err);
	if (r == MAP_TEMPFAIL && err.msg[0] != '\0' &&
	    !(map->flags & MF_OPENFAILED))
		(void)fprintf(out, "%s\n", err.msg);
	if (r == MAP_FOUND)
		(void)fprintf(out, "returns %s (%d)\n", buf_cstr(&val), stat);
	else
		(void)fprintf(out, "no match (%d)\n", stat);
	buf_free(&val);
}

static void
bt_parse(struct cf *cf, const char *p, FILE *out)
{
	struct cf_addr a;
	char *q;

	if (*p == '\0') {
		(void)fprintf(out, "Usage: /parse address\n");
		return;
	}
	q = cf_crackaddr(cf, p);
	(void)fprintf(out, "Cracked address = ");
	cf_xputs(cf, out, q);
	free(q);
	(void)fprintf(out, "\nParsing %s %s address\n",
	    (cf->tryflags & RF_HEADERADDR) ? "header" : "envelope",
	    (cf->tryflags & RF_SENDERADDR) ? "sender" : "recipient");
	if (cf_parseaddr(cf, p, cf->tryflags, '\0', NULL, &a) == -1) {
		(void)fprintf(out, "Cannot parse\n");
		return;
	}
	if (a.mailer == NULL && a.bad && a.user != NULL)
		(void)fprintf(out, "mailer *error*, %s%s%suser %s\n",
		    a.host ? "host " : "", a.host ? a.host : "",
		    a.host ? ", " : "", a.user ? a.user : "");
	else if (a.mailer == NULL)
		(void)fprintf(out, "Cannot parse\n");
	else if (a.host != NULL && *a.host != '\0')
		(void)fprintf(out, "mailer %s, host %s, user %s\n",
		    a.mailer->name, a.host, a.user);
	else
		(void)fprintf(out, "mailer %s, user %s\n", a.mailer->name,
		    a.user);
	cf_addr_free(&a);
	cf->e_to = NULL;
}

static void
bt_try(struct cf *cf, char *p, FILE *out)
{
	struct cf_mailer *m;
	char *q, *r;
	int stat = EX_OK;

	q = strpbrk(p, " \t");
	if (q != NULL)
		while (isspace((unsigned char)*q))
			*q++ = '\0';
	if (q == NULL || *q == '\0') {
		(void)fprintf(out, "Usage: /try mailer address\n");
		return;
	}
	m = cf_mailer_find(cf, p);
	if (m == NULL) {
		(void)fprintf(out, "Unknown mailer %s\n", p);
		return;
	}
	(void)fprintf(out, "Trying %s %s address %s for mailer %s\n",
	    (cf->tryflags & RF_HEADERADDR) ? "header" : "envelope",
	    (cf->tryflags & RF_SENDERADDR) ? "sender" : "recipient", q, p);
	r = cf_remotename(cf, q, m, cf->tryflags, &stat);
	(void)fprintf(out, "Rcode = %d, addr = %s\n", stat,
	    r == NULL ? "<NULL>" : r);
	free(r);
	cf->e_to = NULL;
}

static void
bt_tryflags(struct cf *cf, const char *p, FILE *out)
{
	char t[4];

	if (*p == '\0') {
		(void)fprintf(out, "Usage: /tryflags [Hh|Ee][Ss|Rr]\n");
		return;
	}
	for (; *p != '\0'; p++) {
		switch (*p) {
		case 'H': case 'h': cf->tryflags |= RF_HEADERADDR; break;
		case 'E': case 'e': cf->tryflags &= ~RF_HEADERADDR; break;
		case 'S': case 's': cf->tryflags |= RF_SENDERADDR; break;
		case 'R': case 'r': cf->tryflags &= ~RF_SENDERADDR; break;
		}
	}
	t[0] = (cf->tryflags & RF_HEADERADDR) ? 'h' : 'e';
	t[1] = ' ';
	t[2] = (cf->tryflags & RF_SENDERADDR) ? 's' : 'r';
	t[3] = '\0';
	cf_macro_define(cf, "{addr_type}", t);
}

/* /sender: the envelope sender as sendmail would record it */
static void
bt_sender(struct cf *cf, const char *p, FILE *out)
{
	struct cf_addr a;
	struct buf s;
	char **pvp;

	if (cf_parseaddr(cf, p, RF_SENDERADDR, '\0', NULL, &a) == 0)
		cf_addr_free(&a);
	buf_init(&s, 0);
	pvp = cf_pvp_new(cf);
	if (cf_prescan(cf, p, '\0', &cf->tok_int, pvp, NULL, cf->e_to) == 0 &&
	    pvp[0] != NULL) {
		(void)cf_rewrite(cf, pvp, RS_CANON, 0, ADDR_MAXATOM);
		(void)cf_rewrite(cf, pvp, RS_SENDER, 0, ADDR_MAXATOM);
		(void)cf_rewrite(cf, pvp, RS_FINAL, 0, ADDR_MAXATOM);
		cf_cataddr(cf, pvp, NULL, &s, '\0', 0);
	}
	(void)fprintf(out, "addr=%s\n", buf_cstr(&s));
	cf_pvp_free(cf, pvp);
	buf_free(&s);
	cf->e_to = NULL;
}

/* Returns 1 on /quit. */
static int
bt_slash(struct cf *cf, char *line, FILE *out)
{
	char *p, *e;

	e = line + strlen(line);
	while (--e >= line && isspace((unsigned char)*e))
		*e = '\0';
	p = strpbrk(line, " \t");
	if (p != NULL)
		while (isspace((unsigned char)*p))
			*p++ = '\0';
	else
		p = line + strlen(line);
	if (line[1] == '\0') {
		(void)fprintf(out, "Usage: /[canon|map|mx|parse|try|"
		    "tryflags]\n");
		return 0;
	}
	if (str_casecmp(line + 1, "quit") == 0)
		return 1;
	if (str_casecmp(line + 1, "mx") == 0)
		cf_bt_mx(cf, p, out);
	else if (str_casecmp(line + 1, "canon") == 0)
		cf_bt_canon(cf, p, out);
	else if (str_casecmp(line + 1, "map") == 0)
		bt_map(cf, p, out);
	else if (str_casecmp(line + 1, "try") == 0)
		bt_try(cf, p, out);
	else if (str_casecmp(line + 1, "tryflags") == 0)
		bt_tryflags(cf, p, out);
	else if (str_casecmp(line + 1, "parse") == 0)
		bt_parse(cf, p, out);
	else if (str_casecmp(line + 1, "sender") == 0)
		bt_sender(cf, p, out);
	else if (str_casecmp(line + 1, "header") == 0)
		cf_bt_header(cf, p, out);
	else if (str_casecmp(line + 1, "gethostbyname") == 0)
		;
	else
		(void)fprintf(out, "Unknown \"/\" command %s\n", line);
	return 0;
}

/* "rulesets address[,address...]" */
static void
bt_rules(struct cf *cf, char *line, FILE *out)
{
	char *p, *q, *addr, **pvp;
	size_t end;
	int rs, status;

	for (p = line; isspace((unsigned char)*p); p++)
		;
	q = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		(void)fprintf(out, "No address!\n");
		return;
	}
	*p = '\0';
	if (cf_invalidaddr(cf, p + 1, 1))
		return;
	pvp = cf_pvp_new(cf);
	addr = p;
	do {
		addr++;
		cf->e_to = cf_arena_str(cf, addr, strlen(addr));
		if (cf_prescan(cf, addr, ',', cf->level >= 9 ? &cf->tok_noc :
		    &cf->tok_ext, pvp, &end, cf->e_to) == -1 ||
		    pvp[0] == NULL) {
			addr += end;
			continue;
		}
		p = q;
		while (*p != '\0') {
			rs = cf_rwset(cf, p, 0, NULL);
			if (rs < 0) {
				(void)fprintf(out, "Undefined ruleset %s\n", p);
				break;
			}
			status = cf_rewrite(cf, pvp, rs, 0, ADDR_MAXATOM);
			if (status != EX_OK)
				(void)fprintf(out, "== Ruleset %s (%d) status "
				    "%d\n", p, rs, status);
			while (*p != '\0' && *p++ != ',')
				;
		}
		addr += end;
	} while (*addr != '\0');
	cf_pvp_free(cf, pvp);
}

/* Returns 1 when the session should end. */
static int
bt_line(struct cf *cf, char *line, FILE *out)
{
	const char *v;
	int id;

	while (*line == ' ')
		line++;
	switch (line[0]) {
	case '#':
	case '\0':
		return 0;
	case '?':
		(void)fprintf(out, "Sendmail %s -- HELP not implemented\n",
		    MAILSYS_COMPAT_VERSION);
		return 0;
	case '.':
		bt_dot(cf, line, out);
		return 0;
	case '=':
		bt_equal(cf, line, out);
		return 0;
	case '-':
		if (line[1] == 'd')
			bt_debug(cf, line + 2);
		else if (line[1] == '\0')
			(void)fprintf(out, "Usage: -d{debug arguments}\n");
		else
			(void)fprintf(out, "Unknown \"-\" command %s\n", line);
		return 0;
	case '$':
		if (line[1] == '=') {
			id = cf_macid(cf, line + 2, NULL);
			if (id != 0)
				cf_class_print(cf, id, out);
			return 0;
		}
		id = cf_macid(cf, line + 1, NULL);
		if (id == 0)
			return 0;
		v = cf_macvalue(cf, id);
		if (v == NULL)
			(void)fprintf(out, "Undefined\n");
		else {
			cf_xputs(cf, out, v);
			(void)fputc('\n', out);
		}
		return 0;
	case '/':
		return bt_slash(cf, line, out);
	}
	bt_rules(cf, line, out);
	return 0;
}

int
cf_testmode(struct cf *cf, FILE *in, FILE *out)
{
	char line[BT_MAXLINE], *nl;

	cf->testmode = 1;
	cf->out = out;
	cf_macro_define(cf, "{opMode}", "t");
	cf_macro_define(cf, "{deliveryMode}", "i");
	(void)fprintf(out, "ADDRESS TEST MODE (ruleset 3 NOT automatically "
	    "invoked)\nEnter <ruleset> <address>\n");
	cf_macro_define(cf, "{addr_type}", "e r");
	for (;;) {
		(void)fputs("> ", out);
		(void)fflush(out);
		if (fgets(line, sizeof(line), in) == NULL)
			break;
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (bt_line(cf, line, out))
			break;
		(void)fflush(out);
		cf_arena_reset(cf);
		cf->e_to = NULL;
	}
	(void)fflush(out);
	return cf->exitstat;
}
