/*
 * map_host.c -- the name service map classes: "host" (the canonical
 * name behind $[ $], as sendmail's getcanonname() finds it: the hosts
 * file first, then DNS with the resolver's search list), "bestmx" (the
 * most preferred MX host), "dns" (records of one -R type) and "arpa"
 * (an address as a reverse-lookup name).
 *
 * Statuses: found 0; DNS timeout, no network or server failure 75
 * (TEMPFAIL; the host class also says "name: Name server timeout");
 * no such name 68.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/arr.h"
#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

#define HOST_LINEMAX	4096
#define HOST_FILES	1u	/* the hosts service's methods, as a mask */
#define HOST_DNS	2u
#define DNS_ANSMAX	65536

/* Default domain of the resolver (search list or hostname's domain). */
static void
host_defdname(struct buf *out)
{
	struct __res_state rs;

	memset(&rs, 0, sizeof(rs));
	buf_reset(out);
	if (res_ninit(&rs) == 0) {
		(void)buf_adds(out, rs.defdname);
		res_nclose(&rs);
	}
}

/* Whether the address texts a and b parse to the same address. */
static int
host_same_addr(const char *a, const char *b)
{
	unsigned char x[16], y[16];

	if (inet_pton(AF_INET, a, x) == 1)
		return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
	if (inet_pton(AF_INET6, a, x) == 1)
		return inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
	return 0;
}

/*
 * Looks name (or, for IP literals, addr) up in the hosts file.  For a
 * name: a line matches when one of its names equals name, or name is
 * that entry plus "." and the default domain; the canonical name is
 * the line's first dotted name, else its first name qualified with the
 * default domain.  For an address the first name is given as is.
 */
static int
host_file(const char *name, const char *addr, const char *defdname,
    struct buf *out)
{
	FILE *f;
	char *line = NULL, *p, *tok;
	size_t cap = 0, nl;
	struct strarr w = { NULL, 0, 0 };
	size_t i, dl = strlen(defdname);
	int found = 0;

	f = fopen(HOSTCACHE_HOSTS_FILE, "re");
	if (f == NULL)
		return 0;
	while (!found && getline(&line, &cap, f) != -1) {
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		strarr_free(&w);
		memset(&w, 0, sizeof(w));
		str_split(line, " \t\r\n", &w);
		if (w.n < 2)
			continue;
		if (addr != NULL) {
			if (!host_same_addr(w.v[0], addr))
				continue;
			found = buf_set(out, w.v[1]) == 0;
			break;
		}
		for (i = 1; i < w.n && !found; i++) {
			tok = w.v[i];
			nl = strlen(tok);
			if (str_casecmp(tok, name) == 0 ||
			    (dl > 0 && str_ncasecmp(tok, name, nl) == 0 &&
			    name[nl] == '.' && str_casecmp(name + nl + 1,
			    defdname) == 0))
				found = 1;
		}
		if (!found)
			continue;
		for (i = 1; i < w.n; i++)
			if (strchr(w.v[i], '.') != NULL)
				break;
		if (i < w.n)
			found = buf_set(out, w.v[i]) == 0;
		else
			found = buf_printf(out, "%s%s%s", w.v[1],
			    dl > 0 ? "." : "", defdname) == 0;
	}
	strarr_free(&w);
	free(line);
	fclose(f);
	return found;
}

/*
 * "name: Name server timeout", the name cut to 33 characters around
 * "..." as sendmail shortens it.
 */
static void
host_timeout_msg(const char *name, struct err *err)
{
	char shortname[34];

	err_set(err, ERR_TEMPFAIL, "%s: Name server timeout",
	    str_shorten(name, 33, shortname, sizeof(shortname)));
}

/* The resolver outcome as a map result: tempfail, not found. */
static enum map_result
host_dns_fail(const char *name, int herr, int *stat_out, struct err *err)
{
	if (herr == HOST_NOT_FOUND || herr == NO_DATA) {
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	}
	*stat_out = MAPST_TEMPFAIL;
	host_timeout_msg(name, err);
	return MAP_TEMPFAIL;
}

