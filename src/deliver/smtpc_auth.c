/*
 * smtpc_auth.c -- SMTP AUTH (RFC 4954) in the SMTP client through Cyrus
 * SASL, as sendmail 8.17's usersmtp.c does it: after the last EHLO,
 * when the server lists AUTH and the caller's authinfo (the cf's
 * authinfo ruleset: AuthInfo: entries of the access or authinfo map)
 * has credentials for it, the mechanisms both sides allow (the server's,
 * and the entry's M: list or else AuthMechanisms) are handed to the
 * library, which picks one; PLAIN and LOGIN only under TLS unless the
 * entry names them.  The exchange with its 334 challenges; 235 is
 * success (AUTH=client log line), a 4xx defers the delivery, a refused
 * mechanism is struck off and the library picks again, and when none
 * is left the message goes on without AUTH, as sendmail does.  Also the parser of the
 * authinfo value ("U:user" "I:authid" "P:secret" "R:realm" "M:mechs").
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <sasl/sasl.h>

#include "deliver/smtpc.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "smtp/smtp.h"

/* sendmail's list when AuthMechanisms is not set */
#define DEFAULT_MECHS	"EXTERNAL GSSAPI KERBEROS_V4 DIGEST-MD5 CRAM-MD5"
#define CHALLENGE_MAX	12288	/* decoded bytes of one 334 challenge */

static const char *const mech_names[] = {
	"EXTERNAL", "GSSAPI", "KERBEROS_V4", "DIGEST-MD5", "CRAM-MD5",
	"LOGIN", "PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "NTLM", "OTP",
	"ANONYMOUS", "GS2-KRB5", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS",
	NULL
};

unsigned
smtpc_mech_bits(const char *list, size_t len)
{
	const char *p = list, *end = list + len;
	unsigned bits = 0;
	size_t n, i;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		for (n = 0; p + n < end && p[n] != ' ' && p[n] != '\t' &&
		    p[n] != ','; n++)
			continue;
		for (i = 0; n > 0 && mech_names[i] != NULL; i++)
			if (strlen(mech_names[i]) == n &&
			    str_ncasecmp(p, mech_names[i], n) == 0)
				bits |= 1u << i;
		p += n;
	}
	return bits;
}

/* The names of bits, space separated, into out. */
static void
mech_list(unsigned bits, struct buf *out)
{
	size_t i;

	for (i = 0; mech_names[i] != NULL; i++)
		if (bits & (1u << i)) {
			if (out->len > 0)
				(void)buf_addc(out, ' ');
			(void)buf_adds(out, mech_names[i]);
		}
}

void
smtpc_authinfo_free(struct smtpc_authinfo *a)
{
	if (a == NULL)
		return;
	free(a->user);
	free(a->authid);
	if (a->pass != NULL)
		explicit_bzero(a->pass, strlen(a->pass));
	free(a->pass);
	free(a->secret);
	free(a->realm);
	free(a->mechs);
	memset(a, 0, sizeof(*a));
}

/* One "X:value" or "X=base64" item; -1 when malformed. */
static int
item(const char *p, size_t n, struct smtpc_authinfo *a)
{
	char **slot;
	struct buf v;

	if (n < 2 || (p[1] != ':' && p[1] != '='))
		return -1;
	switch (p[0]) {
	case 'U':
		slot = &a->user;
		break;
	case 'I':
		slot = &a->authid;
		break;
	case 'P':
		slot = &a->pass;
		break;
	case 'R':
		slot = &a->realm;
		break;
	case 'M':
		slot = &a->mechs;
		break;
	default:
		return -1;
	}
	buf_init(&v, 0);
	if (p[1] == '=') {
		if (base64_decode(p + 2, n - 2, &v) == -1 ||
		    memchr(v.data, '\0', v.len) != NULL) {
			buf_free(&v);
			return -1;
		}
	} else
		(void)buf_add(&v, p + 2, n - 2);
	free(*slot);
	*slot = buf_steal(&v);
	return 0;
}

int
smtpc_authinfo_parse(const char *v, struct smtpc_authinfo *out)
{
	const char *p = v, *q;
	size_t n;

	memset(out, 0, sizeof(*out));
	while (p != NULL && *p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (*p == '"') {
			/* "X:value with blanks" */
			q = strchr(++p, '"');
			if (q == NULL)
				goto bad;
			n = (size_t)(q - p);
			q++;
		} else {
			n = strcspn(p, " \t");
			q = p + n;
		}
		if (item(p, n, out) == -1)
			goto bad;
		p = q;
	}
	/* each stands for the other; a secret is needed */
	if (out->user == NULL && out->authid != NULL)
		out->user = xstrdup(out->authid);
	if (out->authid == NULL && out->user != NULL)
		out->authid = xstrdup(out->user);
	if (out->authid == NULL || out->pass == NULL)
		goto bad;
	return 0;
bad:
	smtpc_authinfo_free(out);
	return -1;
}

/* ---- the library's callbacks, their context the credentials ---- */

