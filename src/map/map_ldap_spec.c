/*
 * map_ldap_spec.c -- the ldap map class's settings: a K line's flags
 * (-k -v -z -1 -n -V -b -s -h -H -p -d -M -P -l -Z -c -r -R -w, and the
 * typed -v attributes "attr:DN|FILTER|URL" and "attr:TYPE:oc|oc") read
 * into a struct ldap_spec without I/O, and LDAPDefaultSpec filling what
 * a K line leaves out.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_ldap_int.h"

void
ldap_spec_free(struct ldap_spec *s)
{
	size_t i;

	for (i = 0; i < LDAP_MAXATTR; i++)
		free(s->needoc[i]);
	free(s->host);
	free(s->uri);
	free(s->base);
	free(s->binddn);
	free(s->secret);
	free(s->filter);
	strarr_free(&s->attrs);
	memset(s, 0, sizeof(*s));
}

static void
spec_clear(struct ldap_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->port = LDAP_PORT;
	s->scope = LDAP_SCOPE_SUBTREE;
	s->method = LDAP_AUTH_SIMPLE;
	s->version = LDAP_VERSION3;
	s->deref = LDAP_DEREF_NEVER;
	s->nettmo = LDAP_NETTMO;
}

/* sendmail's dequoting: "abc"def -> abc; anything else as it is. */
static char *
lm_dequote(const char *v)
{
	const char *e;

	if (*v != '"')
		return xstrdup(v);
	v++;
	e = strchr(v, '"');
	return e == NULL ? xstrdup(v) : xstrndup(v, (size_t)(e - v));
}

static char
lm_flag_char(const char *p)
{
	if (*p != '\\')
		return *p;
	return p[1] == 'n' ? '\n' : p[1] == 't' ? '\t' : '\\';
}

/* 1 if p starts with word (any case) after an optional prefix. */
static int
lm_word(const char *p, const char *prefix, const char *word)
{
	if (str_ncasecmp(p, prefix, strlen(prefix)) == 0)
		p += strlen(prefix);
	return str_ncasecmp(p, word, strlen(word)) == 0;
}

static void
lm_setstr(char **dst, const char *v)
{
	free(*dst);
	*dst = lm_dequote(v);
}

static int
attrs_recurse(const struct ldap_spec *s)
{
	size_t i;

	for (i = 0; i < s->attrs.n; i++)
		if (s->types[i] == LA_DN || s->types[i] == LA_FILTER ||
		    s->types[i] == LA_URL)
			return 1;
	return 0;
}

/*
 * -v: "attr[:type[:oc|oc...]]" separated by commas, as sendmail reads
 * it: objectClass is always requested first (and only returned when -v
 * names it), types are NORMAL (the default), DN, FILTER and URL.
 */
static int
attrs_parse(const char *mname, char *list, struct ldap_spec *s,
    struct err *err)
{
	char *p = list, *v, *type, *oc;
	size_t j, use;
	int normal = 0, recurse = 0, t;

