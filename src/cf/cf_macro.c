/*
 * cf_macro.c -- macros: single-character names and {long} names mapped
 * to one-byte ids (long names from 0240 up, as sendmail numbers them),
 * the translation of "$x" text into metasymbol bytes when a cf line is
 * read, and expansion of macro references and $?x $| $. conditionals.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/xalloc.h"

int
cf_macid_find(struct cf *cf, const char *name)
{
	int i;

	if (name[0] != '\0' && name[1] == '\0')
		return (unsigned char)name[0];
	for (i = CF_FIRSTLONGID; i < cf->nextmacid; i++)
		if (strcmp(cf->macname[i], name) == 0)
			return i;
	return -1;
}

#define MACNAMELEN	25	/* longest {name} */

/*
 * Parses a macro name at p: "x" or "{name}"; returns its id (entering
 * long names), 0 on error with sendmail's messages.  *end_out points
 * after the name.
 */
int
cf_macid(struct cf *cf, const char *p, const char **end_out)
{
	char name[MACNAMELEN + 1];
	size_t n = 0;
	int id = -1;

	if (*p != '{') {
		if (end_out != NULL)
			*end_out = *p ? p + 1 : p;
		if (*p == '\0' || (unsigned char)*p >= CF_FIRSTLONGID) {
			cf_syserr(cf, "Name required for macro/class");
			return 0;
		}
		return (unsigned char)*p;
	}
	for (p++; *p != '\0' && *p != '}' && n < MACNAMELEN; p++) {
		if (isascii((unsigned char)*p) &&
		    (isalnum((unsigned char)*p) || *p == '_'))
			name[n++] = *p;
		else
			cf_syserr(cf, "Invalid macro/class character %c", *p);
	}
	name[n] = '\0';
	if (*p == '\0')
		cf_syserr(cf, "Unbalanced { on %s", name);
	else if (*p != '}')
		cf_syserr(cf, "Macro/class name ({%s}) too long (%d chars max)",
		    name, MACNAMELEN);
	else if (n == 1 && (unsigned char)name[0] >= 0x20) {
		id = (unsigned char)name[0];	/* ${x} is $x */
		p++;
	} else if (n > 0) {
		p++;
		id = cf_macid_find(cf, name);
		if (id < 0 && cf->nextmacid <= CF_MAXMACROID) {
			id = cf->nextmacid++;
			cf->macname[id] = xstrdup(name);
		}
	} else
		p++;
	if (end_out != NULL)
		*end_out = p;
	if (id < 0 || id > CF_MAXMACROID) {
		cf_syserr(cf, "Unable to assign macro/class ID (mid = 0x%x)",
		    (unsigned)id);
		return 0;
	}
	return id;
}

/* The id of "{name}" at p without entering it (0 if unknown). */
int
cf_macid_find_braced(struct cf *cf, const char *p, const char **end_out)
{
	const char *close = strchr(p, '}');
	char name[MACNAMELEN + 1];
	size_t n;
	int id;

	if (close == NULL) {
		*end_out = p + strlen(p);
		return 0;
	}
	*end_out = close + 1;
	n = (size_t)(close - p - 1);
	if (n > MACNAMELEN)
		n = MACNAMELEN;
	memcpy(name, p + 1, n);
	name[n] = '\0';
	id = cf_macid_find(cf, name);
	return id < 0 ? 0 : id;
}

const char *
cf_macname(struct cf *cf, int id, char *tmp)
{
	if (id >= CF_FIRSTLONGID && id <= CF_MAXMACROID &&
	    cf->macname[id] != NULL)
		return cf->macname[id];
	tmp[0] = (char)id;
	tmp[1] = '\0';
	return tmp;
}

void
cf_macdefine(struct cf *cf, int id, const char *value)
{
	if (id <= 0 || id > CF_MAXMACROID)
		return;
	free(cf->macro[id]);
	cf->macro[id] = value ? xstrdup(value) : NULL;
}

const char *
cf_macvalue(struct cf *cf, int id)
{
	if (id <= 0 || id > CF_MAXMACROID)
		return NULL;
	return cf->macro[id];
}