/*
 * Queries name/type with the search list; the answer in ans.  Returns
 * its length, or -1 with *herr_out set.
 */
static int
host_query(const char *name, int type, unsigned char *ans, int anslen,
    int *herr_out)
{
	struct __res_state rs;
	int n;

	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) != 0) {
		*herr_out = TRY_AGAIN;
		return -1;
	}
	n = res_nsearch(&rs, name, C_IN, type, ans, anslen);
	*herr_out = rs.res_h_errno;
	res_nclose(&rs);
	if (n < 0 && *herr_out == 0)
		*herr_out = TRY_AGAIN;
	return n;
}

/*
 * Walks the answer section: the canonical name is the owner of the
 * first record of `type` (after any CNAMEs).  0 if one was found.
 */
static int
host_answer_name(const unsigned char *ans, int len, int type,
    struct buf *out)
{
	ns_msg msg;
	ns_rr rr;
	int i, n;

	if (ns_initparse(ans, len, &msg) == -1)
		return -1;
	n = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < n; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			return -1;
		if ((int)ns_rr_type(rr) == type)
			return buf_set(out, ns_rr_name(rr));
	}
	return -1;
}

/*
 * An address as its reverse name: "192.0.2.1" → "1.2.0.192",
 * "IPv6:2001:db8::1" → 32 nibbles.  -1 for anything else.
 */
static int
host_arpa(const char *s, struct buf *out)
{
	unsigned char a[16];
	int i;

	buf_reset(out);
	if (str_has_prefix_nocase(s, "IPv6:")) {
		if (inet_pton(AF_INET6, s + 5, a) != 1)
			return -1;
		for (i = 15; i >= 0; i--)
			if (buf_printf(out, "%x.%x%s", a[i] & 0xf, a[i] >> 4,
			    i > 0 ? "." : "") == -1)
				return -1;
		return 0;
	}
	if (inet_pton(AF_INET, s, a) != 1)
		return -1;
	return buf_printf(out, "%u.%u.%u.%u", a[3], a[2], a[1], a[0]);
}


static int
has_method(const struct strarr *methods, const char *name)
{
	size_t i;

	if (methods == NULL)
		return 1;
	for (i = 0; i < methods->n; i++)
		if (str_casecmp(methods->v[i], name) == 0)
			return 1;
	return 0;
}

/*
 * "[192.0.2.1]" or "[IPv6:...]": the name the C library's resolver
 * (nsswitch: hosts file, then DNS) gives for the address, as sendmail
 * asks gethostbyaddr.  A temporary resolver failure is a TEMPFAIL
 * without a message; the hosts switch of the cf is not consulted.
 */
static enum map_result
host_literal(const char *key, const struct strarr *methods, struct buf *out,
    int *stat_out, struct err *err)
{
	struct buf lit;
	const char *a;
	unsigned char addr[16];
	struct hostent *hp;
	int family = AF_INET, len = 4;
	enum map_result r = MAP_NOTFOUND;

	buf_init(&lit, 1024);
	*stat_out = MAPST_NOTFOUND;
	if (buf_add(&lit, key + 1, strlen(key) - 2) == -1)
		goto done;
	a = buf_cstr(&lit);
	if (str_has_prefix_nocase(a, "IPv6:")) {
		a += 5;
		family = AF_INET6;
		len = 16;
	}
	if (inet_pton(family, a, addr) != 1)
		goto done;
	hp = gethostbyaddr(addr, (socklen_t)len, family);
	if (hp != NULL && hp->h_name != NULL) {
		r = buf_set(out, hp->h_name) == 0 ? MAP_FOUND : MAP_NOTFOUND;
		if (r == MAP_FOUND)
			*stat_out = MAPST_OK;
	} else if (h_errno == TRY_AGAIN) {
		*stat_out = MAPST_TEMPFAIL;
		r = MAP_TEMPFAIL;
		/* said only when the cf's own switch uses DNS */
		if (has_method(methods, "dns"))
			host_timeout_msg(key, err);
	}
done:
	buf_free(&lit);
	return r;
}