static int
cb_simple(void *ctx, int id, const char **result, unsigned *len)
{
	const struct smtpc_authinfo *a = ctx;
	const char *v;

	if (id == SASL_CB_USER)
		v = a->user;
	else if (id == SASL_CB_AUTHNAME)
		v = a->authid;
	else
		return SASL_BADPARAM;
	if (v == NULL)
		return SASL_FAIL;
	*result = v;
	if (len != NULL)
		*len = (unsigned)strlen(v);
	return SASL_OK;
}

static int
cb_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **out)
{
	struct smtpc_authinfo *a = ctx;
	size_t n = strlen(a->pass);

	(void)conn;
	if (id != SASL_CB_PASS)
		return SASL_BADPARAM;
	if (a->secret == NULL) {
		a->secret = xcalloc(1, sizeof(sasl_secret_t) + n + 1);
		((sasl_secret_t *)a->secret)->len = (unsigned long)n;
		memcpy(((sasl_secret_t *)a->secret)->data, a->pass, n);
	}
	*out = a->secret;
	return SASL_OK;
}

static int
cb_realm(void *ctx, int id, const char **avail, const char **result)
{
	const struct smtpc_authinfo *a = ctx;

	if (id != SASL_CB_GETREALM)
		return SASL_BADPARAM;
	*result = a->realm != NULL ? a->realm : (avail != NULL ?
	    avail[0] : NULL);
	return SASL_OK;
}

typedef int (*sasl_fn)(void);

static int lib_state = -1;

static int
library(void)
{
	if (lib_state == -1)
		lib_state = sasl_client_init(NULL) == SASL_OK;
	return lib_state;
}

/* ---- the exchange ---- */

struct exch {
	struct smtpc_conn		*c;
	const struct smtpc_params	*p;
	struct smtpc_reply		*r;
	int				 secs;
};

/* Sends a line, reads the reply; -1 when the connection failed. */
static int
say(struct exch *x, const char *line)
{
	x->c->phase = "client AUTH";
	if (smtpc_conn_cmd(x->c, line, x->secs) != SMTPC_IO_OK ||
	    smtpc_conn_reply(x->c, x->r, x->secs) != SMTPC_IO_OK)
		return -1;
	return 0;
}

/*
 * The exchange once the library chose mech: 0 after 235, 1 when the
 * server refused (reply in x->r; a 4xx defers), -1 on a broken
 * connection or a library failure (cancelled with "*").
 */
static int
exchange(struct exch *x, sasl_conn_t *conn, const char *mech,
    const char *out, unsigned outlen)
{
	struct buf line, ch;
	int r, rc = -1;

	buf_init(&line, 0);
	buf_init(&ch, 0);
	(void)buf_printf(&line, "AUTH %s", mech);
	if (out != NULL) {
		(void)buf_addc(&line, ' ');
		if (outlen == 0)
			(void)buf_addc(&line, '=');
		else
			(void)base64_encode(out, outlen, &line);
	}
	for (;;) {
		if (say(x, buf_cstr(&line)) == -1)
			goto out;
		if (x->r->code != 334)
			break;
		buf_reset(&ch);
		if (smtp_sasl_decode(smtpc_reply_text(x->r),
		    strlen(smtpc_reply_text(x->r)), 0, CHALLENGE_MAX, &ch) !=
		    SMTP_SASL_DATA) {
			r = SASL_BADPROT;
		} else
			r = sasl_client_step(conn, ch.data != NULL ? ch.data :
			    "", (unsigned)ch.len, NULL, &out, &outlen);
		buf_reset(&line);
		if (r != SASL_OK && r != SASL_CONTINUE) {
			log_msg(LOG_WARNING, x->p->qid, "AUTH=client, relay="
			    "%.100s, sasl_client_step failed=%d", x->c->host,
			    r);
			/* give up the exchange; the connection stays */
			(void)say(x, "*");
			goto out;
		}
		(void)base64_encode(out, outlen, &line);
	}
	rc = x->r->code == 235 ? 0 : 1;
out:
	buf_free(&line);
	buf_free(&ch);
	return rc;
}

/* The library's connection for one attempt, or NULL. */
static sasl_conn_t *
conn_new(struct smtpc_conn *c, struct smtpc_authinfo *a,
    sasl_callback_t cbs[5])
{
	static const unsigned long ids[4] = { SASL_CB_USER, SASL_CB_AUTHNAME,
	    SASL_CB_PASS, SASL_CB_GETREALM };
	sasl_security_properties_t sp;
	sasl_conn_t *conn = NULL;
	sasl_ssf_t ext;
	size_t i;

	for (i = 0; i < 4; i++) {
		cbs[i].id = ids[i];
		cbs[i].context = a;
	}
	cbs[0].proc = cbs[1].proc = (sasl_fn)(void (*)(void))cb_simple;
	cbs[2].proc = (sasl_fn)(void (*)(void))cb_pass;
	cbs[3].proc = (sasl_fn)(void (*)(void))cb_realm;
	cbs[4].id = SASL_CB_LIST_END;
	cbs[4].proc = NULL;
	cbs[4].context = NULL;
	if (sasl_client_new("smtp", c->host, NULL, NULL, cbs, 0, &conn) !=
	    SASL_OK)
		return NULL;
	memset(&sp, 0, sizeof(sp));
	/* PLAIN and LOGIN in the clear only when the entry asks for them */
	if (!c->tls && a->mechs == NULL)
		sp.security_flags |= SASL_SEC_NOPLAINTEXT;
	sp.max_ssf = 0;		/* no security layer on the stream */
	(void)sasl_setprop(conn, SASL_SEC_PROPS, &sp);
	ext = c->tls ? (sasl_ssf_t)c->tls_bits : 0;
	(void)sasl_setprop(conn, SASL_SSF_EXTERNAL, &ext);
	return conn;
}

