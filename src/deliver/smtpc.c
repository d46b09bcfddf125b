/*
 * smtpc.c -- smtpc_deliver(): the hosts in the caller's order, each name
 * resolved to its addresses (A and AAAA, no AI_ADDRCONFIG), a cached
 * connection reused after an RSET or a new one opened (greeting, EHLO
 * or HELO), then the transaction of smtpc_xact.c; and the result
 * wording shared with it (sysexits, stat= texts as sendmail logs them).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "deliver/smtpc.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define STAT_MAX	203	/* sendmail cuts stat= there */

/* OPEN_AGAIN_CLEAR: the TLS handshake failed and TLSFallbacktoClear is
 * set: connect to the address again, without TLS */
enum open_result { OPEN_OK, OPEN_TEMP, OPEN_PERM, OPEN_AGAIN_CLEAR };

const char *
smtpc_exit_text(int status)
{
	switch (status) {
	case 0:
		return "Sent";
	case ERR_USAGE:
		return "Bad usage";
	case ERR_DATAERR:
		return "Data format error";
	case ERR_NOINPUT:
		return "Cannot open input";
	case ERR_NOUSER:
		return "User unknown";
	case ERR_NOHOST:
		return "Host unknown";
	case ERR_UNAVAILABLE:
		return "Service unavailable";
	case ERR_SOFTWARE:
		return "Internal error";
	case ERR_OSERR:
		return "Operating system error";
	case ERR_IOERR:
		return "I/O error";
	case ERR_TEMPFAIL:
		return "Deferred";
	case ERR_PROTOCOL:
		return "Remote protocol error";
	case ERR_CONFIG:
		return "Local configuration error";
	}
	return "Unknown status";
}

static char * __attribute__((format(printf, 1, 0)))
vformat(const char *fmt, va_list ap)
{
	struct buf b;
	char cut[STAT_MAX + 1];
	const char *s;
	char *r;

	buf_init(&b, 0);
	if (buf_vprintf(&b, fmt, ap) == -1)
		(void)buf_set(&b, "?");
	s = str_shorten(buf_cstr(&b), STAT_MAX, cut, sizeof(cut));
	r = xstrdup(s);
	buf_free(&b);
	return r;
}

static void
set_dsn(char *out, const char *dsn)
{
	if (str_copy(out, dsn != NULL ? dsn : "", 16) == -1)
		out[0] = '\0';
}

/* The outcome fields shared by an envelope and a recipient. */
static void __attribute__((format(printf, 8, 0)))
vset(int *status_out, char *dsn_out, char **reply_out, char **stat_out,
    int status, const char *dsn, const char *reply, const char *fmt,
    va_list ap)
{
	*status_out = status;
	set_dsn(dsn_out, dsn);
	free(*reply_out);
	*reply_out = reply != NULL ? xstrdup(reply) : NULL;
	free(*stat_out);
	*stat_out = vformat(fmt, ap);
}

void
smtpc_res_set(struct smtpc_result *res, int status, const char *dsn,
    const char *reply, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(&res->status, res->dsn, &res->reply, &res->stat, status, dsn,
	    reply, fmt, ap);
	va_end(ap);
}

void
smtpc_rcpt_set(struct smtpc_rcpt_result *rr, int status, int code,
    const char *dsn, const char *reply, const char *fmt, ...)
{
	va_list ap;

	rr->code = code;
	va_start(ap, fmt);
	vset(&rr->status, rr->dsn, &rr->reply, &rr->stat, status, dsn, reply,
	    fmt, ap);
	va_end(ap);
}

static void
errno_text(int e, const char *host, struct buf *out)
{
	switch (e) {
	case ECONNREFUSED:
		(void)buf_printf(out, "Connection refused by %s", host);
		break;
	case ETIMEDOUT:
		(void)buf_printf(out, "Connection timed out with %s", host);
		break;
	case ECONNRESET:
	case EPIPE:
		(void)buf_printf(out, "Connection reset by %s", host);
		break;
	case EHOSTDOWN:
		(void)buf_printf(out, "Host %s is down", host);
		break;
	default:
		(void)buf_adds(out, strerror(e));
	}
}

