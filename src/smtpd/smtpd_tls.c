/*
 * smtpd_tls.c -- STARTTLS in the SMTP server, as sendmail 8.17 does it:
 * the server context from the cf's ServerCertFile, ServerKeyFile,
 * CACertFile, CACertPath, CipherList, ServerSSLOptions, DHParameters,
 * CRLFile and TLSSrvOptions (loaded once per process), the EHLO
 * keyword, the command and its replies, the handshake (at once on an
 * M=s port), the macros {verify} {cipher} {cipher_bits} {cert_subject}
 * {cert_issuer} {tls_version} ... for the rulesets and the Received
 * header, the STARTTLS=server log line, the tls_client ruleset, and the
 * reset afterwards: EHLO again, and nothing the client sent in the
 * clear behind STARTTLS is ever read as a command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "smtpd_int.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "tls/tls.h"

/* The macros a handshake sets; cleared when a session starts. */
static const char *const tls_macros[] = {
	"{tls_version}", "{cipher}", "{cipher_bits}", "{alg_bits}",
	"{cert_subject}", "{cert_issuer}", "{cn_subject}", "{cn_issuer}",
	NULL
};

/* The context of this process: loaded at the first need, kept. */
static struct {
	int			 tried;
	struct ssl_ctx_st	*ctx;
	int			 request_cert;
} srv;

