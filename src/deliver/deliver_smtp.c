/*
 * deliver_smtp.c -- the SMTP mailers (P=[IPC]: smtp, esmtp, smtp8,
 * dsmtp, relay): the host of the resolved address becomes the list of
 * hosts to try (a [literal] as it is, else its MX hosts by preference,
 * else the name itself; a name that does not exist fails for good, a
 * null MX (RFC 7505) too, with sendmail's 5.1.10; a name server that
 * does not answer defers), the port comes from A=
 * ("TCP $h 2526"), and the message rendered for the mailer goes through
 * smtpc with the DSN data of the qf, over a cached connection when the
 * process keeps a cache (ConnectionCacheSize).
 */
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "deliver.h"
#include "smtpc.h"
#include "lib/arr.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "smtp/smtp.h"
#include "stats/stats.h"

#define EX_OK		0
#define EX_NOHOST	68
#define EX_UNAVAILABLE	69
#define EX_TEMPFAIL	75

/* The cf's Timeout.* for each step; 0 (unset) is sendmail's default. */
static void
cf_timeouts(struct cf *cf, struct smtpc_timeouts *to)
{
	to->connect = (int)cf_time_option(cf, "Timeout.connect", 0);
	to->initial = (int)cf_time_option(cf, "Timeout.initial", 0);
	to->helo = (int)cf_time_option(cf, "Timeout.helo", 0);
	to->mail = (int)cf_time_option(cf, "Timeout.mail", 0);
	to->rcpt = (int)cf_time_option(cf, "Timeout.rcpt", 0);
	to->datainit = (int)cf_time_option(cf, "Timeout.datainit", 0);
	to->datablock = (int)cf_time_option(cf, "Timeout.datablock", 0);
	to->datafinal = (int)cf_time_option(cf, "Timeout.datafinal", 0);
	to->rset = (int)cf_time_option(cf, "Timeout.rset", 0);
	to->quit = (int)cf_time_option(cf, "Timeout.quit", 0);
}

/* one per process, for those that deliver many messages */
static struct smtpc_cache *conn_cache;

void
dlv_smtp_cache_open(struct cf *cf)
{
	const char *v = cf_option_value(cf, "ConnectionCacheSize");
	long size = v != NULL && *v != '\0' ? atol(v) : 1;

	if (conn_cache != NULL || size <= 0)
		return;
	conn_cache = smtpc_cache_new((size_t)size,
	    (int)cf_time_option(cf, "ConnectionCacheTimeout", 300), 0);
}

void
dlv_smtp_cache_expire(void)
{
	smtpc_cache_expire(conn_cache);
}

void
dlv_smtp_cache_close(void)
{
	smtpc_cache_free(conn_cache);
	conn_cache = NULL;
	/* a separated process's connections are its SMTP client's */
	dlv_sep_client_close();
}

int
dlv_smtp_cache_on(void)
{
	return conn_cache != NULL;
}

size_t
dlv_smtp_cache_count(void)
{
	return smtpc_cache_count(conn_cache);
}

struct mx {
	int	 pref;
	char	 name[NS_MAXDNAME];
};

static int
by_pref(const void *a, const void *b)
{
	return ((const struct mx *)a)->pref - ((const struct mx *)b)->pref;
}

/*
 * The hosts to try for host h: 0, or EX_NOHOST / EX_UNAVAILABLE /
 * EX_TEMPFAIL with the DSN status in dsn, sendmail's stat= text in why
 * and its relay= in relay (the caller's buffers).
 */
static int
mx_hosts(const char *h, struct strarr *out, const char **dsn, struct buf *why,
    struct buf *relay)
{
	unsigned char ans[8192];
	struct mx *mx = NULL;
	ns_msg msg;
	ns_rr rr;
	size_t n = 0, i;
	int len, k, count;

	if (h[0] == '[') {
		strarr_push(out, h);
		return 0;
	}
	len = res_query(h, ns_c_in, ns_t_mx, ans, sizeof(ans));
	if (len < 0) {
		if (h_errno == HOST_NOT_FOUND) {
			*dsn = "5.1.2";
			(void)buf_printf(why, "Host unknown (Name server: %s: "
			    "host not found)", h);
			(void)buf_adds(relay, h);
			return EX_NOHOST;
		}
		if (h_errno == NO_DATA) {
			strarr_push(out, h);	/* no MX: the host itself */
			return 0;
		}
		*dsn = "4.4.3";
		(void)buf_adds(why, "Deferred: Name server timeout");
		return EX_TEMPFAIL;
	}
	if (ns_initparse(ans, len, &msg) == -1) {
		*dsn = "4.4.3";
		(void)buf_adds(why, "Deferred: Name server: bad answer");
		return EX_TEMPFAIL;
	}
	count = ns_msg_count(msg, ns_s_an);
	mx = xcalloc((size_t)count + 1, sizeof(*mx));
	for (k = 0; k < count; k++) {
		if (ns_parserr(&msg, ns_s_an, k, &rr) == -1 ||
		    ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3)
			continue;
		mx[n].pref = ns_get16(ns_rr_rdata(rr));
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg),
		    ns_rr_rdata(rr) + 2, mx[n].name, sizeof(mx[n].name)) < 0)
			continue;
		n++;
	}
	qsort(mx, n, sizeof(*mx), by_pref);
	/*
	 * RFC 7505: a single "0 ." says the domain takes no mail; sendmail
	 * logs "relay=domain., dsn=5.1.10, stat=Service unavailable"
	 */
	if (n == 1 && mx[0].name[0] == '\0') {
		free(mx);
		*dsn = "5.1.10";
		(void)buf_adds(why, dlv_exit_text(EX_UNAVAILABLE));
		(void)buf_printf(relay, "%s.", h);
		return EX_UNAVAILABLE;
	}
	for (i = 0; i < n; i++)
		strarr_push(out, mx[i].name);
	if (n == 0)
		strarr_push(out, h);
	free(mx);
	return 0;
}

