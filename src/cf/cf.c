/*
 * cf.c -- the life of a struct cf: defaults sendmail has before any cf
 * line is read (built-in mailers, classes e n s, persistent macros), the
 * checks made after reading, and the map environment that lets maps
 * read and set macros.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/xalloc.h"
#include "version.h"

static const char *
env_macro_get(void *arg, const char *name)
{
	struct cf *cf = arg;
	int id = cf_macid_find(cf, name);

	return id < 0 ? NULL : cf_macvalue(cf, id);
}

static void
env_macro_set(void *arg, const char *name, const char *value)
{
	struct cf *cf = arg;
	const char *end;
	char *braced;
	int id;

	if (name[0] != '\0' && name[1] == '\0')
		id = (unsigned char)name[0];
	else {
		braced = xmalloc(strlen(name) + 3);
		braced[0] = '{';
		memcpy(braced + 1, name, strlen(name));
		braced[strlen(name) + 1] = '}';
		braced[strlen(name) + 2] = '\0';
		id = name[0] == '{' ? cf_macid(cf, name, &end) :
		    cf_macid(cf, braced, &end);
		free(braced);
	}
	cf_macdefine(cf, id, value);
}

static int
env_in_class(void *arg, const char *cls, const char *word)
{
	struct cf *cf = arg;
	int id = cf_macid_find(cf, cls);

	return id > 0 && cf_class_has(cf, id, word);
}

static void
env_message(void *arg, const char *text)
{
	struct cf *cf = arg;

	cf_message(cf, "%s", text);
}

/* A map's error sendmail reports with syserr (and exits 70 for). */
static void
env_syserr(void *arg, const char *text)
{
	cf_syserr(arg, "%s", text);
}

struct cf *
cf_new(void)
{
	struct cf *cf = xcalloc(1, sizeof(*cf));
	struct map_env env;
	static const char *const persistent[] = {
		"_", "r", "s", "{daemon_flags}", "{if_addr}", NULL
	};
	int i, id;
	const char *end;
	struct err err;

	cf->out = stdout;
	cf->nextmacid = CF_FIRSTLONGID;
	cf->nextruleset = CF_MAXRWSETS;
	cf->cur_rwset = -1;
	cf->spacesub = ' ';
	buf_init(&cf->linebuf, 0);
	memset(&env, 0, sizeof(env));
	env.arg = cf;
	env.macro_get = env_macro_get;
	env.macro_set = env_macro_set;
	env.in_class = env_in_class;
	env.message = env_message;
	env.syserr = env_syserr;
	cf->maps = map_set_new(&env);

	cf_macdefine(cf, 'v', MAILSYS_VERSION);
	cf_class_add(cf, 'e', "7bit");
	cf_class_add(cf, 'e', "8bit");
	cf_class_add(cf, 'e', "binary");
	cf_class_add(cf, 's', "rfc822");
	cf_class_add(cf, 'n', "multipart/signed");
	id = cf_macid(cf, "{persistentMacros}", &end);
	for (i = 0; persistent[i] != NULL; i++)
		cf_class_add(cf, id, persistent[i]);
	id = cf_macid(cf, "{checkMIMETextHeaders}", &end);
	cf_class_add(cf, id, "content-description");
	id = cf_macid(cf, "{checkMIMEFieldHeaders}", &end);
	cf_class_add(cf, id, "content-type");
	cf_class_add(cf, id, "content-disposition");
	id = cf_macid(cf, "{checkMIMEHeaders}", &end);
	cf_class_add(cf, id, "content-transfer-encoding");
	cf_class_add(cf, id, "content-type");
	cf_mailer_builtins(cf);
	/* $[ $] is the host map, with a trailing dot on success */
	(void)map_declare(cf->maps, "host", "host", "-a. -D", &err);
	return cf;
}

/*
 * What the maps take from the options: the file-safety exceptions
 * (the checks are on for every configuration), TrustedUser, the LDAP
 * defaults.
 */
static void
cf_map_settings(struct cf *cf)
{
	const char *v;
	unsigned dbs = 0;
	struct passwd *pw;
	struct err err;

	v = cf_opt(cf, "DontBlameSendmail");
	if (v != NULL && map_dontblame_parse(v, &dbs, &err) == -1)
		cf_syserr(cf, "%s", err.msg);
	map_set_dontblame(cf->maps, dbs);
	v = cf_opt(cf, "TrustedUser");
	if (v != NULL && (pw = getpwnam(v)) != NULL)
		map_set_trusted_uid(cf->maps, (long)pw->pw_uid);
	v = cf_opt(cf, "LDAPDefaultSpec");
	if (v != NULL)
		map_set_ldap_default(cf->maps, v);
}