static int
host_valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 253 || name[0] == '.' || strstr(name, "..") != NULL)
		return 0;
	return 1;
}

enum map_result
host_canon(const char *key, const struct strarr *methods, struct buf *out,
    int *stat_out, struct err *err)
{
	static const int types[] = { T_A, T_AAAA, T_MX };
	unsigned char *ans;
	struct buf name, dd;
	size_t n = strlen(key), i;
	int herr = HOST_NOT_FOUND, len, tempfail = 0, found;
	unsigned mask = (has_method(methods, "files") ? HOST_FILES : 0) |
	    (has_method(methods, "dns") ? HOST_DNS : 0);
	enum map_result r = MAP_NOTFOUND;

	buf_init(&name, 1024);
	buf_init(&dd, 1024);
	*stat_out = MAPST_NOTFOUND;
	if (n >= 2 && key[0] == '[' && key[n - 1] == ']') {
		r = host_literal(key, methods, out, stat_out, err);
		goto done;
	}
	if (hostcache_get(key, mask, out, &found) == 0) {
		r = found ? MAP_FOUND : MAP_NOTFOUND;
		goto done;
	}
	host_defdname(&dd);
	if (buf_adds(&name, key) == -1)
		goto done;
	while (name.len > 0 && name.data[name.len - 1] == '.')
		buf_truncate(&name, name.len - 1);
	if (!host_valid_name(buf_cstr(&name)))
		goto done;
	if ((mask & HOST_FILES) &&
	    host_file(buf_cstr(&name), NULL, buf_cstr(&dd), out)) {
		r = MAP_FOUND;
		hostcache_put(key, mask, 1, buf_cstr(out));
		goto done;
	}
	if (!(mask & HOST_DNS)) {
		hostcache_put(key, mask, 0, NULL);
		goto done;
	}
	ans = xmalloc(DNS_ANSMAX);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		len = host_query(buf_cstr(&name), types[i], ans, DNS_ANSMAX,
		    &herr);
		if (len >= 0 && host_answer_name(ans, len, types[i], out) == 0) {
			r = MAP_FOUND;
			break;
		}
		if (len < 0 && herr == HOST_NOT_FOUND)
			break;
		if (len < 0 && herr != NO_DATA) {
			tempfail = 1;
			break;
		}
	}
	free(ans);
	if (r != MAP_FOUND)
		r = host_dns_fail(key, tempfail ? TRY_AGAIN : herr, stat_out,
		    err);
done:
	if (r == MAP_FOUND)
		*stat_out = MAPST_OK;
	else
		buf_reset(out);
	buf_free(&name);
	buf_free(&dd);
	return r;
}

static enum map_result
host_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct strarr methods = { 0 };
	enum map_result r;

	map_set_service(m->set, "hosts", &methods);
	r = host_canon(key, &methods, val_out, stat_out, err);
	strarr_free(&methods);
	return r;
}

/* arpa: junk is not found with status 65 (EX_DATAERR), as sendmail. */
static enum map_result
arpa_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	if (host_arpa(key, val_out) == -1) {
		buf_reset(val_out);
		*stat_out = MAPST_DATAERR;
		return MAP_NOTFOUND;
	}
	return MAP_FOUND;
}

/* A record's data as text for the dns map; -1 for types we skip. */
static int
dns_rr_text(const ns_msg *msg, const ns_rr *rr, struct buf *out)
{
	char name[NS_MAXDNAME], a[INET6_ADDRSTRLEN];
	const unsigned char *rd = ns_rr_rdata(*rr);
	unsigned len = ns_rr_rdlen(*rr), off, l;

	switch (ns_rr_type(*rr)) {
	case T_A:
		if (len != 4 || inet_ntop(AF_INET, rd, a, sizeof(a)) == NULL)
			return -1;
		return buf_adds(out, a);
	case T_AAAA:
		if (len != 16 || inet_ntop(AF_INET6, rd, a, sizeof(a)) == NULL)
			return -1;
		return buf_adds(out, a);
	case T_MX:
		if (len < 3 || ns_name_uncompress(ns_msg_base(*msg),
		    ns_msg_end(*msg), rd + 2, name, sizeof(name)) == -1)
			return -1;
		return buf_adds(out, name);
	case T_PTR:
	case T_CNAME:
	case T_NS:
		if (ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg),
		    rd, name, sizeof(name)) == -1)
			return -1;
		return buf_adds(out, name);
	case T_TXT:
		for (off = 0; off < len; off += l + 1) {
			l = rd[off];
			if (off + 1 + l > len ||
			    buf_add(out, rd + off + 1, l) == -1)
				return -1;
		}
		return 0;
	default:
		return -1;
	}
}