void
smtpc_ioerr_text(struct smtpc_conn *c, enum smtpc_ioerr e, struct buf *out)
{
	switch (e) {
	case SMTPC_IO_TIMEOUT:
		errno_text(ETIMEDOUT, c->host, out);
		break;
	case SMTPC_IO_EOF:
		errno_text(ECONNRESET, c->host, out);
		break;
	case SMTPC_IO_PROTO:
		(void)buf_printf(out, "%s: %s", c->host,
		    c->why != NULL ? c->why : "protocol error");
		break;
	default:
		errno_text(c->err_no, c->host, out);
	}
}

const char *
smtpc_dsn_of(const struct smtpc_conn *c, const struct smtpc_reply *r,
    const char *dflt)
{
	if ((c->ext.flags & SMTPC_EXT_ENHSTATUS) && r->enh[0] != '\0')
		return r->enh;
	return dflt != NULL ? dflt : smtpc_code_dsn(r->code);
}

/* A failed read or write at connection time: worth the next host. */
static enum open_result
open_ioerr(struct smtpc_conn *c, enum smtpc_ioerr e,
    struct smtpc_result *res)
{
	struct buf t;

	buf_init(&t, 0);
	smtpc_ioerr_text(c, e, &t);
	if (e == SMTPC_IO_PROTO)
		log_msg(LOG_CRIT, c->p->qid, "%.100s: SMTP %s protocol error: "
		    "%s", c->host, c->phase, c->why);
	smtpc_res_set(res, ERR_TEMPFAIL, "4.4.2", NULL, "Deferred: %s",
	    buf_cstr(&t));
	buf_free(&t);
	return OPEN_TEMP;
}

static int
has_word(const struct buf *b, const char *w)
{
	return b->data != NULL && strstr(b->data, w) != NULL;
}

/* Greeting and EHLO (or HELO) on a new connection. */
static enum open_result
session_open(struct smtpc_conn *c, const struct smtpc_params *p,
    struct smtpc_reply *r, struct smtpc_result *res)
{
	enum smtpc_ioerr e;
	char cmd[300];
	const char *t;
	size_t n;
	int ehlo;

