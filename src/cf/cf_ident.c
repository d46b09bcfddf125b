/*
 * cf_ident.c -- who this host is: $w $j $m $k and class w from the
 * host name, its hosts/DNS entry and (unless DontProbeInterfaces) the
 * interface addresses; the -d0.1 identity block; and the test-mode
 * commands that ask the resolver (/canon, /mx).
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cf_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static void
add_addr_name(struct cf *cf, int family, const void *addr, FILE *trace)
{
	char ip[INET6_ADDRSTRLEN], word[INET6_ADDRSTRLEN + 8];

	if (inet_ntop(family, addr, ip, sizeof(ip)) == NULL)
		return;
	(void)snprintf(word, sizeof(word), family == AF_INET6 ?
	    "[IPv6:%s]" : "[%s]", ip);
	if (trace != NULL)
		(void)fprintf(trace, "\ta.k.a.: %s\n", word);
	cf_class_add(cf, 'w', word);
}

/* the interface addresses, as sendmail's load_if_names adds them */
static void
probe_interfaces(struct cf *cf)
{
	struct ifaddrs *ifa, *i;
	const char *dpi = cf_opt(cf, "DontProbeInterfaces");
	int skiplo = 0;

	if (dpi != NULL) {
		if (str_casecmp(dpi, "loopback") == 0)
			skiplo = 1;
		else if (dpi[0] == '\0' || dpi[0] == 't' || dpi[0] == 'T')
			return;
	}
	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP))
			continue;
		if (skiplo && (i->ifa_flags & IFF_LOOPBACK))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			add_addr_name(cf, AF_INET,
			    &((struct sockaddr_in *)(void *)i->ifa_addr)->
			    sin_addr, NULL);
	}
	freeifaddrs(ifa);
}

/* trace: -d0.4 output (the names found), or NULL */
void
cf_ident_init(struct cf *cf, FILE *trace)
{
	char host[1025], *dot;
	struct hostent *hp;
	struct utsname u;
	char **av;

	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		(void)str_copy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	hp = gethostbyname(host);
	if (hp != NULL && (strchr(hp->h_name, '.') != NULL ||
	    strchr(host, '.') == NULL))
		(void)str_copy(host, hp->h_name, sizeof(host));
	if (trace != NULL)
		(void)fprintf(trace, "Canonical name: %s\n", host);
	cf_macdefine(cf, 'w', host);
	cf_macdefine(cf, 'j', host);
	cf_class_add(cf, 'w', host);
	dot = strchr(host, '.');
	if (dot != NULL && dot[1] != '\0') {
		cf_macdefine(cf, 'm', dot + 1);
		cf_class_add(cf, 'm', dot + 1);
	}
	if (uname(&u) == 0) {
		if (trace != NULL)
			(void)fprintf(trace, " UUCP nodename: %s\n",
			    u.nodename);
		cf_macdefine(cf, 'k', u.nodename);
		cf_class_add(cf, 'k', u.nodename);
		cf_class_add(cf, 'w', u.nodename);
	}
	if (hp != NULL) {
		for (av = hp->h_aliases; av != NULL && *av != NULL; av++) {
			if (trace != NULL)
				(void)fprintf(trace, "\ta.k.a.: %s\n", *av);
			cf_class_add(cf, 'w', *av);
		}
		if (hp->h_addrtype == AF_INET)
			for (av = hp->h_addr_list; *av != NULL; av++)
				add_addr_name(cf, AF_INET, *av, trace);
	}
}

/* After the cf is read: $w is the first label (V>=5), interfaces. */
void
cf_ident_finish(struct cf *cf)
{
	const char *w = cf_macvalue(cf, 'w');
	char *dot, *copy;

	const char *j = cf_macvalue(cf, 'j');

	/*
	 * sendmail sleeps 60 s and retries here; we say it at once, once.
	 */
	if (j == NULL || strchr(j, '.') == NULL) {
		log_plain(LOG_CRIT, "unable to qualify my own domain name "
		    "(%s) -- using short name", j ? j : "");
		(void)fprintf(cf->out, "WARNING: local host name (%s) is not "
		    "qualified; see cf/README: WHO AM I?\n", j ? j : "");
	}
	if (w != NULL && cf->level >= 5 && (dot = strchr(w, '.')) != NULL) {
		copy = xstrndup(w, (size_t)(dot - w));
		cf_macdefine(cf, 'w', copy);
		free(copy);
	}
	probe_interfaces(cf);
}

