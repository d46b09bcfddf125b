/*
 * map_ldap.c -- the "ldap" map class over OpenLDAP's libldap: a lookup
 * fills the K line's filter (-k: %0 the key with ( ) * \ escaped, %s the
 * key as is, %1..%9 the $@ arguments with -K), searches, and answers
 * with the -v attributes' values (-z joins every value, else the first
 * one is the answer; -1 exactly one match; -n attribute names only).
 * Typed attributes are followed: "attr:DN", "attr:FILTER" and
 * "attr:URL" values are searched in turn (a DN with the map's scope, a
 * filter under the map's base, an LDAP URL as it says) and their
 * entries' attributes collected too, each entry once; "attr:TYPE:oc|oc"
 * uses the attribute only in entries of one of those object classes.
 * The K line itself is read by map_ldap_spec.c.
 *
 * Maps with the same server and bind (host or URI, port, bind DN,
 * method and password) share one connection, as sendmail's do; a
 * connection that breaks is dropped for all of them and opened again on
 * the next lookup.  A server that cannot be reached is a temporary
 * failure, never "not found".  Owns the parsed spec (pstate) and its
 * reference to the shared connection (priv).
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
#include "map_ldap_int.h"

#define LDAP_MAXPASSWD	256

/*
 * One connection, shared by the maps of this process that name the
 * same server and bind (key); refs counts them.
 */
struct ldap_shared {
	char			*key;
	LDAP			*ld;
	pid_t			 pid;		/* the process that opened it */
	int			 refs;
	struct ldap_shared	*next;
};

static struct ldap_shared *shared_conns;

struct ldap_conn {
	struct ldap_shared *sh;
	struct ldap_spec eff;		/* the spec with the defaults in */
	char		*pass;		/* read from -P */
};

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

/*
 * The key under which maps share a connection: server and bind, each
 * part led by its length so that no two differ only in where they cut.
 */
static char *
lm_conn_key(const struct ldap_spec *s, const char *pass)
{
	struct buf b;
	char *uris = lm_uri_list(s);
	const char *dn = s->binddn != NULL ? s->binddn : "";
	const char *pw = pass != NULL ? pass : "";

	buf_init(&b, 0);
	(void)buf_printf(&b, "%zu:%s%zu:%s%zu:%s%d", strlen(uris), uris,
	    strlen(dn), dn, strlen(pw), pw, s->method);
	free(uris);
	return buf_steal(&b);
}

/* Drops the shared connection (a broken one: for every map on it). */
static void
lm_disconnect(struct ldap_shared *sh)
{
	if (sh->ld != NULL && sh->pid == getpid())
		(void)ldap_unbind_ext_s(sh->ld, NULL, NULL);
	sh->ld = NULL;
}