	c->phase = "client greeting";
	if ((e = smtpc_conn_reply(c, r, smtpc_tmo(&p->to,
	    SMTPC_TO_INITIAL))) != SMTPC_IO_OK)
		return open_ioerr(c, e, res);
	res->flags |= SMTPC_R_CONNECTED;
	if (r->code / 100 == 4) {
		smtpc_res_set(res, ERR_TEMPFAIL, r->enh[0] ? r->enh : "4.5.0",
		    r->first.data, "Deferred: %s", r->first.data);
		return OPEN_TEMP;
	}
	if (r->code / 100 != 2) {
		smtpc_res_set(res, ERR_UNAVAILABLE, "5.5.0", r->first.data,
		    "%s", smtpc_exit_text(ERR_UNAVAILABLE));
		return OPEN_PERM;
	}
	ehlo = (p->flags & SMTPC_F_ESMTP) || has_word(&r->lines, "ESMTP");
	c->ok8bit = has_word(&r->lines, "8BIT-OK");
hello:
	for (;;) {
		c->phase = ehlo ? "client EHLO" : "client HELO";
		if (snprintf(cmd, sizeof(cmd), "%s %s", ehlo ? "EHLO" : "HELO",
		    p->helo_name) >= (int)sizeof(cmd))
			fatal("smtpc: helo name too long");
		if ((e = smtpc_conn_cmd(c, cmd, smtpc_tmo(&p->to,
		    SMTPC_TO_HELO))) != SMTPC_IO_OK ||
		    (e = smtpc_conn_reply(c, r, smtpc_tmo(&p->to,
		    SMTPC_TO_HELO))) != SMTPC_IO_OK)
			return open_ioerr(c, e, res);
		if (r->code / 100 == 5 && ehlo) {
			ehlo = 0;	/* try old SMTP instead */
			continue;
		}
		break;
	}
	if (r->code / 100 == 5) {
		smtpc_res_set(res, ERR_UNAVAILABLE, "5.5.0", r->first.data,
		    "%s", smtpc_exit_text(ERR_UNAVAILABLE));
		return OPEN_PERM;
	}
	if (r->code / 100 != 2) {
		smtpc_res_set(res, ERR_TEMPFAIL, r->enh[0] ? r->enh : "4.5.0",
		    r->first.data, "Deferred: %s", r->first.data);
		return OPEN_TEMP;
	}
	c->esmtp = ehlo;
	if (ehlo)
		smtpc_ehlo_parse(r, &c->ext);
	else
		memset(&c->ext, 0, sizeof(c->ext));
	/* talking to ourselves: an MX or alias problem */
	t = smtpc_reply_text(r);
	n = strcspn(t, " ");
	if (!(p->flags & SMTPC_F_NO_LOOPCHECK) &&
	    strlen(p->helo_name) == n &&
	    str_ncasecmp(t, p->helo_name, n) == 0) {
		log_msg(LOG_ERR, p->qid, "%.100s config error: mail loops "
		    "back to me (MX problem?)", c->host);
		smtpc_res_set(res, ERR_CONFIG, "5.3.5",
		    "553 5.3.5 system config error", "%s",
		    smtpc_exit_text(ERR_CONFIG));
		return OPEN_PERM;
	}
	switch (smtpc_tls_start(c, p, r, res)) {
	case SMTPC_TLS_CLEAR:
		break;
	case SMTPC_TLS_UP:
		goto hello;	/* EHLO again, over TLS */
	case SMTPC_TLS_TEMP:
		return OPEN_TEMP;
	case SMTPC_TLS_PERM:
		return OPEN_PERM;
	case SMTPC_TLS_AGAIN_CLEAR:
		return OPEN_AGAIN_CLEAR;
	}
	if (smtpc_auth_start(c, p, r, res) == SMTPC_AUTH_TEMP)
		return OPEN_TEMP;
	return OPEN_OK;
}

/* "name:port|helo|bind": connections differ in any of them. */
static char *
conn_key(const struct smtpc_hostspec *hs, const struct smtpc_params *p)
{
	struct buf b;

	buf_init(&b, 0);
	(void)buf_printf(&b, "%s:%d|%s|%s", hs->name, hs->port, p->helo_name,
	    p->bind_addr != NULL ? p->bind_addr : "");
	str_lower(b.data);
	return buf_steal(&b);
}

/* A cached connection, still in step after an RSET, or NULL. */
static struct smtpc_conn *
reuse(struct smtpc_cache *k, const char *key, const struct smtpc_params *p,
    struct smtpc_reply *r)
{
	struct smtpc_conn *c = smtpc_cache_take(k, key);
	int secs = smtpc_tmo(&p->to, SMTPC_TO_RSET);

	if (c == NULL)
		return NULL;
	c->p = p;
	c->phase = "client RSET";
	if (smtpc_conn_cmd(c, "RSET", secs) != SMTPC_IO_OK ||
	    smtpc_conn_reply(c, r, secs) != SMTPC_IO_OK || r->code / 100 != 2) {
		smtpc_conn_close(c, !c->broken);
		return NULL;
	}
	return c;
}

