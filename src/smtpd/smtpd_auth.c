/*
 * smtpd_auth.c -- SMTP AUTH (RFC 4954) in the server through Cyrus SASL,
 * as sendmail 8.17 offers it: the library set up once per process under
 * the application name "Sendmail" (so /etc/sasl2/Sendmail.conf, or the
 * folder SASL_CONF_PATH names), one SASL connection per session (made
 * again after STARTTLS with the cipher's strength as external SSF), the
 * EHLO keyword listing the mechanisms both the library and AuthMechanisms
 * allow under AuthOptions' security flags, the AUTH command's exchange
 * with its replies and log lines, the macros {auth_type} {auth_authen}
 * {auth_author} {auth_ssf} for the rulesets (TrustAuthMech relaying, the
 * Received header), and MAIL's AUTH= parameter through trust_auth.
 * Owns struct smtpd_auth, hung from the session.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sasl/sasl.h>

#include "smtpd_authwire.h"
#include "smtpd_daemon.h"
#include "smtpd_int.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

/* sendmail's list when AuthMechanisms is not set */
#define DEFAULT_MECHS	"EXTERNAL GSSAPI KERBEROS_V4 DIGEST-MD5 CRAM-MD5"
#define RESP_MAX	12288	/* decoded bytes of one client response */
#define FAIL_DELAY_MAX	8	/* seconds */

struct smtpd_auth {
	sasl_conn_t	*conn;
	char		*mechs;		/* offered, space separated; NULL none */
	unsigned	 nmechs;
	int		 done;		/* authenticated */
	unsigned	 nauth;		/* AUTH commands */
	unsigned	 nfail;		/* failed exchanges */
	unsigned	 ssf_ext;	/* TLS cipher bits, 0 in the clear */
	char		*ext_id;	/* verified client certificate subject */
	char		*remote;	/* "ip;port" for the library, or NULL */
	const char	*realm;		/* AuthRealm, or NULL */
	unsigned	 secflags;	/* AuthOptions' */
	struct buf	 wire;		/* the writer's last answer */
};

static const char *const auth_macros[] = {
	"{auth_type}", "{auth_authen}", "{auth_author}", "{auth_ssf}", NULL
};

/* -1 not tried, 0 failed, 1 ready: once per process. */
static int sasl_state = -1;

static int
getconfpath(void *ctx, const char **path)
{
	const char *p = getenv("SASL_CONF_PATH");

	(void)ctx;
	if (p == NULL || *p == '\0' || getuid() != geteuid())
		return SASL_FAIL;
	*path = p;
	return SASL_OK;
}

static int
saslog(void *ctx, int level, const char *message)
{
	(void)ctx;
	if (level <= SASL_LOG_ERR && message != NULL)
		log_msg(LOG_WARNING, NULL, "AUTH: %s", message);
	return SASL_OK;
}

static sasl_callback_t callbacks[] = {
	{ SASL_CB_LOG, (int (*)(void))(void (*)(void))saslog, NULL },
	{ SASL_CB_GETCONFPATH, (int (*)(void))(void (*)(void))getconfpath,
	    NULL },
	{ SASL_CB_LIST_END, NULL, NULL }
};

static int
library(void)
{
	int r;

	if (sasl_state != -1)
		return sasl_state;
	if (getenv("SASL_CONF_PATH") == NULL || getuid() != geteuid())
		callbacks[1].id = SASL_CB_LIST_END;
	r = sasl_server_init(callbacks, "Sendmail");
	sasl_state = r == SASL_OK;
	if (r != SASL_OK)
		log_msg(LOG_WARNING, NULL, "AUTH error: sasl_server_init "
		    "failed=%d", r);
	return sasl_state;
}

void
smtpd_auth_preload(void)
{
	(void)library();
}

/* AuthOptions' letters as SASL security flags (A is the client's; c, d,
 * f, m ask the library for more; u, T and unknown ones are accepted). */
static unsigned
secflags(const char *v)
{
	unsigned f = 0;

	for (; v != NULL && *v != '\0'; v++)
		switch (*v) {
		case 'a':
			f |= SASL_SEC_NOACTIVE;
			break;
		case 'c':
			f |= SASL_SEC_PASS_CREDENTIALS;
			break;
		case 'd':
			f |= SASL_SEC_NODICTIONARY;
			break;
		case 'f':
			f |= SASL_SEC_FORWARD_SECRECY;
			break;
		case 'm':
			f |= SASL_SEC_MUTUAL_AUTH;
			break;
		case 'p':
			f |= SASL_SEC_NOPLAINTEXT;
			break;
		case 'y':
			f |= SASL_SEC_NOANONYMOUS;
			break;
		default:
			break;
		}
	return f;
}