/*
 * One attempt with the mechanisms in bits: 0 authenticated, 1 refused
 * (*used_out: the mechanism's bit), 2 nothing to try, 3 the delivery
 * must wait (res set), -1 give up AUTH.
 */
static int
attempt(struct exch *x, struct smtpc_authinfo *a, unsigned bits,
    unsigned *used_out, struct smtpc_result *res)
{
	struct smtpc_conn *c = x->c;
	const struct smtpc_params *p = x->p;
	struct smtpc_reply *r = x->r;
	sasl_callback_t cbs[5];
	sasl_conn_t *conn;
	struct buf mechs;
	const char *out = NULL, *mech = NULL;
	const void *v;
	unsigned outlen = 0;
	int rc, ssf;

	*used_out = 0;
	buf_init(&mechs, 0);
	mech_list(bits, &mechs);
	if ((conn = conn_new(c, a, cbs)) == NULL) {
		buf_free(&mechs);
		return -1;
	}
	rc = sasl_client_start(conn, buf_cstr(&mechs), NULL, &out, &outlen,
	    &mech);
	if ((rc != SASL_OK && rc != SASL_CONTINUE) || mech == NULL) {
		log_msg(LOG_INFO, p->qid, "AUTH=client, available mechanisms="
		    "%.128s do not fulfill requirements", buf_cstr(&mechs));
		rc = 2;
		goto out;
	}
	*used_out = smtpc_mech_bits(mech, strlen(mech));
	switch (rc = exchange(x, conn, mech, out, outlen)) {
	case 0:
		c->authed = 1;
		ssf = 0;
		if (sasl_getprop(conn, SASL_SSF, &v) == SASL_OK && v != NULL)
			ssf = (int)*(const sasl_ssf_t *)v;
		log_msg(LOG_INFO, p->qid, "AUTH=client, relay=%.100s, "
		    "mech=%.16s, bits=%d", c->host, mech, ssf);
		break;
	case 1:
		log_msg(LOG_WARNING, p->qid, "AUTH=client, relay=%.100s, "
		    "mech=%.16s, %s", c->host, mech, r->first.data);
		if (r->code / 100 == 4) {
			smtpc_res_set(res, ERR_TEMPFAIL, r->enh[0] ? r->enh :
			    "4.7.0", r->first.data, "Deferred: %s",
			    r->first.data);
			rc = 3;
		}
		break;
	default:
		rc = -1;
		if (c->broken) {
			smtpc_res_set(res, ERR_TEMPFAIL, "4.4.2", NULL,
			    "Deferred: AUTH exchange failed");
			rc = 3;
		}
		break;
	}
out:
	sasl_dispose(&conn);
	buf_free(&mechs);
	return rc;
}

enum smtpc_auth_step
smtpc_auth_start(struct smtpc_conn *c, const struct smtpc_params *p,
    struct smtpc_reply *r, struct smtpc_result *res)
{
	struct smtpc_authinfo a;
	struct exch x;
	const char *mine;
	unsigned bits, used;
	char *info;
	int rc;

	if (p->auth == NULL || p->auth->authinfo == NULL || c->authed ||
	    !(c->ext.flags & SMTPC_EXT_AUTH) || !library())
		return SMTPC_AUTH_NONE;
	info = p->auth->authinfo(p->auth->arg, c->host, c->addr);
	if (info == NULL)
		return SMTPC_AUTH_NONE;
	rc = smtpc_authinfo_parse(info, &a);
	free(info);
	if (rc == -1) {
		log_msg(LOG_WARNING, p->qid, "AUTH=client, relay=%.100s, "
		    "unusable AuthInfo entry", c->host);
		return SMTPC_AUTH_NONE;
	}
	mine = a.mechs != NULL ? a.mechs : p->auth->mechs;
	if (mine == NULL)
		mine = DEFAULT_MECHS;
	bits = c->ext.auth_mechs & smtpc_mech_bits(mine, strlen(mine));
	x.c = c;
	x.p = p;
	x.r = r;
	x.secs = smtpc_tmo(&p->to, SMTPC_TO_HELO);
	/* a refused mechanism is struck off, the library picks again */
	rc = 2;
	while (bits != 0 && (rc = attempt(&x, &a, bits, &used, res)) == 1 &&
	    (bits & used) != 0)
		bits &= ~used;
	smtpc_authinfo_free(&a);
	return rc == 3 ? SMTPC_AUTH_TEMP : SMTPC_AUTH_NONE;
}