void
cf_ident_print(struct cf *cf, FILE *out)
{
	const char *v;

	(void)fprintf(out, "\n============ SYSTEM IDENTITY (after readcf) "
	    "============\n");
	v = cf_macvalue(cf, 'w');
	(void)fprintf(out, "      (short domain name) $w = %s\n",
	    v ? v : "<null>");
	v = cf_macvalue(cf, 'j');
	(void)fprintf(out, "  (canonical domain name) $j = %s\n",
	    v ? v : "<null>");
	v = cf_macvalue(cf, 'm');
	(void)fprintf(out, "         (subdomain name) $m = %s\n",
	    v ? v : "<null>");
	v = cf_macvalue(cf, 'k');
	(void)fprintf(out, "              (node name) $k = %s\n",
	    v ? v : "<null>");
	(void)fprintf(out, "======================================"
	    "==================\n\n");
}

/* /canon host: the host map's answer without its trailing dot */
void
cf_bt_canon(struct cf *cf, const char *p, FILE *out)
{
	struct map *host;
	struct buf val;
	struct err err;
	int stat = 0;
	char *name;

	if (*p == '\0') {
		(void)fprintf(out, "Usage: /canon address\n");
		return;
	}
	if (strlen(p) >= 1025) {
		(void)fprintf(out, "Name too long\n");
		return;
	}
	name = xstrdup(p);
	host = map_find(cf->maps, "host");
	buf_init(&val, 0);
	if (host != NULL && map_lookup(host, p, NULL, 0, &val, &stat,
	    &err) == MAP_FOUND) {
		free(name);
		while (val.len > 0 && val.data[val.len - 1] == '.')
			buf_truncate(&val, val.len - 1);
		name = buf_steal(&val);
	}
	(void)fprintf(out, "getcanonname(%s) returns %s\n", p, name);
	free(name);
	buf_free(&val);
}

/* /mx host: MX records by preference, or the host itself */
void
cf_bt_mx(struct cf *cf, const char *p, FILE *out)
{
	unsigned char ans[NS_PACKETSZ * 4];
	char name[NS_MAXDNAME];
	struct strarr hosts = { 0 };
	int prefs[64], n, i, j, len;
	ns_msg msg;
	ns_rr rr;

	struct strarr methods = { 0 };
	size_t k;
	int usedns = 0;

	if (*p == '\0') {
		(void)fprintf(out, "Usage: /mx address\n");
		return;
	}
	map_set_service(cf->maps, "hosts", &methods);
	for (k = 0; k < methods.n; k++)
		if (str_casecmp(methods.v[k], "dns") == 0)
			usedns = 1;
	strarr_free(&methods);
	if (!usedns) {
		(void)fprintf(out, "getmxrr(%s) returns 0 value(s):\n", p);
		return;
	}
	len = res_query(p, ns_c_in, ns_t_mx, ans, sizeof(ans));
	if (len < 0) {
		n = h_errno == NO_DATA ? 1 : -1;
		if (n == 1)
			strarr_push(&hosts, p);
	} else {
		n = 0;
		if (ns_initparse(ans, len, &msg) == 0) {
			for (i = 0; i < ns_msg_count(msg, ns_s_an) && n < 64;
			    i++) {
				if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 ||
				    ns_rr_type(rr) != ns_t_mx)
					continue;
				if (dn_expand(ns_msg_base(msg),
				    ns_msg_end(msg), ns_rr_rdata(rr) + 2,
				    name, sizeof(name)) < 0)
					continue;
				prefs[n++] = ns_get16(ns_rr_rdata(rr));
				strarr_push(&hosts, name);
			}
		}
		for (i = 1; i < n; i++)	/* insertion sort by preference */
			for (j = i; j > 0 && prefs[j - 1] > prefs[j]; j--) {
				int t = prefs[j];
				char *s = hosts.v[j];

				prefs[j] = prefs[j - 1];
				prefs[j - 1] = t;
				hosts.v[j] = hosts.v[j - 1];
				hosts.v[j - 1] = s;
			}
	}
	(void)fprintf(out, "getmxrr(%s) returns %d value(s):\n", p, n);
	for (i = 0; i < n; i++)
		(void)fprintf(out, "\t%s\n", hosts.v[i]);
	strarr_free(&hosts);
}

