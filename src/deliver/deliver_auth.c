/*
 * deliver_auth.c -- SMTP AUTH for the SMTP mailers as the cf sets it
 * up: credentials for a server from the cf's authinfo ruleset (run with
 * {server_name} and {server_addr} defined; FEATURE(authinfo) or the
 * access map's AuthInfo: entries), AuthMechanisms, the message's AUTH=
 * value (the qf's A line) and AuthOptions A (send it only after AUTH).
 */
#include <stdlib.h>
#include <string.h>

#include "deliver.h"
#include "smtpc.h"

static char *
authinfo(void *arg, const char *host, const char *addr)
{
	struct cf *cf = arg;
	cf_errfn *fn;
	void *farg;
	char *words = NULL;
	enum cf_verdict v;

	if (!cf_has_ruleset(cf, "authinfo"))
		return NULL;
	cf_macro_define(cf, "{server_name}", host);
	cf_macro_define(cf, "{server_addr}", addr);
	/* an error in the ruleset is no reply of ours: said nowhere */
	cf_get_errfn(cf, &fn, &farg);
	cf_set_errfn(cf, NULL, NULL);
	v = cf_rscheck_words(cf, "authinfo", host, &words);
	cf_set_errfn(cf, fn, farg);
	if (v != CF_ACCEPT) {
		free(words);
		return NULL;
	}
	return words;
}

void
dlv_auth_setup(struct cf *cf, const char *auth_param, struct smtpc_auth *out)
{
	const char *o = cf_option_value(cf, "AuthOptions");
	const char *m = cf_option_value(cf, "AuthMechanisms");

	memset(out, 0, sizeof(*out));
	out->authinfo = authinfo;
	out->arg = cf;
	out->mechs = m != NULL && *m != '\0' ? m : NULL;
	out->auth_param = auth_param;
	out->only_authed = o != NULL && strchr(o, 'A') != NULL;
}
