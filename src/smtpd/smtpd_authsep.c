/*
 * smtpd_authsep.c -- where the SASL library's server calls of an AUTH
 * exchange run (doc/privsep.md).  An unseparated worker runs them
 * itself; a separated one, which as DefaultUser can read neither an
 * sasldb nor reach saslauthd's socket, sends each call to its root
 * queue writer (queue_remote_call), which decodes it strictly
 * (smtpd_authwire.c), runs it on the one SASL connection it holds for
 * the worker, and answers with the library's result.  Both run the
 * same smtpd_sasl_run, so the replies, log lines and timing of unknown
 * users and wrong passwords are the library's either way.
 */
#include <string.h>
#include <syslog.h>

#include <sasl/sasl.h>

#include "smtpd_authwire.h"
#include "smtpd_int.h"
#include "lib/log.h"
#include "queue/queue.h"

/* The connection's properties as sendmail sets them (no security
 * layer: the stream after AUTH stays as it is, doc/differences.md). */
static void
props(sasl_conn_t *c, unsigned secflags, unsigned ssf_ext,
    const char *ext_id)
{
	sasl_security_properties_t sp;
	sasl_ssf_t ext = ssf_ext;

	memset(&sp, 0, sizeof(sp));
	sp.security_flags = secflags;
	sp.min_ssf = 0;
	sp.max_ssf = 0;
	sp.maxbufsize = 0;
	(void)sasl_setprop(c, SASL_SEC_PROPS, &sp);
	(void)sasl_setprop(c, SASL_SSF_EXTERNAL, &ext);
	if (ext_id != NULL)
		(void)sasl_setprop(c, SASL_AUTH_EXTERNAL, ext_id);
}

int
smtpd_sasl_new(struct sasl_conn **conn, const char *fqdn, const char *realm,
    const char *remote, unsigned secflags, unsigned ssf_ext,
    const char *ext_id)
{
	if (*conn != NULL)
		sasl_dispose(conn);
	if (sasl_server_new("smtp", fqdn, realm, NULL, remote, NULL, 0,
	    conn) != SASL_OK) {
		*conn = NULL;
		return -1;
	}
	props(*conn, secflags, ssf_ext, ext_id);
	return 0;
}

void
smtpd_sasl_run(struct sasl_conn **conn, const struct authwire_req *q,
    struct authwire_rep *r)
{
	const char *out = NULL, *detail;
	unsigned outlen = 0;
	const void *v;

	memset(r, 0, sizeof(*r));
	if (q->op == AW_START) {
		if (smtpd_sasl_new(conn, q->fqdn, q->realm, q->remote,
		    q->secflags, q->ssf_ext, q->ext_id) == -1) {
			r->rc = SASL_FAIL;
			return;
		}
		r->rc = sasl_server_start(*conn, q->mech, q->has_data ?
		    (q->data != NULL ? (const char *)q->data : "") : NULL,
		    (unsigned)q->len, &out, &outlen);
	} else if (*conn == NULL) {
		r->rc = SASL_BADPROT;
		return;
	} else
		r->rc = sasl_server_step(*conn, q->data != NULL ?
		    (const char *)q->data : "", (unsigned)q->len, &out,
		    &outlen);
	r->out = (const unsigned char *)out;
	r->outlen = out != NULL ? outlen : 0;
	if (r->rc == SASL_CONTINUE)
		return;
	if (sasl_getprop(*conn, SASL_USERNAME, &v) == SASL_OK && v != NULL)
		r->user = v;
	if (sasl_getprop(*conn, SASL_SSF, &v) == SASL_OK && v != NULL)
		r->ssf = *(const sasl_ssf_t *)v;
	if (r->rc != SASL_OK && (detail = sasl_errdetail(*conn)) != NULL)
		r->detail = detail;
}

/* ---- the root side, in the queue writer ---- */

static sasl_conn_t *writer_conn;	/* the worker's exchange */

int
smtpd_authsep_serve(const unsigned char *p, size_t n, struct buf *out)
{
	struct authwire_req q;
	struct authwire_rep r;
	struct err err;

	if (authwire_req_parse(p, n, &q, &err) == -1) {
		log_plain(LOG_ERR, "SYSERR(root): queue writer: refused: %s",
		    err.msg);
		return -1;
	}
	smtpd_sasl_run(&writer_conn, &q, &r);
	authwire_rep_encode(&r, out);
	/* decided: nothing more is asked of this connection */
	if (r.rc != SASL_CONTINUE && writer_conn != NULL)
		sasl_dispose(&writer_conn);
	return 0;
}

/* ---- the worker's side ---- */

void
smtpd_authsep_call(struct session *s, const struct authwire_req *q,
    struct authwire_rep *r, struct buf *store)
{
	struct buf req;
	struct err err;

	memset(r, 0, sizeof(*r));
	buf_init(&req, 0);
	buf_reset(store);
	authwire_req_encode(q, &req);
	if (queue_remote_call(s->ctx->qdirs, req.data, req.len, store,
	    &err) == -1 || authwire_rep_parse(store->data, store->len, r,
	    &err) == -1) {
		log_msg(LOG_ERR, NULL, "SYSERR(root): AUTH: %s", err.msg);
		memset(r, 0, sizeof(*r));
		r->rc = SASL_FAIL;
	}
	buf_free(&req);
}