/*
 * FallbackMXhost goes last after the MX hosts of a name (or the name
 * itself when it has none); not for a [literal] host, nor when the name
 * server failed.  "[host]" is taken as it is, a plain name by its
 * address.
 */
static void
add_fallback(struct cf *cf, const char *h, struct strarr *hosts)
{
	const char *fb = cf_option_value(cf, "FallbackMXhost");
	size_t i;

	if (fb == NULL || *fb == '\0' || h == NULL || h[0] == '[')
		return;
	for (i = 0; i < hosts->n; i++)
		if (str_casecmp(hosts->v[i], fb) == 0)
			return;
	strarr_push(hosts, fb);
}

struct reader {
	const struct buf	*b;
	size_t			 off;
};

static ssize_t
read_buf(void *arg, char *p, size_t n)
{
	struct reader *r = arg;
	size_t left = r->b->len - r->off;

	if (n > left)
		n = left;
	memcpy(p, r->b->data + r->off, n);
	r->off += n;
	return (ssize_t)n;
}

static int
to_buf(void *arg, const char *p, size_t n)
{
	return buf_add(arg, p, n);
}

/* "RPNSD:" flags of the qf record as NOTIFY= bits (0: none given). */
static unsigned
notify_bits(unsigned f)
{
	unsigned b = 0;

	if (!(f & QF_R_NOTIFY))
		return 0;
	if (f & QF_R_SUCCESS)
		b |= SMTP_NOTIFY_SUCCESS;
	if (f & QF_R_FAILURE)
		b |= SMTP_NOTIFY_FAILURE;
	if (f & QF_R_DELAY)
		b |= SMTP_NOTIFY_DELAY;
	return b ? b : SMTP_NOTIFY_NEVER;
}

static void
set_all(struct dlv_rcpt *r, size_t n, int status, const char *dsn,
    const char *text)
{
	size_t i;

	for (i = 0; i < n; i++) {
		r[i].status = status;
		(void)snprintf(r[i].dsn, sizeof(r[i].dsn), "%s", dsn);
		free(r[i].text);
		r[i].text = xstrdup(text);
	}
}

/*
 * After each host tried: its record in the HostStatusDirectory, if the
 * cf names one (sendmail writes it as the connection to it closes).
 */
static void
dlv_hoststat(void *arg, const struct smtpc_result *res)
{
	struct cf *cf = arg;
	struct hoststat h;
	struct err err;
	char *dir;

	if (res->host == NULL || (dir = hoststat_dir(cf)) == NULL)
		return;
	memset(&h, 0, sizeof(h));
	h.errnum = res->err_no;
	h.exitstat = res->status;
	h.dsn = res->status == EX_OK ? (char *)"2.0.0" :
	    res->dsn[0] ? (char *)res->dsn : NULL;
	h.reply = res->reply;
	h.lastuse = (long long)time(NULL);
	err_clear(&err);
	if (hoststat_store(dir, res->host, &h, &err) == -1)
		log_msg(LOG_INFO, NULL, "%s", err.msg);
	free(dir);
}