/* Tries each address of one host; the connection in step, or NULL. */
static struct smtpc_conn *
open_host(const struct smtpc_hostspec *hs, const char *relay,
    const char *key, const struct smtpc_params *p, struct smtpc_reply *r,
    struct smtpc_result *res, int *perm)
{
	struct addrinfo hints, *ai = NULL, *a;
	struct smtpc_conn *c = NULL;
	struct buf t;
	char port[16];
	int gr;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = hs->literal ? AI_NUMERICHOST : 0;
	(void)snprintf(port, sizeof(port), "%d", hs->port);
	gr = getaddrinfo(hs->name, port, &hints, &ai);
	if (gr != 0 || ai == NULL) {
		if (gr == EAI_AGAIN || gr == EAI_SYSTEM || gr == EAI_MEMORY)
			smtpc_res_set(res, ERR_TEMPFAIL, "4.4.3", NULL,
			    "Deferred: Name server: %s: host name lookup "
			    "failure", hs->name);
		else
			smtpc_res_set(res, ERR_NOHOST, "5.1.2", NULL,
			    "Host unknown (Name server: %s: host not found)",
			    hs->name);
		return NULL;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		int notls = 0;
again:
		c = smtpc_conn_new(relay, key);
		c->notls = notls;
		c->p = p;
		c->phase = "client connect";
		if (smtpc_net_connect(c, a->ai_addr, a->ai_addrlen, p) == -1) {
			res->err_no = c->err_no;
			buf_init(&t, 0);
			errno_text(c->err_no, relay, &t);
			smtpc_res_set(res, ERR_TEMPFAIL, "4.4.1", NULL,
			    "Deferred: %s", buf_cstr(&t));
			buf_free(&t);
			smtpc_conn_close(c, 0);
			c = NULL;
			continue;
		}
		memcpy(res->addr, c->addr, sizeof(res->addr));
		res->nconnects++;
		res->err_no = 0;
		switch (session_open(c, p, r, res)) {
		case OPEN_OK:
			freeaddrinfo(ai);
			return c;
		case OPEN_PERM:
			*perm = 1;
			smtpc_conn_close(c, !c->broken);
			freeaddrinfo(ai);
			return NULL;
		case OPEN_TEMP:
			smtpc_conn_close(c, !c->broken);
			c = NULL;
			break;
		case OPEN_AGAIN_CLEAR:
			smtpc_conn_close(c, 0);
			c = NULL;
			notls = 1;
			goto again;
		}
	}
	freeaddrinfo(ai);
	return NULL;
}

static void
result_init(struct smtpc_result *res, size_t nrcpts)
{
	memset(res, 0, sizeof(*res));
	res->nrcpts = nrcpts;
	res->rcpts = xcalloc(nrcpts > 0 ? nrcpts : 1, sizeof(*res->rcpts));
}

/* Recipients not decided by a reply share the envelope's outcome. */
static void
result_finish(struct smtpc_result *res)
{
	struct smtpc_rcpt_result *rr;
	struct buf m;
	size_t i;

	if (res->stat == NULL)		/* no path may leave it unset */
		smtpc_res_set(res, ERR_SOFTWARE, "4.3.0", NULL, "%s",
		    smtpc_exit_text(ERR_SOFTWARE));
	for (i = 0; i < res->nrcpts; i++) {
		rr = &res->rcpts[i];
		if (rr->stat == NULL)
			smtpc_rcpt_set(rr, res->status, 0, res->dsn,
			    res->reply, "%s", res->stat);
	}
	if (res->msg == NULL) {
		buf_init(&m, 0);
		if (res->reply != NULL)
			(void)buf_printf(&m, "%s: %s", res->host != NULL ?
			    res->host : "?", res->reply);
		else
			(void)buf_adds(&m, res->stat);
		res->msg = buf_steal(&m);
	}
}

