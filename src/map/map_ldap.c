/*
 * map_ldap.c -- the "ldap" map class over OpenLDAP's libldap, with
 * sendmail's K-line flags: -k filter (%0 the key with ( ) * \ escaped,
 * %s the key as is, %1..%9 the $@ arguments with -K), -v attributes,
 * -z joins every value (else the first one is the answer), -1 exactly
 * one match, -n attribute names only, -V attribute/value separator,
 * -b base, -s scope, -h hosts / -H URI, -p port, -d bind DN, -M method,
 * -P password file, -l time limit, -Z size limit, -c connect timeout,
 * -r deref, -R no referrals, -w protocol version.  LDAPDefaultSpec
 * (map_set_ldap_default) fills what a K line leaves out.
 *
 * A server that cannot be reached is a temporary failure, never "not
 * found"; a connection that breaks is opened again on the next lookup.
 * Owns the parsed spec (pstate) and the connection (priv).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldap.h>

#include "../lib/arr.h"
#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

#define LDAP_MAXATTR	64		/* sendmail's LDAPMAP_MAX_ATTR */
#define LDAP_MAXPASSWD	256
#define LDAP_NETTMO	60		/* seconds to connect, sendmail's */

/* which settings a spec gave (so the default spec fills the others) */
#define LS_HOST		0x0001
#define LS_PORT		0x0002
#define LS_BASE		0x0004
#define LS_SCOPE	0x0008
#define LS_BINDDN	0x0010
#define LS_SECRET	0x0020
#define LS_METHOD	0x0040
#define LS_TIMELIMIT	0x0080
#define LS_SIZELIMIT	0x0100
#define LS_VERSION	0x0200
#define LS_DEREF	0x0400
#define LS_NOREFERRALS	0x0800
#define LS_ATTRSONLY	0x1000
#define LS_ATTRSEP	0x2000
#define LS_NETTMO	0x4000
#define LS_MULTIARGS	0x8000

struct ldap_spec {
	unsigned	 given;		/* LS_ bits */
	char		*host;		/* -h: one or more, space-separated */
	char		*uri;		/* -H */
	int		 port;
	char		*base;
	int		 scope;
	char		*binddn;
	char		*secret;	/* -P: file with the password */
	int		 method;	/* LDAP_AUTH_NONE or _SIMPLE */
	int		 timelimit;	/* -l seconds, 0: none */
	int		 sizelimit;
	int		 version;
	int		 deref;
	int		 nettmo;
	char		 attrsep;	/* -V */
	char		*filter;	/* -k */
	struct strarr	 attrs;		/* -v, split at commas */
	int		 single;	/* -1 */
};

struct ldap_conn {
	LDAP		*ld;
	struct ldap_spec eff;		/* the spec with the defaults in */
	char		*pass;		/* read from -P */
};

static void
spec_free(struct ldap_spec *s)
{
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
		struct strarr words = { NULL, 0, 0 };
		size_t i, j;
		char *w;

		str_split(attrs, ",", &words);
		free(attrs);
		for (i = 0; i < words.n; i++) {
			w = words.v[i];
			while (isspace((unsigned char)*w))
				w++;
			str_rtrim(w);
			if (*w == '\0')
				continue;
			if (strchr(w, ':') != NULL) {
				/* recursion (attr:dn ...) is not supported */
				if (str_casecmp(strchr(w, ':') + 1, "normal") &&
				    str_ncasecmp(strchr(w, ':') + 1,
				    "normal:", 7)) {
					err_set(err, ERR_CONFIG, "LDAP "
					    "recursion (%s) in map %s is not "
					    "supported", w, mname);
					strarr_free(&words);
					return -1;
				}
				*strchr(w, ':') = '\0';
			}
			for (j = 0; j < s->attrs.n; j++)
				if (str_casecmp(s->attrs.v[j], w) == 0) {
					err_set(err, ERR_CONFIG, "Duplicate "
					    "attribute (%s) in %s", w, mname);
					strarr_free(&words);
					return -1;
				}
			if (s->attrs.n >= LDAP_MAXATTR - 1) {
				err_set(err, ERR_CONFIG, "Too many return "
				    "attributes in %s (max %d)", mname,
				    LDAP_MAXATTR);
				strarr_free(&words);
				return -1;
			}
			strarr_push(&s->attrs, w);
		}
		strarr_free(&words);
	}
	if (s->single)
		s->sizelimit = 2;
	return 0;
}