/* metasymbol byte for the character after '$', 0 if none */
static int
dollar_meta(int c)
{
	switch (c) {
	case '*': return META_MATCHZANY;
	case '+': return META_MATCHANY;
	case '-': return META_MATCHONE;
	case '=': return META_MATCHCLASS;
	case '~': return META_MATCHNCLASS;
	case '#': return META_CANONNET;
	case '@': return META_CANONHOST;
	case ':': return META_CANONUSER;
	case '>': return META_CALLSUBR;
	case '?': return META_CONDIF;
	case '|': return META_CONDELSE;
	case '.': return META_CONDFI;
	case '[': return META_HOSTBEGIN;
	case ']': return META_HOSTEND;
	case '(': return META_LOOKUPBEGIN;
	case ')': return META_LOOKUPEND;
	case '&': return META_MACRODEXPAND;
	default: return 0;
	}
}

/*
 * Rewrites "$x" notation in b into metasymbol bytes, in place: $1-$9,
 * $*, $=X / $={Name}, $&x, $x / ${name}; "$$" stays "$".
 */
void
cf_translate_dollars(struct cf *cf, struct buf *b)
{
	struct buf out;
	const char *p, *end;
	int m, id;

	buf_init(&out, 0);
	for (p = buf_cstr(b); *p != '\0'; p++) {
		if (*p != '$' || p[1] == '\0') {
			buf_addc(&out, *p);
			continue;
		}
		p++;
		if (*p == '$') {
			buf_addc(&out, '$');
			continue;
		}
		if (isdigit((unsigned char)*p)) {
			buf_addc(&out, META_MATCHREPL);
			buf_addc(&out, *p);
			continue;
		}
		m = dollar_meta((unsigned char)*p);
		/* $?{name} tests a long macro as $?x tests x */
		if (m == META_MATCHCLASS || m == META_MATCHNCLASS ||
		    m == META_MACRODEXPAND || m == META_CONDIF) {
			id = cf_macid(cf, p + 1, &end);
			buf_addc(&out, m);
			if (id != 0)
				buf_addc(&out, id);
			p = end - 1;
			continue;
		}
		if (m != 0) {
			buf_addc(&out, m);
			continue;
		}
		id = cf_macid(cf, p, &end);
		buf_addc(&out, META_MACROEXPAND);
		if (id != 0)
			buf_addc(&out, id);
		p = end - 1;
	}
	/* back into b, which keeps its own limit */
	buf_reset(b);
	if (buf_add(b, buf_cstr(&out), out.len) == -1)
		cf_syserr(cf, "line too long");
	buf_free(&out);
}

#define EXPAND_MAXDEPTH	10

static void
expand_rec(struct cf *cf, const char *s, struct buf *out, int depth)
{
	int skipping = 0, iflev = 0, skiplev = 0;
	const unsigned char *p;
	const char *v;

	if (depth > EXPAND_MAXDEPTH) {
		cf_syserr(cf, "expand: recursion too deep (%d max)",
		    EXPAND_MAXDEPTH);
		return;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case META_CONDIF:
			v = p[1] ? cf_macvalue(cf, p[1]) : NULL;
			if (p[1])
				p++;
			if (skipping)
				skiplev++;
			else
				skipping = (v == NULL || *v == '\0');
			iflev++;
			continue;
		case META_CONDELSE:
			if (iflev == 0)
				break;
			if (skiplev == 0)
				skipping = !skipping;
			continue;
		case META_CONDFI:
			if (iflev == 0)
				break;
			iflev--;
			if (skiplev == 0)
				skipping = 0;
			if (skipping)
				skiplev--;
			continue;
		case META_MACROEXPAND:
			if (p[1] == '\0')
				continue;
			p++;
			if (skipping)
				continue;
			v = cf_macvalue(cf, *p);
			if (v != NULL)
				expand_rec(cf, v, out, depth + 1);
			continue;
		}
		if (!skipping)
			buf_addc(out, *p);
	}
}

/* Expands $x references and conditionals of s into out. */
void
cf_expand(struct cf *cf, const char *s, struct buf *out)
{
	buf_reset(out);
	expand_rec(cf, s, out, 0);
}

void
cf_macro_expand(struct cf *cf, const char *s, struct buf *out)
{
	cf_expand(cf, s, out);
}

void
cf_macro_translate(struct cf *cf, const char *s, struct buf *out)
{
	buf_set(out, s);
	cf_translate_dollars(cf, out);
}