	strarr_free(&s->attrs);
	strarr_push(&s->attrs, "objectClass");
	s->types[0] = LA_OBJCLASS;
	while (p != NULL) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		v = p;
		if ((p = strchr(v, ',')) != NULL)
			*p++ = '\0';
		if (s->attrs.n >= LDAP_MAXATTR)
			return err_set(err, ERR_CONFIG, "Too many return "
			    "attributes in %s (max %d)", mname, LDAP_MAXATTR);
		if (*v == '\0')
			continue;
		oc = NULL;
		if ((type = strchr(v, ':')) != NULL) {
			*type++ = '\0';
			if ((oc = strchr(type, ':')) != NULL)
				*oc++ = '\0';
		}
		str_rtrim(v);
		if (str_casecmp(v, "objectClass") == 0 &&
		    s->types[0] == LA_OBJCLASS)
			use = 0;
		else {
			for (j = 1; j < s->attrs.n; j++)
				if (str_casecmp(v, s->attrs.v[j]) == 0)
					return err_set(err, ERR_CONFIG,
					    "Duplicate attribute (%s) in %s",
					    v, mname);
			use = s->attrs.n;
			strarr_push(&s->attrs, v);
			s->needoc[use] = oc != NULL && *oc != '\0' &&
			    *oc != '*' ? xstrdup(oc) : NULL;
		}
		t = LA_NORMAL;
		if (type != NULL && *type != '\0') {
			if (str_casecmp(type, "dn") == 0)
				t = LA_DN;
			else if (str_casecmp(type, "filter") == 0)
				t = LA_FILTER;
			else if (str_casecmp(type, "url") == 0)
				t = LA_URL;
			else if (str_casecmp(type, "normal") != 0)
				return err_set(err, ERR_CONFIG, "Unknown "
				    "attribute type (%s) in %s", type, mname);
		}
		s->types[use] = t;
		if (t == LA_NORMAL)
			normal = 1;
		else
			recurse = 1;
	}
	if (recurse && !normal)
		return err_set(err, ERR_CONFIG, "LDAP recursion requested in "
		    "%s but no returnable attribute given", mname);
	return 0;
}

/*
 * Parses sendmail's ldap arguments: "-x value" or "-xvalue", values
 * running to the next blank outside double quotes.  m is NULL for the
 * default spec (common map flags are then refused).  0 or -1.
 */