/* Refuses what would break a command line; 0 if all is well. */
static int
check_params(const struct smtpc_params *p, struct smtpc_result *res)
{
	size_t i;

	if (p->hosts == NULL || p->hosts[0] == NULL) {
		smtpc_res_set(res, ERR_NOHOST, "5.1.2", NULL,
		    "Host unknown (no host to try)");
		return -1;
	}
	if (p->helo_name == NULL || p->helo_name[0] == '\0' ||
	    strlen(p->helo_name) > 255 || !smtpc_xtext_ok(p->helo_name) ||
	    p->sender == NULL || !smtpc_addr_ok(p->sender) ||
	    (p->envid != NULL && !smtpc_xtext_ok(p->envid)) ||
	    (p->body_type != NULL && !smtpc_xtext_ok(p->body_type))) {
		smtpc_res_set(res, ERR_DATAERR, "5.5.2", NULL, "%s",
		    smtpc_exit_text(ERR_DATAERR));
		return -1;
	}
	if (p->nrcpts == 0) {
		smtpc_res_set(res, ERR_SOFTWARE, "5.3.0", NULL, "%s",
		    smtpc_exit_text(ERR_SOFTWARE));
		return -1;
	}
	for (i = 0; i < p->nrcpts; i++)
		if (p->rcpts[i].addr == NULL ||
		    !smtpc_addr_ok(p->rcpts[i].addr) ||
		    (p->rcpts[i].orcpt != NULL &&
		    !smtpc_xtext_ok(p->rcpts[i].orcpt)))
			smtpc_rcpt_set(&res->rcpts[i], ERR_DATAERR, 0, "5.1.3",
			    NULL, "%s", smtpc_exit_text(ERR_DATAERR));
	return 0;
}

/* relay= name: a literal keeps its brackets, never the port. */
static char *
relay_name(const char *spec, const struct smtpc_hostspec *hs)
{
	const char *e;

	if (spec[0] == '[' && (e = strchr(spec, ']')) != NULL)
		return xstrndup(spec, (size_t)(e - spec) + 1);
	return xstrdup(hs->name);
}

int
smtpc_deliver(const struct smtpc_params *p, struct smtpc_cache *k,
    struct smtpc_result *res)
{
	struct smtpc_hostspec hs;
	struct smtpc_conn *c = NULL;
	struct smtpc_reply r;
	char *key, *tstat = NULL, tdsn[16] = "";
	size_t i;
	int perm = 0;

	result_init(res, p->nrcpts);
	if (check_params(p, res) == -1)
		goto done;
	smtpc_reply_init(&r);
	for (i = 0; p->hosts[i] != NULL && c == NULL && !perm; i++) {
		if (smtpc_host_parse(p->hosts[i], p->port, &hs) == -1) {
			smtpc_res_set(res, ERR_NOHOST, "5.1.2", NULL,
			    "Host unknown (Name server: %s: host not found)",
			    p->hosts[i]);
			continue;
		}
		free(res->host);
		res->host = relay_name(p->hosts[i], &hs);
		res->addr[0] = '\0';
		key = conn_key(&hs, p);
		if ((c = reuse(k, key, p, &r)) != NULL)
			res->flags |= SMTPC_R_REUSED;
		else
			c = open_host(&hs, res->host, key, p, &r, res,
			    &perm);
		free(key);
		if (c == NULL && p->host_done != NULL)
			p->host_done(p->host_done_arg, res);
		if (c == NULL && res->status == ERR_TEMPFAIL) {
			free(tstat);
			tstat = xstrdup(res->stat);
			memcpy(tdsn, res->dsn, sizeof(tdsn));
		}
	}
	if (c != NULL) {
		memcpy(res->addr, c->addr, sizeof(res->addr));
		smtpc_xact(c, p, res);
		if (p->host_done != NULL)
			p->host_done(p->host_done_arg, res);
		c->nmsgs++;
		smtpc_cache_put(k, c);
	} else if (!perm && tstat != NULL && res->status != ERR_TEMPFAIL) {
		/* a later host was unknown, an earlier one only down */
		smtpc_res_set(res, ERR_TEMPFAIL, tdsn, NULL, "%s", tstat);
	}
	free(tstat);
	smtpc_reply_free(&r);
done:
	result_finish(res);
	return res->status;
}

void
smtpc_result_free(struct smtpc_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->nrcpts; i++) {
		free(res->rcpts[i].reply);
		free(res->rcpts[i].stat);
	}
	free(res->rcpts);
	free(res->stat);
	free(res->reply);
	free(res->msg);
	free(res->host);
	memset(res, 0, sizeof(*res));
}