/* What readcf settles once the whole file is in. */
void
cf_after_read(struct cf *cf)
{
	const char *v = cf_opt(cf, "BlankSub");

	if (cf->level > 10)
		cf_syserr(cf, "Warning: .cf version level (%d) exceeds "
		    "sendmail version %s functionality (%d)", cf->level,
		    MAILSYS_COMPAT_VERSION, 10);

	if (v != NULL && v[0] != '\0')
		cf->spacesub = (unsigned char)v[0];
	if (cf_macvalue(cf, 'n') == NULL)
		cf_macdefine(cf, 'n', "MAILER-DAEMON");
	map_set_service_switch(cf->maps, cf_opt(cf, "ServiceSwitchFile"));
	cf_map_settings(cf);
	cf->tok_ready = 0;
}

int
cf_fatal(const struct cf *cf)
{
	return cf->fatal;
}

int
cf_nerrors(const struct cf *cf)
{
	return cf->nerrors;
}

void
cf_set_output(struct cf *cf, FILE *out)
{
	cf->out = out;
}

int
cf_check_mailer(struct cf *cf)
{
	if (cf_mailer_find(cf, "local") != NULL)
		return 0;
	cf_syserr(cf, "No local mailer defined");
	return -1;
}

int
cf_check_queue(struct cf *cf)
{
	const char *q = cf_opt(cf, "QueueDirectory");

	if (q == NULL) {
		cf_syserr(cf, "QueueDirectory (Q) option must be set");
		cf->exitstat = 78;	/* EX_CONFIG */
		return -1;
	}
	return 0;
}

int
cf_exitstat(const struct cf *cf)
{
	return cf->exitstat;
}

void
cf_macro_define(struct cf *cf, const char *name, const char *value)
{
	const char *end;
	int id = cf_macid(cf, name, &end);

	if (id != 0)
		cf_macdefine(cf, id, value);
}

/* The value of macro "x", "{name}" or "name"; NULL when unset. */
const char *
cf_macro_value(struct cf *cf, const char *name)
{
	char bare[64];
	size_t n = strlen(name);
	int id;

	if (n > 2 && name[0] == '{' && name[n - 1] == '}' &&
	    n - 2 < sizeof(bare)) {
		memcpy(bare, name + 1, n - 2);
		bare[n - 2] = '\0';
		name = bare;
	}
	id = cf_macid_find(cf, name);

	return id < 0 ? NULL : cf_macvalue(cf, id);
}

static void
header_free(struct cf_header *h)
{
	free(h->name);
	free(h->value);
	free(h->flags);
	free(h->macro);
	free(h);
}

void
cf_free(struct cf *cf)
{
	struct cf_rule *r, *next;
	int i;

	if (cf == NULL)
		return;
	for (i = 0; i <= CF_MAXMACROID; i++) {
		free(cf->macro[i]);
		free(cf->macname[i]);
	}
	cf_words_free(&cf->words);
	for (i = 0; i < CF_MAXRWSETS; i++) {
		for (r = cf->rules[i]; r != NULL; r = next) {
			next = r->next;
			addr_tokens_free(&r->lhs);
			addr_tokens_free(&r->rhs);
			free(r);
		}
		cf_rsvec_drop(&cf->rsvec[i]);
		free(cf->rsname[i]);
	}
	free(cf->rshash);
	cf_mailers_free(cf);
	if (cf->opt != NULL) {
		for (i = 0; cf->opt[i] != NULL; i += 2) {
			free(cf->opt[i]);
			free(cf->opt[i + 1]);
		}
		free(cf->opt);
	}
	for (i = 0; i < (int)cf->headers.n; i++)
		header_free(cf->headers.v[i]);
	ptrarr_free(&cf->headers);
	strarr_free(&cf->prec_names);
	strarr_free(&cf->envvars);
	cf_qgroups_free(cf);
	strarr_free(&cf->milters);
	cf_aliases_free(cf);
	map_set_free(cf->maps);
	cf_arena_reset(cf);
	for (i = 0; i < (int)cf->arena.n; i++)
		free(cf->arena.v[i]);
	ptrarr_free(&cf->arena);
	for (i = 0; i < (int)cf->pvpool.n; i++)
		free(cf->pvpool.v[i]);
	ptrarr_free(&cf->pvpool);
	buf_free(&cf->linebuf);
	free(cf->vendor);
	free(cf);
}
