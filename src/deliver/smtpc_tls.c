/*
 * smtpc_tls.c -- STARTTLS in the SMTP client, as sendmail 8.17's
 * deliver.c and usersmtp.c do it: after EHLO, if the server offers it
 * and try_tls agrees, STARTTLS; a 4xx answer is TEMP, 501 USAGE, any
 * other but 220 PROTOCOL, a failed handshake SOFTWARE (the connection
 * is dropped, and tried again in the clear only with
 * TLSFallbacktoClear); then tls_server judges the verify word and may
 * refuse the server ("403 4.7.0 server not authenticated." when the
 * ruleset gives no reply).  Replies the server sent behind its 220 are
 * dropped before the handshake (the client side of the STARTTLS
 * injection bugs), and EHLO is said again over TLS.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "deliver/smtpc.h"
#include "lib/log.h"

/* A refusal from tls_server: the envelope's outcome. */
static enum smtpc_tls_step
refused(struct smtpc_result *res, const char *reply)
{
	char enh[16] = "4.7.0";
	const char *p = reply + 4;
	size_t n = strcspn(p, " ");

	if (strlen(reply) > 4 && p[0] >= '2' && p[0] <= '5' && p[1] == '.' &&
	    n < sizeof(enh)) {
		memcpy(enh, p, n);
		enh[n] = '\0';
	}
	if (reply[0] == '4') {
		smtpc_res_set(res, ERR_TEMPFAIL, enh, reply, "Deferred: %s",
		    reply);
		return SMTPC_TLS_TEMP;
	}
	smtpc_res_set(res, ERR_UNAVAILABLE, enh, reply, "%s", reply);
	return SMTPC_TLS_PERM;
}

/* Asks tls_server; 0 go on, -1 refused (reply in out). */
static int
judge(struct smtpc_conn *c, const struct smtpc_params *p,
    const char *verify, const struct tls_info *ti, struct buf *out)
{
	const struct smtpc_tls *t = p->tls;

	if (t->tls_server == NULL ||
	    t->tls_server(t->arg, c->host, c->addr, verify, ti, out) == 0)
		return 0;
	if (out->len < 4)
		buf_set(out, "403 4.7.0 server not authenticated.");
	return -1;
}

/* The handshake on the connection's socket; -1 after logging why. */
static int
handshake(struct smtpc_conn *c, const struct smtpc_params *p,
    struct tls_info *ti)
{
	struct err err;
	const char *sni = strchr(c->host, '[') == NULL ? c->host : NULL;

	/* what the server sent behind its 220 is not TLS's to read */
	buf_reset(&c->in);
	c->inoff = 0;
	if (tls_io_connect(&c->io, p->tls->ctx, sni, 1000 *
	    smtpc_tmo(&p->to, SMTPC_TO_HELO), &err) == -1) {
		log_msg(LOG_WARNING, p->qid, "STARTTLS=client, error: %s, "
		    "relay=%.100s", err.msg, c->host);
		return -1;
	}
	c->tls = 1;
	tls_info_get(c->io.ssl, 1, ti);
	c->tls_bits = ti->bits;
	log_msg(LOG_INFO, NULL, "STARTTLS=client, relay=%.100s, "
	    "version=%.16s, verify=%.16s, cipher=%.64s, bits=%d/%d",
	    c->host, ti->version, ti->verify, ti->cipher, ti->bits,
	    ti->alg_bits);
	return 0;
}

enum smtpc_tls_step
smtpc_tls_start(struct smtpc_conn *c, const struct smtpc_params *p,
    struct smtpc_reply *r, struct smtpc_result *res)
{
	const struct smtpc_tls *t = p->tls;
	const char *verify = "NONE";
	struct tls_info ti;
	struct buf why;
	enum smtpc_tls_step step = SMTPC_TLS_CLEAR;
	int secs = smtpc_tmo(&p->to, SMTPC_TO_HELO);

	if (t == NULL || c->tls)
		return SMTPC_TLS_CLEAR;
	memset(&ti, 0, sizeof(ti));
	buf_init(&why, 0);
	if (c->notls)
		verify = "CLEAR";
	else if (t->ctx != NULL && (c->ext.flags & SMTPC_EXT_STARTTLS) &&
	    (t->try_tls == NULL || t->try_tls(t->arg, c->host, c->addr) == 0)) {
		c->phase = "client STARTTLS";
		if (smtpc_conn_cmd(c, "STARTTLS", secs) != SMTPC_IO_OK ||
		    smtpc_conn_reply(c, r, secs) != SMTPC_IO_OK) {
			/* the connection is gone: as a failed handshake */
			verify = "SOFTWARE";
		} else if (r->code / 100 == 4)
			verify = "TEMP";
		else if (r->code == 501)
			verify = "USAGE";
		else if (r->code != 220)
			verify = "PROTOCOL";
		else if (handshake(c, p, &ti) == -1)
			verify = "SOFTWARE";
		else
			verify = ti.verify;
	}
	if (judge(c, p, verify, c->tls ? &ti : NULL, &why) == -1 ||
	    strcmp(verify, "SOFTWARE") == 0) {
		if (strcmp(verify, "SOFTWARE") == 0) {
			/* nothing more can be said on this connection */
			c->broken = 1;
			if (t->fallback_clear && !c->notls) {
				step = SMTPC_TLS_AGAIN_CLEAR;
				goto out;
			}
			if (why.len < 4)
				buf_set(&why, "403 4.7.0 server not "
				    "authenticated.");
		}
		step = refused(res, buf_cstr(&why));
		goto out;
	}
	if (c->tls) {
		memset(&c->ext, 0, sizeof(c->ext));
		step = SMTPC_TLS_UP;
	}
out:
	tls_info_free(&ti);
	buf_free(&why);
	return step;
}
