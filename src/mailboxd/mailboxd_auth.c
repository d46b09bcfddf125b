/*
 * mailboxd_auth.c -- the system functions src/auth calls through
 * auth_set_sys(): crypt_r(3) from libcrypt, digests from OpenSSL's
 * libcrypto, and PAM (authenticate, then account management) with a
 * conversation that answers password prompts.  Only mailboxd links
 * these libraries.
 */
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <security/pam_appl.h>

#include "mailboxd.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static int
sys_crypt(const char *plain, const char *setting, char *out, size_t cap)
{
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *h = crypt_r(plain, setting, cd);
	int rc = h == NULL || str_copy(out, h, cap) == -1 ? -1 : 0;

	free(cd);
	return rc;
}

static int
sys_digest(const char *name, const void *a, size_t an, const void *b,
    size_t bn, unsigned char *out, size_t cap)
{
	const EVP_MD *type = EVP_get_digestbyname(name);
	unsigned int len;
	EVP_MD_CTX *ctx;
	int ok;

	if (type == NULL || (size_t)EVP_MD_get_size(type) > cap ||
	    (ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, type, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, a, an) == 1 &&
	    (bn == 0 || EVP_DigestUpdate(ctx, b, bn) == 1) &&
	    EVP_DigestFinal_ex(ctx, out, &len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? (int)len : -1;
}

struct pam_pass {
	const char	*pass;
};

static int
pam_conv_cb(int n, const struct pam_message **msg,
    struct pam_response **resp_out, void *data)
{
	struct pam_pass *pp = data;
	struct pam_response *r;
	int i;

	if (n <= 0 || n > 32)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(pp->pass);
	*resp_out = r;
	return PAM_SUCCESS;
}

static enum auth_result
sys_pam(const char *svc, const char *user, const char *pass,
    struct err *err)
{
	struct pam_pass pp = { pass };
	struct pam_conv conv = { pam_conv_cb, &pp };
	pam_handle_t *ph;
	int rc;

	if (pam_start(svc, user, &conv, &ph) != PAM_SUCCESS) {
		err_set(err, ERR_TEMPFAIL, "pam_start(%s) failed", svc);
		return AUTH_TEMPFAIL;
	}
	rc = pam_authenticate(ph, PAM_SILENT);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(ph, PAM_SILENT);
	(void)pam_end(ph, rc);
	if (rc == PAM_SUCCESS)
		return AUTH_OK;
	if (rc == PAM_AUTH_ERR || rc == PAM_USER_UNKNOWN ||
	    rc == PAM_ACCT_EXPIRED || rc == PAM_PERM_DENIED ||
	    rc == PAM_NEW_AUTHTOK_REQD || rc == PAM_MAXTRIES ||
	    rc == PAM_CRED_INSUFFICIENT)
		return AUTH_FAILED;
	err_set(err, ERR_TEMPFAIL, "pam: %s", pam_strerror(NULL, rc));
	return AUTH_TEMPFAIL;
}

void
mbd_auth_init(void)
{
	static const struct auth_sys s = { sys_crypt, sys_digest, sys_pam };

	auth_set_sys(&s);
}