/*
 * As host_dns_fail, but quiet: sendmail's dns and bestmx maps give the
 * status (75 on a timeout) without "name: Name server timeout".
 */
static enum map_result
dns_map_fail(const char *name, int herr, int *stat_out, struct err *err)
{
	enum map_result r = host_dns_fail(name, herr, stat_out, err);

	err_clear(err);
	return r;
}

/*
 * Queries key for type and collects the records: only the first when
 * delim is 0, else all joined by delim.  With best set (bestmx), MX
 * records are ranked and the most preferred host is taken.
 */
static enum map_result
dns_collect(const char *key, int type, char delim, struct buf *val_out,
    int *stat_out, struct err *err)
{
	unsigned char *ans;
	ns_msg msg;
	ns_rr rr;
	size_t start;
	int i, n, len, herr, got = 0;

	ans = xmalloc(DNS_ANSMAX);
	len = host_query(key, type, ans, DNS_ANSMAX, &herr);
	if (len < 0 || ns_initparse(ans, len, &msg) == -1) {
		free(ans);
		return dns_map_fail(key, len < 0 ? herr : NO_DATA, stat_out,
		    err);
	}
	n = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < n; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			break;
		if ((int)ns_rr_type(rr) != type)
			continue;
		start = val_out->len;
		if (got && buf_addc(val_out, delim) == -1)
			break;
		if (dns_rr_text(&msg, &rr, val_out) == -1) {
			buf_truncate(val_out, start);
			continue;
		}
		got = 1;
		if (delim == '\0')
			break;
	}
	free(ans);
	if (!got) {
		buf_reset(val_out);
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	}
	return MAP_FOUND;
}

/*
 * "[1.2.3.4]" or "[IPv6:...]" up to the first ']' (what follows is not
 * looked at): an address sendmail's MX lookup takes as it is.
 */
static int
mx_literal(const char *key)
{
	const char *end = strchr(key, ']');
	unsigned char addr[16];
	struct in_addr in;
	char *inner;
	int ok;

	if (key[0] != '[' || end == NULL)
		return 0;
	inner = xstrndup(key + 1, (size_t)(end - key - 1));
	if (str_ncasecmp(inner, "IPv6:", 5) == 0)
		ok = inet_pton(AF_INET6, inner + 5, addr) == 1;
	else
		ok = inet_aton(inner, &in) != 0;
	free(inner);
	return ok;
}

static enum map_result
bestmx_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	unsigned char *ans;
	char name[NS_MAXDNAME];
	ns_msg msg;
	ns_rr rr;
	int i, n, len, herr, pref, best = -1;
	struct strarr methods = { 0 };

	if (key[0] == '[') {
		/* an address literal is its own best MX, as in sendmail */
		*stat_out = MAPST_OK;
		if (!mx_literal(key))
			return MAP_NOTFOUND;
		(void)buf_set(val_out, key);
		return MAP_FOUND;
	}
	/* MX records only come from DNS: without it in the hosts switch,
	 * sendmail finds none and says so with status 0 */
	map_set_service(m->set, "hosts", &methods);
	n = has_method(&methods, "dns");
	strarr_free(&methods);
	if (!n) {
		*stat_out = MAPST_OK;
		return MAP_NOTFOUND;
	}
	ans = xmalloc(DNS_ANSMAX);
	len = host_query(key, T_MX, ans, DNS_ANSMAX, &herr);
	if (len < 0 || ns_initparse(ans, len, &msg) == -1) {
		free(ans);
		return dns_map_fail(key, len < 0 ? herr : NO_DATA, stat_out,
		    err);
	}
	n = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < n; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			break;
		if (ns_rr_type(rr) != T_MX || ns_rr_rdlen(rr) < 3)
			continue;
		pref = ns_get16(ns_rr_rdata(rr));
		if (best != -1 && pref >= best)
			continue;
		if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg),
		    ns_rr_rdata(rr) + 2, name, sizeof(name)) == -1)
			continue;
		best = pref;
		(void)buf_set(val_out, name);
	}
	free(ans);
	if (best == -1) {
		buf_reset(val_out);
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	}
	return MAP_FOUND;
}

