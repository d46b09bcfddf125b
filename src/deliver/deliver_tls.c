/*
 * deliver_tls.c -- STARTTLS for the SMTP mailers as the cf sets it up:
 * the client context from ClientCertFile, ClientKeyFile (both optional),
 * CACertFile, CACertPath, CipherList, ClientSSLOptions and CRLFile,
 * made once per process; TLSFallbacktoClear; and the policy rulesets
 * try_tls (may this server be asked?) and tls_server (is what the
 * handshake gave enough?) run with {server_name} {server_addr} {verify}
 * {tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}
 * defined, their refusal text kept for the envelope's outcome.
 */
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "deliver.h"
#include "smtpc.h"
#include "lib/log.h"
#include "lib/str.h"

static struct {
	int			 tried;
	struct ssl_ctx_st	*ctx;
} clt;

static const char *
opt(struct cf *cf, const char *name)
{
	const char *v = cf_option_value(cf, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static struct ssl_ctx_st *
client_ctx(struct cf *cf)
{
	struct tls_cfg c;
	struct err err;

	if (clt.tried)
		return clt.ctx;
	clt.tried = 1;
	memset(&c, 0, sizeof(c));
	c.cert_file = opt(cf, "ClientCertFile");
	c.key_file = opt(cf, "ClientKeyFile");
	if (c.cert_file == NULL || c.key_file == NULL ||
	    access(c.cert_file, R_OK) == -1 || access(c.key_file, R_OK) == -1)
		c.cert_file = c.key_file = NULL;	/* no certificate */
	c.ca_file = opt(cf, "CACertFile");
	c.ca_path = opt(cf, "CACertPath");
	c.ciphers = opt(cf, "CipherList");
	c.ssl_options = opt(cf, "ClientSSLOptions");
	c.crl_file = opt(cf, "CRLFile");
	if ((clt.ctx = tls_ctx_client(&c, &err)) == NULL)
		log_msg(LOG_WARNING, NULL, "STARTTLS=client, error: %s",
		    err.msg);
	return clt.ctx;
}

void
dlv_tls_preload(struct cf *cf)
{
	(void)client_ctx(cf);
}

/* The first error a policy ruleset gives while it runs. */
static void
keep_error(void *arg, int kind, const char *to, const char *text)
{
	struct buf *b = arg;

	(void)to;
	if (kind != CF_ERR_NOTE && b->len == 0)
		(void)buf_adds(b, text);
}

/* Runs ruleset over arg with the server's macros; 0 accept, -1 not. */
static int
policy(struct cf *cf, const char *ruleset, const char *arg,
    struct buf *reply)
{
	cf_errfn *fn;
	void *farg;
	enum cf_verdict v;

	if (!cf_has_ruleset(cf, ruleset))
		return 0;
	cf_get_errfn(cf, &fn, &farg);
	cf_set_errfn(cf, keep_error, reply);
	v = cf_rscheck(cf, ruleset, arg, NULL, NULL);
	cf_set_errfn(cf, fn, farg);
	return v == CF_ACCEPT ? 0 : -1;
}

static void
server_macros(struct cf *cf, const char *host, const char *addr)
{
	cf_macro_define(cf, "{server_name}", host);
	cf_macro_define(cf, "{server_addr}", addr);
}

static int
try_tls(void *arg, const char *host, const char *addr)
{
	struct cf *cf = arg;
	struct buf reply;
	int rc;

	buf_init(&reply, 0);
	server_macros(cf, host, addr);
	rc = policy(cf, "try_tls", host, &reply);
	buf_free(&reply);
	return rc;
}

static int
tls_server(void *arg, const char *host, const char *addr,
    const char *verify, const struct tls_info *ti, struct buf *reply_out)
{
	struct cf *cf = arg;
	char n[16];

	server_macros(cf, host, addr);
	cf_macro_define(cf, "{verify}", verify);
	cf_macro_define(cf, "{tls_version}", ti ? ti->version : NULL);
	cf_macro_define(cf, "{cipher}", ti ? ti->cipher : NULL);
	(void)snprintf(n, sizeof(n), "%d", ti ? ti->bits : 0);
	cf_macro_define(cf, "{cipher_bits}", ti ? n : NULL);
	cf_macro_define(cf, "{cert_subject}", ti ? ti->subject : NULL);
	cf_macro_define(cf, "{cert_issuer}", ti ? ti->issuer : NULL);
	cf_macro_define(cf, "{cn_subject}", ti ? ti->cn_subject : NULL);
	cf_macro_define(cf, "{cn_issuer}", ti ? ti->cn_issuer : NULL);
	return policy(cf, "tls_server", verify, reply_out);
}

void
dlv_tls_setup(struct cf *cf, struct smtpc_tls *out)
{
	const char *fb = cf_option_value(cf, "TLSFallbacktoClear");

	memset(out, 0, sizeof(*out));
	out->ctx = client_ctx(cf);
	out->fallback_clear = fb != NULL && (*fb == '\0' ||
	    strchr("TtYy1", *fb) != NULL);
	out->try_tls = try_tls;
	out->tls_server = tls_server;
	out->arg = cf;
}