static int
spec_parse(struct map *m, const char *mname, const char *args,
    struct ldap_spec *s, struct err *err)
{
	const char *p = args, *v, *e;
	char *val, *attrs = NULL;
	int c;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '-')
			break;
		c = (unsigned char)*++p;
		if (c != '\0')
			p++;
		v = p;
		/* flags whose value may follow after blanks */
		if (strchr("bcdHhklMPprsvwZ", c) != NULL && c != '\0')
			while (isspace((unsigned char)*v))
				v++;
		e = v;
		while (*e != '\0' && !isspace((unsigned char)*e)) {
			if (*e == '"') {
				e++;
				while (*e != '\0' && *e != '"')
					e++;
				if (*e != '\0')
					e++;
			} else
				e++;
		}
		val = xstrndup(v, (size_t)(e - v));
		p = e;
		if (m == NULL && strchr("AaDfmNOoqSTtz", c) != NULL && c) {
			free(val);
			free(attrs);
			return err_set(err, ERR_CONFIG, "readcf: option "
			    "LDAPDefaultSpec: Do not set non-LDAP specific "
			    "flags");
		}
		switch (c) {
		case 'A':
			m->flags |= MF_APPENDDUP;
			break;
		case 'a':
			lm_setstr(&m->append, val);
			break;
		case 'T':
			lm_setstr(&m->tempappend, val);
			break;
		case 'D':
			m->flags |= MF_NODEFER;
			break;
		case 'f':
			m->flags |= MF_NOFOLDCASE;
			break;
		case 'm':
			m->flags |= MF_MATCHONLY;
			break;
		case 'N':
			m->flags |= MF_INCLUDENUL;
			break;
		case 'O':
			m->flags |= MF_NONUL;
			break;
		case 'o':
			m->flags |= MF_OPTIONAL;
			break;
		case 'q':
			m->flags |= MF_KEEPQUOTES;
			break;
		case 'S':
			m->spacesub = *val;
			break;
		case 't':
			m->flags |= MF_TEMPNOTFOUND;
			break;
		case 'z':
			m->coldelim = lm_flag_char(val);
			break;
		case '1':
			s->single = 1;
			break;
		case 'b':
			lm_setstr(&s->base, val);
			s->given |= LS_BASE;
			break;
		case 'c':
			s->nettmo = atoi(val);
			s->given |= LS_NETTMO;
			break;
		case 'd':
			lm_setstr(&s->binddn, val);
			s->given |= LS_BINDDN;
			break;
		case 'H':
		case 'h':
			if ((c == 'H' && s->host != NULL) ||
			    (c == 'h' && s->uri != NULL)) {
				free(val);
				free(attrs);
				return err_set(err, ERR_CONFIG, "Can not "
				    "specify both an LDAP host and an LDAP URI "
				    "in map %s", mname);
			}
			lm_setstr(c == 'H' ? &s->uri : &s->host, val);
			s->given |= LS_HOST;
			break;
		case 'K':
			s->given |= LS_MULTIARGS;
			break;
		case 'k':
			lm_setstr(&s->filter, val);
			break;
		case 'l':
			s->timelimit = atoi(val);
			s->given |= LS_TIMELIMIT;
			break;
		case 'M':
			if (lm_word(val, "LDAP_AUTH_", "none"))
				s->method = LDAP_AUTH_NONE;
			else if (lm_word(val, "LDAP_AUTH_", "simple"))
				s->method = LDAP_AUTH_SIMPLE;
			else {
				err_set(err, ERR_CONFIG, "Method for binding "
				    "must be [none|simple|krbv4] (not %s) in "
				    "map %s", val, mname);
				free(val);
				free(attrs);
				return -1;
			}
			s->given |= LS_METHOD;
			break;
		case 'n':
			s->given |= LS_ATTRSONLY;
			break;
		case 'P':
			lm_setstr(&s->secret, val);
			s->given |= LS_SECRET;
			break;
		case 'p':
			s->port = atoi(val);
			s->given |= LS_PORT;
			break;
		case 'R':
			s->given |= LS_NOREFERRALS;
			break;
		case 'r':
			if (lm_word(val, "LDAP_DEREF_", "never"))
				s->deref = LDAP_DEREF_NEVER;
			else if (lm_word(val, "LDAP_DEREF_", "always"))
				s->deref = LDAP_DEREF_ALWAYS;
			else if (lm_word(val, "LDAP_DEREF_", "search"))
				s->deref = LDAP_DEREF_SEARCHING;
			else if (lm_word(val, "LDAP_DEREF_", "find"))
				s->deref = LDAP_DEREF_FINDING;
			else {
				err_set(err, ERR_CONFIG, "Deref must be "
				    "[never|always|search|find] (not %s) in "
				    "map %s", val, mname);
				free(val);
				free(attrs);
				return -1;
			}
			s->given |= LS_DEREF;
			break;
		case 's':
			if (lm_word(val, "LDAP_SCOPE_", "base"))
				s->scope = LDAP_SCOPE_BASE;
			else if (lm_word(val, "LDAP_SCOPE_", "one"))
				s->scope = LDAP_SCOPE_ONELEVEL;
			else if (lm_word(val, "LDAP_SCOPE_", "sub"))
				s->scope = LDAP_SCOPE_SUBTREE;
			else {
				err_set(err, ERR_CONFIG, "Scope must be "
				    "[base|one|sub] (not %s) in map %s", val,
				    mname);
				free(val);
				free(attrs);
				return -1;
			}
			s->given |= LS_SCOPE;
			break;
		case 'V':
			s->attrsep = lm_flag_char(val);
			s->given |= LS_ATTRSEP;
			break;
		case 'v':
			free(attrs);
			attrs = lm_dequote(val);
			break;
		case 'w':
			s->version = atoi(val);
			if (s->version > LDAP_VERSION_MAX ||
			    s->version < LDAP_VERSION_MIN) {
				err_set(err, ERR_CONFIG, "LDAP version %d "
				    "%s of %d in map %s", s->version,
				    s->version > LDAP_VERSION_MAX ? "exceeds "
				    "max" : "is lower than min",
				    s->version > LDAP_VERSION_MAX ?
				    LDAP_VERSION_MAX : LDAP_VERSION_MIN, mname);
				free(val);
				free(attrs);
				return -1;
			}
			s->given |= LS_VERSION;
			break;
		case 'Z':
			s->sizelimit = atoi(val);
			s->given |= LS_SIZELIMIT;
			break;
		case 'x':
			break;
		default:
			err_set(err, ERR_CONFIG, "Illegal option %c map %s", c,
			    mname);
			break;
		}
		free(val);
	}
	if (attrs != NULL) {
		int rc = attrs_parse(mname, attrs, s, err);

		free(attrs);
		if (rc == -1)
			return -1;
	}
	if (attrs_recurse(s) && (s->given & LS_ATTRSONLY))
		return err_set(err, ERR_CONFIG, "LDAP recursion requested in "
		    "%s can not be used with -n", mname);
	if (s->single)
		s->sizelimit = 2;
	return 0;
}