struct dns_type {
	const char	*name;
	int		 type;
};

static const struct dns_type dns_types[] = {
	{ "A", T_A }, { "AAAA", T_AAAA }, { "MX", T_MX }, { "PTR", T_PTR },
	{ "TXT", T_TXT }, { "CNAME", T_CNAME }, { "NS", T_NS },
};

static int
dns_type_of(const char *name, size_t len)
{
	size_t k;

	for (k = 0; k < sizeof(dns_types) / sizeof(dns_types[0]); k++)
		if (strlen(dns_types[k].name) == len &&
		    str_ncasecmp(dns_types[k].name, name, len) == 0)
			return dns_types[k].type;
	return -1;
}

static int
dns_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * dns: -R type is required.  Read from the K line's flags as sendmail
 * reads them: the type may follow after white space and runs to the
 * next blank; the last -R counts; an unknown one is reported with the
 * rest of the line, and no good type at the end as missing (two lines
 * then, the second after a newline in err's message).
 */
static int
dns_parse(struct map *m, int argc, char **argv, struct err *err)
{
	const char *p = m->args, *v;
	int type = -1;
	char bad[ERR_MSGMAX] = "";
	size_t n;

	(void)argc;
	(void)argv;
	for (;;) {
		while (dns_space(*p))
			p++;
		if (*p != '-')
			break;
		p++;
		if (*p == 'R' || *p == 'B' || *p == 'r' || *p == 'Z') {
			v = p + 1;
			while (dns_space(*v))
				v++;
			if (*p == 'R') {
				type = dns_type_of(v, strcspn(v, " "));
				n = strlen(bad);
				if (type < 0)
					(void)snprintf(bad + n, sizeof(bad) -
					    n, "dns map %s: wrong type %s\n",
					    m->name, v);
			}
			p = v;
		}
		while (*p != '\0' && !dns_space(*p))
			p++;
	}
	if (type < 0)
		return err_set(err, ERR_CONFIG, "%sdns map %s: missing -R "
		    "type", bad, m->name);
	m->pstate = xmalloc(sizeof(int));
	*(int *)m->pstate = type;
	n = strlen(bad);
	if (n > 0)	/* a later -R was good: warnings */
		(void)err_set(err, ERR_CONFIG, "%.*s", (int)n - 1, bad);
	return 0;
}

static void
dns_parse_free(struct map *m)
{
	free(m->pstate);
	m->pstate = NULL;
}

static enum map_result
dns_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	const int *type = m->pstate;

	return dns_collect(key, *type, m->coldelim, val_out, stat_out, err);
}

const struct map_class map_class_host = {
	"host", MAPCLASS_NOFILE,
	NULL, NULL, host_lookup, NULL, NULL, NULL, NULL
};

const struct map_class map_class_arpa = {
	"arpa", MAPCLASS_NOFILE,
	NULL, NULL, arpa_lookup, NULL, NULL, NULL, NULL
};

const struct map_class map_class_bestmx = {
	"bestmx", MAPCLASS_NOFILE,
	NULL, NULL, bestmx_lookup, NULL, NULL, NULL, NULL
};

const struct map_class map_class_dns = {
	"dns", MAPCLASS_NOFILE | MAPCLASS_SPACEDARGS,
	dns_parse, NULL, dns_lookup, NULL, NULL, NULL, dns_parse_free
};