/* 1 if word is in the blank or comma separated list (no case). */
static int
in_list(const char *list, const char *word, size_t wlen)
{
	const char *p = list;
	size_t n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == wlen && n > 0 && str_ncasecmp(p, word, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}

/* The mechanisms of AuthMechanisms the SASL connection allows, in
 * AuthMechanisms' order, as sendmail lists them. */
static void
offer(struct session *s, struct smtpd_auth *a)
{
	const char *want = cf_option_value(s->cf, "AuthMechanisms");
	const char *list, *p;
	unsigned len, count;
	int n;
	struct buf b;
	size_t w;

	free(a->mechs);
	a->mechs = NULL;
	a->nmechs = 0;
	if (want == NULL)
		want = DEFAULT_MECHS;
	if (sasl_listmech(a->conn, NULL, "", " ", "", &list, &len, &n) !=
	    SASL_OK || list == NULL)
		return;
	buf_init(&b, 0);
	count = 0;
	for (p = want; *p != '\0'; p += w) {
		p += strspn(p, " \t,");
		w = strcspn(p, " \t,");
		if (w == 0 || !in_list(list, p, w) || (b.len > 0 &&
		    in_list(buf_cstr(&b), p, w)))
			continue;
		if (b.len > 0)
			(void)buf_addc(&b, ' ');
		(void)buf_add(&b, p, w);
		count++;
	}
	if (count > 0) {
		a->mechs = buf_steal(&b);
		a->nmechs = count;
	}
	buf_free(&b);
}

/* "ip;port" as the library wants the client's address; NULL if long */
static char *
peer_ipport(const char *addr, const char *port)
{
	struct buf b;

	buf_init(&b, 127);
	if (buf_printf(&b, "%s;%s", addr, port != NULL ? port : "0") == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* A new SASL connection for the session (at its start, after TLS). */
static void
conn_new(struct session *s, struct smtpd_auth *a)
{
	const char *realm = cf_option_value(s->cf, "AuthRealm");

	free(a->mechs);
	a->mechs = NULL;
	a->nmechs = 0;
	free(a->remote);
	a->remote = NULL;
	if (s->peer->addr != NULL)
		a->remote = peer_ipport(s->peer->addr, s->peer->port);
	a->realm = realm != NULL && *realm ? realm : NULL;
	a->secflags = secflags(cf_option_value(s->cf, "AuthOptions"));
	if (smtpd_sasl_new(&a->conn, jname(s), a->realm, a->remote,
	    a->secflags, a->ssf_ext, a->ext_id) == -1)
		return;
	offer(s, a);
}

/*
 * One call of the exchange: here, or by the root queue writer when this
 * worker gave root up (it holds its own connection, made by the start
 * with this one's properties).
 */
static void
run(struct session *s, struct smtpd_auth *a, struct authwire_req *q,
    struct authwire_rep *r)
{
	if (q->op == AW_START) {
		q->fqdn = jname(s);
		q->realm = a->realm;
		q->remote = a->remote;
		q->ext_id = a->ext_id;
		q->secflags = a->secflags;
		q->ssf_ext = a->ssf_ext;
	}
	if (smtpd_privsep_on())
		smtpd_authsep_call(s, q, r, &a->wire);
	else
		smtpd_sasl_run(&a->conn, q, r);
}

void
smtpd_auth_session_start(struct session *s)
{
	size_t i;

	for (i = 0; auth_macros[i] != NULL; i++)
		cf_macro_define(s->cf, auth_macros[i], NULL);
	/* M=A: no AUTH on this port */
	if (port_flag(s, 'A') || !library())
		return;
	s->auth = xcalloc(1, sizeof(*s->auth));
	buf_init(&s->auth->wire, 0);
	conn_new(s, s->auth);
}

void
smtpd_auth_tls(struct session *s, int bits)
{
	struct smtpd_auth *a = s->auth;
	const char *v = cf_macro_value(s->cf, "{verify}");
	const char *subj = cf_macro_value(s->cf, "{cert_subject}");

	if (a == NULL || a->done)
		return;
	a->ssf_ext = bits > 0 ? (unsigned)bits : 0;
	free(a->ext_id);
	a->ext_id = v != NULL && strcmp(v, "OK") == 0 && subj != NULL &&
	    *subj != '\0' ? xstrdup(subj) : NULL;
	conn_new(s, a);
}

const char *
smtpd_auth_offer(struct session *s)
{
	/* still listed after AUTH, as sendmail does */
	return s->auth != NULL ? s->auth->mechs : NULL;
}

int
smtpd_auth_done(struct session *s)
{
	return s->auth != NULL && s->auth->done;
}

const char *
smtpd_auth_protocol(struct session *s, int esmtp)
{
	int a = smtpd_auth_done(s);

	if (!esmtp)
		return "SMTP";
	if (s->tls_active)
		return a ? "ESMTPSA" : "ESMTPS";
	return a ? "ESMTPA" : "ESMTP";
}

void
smtpd_auth_session_end(struct session *s)
{
	struct smtpd_auth *a = s->auth;

	if (a == NULL)
		return;
	if (a->conn != NULL)
		sasl_dispose(&a->conn);
	free(a->mechs);
	free(a->ext_id);
	free(a->remote);
	buf_free(&a->wire);
	free(a);
	s->auth = NULL;
}

/* The failed exchange: reply, log line, count, delay. */
static void
failed(struct session *s, const char *mech, const struct authwire_rep *res)
{
	struct smtpd_auth *a = s->auth;
	const char *detail = res->detail, *user = res->user;
	int r = res->rc;
	unsigned d;

	reply(s, "535 5.7.0 authentication failed");
	log_msg(LOG_NOTICE, session_id(s), "AUTH failure (%.16s): %s (%d) "
	    "%s%s%.128s, relay=%.100s", mech, sasl_errstring(r, NULL, NULL),
	    r, detail != NULL ? detail : "", user != NULL ? ", user=" : "",
	    user != NULL ? user : "", s->relay);
	a->nfail++;
	/* each failure after the first costs more time, as a guesser's */
	if (a->nfail > 1) {
		d = a->nfail - 1 >= 4 ? FAIL_DELAY_MAX : 1u << (a->nfail - 2);
		(void)session_flush(s);
		(void)sleep(d > FAIL_DELAY_MAX ? FAIL_DELAY_MAX : d);
	}
	conn_new(s, a);
}

/* Authenticated: macros, log line, the protocol word, a new start. */
static void
succeeded(struct session *s, const char *mech, const struct authwire_rep *res)
{
	struct smtpd_auth *a = s->auth;
	const char *user = res->user, *r;
	unsigned ssf = res->ssf;
	struct buf x;
	char n[16];

	buf_init(&x, 0);
	(void)smtp_xtext_encode(user != NULL ? user : "", &x);
	cf_macro_define(s->cf, "{auth_type}", mech);
	cf_macro_define(s->cf, "{auth_authen}", buf_cstr(&x));
	cf_macro_define(s->cf, "{auth_author}", NULL);
	(void)snprintf(n, sizeof(n), "%u", ssf);
	cf_macro_define(s->cf, "{auth_ssf}", n);
	a->done = 1;
	reply(s, "235 2.0.0 OK Authenticated");
	/* the identity as {auth_authen} has it, xtext ("CN+3Dalice") */
	log_plain(LOG_INFO, "AUTH=server, relay=%.100s, authid=%.128s, "
	    "mech=%.16s, bits=%u", s->relay, buf_cstr(&x), mech, ssf);
	buf_free(&x);
	/* RFC 3848: the protocol word of the Received header says so */
	r = cf_macro_value(s->cf, "r");
	if (r != NULL && strncmp(r, "ESMTP", 5) == 0)
		cf_macro_define(s->cf, "r", smtpd_auth_protocol(s, 1));
	session_reset_tx(s);
}

/*
 * The exchange after sasl_server_start: 334 challenges and the client's
 * lines until the library decides or the client gives up.
 */
static void
exchange(struct session *s, const char *mech, struct authwire_rep *res)
{
	struct smtpd_auth *a = s->auth;
	struct authwire_req q;
	struct buf ch, in;
	char *line;
	size_t len;
	long saved = s->cmd_timeout;

	buf_init(&ch, 0);
	buf_init(&in, 0);
	s->cmd_timeout = cf_time_option(s->cf, "Timeout.auth", 600);
	while (res->rc == SASL_CONTINUE) {
		buf_reset(&ch);
		(void)base64_encode(res->out, res->outlen, &ch);
		reply(s, "334 %s", buf_cstr(&ch));
		if ((line = session_getline(s, &len)) == NULL) {
			s->laststate = "AUTH";
			goto out;
		}
		buf_reset(&in);
		switch (smtp_sasl_decode(line, len, 0, RESP_MAX, &in)) {
		case SMTP_SASL_CANCEL:
			reply(s, "501 5.0.0 AUTH aborted");
			conn_new(s, a);
			goto out;
		case SMTP_SASL_BAD:
			reply(s, "501 5.5.4 cannot decode AUTH parameter %.*s",
			    (int)(len > 100 ? 100 : len), line);
			conn_new(s, a);
			goto out;
		case SMTP_SASL_DATA:
			break;
		}
		memset(&q, 0, sizeof(q));
		q.op = AW_STEP;
		q.data = (const unsigned char *)in.data;
		q.len = in.len;
		run(s, a, &q, res);
	}
	if (res->rc == SASL_OK)
		succeeded(s, mech, res);
	else
		failed(s, mech, res);
out:
	s->cmd_timeout = saved;
	buf_free(&ch);
	buf_free(&in);
}

/* AUTH floods: after more tries than mechanisms, each waits longer. */
static void
attack_check(struct session *s)
{
	struct smtpd_auth *a = s->auth;
	unsigned max = a->nmechs + 1, d;

	if (++a->nauth < max)
		return;
	if (a->nauth == max)
		log_msg(LOG_INFO, session_id(s), "%s: possible "
		    "SMTP attack: command=AUTH, count=%u", s->relay, a->nauth);
	d = a->nauth - max >= 3 ? FAIL_DELAY_MAX : 1u << (a->nauth - max);
	(void)session_flush(s);
	(void)sleep(d);
}

void
cmd_auth(struct session *s, char *arg)
{
	struct smtpd_auth *a = s->auth;
	char *mech, *init, *p;
	struct authwire_req q;
	struct authwire_rep res;
	struct buf in;

	if (a == NULL || a->conn == NULL || a->nmechs == 0) {
		reply(s, "503 5.3.3 AUTH not available");
		return;
	}
	if (a->done) {
		reply(s, "503 5.5.0 Already Authenticated");
		/* the envelope's message (qf M line), as sendmail keeps it */
		if (s->msg.message == NULL)
			s->msg.message = xstrdup("Already Authenticated");
		return;
	}
	if (s->has_mail) {
		reply(s, "503 5.5.0 AUTH not permitted during a mail "
		    "transaction");
		return;
	}
	attack_check(s);
	if (smtp_auth_split(arg, &mech, &init) == -1) {
		reply(s, "501 5.5.2 AUTH mechanism must be specified");
		return;
	}
	if (!in_list(a->mechs, mech, strlen(mech))) {
		reply(s, "504 5.3.3 AUTH mechanism %.32s not available", mech);
		return;
	}
	for (p = mech; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	buf_init(&in, 0);
	if (init != NULL && smtp_sasl_decode(init, strlen(init), 1, RESP_MAX,
	    &in) != SMTP_SASL_DATA) {
		reply(s, "501 5.5.4 cannot BASE64 decode '%.100s'", init);
		log_msg(LOG_WARNING, session_id(s), "AUTH decode64 error [%d "
		    "for \"%.100s\"], relay=%.100s", SASL_BADPROT, init,
		    s->relay);
		buf_free(&in);
		return;
	}
	/* the exchange reads lines into the buffer mech points into */
	mech = xstrdup(mech);
	memset(&q, 0, sizeof(q));
	q.op = AW_START;
	q.mech = mech;
	q.has_data = init != NULL;
	q.data = (const unsigned char *)in.data;
	q.len = in.len;
	run(s, a, &q, &res);
	buf_free(&in);
	if (res.rc == SASL_CONTINUE || res.rc == SASL_OK)
		exchange(s, mech, &res);
	else
		failed(s, mech, &res);
	free(mech);
}

/*
 * MAIL's AUTH=<xtext>: kept (the qf's A line, {auth_author}) when the
 * client authenticated and trust_auth lets it speak for that address;
 * "<>" otherwise.  0, or -1 after the syntax reply.
 */
int
smtpd_auth_mail_param(struct session *s, const char *v, const char *from)
{
	char *dec;
	enum cf_verdict vd;

	if (v == NULL) {
		reply(s, "501 5.5.2 AUTH= requires a value");
		return -1;
	}
	dec = xstrdup(v);
	if (smtp_xtext_decode(dec) == -1) {
		free(dec);
		reply(s, "501 5.5.4 Syntax error in AUTH parameter value");
		return -1;
	}
	free(dec);
	free(s->msg.auth);
	s->msg.auth = xstrdup("<>");
	if (!smtpd_auth_done(s))
		return 0;
	cf_macro_define(s->cf, "{auth_author}", v);
	vd = cf_rscheck(s->cf, "trust_auth", v, NULL, from);
	if (vd == CF_ACCEPT) {
		free(s->msg.auth);
		s->msg.auth = xstrdup(v);
	} else {
		/* sendmail says so from LogLevel 10, with no id */
		if (s->loglevel > 9)
			log_plain(LOG_NOTICE, "ruleset=trust_auth, arg1=%s, "
			    "relay=%s, reject=%s", v, s->relay,
			    buf_cstr(&s->err));
		cf_macro_define(s->cf, "{auth_author}", NULL);
	}
	clear_cf_error(s);
	return 0;
}