int
ldap_spec_parse_map(struct map *m, int argc, char **argv, struct err *err)
{
	struct ldap_spec *s;

	s = xcalloc(1, sizeof(*s));
	spec_clear(s);
	m->pstate = s;
	/* the generic layer cuts words at blanks: read the line again */
	if (spec_parse(m, m->name, m->args, s, err) == -1)
		return -1;
	if (s->filter == NULL)
		return err_set(err, ERR_CONFIG, "No filter given in map %s",
		    m->name);
	return 0;
}

void
ldap_spec_parse_free(struct map *m)
{
	struct ldap_spec *s = m->pstate;

	if (s == NULL)
		return;
	ldap_spec_free(s);
	free(s);
	m->pstate = NULL;
}

static char *
lm_strdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

int
ldap_spec_effective(struct map *m, struct ldap_spec *eff, struct err *err)
{
	const struct ldap_spec *s = m->pstate;
	const char *dspec = map_set_ldap_default_get(m->set);
	struct ldap_spec d;
	size_t i;

	spec_clear(&d);
	if (dspec != NULL && spec_parse(NULL, "O LDAPDefaultSpec", dspec, &d,
	    err) == -1) {
		ldap_spec_free(&d);
		return -1;
	}
	*eff = *s;
	eff->host = lm_strdup_or_null(s->host);
	eff->uri = lm_strdup_or_null(s->uri);
	eff->base = lm_strdup_or_null(s->base);
	eff->binddn = lm_strdup_or_null(s->binddn);
	eff->secret = lm_strdup_or_null(s->secret);
	eff->filter = lm_strdup_or_null(s->filter);
	memset(&eff->attrs, 0, sizeof(eff->attrs));
	for (i = 0; i < s->attrs.n; i++)
		strarr_push(&eff->attrs, s->attrs.v[i]);
	for (i = 0; i < LDAP_MAXATTR; i++)
		eff->needoc[i] = lm_strdup_or_null(s->needoc[i]);
#define TAKE(bit, field) \
	if (!(s->given & (bit)) && (d.given & (bit))) eff->field = d.field
	if (!(s->given & LS_HOST) && (d.given & LS_HOST)) {
		eff->host = lm_strdup_or_null(d.host);
		eff->uri = lm_strdup_or_null(d.uri);
	}
	if (!(s->given & LS_BASE) && (d.given & LS_BASE))
		eff->base = lm_strdup_or_null(d.base);
	if (!(s->given & LS_BINDDN) && (d.given & LS_BINDDN))
		eff->binddn = lm_strdup_or_null(d.binddn);
	if (!(s->given & LS_SECRET) && (d.given & LS_SECRET))
		eff->secret = lm_strdup_or_null(d.secret);
	TAKE(LS_PORT, port);
	TAKE(LS_SCOPE, scope);
	TAKE(LS_METHOD, method);
	TAKE(LS_TIMELIMIT, timelimit);
	TAKE(LS_VERSION, version);
	TAKE(LS_DEREF, deref);
	TAKE(LS_ATTRSEP, attrsep);
	TAKE(LS_NETTMO, nettmo);
	if (!s->single)
		TAKE(LS_SIZELIMIT, sizelimit);
#undef TAKE
	eff->given |= d.given & (LS_NOREFERRALS | LS_ATTRSONLY);
	ldap_spec_free(&d);
	return 0;
}