static int
lm_parse(struct map *m, int argc, char **argv, struct err *err)
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

static void
lm_parse_free(struct map *m)
{
	struct ldap_spec *s = m->pstate;

	if (s == NULL)
		return;
	spec_free(s);
	free(s);
	m->pstate = NULL;
}

static char *
lm_strdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* eff = the map's spec, with what it did not give from the default. */
static int
lm_effective(struct map *m, struct ldap_spec *eff, struct err *err)
{
	const struct ldap_spec *s = m->pstate;
	const char *dspec = map_set_ldap_default_get(m->set);
	struct ldap_spec d;
	size_t i;

	spec_clear(&d);
	if (dspec != NULL && spec_parse(NULL, "O LDAPDefaultSpec", dspec, &d,
	    err) == -1) {
		spec_free(&d);
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
	spec_free(&d);
	return 0;
}

/* The name sendmail's messages give the server: host, URI, localhost. */
static const char *
lm_id(const struct ldap_spec *s)
{
	if (s->host != NULL)
		return s->host;
	if (s->uri != NULL)
		return s->uri;
	return "localhost";
}

/* "ldap://h1:port ldap://h2:port" from -h and -p (or the -H URI). */
static char *
lm_uri_list(const struct ldap_spec *s)
{
	struct strarr hosts = { NULL, 0, 0 };
	struct buf b;
	size_t i;

	if (s->uri != NULL)
		return xstrdup(s->uri);
	str_split(s->host != NULL ? s->host : "localhost", " \t", &hosts);
	buf_init(&b, 0);
	for (i = 0; i < hosts.n; i++) {
		if (i > 0)
			(void)buf_addc(&b, ' ');
		if (strstr(hosts.v[i], "://") != NULL)
			(void)buf_adds(&b, hosts.v[i]);
		else if (strchr(hosts.v[i], ':') != NULL &&
		    strchr(hosts.v[i], ':') == strrchr(hosts.v[i], ':'))
			(void)buf_printf(&b, "ldap://%s", hosts.v[i]);
		else if (strchr(hosts.v[i], ':') != NULL)
			(void)buf_printf(&b, "ldap://[%s]:%d", hosts.v[i],
			    s->port);
		else
			(void)buf_printf(&b, "ldap://%s:%d", hosts.v[i],
			    s->port);
	}
	strarr_free(&hosts);
	return buf_steal(&b);
}

/* The first line of the -P file, as sendmail reads the secret. */
static int
lm_read_secret(struct map *m, const char *file, char **out,
    struct err *err)
{
	char line[LDAP_MAXPASSWD + 2];
	FILE *f;
	size_t n;

	f = fopen(file, "re");
	if (f == NULL)
		return err_set(err, ERR_CONFIG, "LDAP map: cannot open secret "
		    "%s", file);
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	(void)fclose(f);
	n = strlen(line);
	if (n > LDAP_MAXPASSWD)
		return err_set(err, ERR_CONFIG, "LDAP map: secret in %s too "
		    "long", file);
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	*out = xstrdup(line);
	return 0;
}

static const char *
lm_why(int rc)
{
	switch (rc) {
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
		return strerror(ENOTCONN);
	case LDAP_TIMEOUT:
		return strerror(ETIMEDOUT);
	default:
		return ldap_err2string(rc);
	}
}

static void
lm_disconnect(struct ldap_conn *lc)
{
	if (lc->ld != NULL)
		(void)ldap_unbind_ext_s(lc->ld, NULL, NULL);
	lc->ld = NULL;
}

/* Connects and binds; 0 or -1 with sendmail's message. */
static int
lm_connect(struct map *m, struct ldap_conn *lc, struct err *err)
{
	const struct ldap_spec *s = &lc->eff;
	struct timeval tv;
	struct berval cred;
	char *uris;
	int rc, on;

	uris = lm_uri_list(s);
	rc = ldap_initialize(&lc->ld, uris);
	free(uris);
	if (rc != LDAP_SUCCESS) {
		lc->ld = NULL;
		return err_set(err, ERR_TEMPFAIL, "ldap_init/ldap_bind failed "
		    "to %s in map %s: %s", lm_id(s), m->name, lm_why(rc));
	}
	(void)ldap_set_option(lc->ld, LDAP_OPT_PROTOCOL_VERSION, &s->version);
	(void)ldap_set_option(lc->ld, LDAP_OPT_DEREF, &s->deref);
	(void)ldap_set_option(lc->ld, LDAP_OPT_REFERRALS,
	    (s->given & LS_NOREFERRALS) ? LDAP_OPT_OFF : LDAP_OPT_ON);
	(void)ldap_set_option(lc->ld, LDAP_OPT_SIZELIMIT, &s->sizelimit);
	(void)ldap_set_option(lc->ld, LDAP_OPT_TIMELIMIT, &s->timelimit);
	on = 1;
	(void)ldap_set_option(lc->ld, LDAP_OPT_RESTART, &on);
	if (s->nettmo > 0) {
		tv.tv_sec = s->nettmo;
		tv.tv_usec = 0;
		(void)ldap_set_option(lc->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	}
	if (s->timelimit > 0) {
		tv.tv_sec = s->timelimit;
		tv.tv_usec = 0;
		(void)ldap_set_option(lc->ld, LDAP_OPT_TIMEOUT, &tv);
	}
	cred.bv_val = "";
	cred.bv_len = 0;
	if (s->method == LDAP_AUTH_SIMPLE && lc->pass != NULL) {
		cred.bv_val = lc->pass;
		cred.bv_len = strlen(lc->pass);
	}
	rc = ldap_sasl_bind_s(lc->ld, s->method == LDAP_AUTH_SIMPLE ?
	    s->binddn : NULL, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		lm_disconnect(lc);
		return err_set(err, ERR_TEMPFAIL, "ldap_init/ldap_bind failed "
		    "to %s in map %s: %s", lm_id(s), m->name, lm_why(rc));
	}
	return 0;
}

static void
lm_close(struct map *m)
{
	struct ldap_conn *lc = m->priv;

	if (lc == NULL)
		return;
	lm_disconnect(lc);
	spec_free(&lc->eff);
	free(lc->pass);
	free(lc);
	m->priv = NULL;
}

static int
lm_open(struct map *m, int mode, struct err *err)
{
	struct ldap_conn *lc;

	if (mode != O_RDONLY)
		return err_set(err, ERR_CONFIG, "ldap map \"%s\": map is "
		    "read-only", m->name);
	lc = xcalloc(1, sizeof(*lc));
	m->priv = lc;
	if (lm_effective(m, &lc->eff, err) == -1 ||
	    (lc->eff.secret != NULL && lc->eff.method == LDAP_AUTH_SIMPLE &&
	    lm_read_secret(m, lc->eff.secret, &lc->pass, err) == -1) ||
	    lm_connect(m, lc, err) == -1) {
		lm_close(m);
		return -1;
	}
	return 0;
}

/*
 * The search filter: -k with %s (the key), %0 (the key with ( ) * \
 * escaped), with -K %1..%9 (the arguments, escaped), %% a %; any other
 * % stays.  -1 when it passes the limit.
 */
int
map_ldap_filter(const char *tmpl, const char *key,
    const char *const *args, size_t nargs, int multi, struct buf *out)
{
	const char *p, *k;
	int c;

	for (p = tmpl; *p != '\0'; p++) {
		if (*p != '%') {
			if (buf_addc(out, *p) == -1)
				return -1;
			continue;
		}
		c = (unsigned char)p[1];
		k = NULL;
		if (c == 's')
			k = key;
		else if (c == '0')
			k = key;
		else if (multi && c >= '1' && c <= '9')
			k = (size_t)(c - '0') <= nargs &&
			    args[c - '1'] != NULL ? args[c - '1'] : "";
		if (c == 's') {
			if (buf_adds(out, k) == -1)
				return -1;
			p++;
		} else if (k != NULL) {
			for (; *k != '\0'; k++) {
				const char *esc = *k == '*' ? "\\2A" :
				    *k == '(' ? "\\28" : *k == ')' ? "\\29" :
				    *k == '\\' ? "\\5C" : NULL;

				if ((esc != NULL ? buf_adds(out, esc) :
				    buf_addc(out, *k)) == -1)
					return -1;
			}
			p++;
		} else {
			if (buf_addc(out, '%') == -1)
				return -1;
			if (c == '%')
				p++;
		}
	}
	(void)buf_cstr(out);
	return 0;
}

enum lm_collect { LC_FOUND, LC_NOTFOUND, LC_ONLYONE, LC_SOFTWARE };

/*
 * sendmail's sm_ldap_results over the entries of one search: without
 * -z the first value of the first requested attribute; with -z every
 * value joined; -1 makes a second match "not found"; -n gives names.
 */
static enum lm_collect
lm_collect(LDAP *ld, LDAPMessage *res, const struct ldap_spec *s,
    char delim, int matchonly, struct buf *out)
{
	LDAPMessage *e;
	BerElement *ber;
	struct berval **vals;
	char *attr;
	size_t i;
	int found = 0, have = 0, known, stop;
	int attrsonly = (s->given & LS_ATTRSONLY) != 0;

	for (e = ldap_first_entry(ld, res); e != NULL;
	    e = ldap_next_entry(ld, e)) {
		if (matchonly) {
			found = 1;
			continue;
		}
		stop = 0;
		for (attr = ldap_first_attribute(ld, e, &ber);
		    attr != NULL && !stop;
		    ldap_memfree(attr), attr = ldap_next_attribute(ld, e,
		    ber)) {
			known = 0;
			for (i = 0; i < s->attrs.n; i++)
				if (str_casecmp(s->attrs.v[i], attr) == 0)
					known = 1;
			if (!known && str_casecmp(attr, "objectClass") == 0 &&
			    s->attrs.n > 0)
				continue;
			if (!known) {
				ldap_memfree(attr);
				ber_free(ber, 0);
				return LC_SOFTWARE;
			}
			vals = NULL;
			if (!attrsonly) {
				vals = ldap_get_values_len(ld, e, attr);
				if (vals == NULL)
					continue;
			}
			found = 1;
			if (delim == '\0') {
				if (have) {
					ldap_value_free_len(vals);
					if (s->single) {
						ldap_memfree(attr);
						ber_free(ber, 0);
						return LC_ONLYONE;
					}
					stop = 1;
					continue;
				}
				if (attrsonly) {
					(void)buf_adds(out, attr);
					have = stop = 1;
					continue;
				}
				if (vals[0] == NULL) {
					ldap_value_free_len(vals);
					continue;
				}
				if (s->attrsep != '\0') {
					(void)buf_adds(out, attr);
					(void)buf_addc(out, s->attrsep);
				}
				(void)buf_add(out, vals[0]->bv_val,
				    vals[0]->bv_len);
				ldap_value_free_len(vals);
				have = stop = 1;
				continue;
			}
			if (attrsonly) {
				if (have && s->single) {
					ldap_memfree(attr);
					ber_free(ber, 0);
					return LC_ONLYONE;
				}
				if (have)
					(void)buf_addc(out, delim);
				(void)buf_adds(out, attr);
				have = 1;
				continue;
			}
			if (have && s->single) {
				ldap_value_free_len(vals);
				ldap_memfree(attr);
				ber_free(ber, 0);
				return LC_ONLYONE;
			}
			for (i = 0; vals[i] != NULL; i++) {
				if (out->len > 0)
					(void)buf_addc(out, delim);
				if (s->attrsep != '\0') {
					(void)buf_adds(out, attr);
					(void)buf_addc(out, s->attrsep);
				}
				(void)buf_add(out, vals[i]->bv_val,
				    vals[i]->bv_len);
				have = 1;
			}
			ldap_value_free_len(vals);
		}
		if (attr != NULL)
			ldap_memfree(attr);
		ber_free(ber, 0);
		if (delim == '\0' && !s->single && have)
			break;
	}
	return found ? LC_FOUND : LC_NOTFOUND;
}

static enum map_result
lm_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct ldap_conn *lc = m->priv;
	const struct ldap_spec *s = &lc->eff;
	LDAPMessage *res = NULL;
	struct timeval tv, *tvp = NULL;
	struct buf filter;
	char **attrs = NULL;
	enum lm_collect col;
	size_t i;
	int rc;

	if (lc->ld == NULL && lm_connect(m, lc, err) == -1) {
		*stat_out = MAPST_TEMPFAIL;
		return MAP_TEMPFAIL;
	}
	buf_init(&filter, MAP_VALMAX);
	if (map_ldap_filter(s->filter, key, args, nargs,
	    (s->given & LS_MULTIARGS) != 0, &filter) == -1) {
		buf_free(&filter);
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	}
	if (s->attrs.n > 0) {
		attrs = xcalloc(s->attrs.n + 1, sizeof(char *));
		for (i = 0; i < s->attrs.n; i++)
			attrs[i] = s->attrs.v[i];
	}
	if (s->timelimit > 0) {
		tv.tv_sec = s->timelimit;
		tv.tv_usec = 0;
		tvp = &tv;
	}
	rc = ldap_search_ext_s(lc->ld, s->base, s->scope, filter.data, attrs,
	    (s->given & LS_ATTRSONLY) != 0, NULL, NULL, tvp, s->sizelimit,
	    &res);
	free(attrs);
	buf_free(&filter);
	if (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR ||
	    rc == LDAP_UNAVAILABLE || rc == LDAP_TIMEOUT) {
		/* the server went away: open again on the next lookup */
		if (res != NULL)
			ldap_msgfree(res);
		lm_disconnect(lc);
		*stat_out = MAPST_TEMPFAIL;
		err_set(err, ERR_TEMPFAIL, "Error in ldap_search in map %s: "
		    "%s", m->name, ldap_err2string(rc));
		return MAP_TEMPFAIL;
	}
	col = LC_NOTFOUND;
	if (res != NULL)
		col = lm_collect(lc->ld, res, s, m->coldelim,
		    (m->flags & MF_MATCHONLY) != 0, val_out);
	if (res != NULL)
		ldap_msgfree(res);
	if (col == LC_ONLYONE) {
		buf_reset(val_out);
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	}
	if (col == LC_SOFTWARE) {
		buf_reset(val_out);
		*stat_out = 70;
		return MAP_NOTFOUND;
	}
	if (rc != LDAP_SUCCESS) {
		buf_reset(val_out);
		*stat_out = MAPST_TEMPFAIL;
		err_set(err, ERR_TEMPFAIL, "Error getting LDAP results, "
		    "map=%s, name=%s: %s", m->name, key, ldap_err2string(rc));
		return MAP_TEMPFAIL;
	}
	if (col == LC_NOTFOUND) {
		buf_reset(val_out);
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	}
	*stat_out = MAPST_OK;
	return MAP_FOUND;
}

const struct map_class map_class_ldap = {
	"ldap", MAPCLASS_FOLDKEY | MAPCLASS_NOFILE | MAPCLASS_ALIASOK,
	lm_parse, lm_open, lm_lookup, NULL, NULL, lm_close,
	lm_parse_free
};