static const char *
opt(struct cf *cf, const char *name)
{
	const char *v = cf_option_value(cf, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* The server context, or NULL when the cf has none to offer. */
static struct ssl_ctx_st *
server_ctx(struct cf *cf)
{
	struct tls_cfg c;
	struct err err;
	const char *v;

	if (srv.tried)
		return srv.ctx;
	srv.tried = 1;
	memset(&c, 0, sizeof(c));
	c.cert_file = opt(cf, "ServerCertFile");
	c.key_file = opt(cf, "ServerKeyFile");
	if (c.cert_file == NULL || c.key_file == NULL)
		return NULL;
	if (access(c.cert_file, R_OK) == -1 || access(c.key_file, R_OK)
	    == -1) {
		log_msg(LOG_WARNING, NULL, "STARTTLS=server: file %s or %s "
		    "unreadable", c.cert_file, c.key_file);
		return NULL;
	}
	c.ca_file = opt(cf, "CACertFile");
	c.ca_path = opt(cf, "CACertPath");
	c.ciphers = opt(cf, "CipherList");
	c.ssl_options = opt(cf, "ServerSSLOptions");
	c.dh_params = opt(cf, "DHParameters");
	c.crl_file = opt(cf, "CRLFile");
	/* TLSSrvOptions V: do not ask clients for a certificate */
	v = opt(cf, "TLSSrvOptions");
	c.request_cert = v == NULL || strchr(v, 'V') == NULL;
	srv.request_cert = c.request_cert;
	if ((srv.ctx = tls_ctx_server(&c, &err)) == NULL)
		log_msg(LOG_WARNING, NULL, "STARTTLS=server, error: %s",
		    err.msg);
	return srv.ctx;
}

int
smtpd_tls_preload(struct cf *cf)
{
	return server_ctx(cf) != NULL ? 0 : -1;
}

/* srv_features' word for this client: 'S' no STARTTLS, 'V' no client
 * certificate request (upper case turns a feature off). */
static void
features(struct session *s)
{
	const struct smtpd_peer *p = s->peer;
	char *v = NULL;

	if (!cf_has_ruleset(s->cf, "srv_features"))
		return;
	(void)cf_rscheck_value(s->cf, "srv_features", p->addr ? p->name :
	    "localhost", p->addr ? (p->cf_addr ? p->cf_addr : p->addr) : "",
	    NULL, &v);
	clear_cf_error(s);
	if (v != NULL && strchr(v, 'S') != NULL)
		s->tls_nooffer = 1;
	if (v != NULL && strchr(v, 'V') != NULL)
		s->tls_noverify = 1;
	free(v);
}

void
smtpd_tls_session_start(struct session *s)
{
	size_t i;

	for (i = 0; tls_macros[i] != NULL; i++)
		cf_macro_define(s->cf, tls_macros[i], NULL);
	cf_macro_define(s->cf, "{verify}", "NONE");
	if (s->ctx->bs)
		return;
	features(s);
	if (!s->tls_nooffer)
		(void)server_ctx(s->cf);
}

int
smtpd_tls_offer(struct session *s)
{
	return !s->ctx->bs && !s->tls_active && !s->tls_nooffer &&
	    server_ctx(s->cf) != NULL;
}

static void
define_info(struct session *s, const struct tls_info *ti)
{
	struct cf *cf = s->cf;
	char n[16];

	cf_macro_define(cf, "{tls_version}", ti->version);
	cf_macro_define(cf, "{cipher}", ti->cipher);
	(void)snprintf(n, sizeof(n), "%d", ti->bits);
	cf_macro_define(cf, "{cipher_bits}", n);
	(void)snprintf(n, sizeof(n), "%d", ti->alg_bits);
	cf_macro_define(cf, "{alg_bits}", n);
	cf_macro_define(cf, "{verify}", ti->verify);
	cf_macro_define(cf, "{cert_subject}", ti->subject);
	cf_macro_define(cf, "{cert_issuer}", ti->issuer);
	cf_macro_define(cf, "{cn_subject}", ti->cn_subject);
	cf_macro_define(cf, "{cn_issuer}", ti->cn_issuer);
}

/*
 * The handshake on the client's socket, then the macros, the log line
 * and tls_client; -1 when it failed (the session ends without a word,
 * as sendmail's does).
 */
static int
handshake(struct session *s)
{
	struct tls_info ti;
	struct err err;
	int asked = srv.request_cert && !s->tls_noverify;

	/* what came in the clear after STARTTLS is dropped unread */
	s->ioff = s->ilen = 0;
	if (tls_io_accept(&s->io, srv.ctx, asked ? 0 : TLS_IO_NO_CERT_REQUEST,
	    s->tls_timeout > 0 &&
	    s->tls_timeout < 2000000 ? (int)(s->tls_timeout * 1000) : -1,
	    &err) == -1) {
		log_plain(LOG_WARNING, "STARTTLS=server, error: %s, "
		    "relay=%.100s", err.msg, s->relay);
		return -1;
	}
	s->tls_active = 1;
	tls_info_get(s->io.ssl, asked, &ti);
	define_info(s, &ti);
	/* sendmail writes it without a queue id */
	log_plain(LOG_INFO, "STARTTLS=server, relay=%.100s, "
	    "version=%.16s, verify=%.16s, cipher=%.64s, bits=%d/%d",
	    s->relay, ti.version, ti.verify, ti.cipher, ti.bits,
	    ti.alg_bits);
	smtpd_auth_tls(s, ti.bits);
	tls_info_free(&ti);
	clear_cf_error(s);
	if (cf_rscheck(s->cf, "tls_client", cf_macro_value(s->cf, "{verify}"),
	    "STARTTLS", NULL) != CF_ACCEPT) {
		s->nullserver = 1;
		free(s->nullreply);
		s->nullreply = xstrdup(s->err.len > 0 ? buf_cstr(&s->err) :
		    "503 5.7.0 Authentication required.");
		clear_cf_error(s);
	}
	/* a new start: the client must introduce itself again */
	s->helo = 0;
	s->esmtp = 0;
	cf_macro_define(s->cf, "s", NULL);
	session_reset_tx(s);
	return 0;
}

int
smtpd_tls_smtps(struct session *s)
{
	if (server_ctx(s->cf) == NULL) {
		log_msg(LOG_WARNING, NULL, "STARTTLS=server, error: SMTPS "
		    "port without a certificate, relay=%.100s", s->relay);
		return -1;
	}
	s->tls_nooffer = 1;
	return handshake(s);
}

/* A refusal; like sendmail's, its text stays the envelope's message
 * (the qf's M line) unless one is there already. */
static void
refuse(struct session *s, const char *code, const char *text)
{
	reply(s, "%s %s", code, text);
	if (s->msg.message == NULL)
		s->msg.message = xstrdup(text);
}

void
cmd_starttls(struct session *s, const char *arg)
{
	if (*arg != '\0') {
		refuse(s, "501 5.5.2", "Syntax error (no parameters allowed)");
		return;
	}
	if (!smtpd_tls_offer(s)) {
		refuse(s, "454 4.3.3", "TLS not available after start");
		return;
	}
	if (s->has_mail) {
		refuse(s, "503 5.5.0", "TLS not permitted during a mail "
		    "transaction");
		return;
	}
	reply(s, "220 2.0.0 Ready to start TLS");
	if (session_flush(s) == -1 || handshake(s) == -1)
		s->quit = 1;
}