void
dlv_smtp(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, const unsigned *rflags, struct dlv_rcpt *r,
    size_t n, char **relay)
{
	struct strarr hosts = { 0 };
	struct smtpc_params p;
	struct smtpc_tls tls;
	struct smtpc_auth auth;
	struct smtpc_result res;
	struct dlv_8to7 s87;
	struct buf raw;
	struct smtpc_rcpt *sr = xcalloc(n + 1, sizeof(*sr));
	struct buf msg;
	struct reader rd;
	struct err err;
	const char *dsn = NULL, *j = cf_macro_value(dm->cf, "j");
	struct buf why, rl;
	char *bare = xstrdup(sender);
	struct cf_mailer_info mm;
	unsigned char flags[256];
	size_t i, len;
	int rc;

	*relay = NULL;
	memset(&s87, 0, sizeof(s87));
	buf_init(&raw, 0);
	buf_init(&msg, 0);
	buf_init(&why, 0);
	buf_init(&rl, 0);
	rc = mx_hosts(r[0].host ? r[0].host : "", &hosts, &dsn, &why, &rl);
	if (rc != 0) {
		set_all(r, n, rc, dsn, buf_cstr(&why));
		if (dsn != NULL && strcmp(dsn, "5.1.10") == 0)		/* as sendmail says it */
			for (i = 0; i < n; i++)
				r[i].reply = xstrdup("556 Host does not "
				    "accept mail: MX 0 .");
		if (rl.len > 0)
			*relay = buf_steal(&rl);
		goto out;
	}
	add_fallback(dm->cf, r[0].host, &hosts);
	len = strlen(bare);	/* the envelope sender without its <> */
	if (len >= 2 && bare[0] == '<' && bare[len - 1] == '>') {
		memmove(bare, bare + 1, len - 2);
		bare[len - 2] = '\0';
	}
	/* no UNIX From line and no dot doubling: smtpc stuffs the dots */
	memcpy(flags, m->flags, sizeof(flags));
	flags['n'] = 1;
	flags['X'] = 0;
	mm = *m;
	mm.flags = flags;
	mm.eol = "\n";
	err_clear(&err);
	if (dlv_write_message_cb(dm, &mm, sender, to_buf, &msg, &err) == -1) {
		set_all(r, n, EX_TEMPFAIL, "4.3.0", err.msg);
		goto out;
	}
	for (i = 0; i < n; i++) {
		sr[i].addr = r[i].user;
		sr[i].notify = rflags != NULL ? notify_bits(rflags[i]) : 0;
	}
	memset(&p, 0, sizeof(p));
	cf_timeouts(dm->cf, &p.to);
	p.helo_name = j ? j : "localhost";
	p.hosts = (const char *const *)hosts.v;
	p.port = m->argc >= 3 ? atoi(m->argv[2]) : 25;
	p.flags = (m->flags['a'] ? SMTPC_F_ESMTP : 0) |
	    (m->flags['8'] ? SMTPC_F_8BIT_OK : 0) |
	    (m->flags['k'] ? SMTPC_F_NO_LOOPCHECK : 0);
	p.sender = bare;
	p.rcpts = sr;
	p.nrcpts = n;
	p.msg_size = msg.len;
	rd.b = &msg;
	rd.off = 0;
	p.msg_read = read_buf;
	p.msg_arg = &rd;
	dlv_8to7_setup(&s87, dm, m, &msg, &p);
	if (m->flags['E'] && (p.msg7_read != NULL || p.msg_read != read_buf)) {
		/* the conversion escapes "From " itself (=20 in QP) */
		flags['E'] = 0;
		err_clear(&err);
		if (dlv_write_message_cb(dm, &mm, sender, to_buf, &raw,
		    &err) == -1) {
			set_all(r, n, EX_TEMPFAIL, "4.3.0", err.msg);
			goto out;
		}
		s87.src = &raw;
	}
	p.envid = dm->qf->envid;
	p.ret = (dm->qf->flags & QF_F_RETPARAM) ? ((dm->qf->flags &
	    QF_F_NOBODY) ? SMTPC_RET_HDRS : SMTPC_RET_FULL) : SMTPC_RET_NONE;
	p.qid = dm->id;
	p.host_done = dlv_hoststat;
	p.host_done_arg = dm->cf;
	dlv_tls_setup(dm->cf, &tls);
	p.tls = &tls;
	dlv_auth_setup(dm->cf, dm->qf->auth, &auth);
	p.auth = &auth;
	memset(&res, 0, sizeof(res));
	(void)smtpc_deliver(&p, conn_cache, &res);
	while (res.nconnects-- > 0)
		stats_mark_connect(1);
	if (res.host != NULL) {
		/* " [addr]" only for an address reached, as sendmail's
		 * logdelivery: never "relay=host []" for a refused one */
		if (res.addr[0] != '\0')
			(void)buf_printf(&rl, "%s [%s]", res.host, res.addr);
		else
			(void)buf_adds(&rl, res.host);
		*relay = buf_steal(&rl);
	}
	for (i = 0; i < n; i++) {
		const struct smtpc_rcpt_result *x = i < res.nrcpts ?
		    &res.rcpts[i] : NULL;

		r[i].status = x != NULL && res.status == EX_OK ? x->status :
		    res.status;
		(void)snprintf(r[i].dsn, sizeof(r[i].dsn), "%s", x != NULL &&
		    x->dsn[0] ? x->dsn : res.dsn);
		free(r[i].text);
		r[i].text = xstrdup(x != NULL && x->stat != NULL ? x->stat :
		    res.stat != NULL ? res.stat : "Deferred");
		if (r[i].status != EX_OK && (x != NULL && x->reply != NULL ?
		    x->reply : res.reply) != NULL) {
			r[i].reply = xstrdup(x != NULL && x->reply != NULL ?
			    x->reply : res.reply);
			r[i].rmta = res.host ? xstrdup(res.host) : NULL;
		}
	}
	smtpc_result_free(&res);
out:
	strarr_free(&hosts);
	buf_free(&why);
	buf_free(&rl);
	buf_free(&msg);
	buf_free(&raw);
	dlv_8to7_free(&s87);
	free(sr);
	free(bare);
}