/* Connects and binds the shared connection; 0 or -1 with the message. */
static int
lm_connect(struct map *m, struct ldap_conn *lc, struct err *err)
{
	const struct ldap_spec *s = &lc->eff;
	struct ldap_shared *sh = lc->sh;
	struct timeval tv;
	struct berval cred;
	char *uris;
	int rc, on;

	uris = lm_uri_list(s);
	rc = ldap_initialize(&sh->ld, uris);
	free(uris);
	if (rc != LDAP_SUCCESS) {
		sh->ld = NULL;
		return err_set(err, ERR_TEMPFAIL, "ldap_init/ldap_bind failed "
		    "to %s in map %s: %s", lm_id(s), m->name, lm_why(rc));
	}
	sh->pid = getpid();
	(void)ldap_set_option(sh->ld, LDAP_OPT_PROTOCOL_VERSION, &s->version);
	on = 1;
	(void)ldap_set_option(sh->ld, LDAP_OPT_RESTART, &on);
	if (s->nettmo > 0) {
		tv.tv_sec = s->nettmo;
		tv.tv_usec = 0;
		(void)ldap_set_option(sh->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	}
	cred.bv_val = "";
	cred.bv_len = 0;
	if (s->method == LDAP_AUTH_SIMPLE && lc->pass != NULL) {
		cred.bv_val = lc->pass;
		cred.bv_len = strlen(lc->pass);
	}
	rc = ldap_sasl_bind_s(sh->ld, s->method == LDAP_AUTH_SIMPLE ?
	    s->binddn : NULL, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		lm_disconnect(sh);
		return err_set(err, ERR_TEMPFAIL, "ldap_init/ldap_bind failed "
		    "to %s in map %s: %s", lm_id(s), m->name, lm_why(rc));
	}
	return 0;
}

/* The session options of this map, set before each of its searches. */
static void
lm_setopts(LDAP *ld, const struct ldap_spec *s)
{
	struct timeval tv;

	(void)ldap_set_option(ld, LDAP_OPT_DEREF, &s->deref);
	(void)ldap_set_option(ld, LDAP_OPT_REFERRALS,
	    (s->given & LS_NOREFERRALS) ? LDAP_OPT_OFF : LDAP_OPT_ON);
	(void)ldap_set_option(ld, LDAP_OPT_SIZELIMIT, &s->sizelimit);
	(void)ldap_set_option(ld, LDAP_OPT_TIMELIMIT, &s->timelimit);
	if (s->timelimit > 0) {
		tv.tv_sec = s->timelimit;
		tv.tv_usec = 0;
		(void)ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	} else
		(void)ldap_set_option(ld, LDAP_OPT_TIMEOUT, NULL);
}

static void
lm_close(struct map *m)
{
	struct ldap_conn *lc = m->priv;
	struct ldap_shared **pp;

	if (lc == NULL)
		return;
	if (lc->sh != NULL && --lc->sh->refs == 0) {
		lm_disconnect(lc->sh);
		for (pp = &shared_conns; *pp != NULL; pp = &(*pp)->next)
			if (*pp == lc->sh) {
				*pp = lc->sh->next;
				break;
			}
		free(lc->sh->key);
		free(lc->sh);
	}
	ldap_spec_free(&lc->eff);
	free(lc->pass);
	free(lc);
	m->priv = NULL;
}

/* The connection for this map's server and bind, shared or new. */
static struct ldap_shared *
lm_share(const struct ldap_conn *lc)
{
	struct ldap_shared *sh;
	char *key = lm_conn_key(&lc->eff, lc->pass);

	for (sh = shared_conns; sh != NULL; sh = sh->next)
		if (strcmp(sh->key, key) == 0 &&
		    (sh->ld == NULL || sh->pid == getpid())) {
			free(key);
			sh->refs++;
			return sh;
		}
	sh = xcalloc(1, sizeof(*sh));
	sh->key = key;
	sh->refs = 1;
	sh->next = shared_conns;
	shared_conns = sh;
	return sh;
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
	if (ldap_spec_effective(m, &lc->eff, err) == -1 ||
	    (lc->eff.secret != NULL && lc->eff.method == LDAP_AUTH_SIMPLE &&
	    lm_read_secret(m, lc->eff.secret, &lc->pass, err) == -1)) {
		lm_close(m);
		return -1;
	}
	lc->sh = lm_share(lc);
	if (lc->sh->ld == NULL && lm_connect(m, lc, err) == -1) {
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

/* what a search's results came to (sendmail's sysexits) */
enum lm_status {
	LS_OK, LS_NOTFOUND, LS_SOFTWARE, LS_TEMPFAIL, LS_RESTART
};

/*
 * The searches still to make, kept in sendmail's order (value without
 * case, then type), with the entries already read (type DN, done) so
 * that each entry is used once.
 */
struct lm_todo {
	char	*search;
	int	 type;
	int	 done;
};

struct lm_ctx {
	LDAP			*ld;
	const struct ldap_spec	*s;
	char			 delim;		/* -z, '\0': first value */
	int			 matchonly;
	struct buf		*out;
	int			 have;		/* a result was made */
	int			 onlyone;	/* -1 saw a second match */
	int			 rc;		/* the LDAP error of a failure */
	struct lm_todo		*todo;
	size_t			 ntodo, captodo;
};

static struct lm_todo *
todo_add(struct lm_ctx *c, const char *item, int type)
{
	size_t i;
	int rc;

	for (i = 0; i < c->ntodo; i++) {
		rc = str_casecmp(item, c->todo[i].search);
		if (rc == 0)
			rc = type - c->todo[i].type;
		if (rc == 0)
			return &c->todo[i];
		if (rc < 0)
			break;
	}
	if (c->ntodo == c->captodo) {
		c->captodo = c->captodo ? c->captodo * 2 : 16;
		c->todo = xreallocarray(c->todo, c->captodo,
		    sizeof(*c->todo));
	}
	memmove(&c->todo[i + 1], &c->todo[i], (c->ntodo - i) *
	    sizeof(*c->todo));
	c->ntodo++;
	c->todo[i].search = xstrdup(item);
	c->todo[i].type = type;
	c->todo[i].done = 0;
	return &c->todo[i];
}

/* Is the entry of one of the object classes "oc|oc|..."? */
static int
lm_has_objectclass(LDAP *ld, LDAPMessage *e, const char *ocs)
{
	struct berval **vals = ldap_get_values_len(ld, e, "objectClass");
	const char *p, *q;
	size_t i;
	int yes = 0;

	if (vals == NULL)
		return 0;
	for (i = 0; vals[i] != NULL && !yes; i++)
		for (p = q = ocs; *p != '\0' && !yes; q = p) {
			while (*p != '\0' && *p != '|')
				p++;
			if ((size_t)(p - q) == vals[i]->bv_len &&
			    str_ncasecmp(vals[i]->bv_val, q,
			    (size_t)(p - q)) == 0)
				yes = 1;
			while (*p == '|')
				p++;
		}
	ldap_value_free_len(vals);
	return yes;
}

static void
out_value(struct lm_ctx *c, const char *attr, const struct berval *v)
{
	if (c->s->attrsep != '\0') {
		(void)buf_adds(c->out, attr);
		(void)buf_addc(c->out, c->s->attrsep);
	}
	(void)buf_add(c->out, v->bv_val, v->bv_len);
}

/*
 * One entry's attributes into the result, as sendmail's sm_ldap_results
 * reads them: without -z the first value found is the answer (a second
 * one with -1 makes it "not found"), with -z every NORMAL value joined;
 * DN, FILTER and URL values go on the list of searches still to make.
 * allattr: a URL's search, whose attributes are all NORMAL.
 */
static enum lm_status
lm_entry(struct lm_ctx *c, LDAPMessage *e, int allattr, int *statp,
    int *stop)
{
	const struct ldap_spec *s = c->s;
	int attrsonly = (s->given & LS_ATTRSONLY) != 0;
	struct berval **vals;
	BerElement *ber = NULL;
	const char *needoc;
	char *attr;
	size_t i;
	int type;

	for (attr = ldap_first_attribute(c->ld, e, &ber); attr != NULL;
	    ldap_memfree(attr), attr = ldap_next_attribute(c->ld, e, ber)) {
		type = LA_NONE;
		needoc = NULL;
		for (i = 0; i < s->attrs.n; i++)
			if (str_casecmp(s->attrs.v[i], attr) == 0) {
				type = s->types[i];
				needoc = s->needoc[i];
				break;
			}
		if (allattr && type == LA_NONE) {
			type = LA_NORMAL;
			needoc = NULL;
		}
		if (type == LA_NONE) {
			ldap_memfree(attr);
			ber_free(ber, 0);
			return LS_SOFTWARE;
		}
		if (type == LA_OBJCLASS || (needoc != NULL &&
		    !lm_has_objectclass(c->ld, e, needoc)))
			continue;
		vals = NULL;
		if (!attrsonly &&
		    (vals = ldap_get_values_len(c->ld, e, attr)) == NULL)
			continue;
		*statp = LS_OK;
		if (c->delim == '\0') {
			if (c->have) {
				ldap_value_free_len(vals);
				ldap_memfree(attr);
				ber_free(ber, 0);
				if (s->single) {
					c->onlyone = 1;
					return LS_NOTFOUND;
				}
				*stop = 1;
				return LS_OK;
			}
			if (attrsonly) {
				(void)buf_adds(c->out, attr);
				c->have = 1;
				ldap_memfree(attr);
				ber_free(ber, 0);
				return LS_OK;
			}
			if (vals[0] == NULL) {
				ldap_value_free_len(vals);
				continue;
			}
			out_value(c, attr, vals[0]);
			c->have = 1;
			ldap_value_free_len(vals);
			ldap_memfree(attr);
			ber_free(ber, 0);
			return LS_OK;
		}
		if (attrsonly) {
			if (c->have && s->single) {
				ldap_memfree(attr);
				ber_free(ber, 0);
				c->onlyone = 1;
				return LS_NOTFOUND;
			}
			if (c->have)
				(void)buf_addc(c->out, c->delim);
			(void)buf_adds(c->out, attr);
			c->have = 1;
			continue;
		}
		if (type == LA_NORMAL && s->single && c->have) {
			ldap_value_free_len(vals);
			ldap_memfree(attr);
			ber_free(ber, 0);
			c->onlyone = 1;
			return LS_NOTFOUND;
		}
		for (i = 0; vals[i] != NULL; i++) {
			if (type != LA_NORMAL) {
				char *v = xstrndup(vals[i]->bv_val,
				    vals[i]->bv_len);

				(void)todo_add(c, v, type);
				free(v);
				continue;
			}
			if (c->out->len > 0)
				(void)buf_addc(c->out, c->delim);
			out_value(c, attr, vals[i]);
			c->have = 1;
		}
		ldap_value_free_len(vals);
	}
	ber_free(ber, 0);
	return LS_OK;
}

/* The entries of one search's results; the search's own rc last. */
static enum lm_status
lm_results(struct lm_ctx *c, LDAPMessage *res, int rc, int allattr)
{
	LDAPMessage *e;
	struct lm_todo *t;
	enum lm_status st;
	char *dn;
	int statp = LS_NOTFOUND, stop = 0;

	for (e = res != NULL ? ldap_first_entry(c->ld, res) : NULL;
	    e != NULL && !stop; e = ldap_next_entry(c->ld, e)) {
		if (c->delim == '\0' && !c->s->single && c->have)
			break;
		if (c->matchonly) {
			statp = LS_OK;
			continue;
		}
		if ((dn = ldap_get_dn(c->ld, e)) == NULL) {
			(void)ldap_get_option(c->ld, LDAP_OPT_RESULT_CODE,
			    &c->rc);
			return LS_TEMPFAIL;
		}
		t = todo_add(c, dn, LA_DN);
		ldap_memfree(dn);
		if (t->done)
			continue;
		st = lm_entry(c, e, allattr, &statp, &stop);
		if (st != LS_OK)
			return st;
		/* todo_add may have moved it */
		dn = ldap_get_dn(c->ld, e);
		if (dn != NULL) {
			todo_add(c, dn, LA_DN)->done = 1;
			ldap_memfree(dn);
		}
	}
	c->rc = rc;
	if (rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ||
	    rc == LDAP_UNAVAILABLE || rc == LDAP_CONNECT_ERROR)
		return LS_RESTART;
	if (rc != LDAP_SUCCESS)
		return LS_TEMPFAIL;
	return statp;
}

static int
lm_search(struct lm_ctx *c, const char *base, int scope, const char *filter,
    char **attrs, LDAPMessage **res)
{
	struct timeval tv, *tvp = NULL;

	*res = NULL;
	if (c->s->timelimit > 0) {
		tv.tv_sec = c->s->timelimit;
		tv.tv_usec = 0;
		tvp = &tv;
	}
	return ldap_search_ext_s(c->ld, base, scope, filter, attrs,
	    (c->s->given & LS_ATTRSONLY) != 0, NULL, NULL, tvp,
	    c->s->sizelimit, res);
}

/*
 * The searches the results asked for (DN, FILTER and URL values), the
 * first pending one in order each time, until none is left; only their
 * failures count, their "not found" does not.
 */
static enum lm_status
lm_recurse(struct lm_ctx *c, char **attrs)
{
	LDAPMessage *res;
	LDAPURLDesc *lud;
	struct lm_todo *t;
	enum lm_status st;
	char **uattrs, *search;
	size_t i, n;
	int rc, type;

	for (i = 0; i < c->ntodo; i++) {
		t = &c->todo[i];
		if (t->done)
			continue;
		search = xstrdup(t->search);
		type = t->type;
		uattrs = NULL;
		lud = NULL;
		if (type == LA_DN)
			rc = lm_search(c, search, c->s->scope,
			    "(objectClass=*)", attrs, &res);
		else if (type == LA_FILTER)
			rc = lm_search(c, c->s->base, c->s->scope, search,
			    attrs, &res);
		else {
			if (ldap_url_parse(search, &lud) != LDAP_URL_SUCCESS) {
				free(search);
				c->rc = LDAP_INVALID_SYNTAX;
				return LS_TEMPFAIL;
			}
			/* its own attributes, objectClass among them */
			if (lud->lud_attrs != NULL) {
				for (n = 0; lud->lud_attrs[n] != NULL; n++)
					if (str_casecmp(lud->lud_attrs[n],
					    "objectClass") == 0)
						break;
				if (lud->lud_attrs[n] == NULL) {
					uattrs = xcalloc(n + 2,
					    sizeof(*uattrs));
					memcpy(uattrs, lud->lud_attrs,
					    n * sizeof(*uattrs));
					uattrs[n] = "objectClass";
				}
			}
			rc = lm_search(c, lud->lud_dn, lud->lud_scope,
			    lud->lud_filter, uattrs != NULL ? uattrs :
			    lud->lud_attrs, &res);
		}
		st = lm_results(c, res, rc, type == LA_URL);
		if (res != NULL)
			ldap_msgfree(res);
		free(uattrs);
		if (lud != NULL)
			ldap_free_urldesc(lud);
		if (st != LS_OK && st != LS_NOTFOUND) {
			free(search);
			return st;
		}
		/* done; new entries may sort before it: start over */
		todo_add(c, search, type)->done = 1;
		free(search);
		i = (size_t)-1;
	}
	return LS_OK;
}

static enum map_result
lm_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct ldap_conn *lc = m->priv;
	const struct ldap_spec *s = &lc->eff;
	LDAPMessage *res = NULL;
	struct buf filter;
	struct lm_ctx c;
	char **attrs = NULL;
	enum lm_status st;
	size_t i;
	int rc;

	if (lc->sh->ld == NULL && lm_connect(m, lc, err) == -1) {
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
	memset(&c, 0, sizeof(c));
	c.ld = lc->sh->ld;
	c.s = s;
	c.delim = m->coldelim;
	c.matchonly = (m->flags & MF_MATCHONLY) != 0;
	c.out = val_out;
	lm_setopts(c.ld, s);
	rc = lm_search(&c, s->base, s->scope, filter.data, attrs, &res);
	buf_free(&filter);
	st = lm_results(&c, res, rc, 0);
	if (res != NULL)
		ldap_msgfree(res);
	/* sendmail makes the further searches unless -1 failed at the top */
	if ((st == LS_OK || st == LS_NOTFOUND) && !c.onlyone) {
		enum lm_status rst = lm_recurse(&c, attrs);

		if (rst != LS_OK)
			st = rst;
	}
	free(attrs);
	for (i = 0; i < c.ntodo; i++)
		free(c.todo[i].search);
	free(c.todo);
	switch (st) {
	case LS_OK:
		if (c.have || c.matchonly) {
			*stat_out = MAPST_OK;
			return MAP_FOUND;
		}
		/* entries, but nothing to return: sendmail's (0) */
		buf_reset(val_out);
		*stat_out = MAPST_OK;
		return MAP_NOTFOUND;
	case LS_NOTFOUND:
		buf_reset(val_out);
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	case LS_SOFTWARE:
		buf_reset(val_out);
		*stat_out = 70;
		return MAP_NOTFOUND;
	case LS_RESTART:
		/* the server went away: open again on the next lookup */
		lm_disconnect(lc->sh);
		buf_reset(val_out);
		*stat_out = MAPST_TEMPFAIL;
		err_set(err, ERR_TEMPFAIL, "Error getting LDAP results, "
		    "map=%s, name=%s: %s", m->name, key,
		    ldap_err2string(c.rc));
		return MAP_TEMPFAIL;
	default:
		buf_reset(val_out);
		*stat_out = MAPST_TEMPFAIL;
		err_set(err, ERR_TEMPFAIL, "Error getting LDAP results, "
		    "map=%s, name=%s: %s", m->name, key, ldap_err2string(c.rc));
		return MAP_TEMPFAIL;
	}
}

const struct map_class map_class_ldap = {
	"ldap", MAPCLASS_FOLDKEY | MAPCLASS_NOFILE | MAPCLASS_ALIASOK,
	ldap_spec_parse_map, lm_open, lm_lookup, NULL, NULL, lm_close,
	ldap_spec_parse_free
};
