/*
 * mailboxd_conf.c -- dovecot.conf as administrators write it: "key =
 * value", sections "type [name] { ... }", "!include[_try] glob" relative
 * to the including file, "<file" values, # comments.  The tree is kept
 * for `mailboxd -n`; the settings mailboxd acts on are taken from it,
 * with "protocol pop3 { }" overriding top-level keys.
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailboxd.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define CONF_DEPTH_MAX	16
#define CONF_LINE_MAX	65536

static struct conf_node *
node_new(const char *key, const char *value, int section, const char *file,
    int line)
{
	struct conf_node *n = xcalloc(1, sizeof(*n));

	n->key = xstrdup(key);
	n->value = xstrdup(value ? value : "");
	n->section = section;
	n->file = xstrdup(file);
	n->line = line;
	return n;
}

static void
node_add(struct conf_node *parent, struct conf_node *kid)
{
	parent->kids = xreallocarray(parent->kids, parent->nkids + 1,
	    sizeof(*parent->kids));
	parent->kids[parent->nkids++] = kid;
}

static void
node_free(struct conf_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->value);
	free(n->file);
	free(n);
}

/* Strips a # comment outside quotes and surrounding blanks. */
static char *
clean(char *s)
{
	char *p;
	int q = 0;

	for (p = s; *p; p++) {
		if (*p == '"' && (p == s || p[-1] != '\\'))
			q = !q;
		else if (*p == '#' && !q) {
			*p = '\0';
			break;
		}
	}
	str_rtrim(s);
	return (char *)str_skip_ws(s);
}

static char *
unquote(const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		return xstrndup(v + 1, n - 2);
	return xstrdup(v);
}

static int parse_file(const char *path, struct conf_node **stack,
	    int *depth, int includes, struct err *err);

static int
do_include(const char *from, const char *pat, int try, struct conf_node
    **stack, int *depth, int includes, int line, struct err *err)
{
	struct buf full;
	glob_t g;
	size_t i;
	int rc;

	if (includes > 8)
		return err_set(err, ERR_CONFIG, "Error in configuration file "
		    "%s line %d: !include nested too deeply", from, line);
	buf_init(&full, 4096);
	if (pat[0] != '/') {
		const char *slash = strrchr(from, '/');

		if (slash != NULL)
			buf_printf(&full, "%.*s/", (int)(slash - from), from);
	}
	buf_adds(&full, pat);
	rc = glob(full.data, 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		if (try || strpbrk(pat, "*?[") != NULL) {
			buf_free(&full);
			return 0;
		}
		err_set(err, ERR_CONFIG, "Error in configuration file %s line "
		    "%d: include %s: No such file or directory", from, line,
		    full.data);
		buf_free(&full);
		return -1;
	}
	buf_free(&full);
	if (rc != 0)
		return err_set(err, ERR_CONFIG, "Error in configuration file "
		    "%s line %d: include %s failed", from, line, pat);
	rc = 0;
	for (i = 0; i < g.gl_pathc && rc == 0; i++)
		rc = parse_file(g.gl_pathv[i], stack, depth, includes + 1,
		    err);
	globfree(&g);
	return rc;
}

static int
parse_file(const char *path, struct conf_node **stack, int *depth,
    int includes, struct err *err)
{
	FILE *f = fopen(path, "r");
	char *raw = NULL;
	size_t cap = 0;
	int lineno = 0, start_depth = *depth, rc = 0;

	if (f == NULL)
		return err_sys(err, ERR_CONFIG, "open(%s) failed", path);
	while (rc == 0 && getline(&raw, &cap, f) != -1) {
		char *s = clean(raw), *eq, *brace;

		lineno++;
		if (strlen(raw) > CONF_LINE_MAX) {
			rc = err_set(err, ERR_CONFIG, "Error in configuration "
			    "file %s line %d: line too long", path, lineno);
			break;
		}
		if (*s == '\0')
			continue;
		if (strncmp(s, "!include_try ", 13) == 0 ||
		    strncmp(s, "!include ", 9) == 0) {
			int try = s[8] == '_';
			char *pat = unquote(str_skip_ws(s + (try ? 13 : 9)));

			rc = do_include(path, pat, try, stack, depth,
			    includes, lineno, err);
			free(pat);
			continue;
		}
		if (strcmp(s, "}") == 0) {
			if (*depth <= start_depth) {
				rc = err_set(err, ERR_CONFIG, "Error in "
				    "configuration file %s line %d: Unexpected "
				    "'}'", path, lineno);
				break;
			}
			(*depth)--;
			continue;
		}
		eq = strchr(s, '=');
		brace = strchr(s, '{');
		if (eq != NULL && (brace == NULL || eq < brace)) {
			char *k = s, *v = eq + 1, *val;

			*eq = '\0';
			str_rtrim(k);
			v = (char *)str_skip_ws(v);
			if (*k == '\0' || strpbrk(k, " \t") != NULL) {
				rc = err_set(err, ERR_CONFIG, "Error in "
				    "configuration file %s line %d: Expecting "
				    "'='", path, lineno);
				break;
			}
			val = unquote(v);
			node_add(stack[*depth], node_new(k, val, 0, path,
			    lineno));
			free(val);
			continue;
		}
		if (brace != NULL && brace[1] == '\0') {
			/* type [name] {, the name possibly "quoted words" */
			struct conf_node *n;
			char *type = s, *name, *sp;

			*brace = '\0';
			str_rtrim(type);
			sp = strpbrk(type, " \t");
			name = sp ? (char *)str_skip_ws(sp) : (char *)"";
			if (sp != NULL)
				*sp = '\0';
			if (*type == '\0' || *depth + 1 >= CONF_DEPTH_MAX ||
			    (name[0] != '"' && strpbrk(name, " \t") != NULL)) {
				rc = err_set(err, ERR_CONFIG, "Error in "
				    "configuration file %s line %d: Expecting "
				    "'='", path, lineno);
				break;
			}
			name = unquote(name);
			n = node_new(type, name, 1, path, lineno);
			free(name);
			node_add(stack[*depth], n);
			stack[++(*depth)] = n;
			continue;
		}
		rc = err_set(err, ERR_CONFIG, "Error in configuration file %s "
		    "line %d: Expecting '='", path, lineno);
	}
	free(raw);
	(void)fclose(f);
	if (rc == 0 && *depth != start_depth)
		rc = err_set(err, ERR_CONFIG, "Error in configuration file %s "
		    "line %d: Missing '}'", path, lineno);
	return rc;
}

/* ---- settings */

/* keys mailboxd acts on (top level and inside protocol pop3) */
static const char *const known[] = {
	"protocols", "listen", "ssl", "ssl_cert", "ssl_key",
	"ssl_min_protocol", "disable_plaintext_auth", "auth_mechanisms",
	"mail_location", "first_valid_uid", "last_valid_uid",
	"login_greeting", "mbox_read_locks", "mbox_write_locks",
	"mbox_lock_timeout", "mbox_dotlock_change_timeout",
	"auth_username_format", "auth_failure_delay", "pop3_uidl_format",
	"pop3_lock_session", "pop3_no_flag_updates", "log_path",
	"mail_access_groups", "mail_privileged_group",
	NULL
};

static int
is_known(const char *k)
{
	size_t i;

	for (i = 0; known[i] != NULL; i++)
		if (strcmp(known[i], k) == 0)
			return 1;
	return 0;
}

/* The last value of key at the top level, then in protocol pop3. */
static const char *
get(const struct mbd_cfg *c, const char *key)
{
	const char *v = NULL;
	size_t i, j;

	for (i = 0; i < c->root->nkids; i++) {
		const struct conf_node *n = c->root->kids[i];

		if (!n->section && strcmp(n->key, key) == 0)
			v = n->value;
	}
	for (i = 0; i < c->root->nkids; i++) {
		const struct conf_node *n = c->root->kids[i];

		if (!n->section || strcmp(n->key, "protocol") != 0 ||
		    strcmp(n->value, "pop3") != 0)
			continue;
		for (j = 0; j < n->nkids; j++)
			if (!n->kids[j]->section &&
			    strcmp(n->kids[j]->key, key) == 0)
				v = n->kids[j]->value;
	}
	return v;
}

static int
get_bool(const struct mbd_cfg *c, const char *key, int def, struct err *err)
{
	const char *v = get(c, key);

	if (v == NULL)
		return def;
	if (strcmp(v, "yes") == 0)
		return 1;
	if (strcmp(v, "no") == 0)
		return 0;
	err_set(err, ERR_CONFIG, "%s: invalid boolean: %s", key, v);
	return -1;
}

/* "5 mins", "2 secs", "120", "500 ms" into milliseconds; -1 on junk. */
static long long
duration_ms(const char *v)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || n < 0)
		return -1;
	end = (char *)str_skip_ws(end);
	if (*end == '\0' || strncmp(end, "sec", 3) == 0 ||
	    strcmp(end, "s") == 0)
		return n * 1000;
	if (strncmp(end, "msec", 4) == 0 || strcmp(end, "ms") == 0)
		return n;
	if (strncmp(end, "min", 3) == 0 || strcmp(end, "m") == 0)
		return n * 60000;
	if (strncmp(end, "hour", 4) == 0 || strcmp(end, "h") == 0)
		return n * 3600000;
	if (strncmp(end, "day", 3) == 0 || strcmp(end, "d") == 0)
		return n * 86400000;
	return -1;
}

static int
get_duration(const struct mbd_cfg *c, const char *key, long long def_ms,
    long long *out, struct err *err)
{
	const char *v = get(c, key);

	*out = def_ms;
	if (v == NULL)
		return 0;
	if ((*out = duration_ms(v)) < 0)
		return err_set(err, ERR_CONFIG, "%s: invalid time interval: %s",
		    key, v);
	return 0;
}

static char *
dup_or(const char *v, const char *def)
{
	return xstrdup(v != NULL ? v : def);
}

/* "<path" values name a file; a bare value is taken as a path too. */
static char *
file_value(const char *v)
{
	if (v == NULL || *v == '\0')
		return NULL;
	return xstrdup(v[0] == '<' ? str_skip_ws(v + 1) : v);
}

static int
add_db(struct mbd_cfg *c, const struct conf_node *sec, int pass,
    struct err *err)
{
	struct auth_db *db;
	const char *driver = NULL, *args = NULL;
	size_t i, *n = pass ? &c->auth.npassdb : &c->auth.nuserdb;

	for (i = 0; i < sec->nkids; i++) {
		if (sec->kids[i]->section)
			continue;
		if (strcmp(sec->kids[i]->key, "driver") == 0)
			driver = sec->kids[i]->value;
		else if (strcmp(sec->kids[i]->key, "args") == 0)
			args = sec->kids[i]->value;
	}
	if (driver == NULL)
		return err_set(err, ERR_CONFIG, "Error in configuration file "
		    "%s line %d: %s { } without driver", sec->file, sec->line,
		    pass ? "passdb" : "userdb");
	if (*n == AUTH_DB_MAX)
		return err_set(err, ERR_CONFIG, "too many %s sections",
		    pass ? "passdb" : "userdb");
	db = pass ? &c->auth.passdb[*n] : &c->auth.userdb[*n];
	memset(db, 0, sizeof(*db));
	if (auth_driver_parse(driver, &db->driver) == -1)
		return err_set(err, ERR_CONFIG, "Error in configuration file "
		    "%s line %d: Unknown %s driver '%s'", sec->file, sec->line,
		    pass ? "passdb" : "userdb", driver);
	db->args = args ? xstrdup(args) : NULL;
	if (args != NULL && strncmp(args, "scheme=", 7) == 0) {
		const char *sp = strchr(args, ' ');

		db->default_scheme = sp ? xstrndup(args + 7,
		    (size_t)(sp - args - 7)) : xstrdup(args + 7);
	}
	(*n)++;
	return 0;
}

static int
add_listener(struct mbd_cfg *c, const struct conf_node *l, struct strarr
    *addrs, struct err *err)
{
	const char *port = NULL, *address = NULL, *ssl = NULL;
	int p, implicit = strcmp(l->value, "pop3s") == 0 ||
	    strcmp(l->value, "imaps") == 0;
	int imap = strcmp(l->value, "imap") == 0 ||
	    strcmp(l->value, "imaps") == 0;
	size_t i;

	for (i = 0; i < l->nkids; i++) {
		if (strcmp(l->kids[i]->key, "port") == 0)
			port = l->kids[i]->value;
		else if (strcmp(l->kids[i]->key, "address") == 0)
			address = l->kids[i]->value;
		else if (strcmp(l->kids[i]->key, "ssl") == 0)
			ssl = l->kids[i]->value;
	}
	if (ssl != NULL)
		implicit = strcmp(ssl, "yes") == 0;
	p = port ? atoi(port) : imap ? (implicit ? 993 : 143) :
	    (implicit ? 995 : 110);
	if (p < 0 || p > 65535)
		return err_set(err, ERR_CONFIG, "Error in configuration file "
		    "%s line %d: invalid port %s", l->file, l->line, port);
	if (p == 0 || (implicit && c->ssl == POP3_SSL_NO))
		return 0;
	if (address != NULL) {
		struct strarr w = { 0 };

		str_split(address, " ,\t", &w);
		for (i = 0; i < w.n && c->nlisten < MBD_LISTEN_MAX; i++) {
			c->listen[c->nlisten].address = xstrdup(w.v[i]);
			c->listen[c->nlisten].port = p;
			c->listen[c->nlisten].imap = imap;
			c->listen[c->nlisten++].ssl = implicit;
		}
		strarr_free(&w);
		return 0;
	}
	for (i = 0; i < addrs->n && c->nlisten < MBD_LISTEN_MAX; i++) {
		c->listen[c->nlisten].address = xstrdup(addrs->v[i]);
		c->listen[c->nlisten].port = p;
		c->listen[c->nlisten].imap = imap;
		c->listen[c->nlisten++].ssl = implicit;
	}
	return 0;
}

/* namespace inbox { separator = /  mailbox Sent { special_use = \Sent
 * auto = subscribe } } */
static int
add_namespace(struct mbd_cfg *c, const struct conf_node *ns, struct err *err)
{
	size_t i, j;

	for (i = 0; i < ns->nkids; i++) {
		const struct conf_node *k = ns->kids[i];
		const char *use = NULL, *autov = NULL;
		struct imap_special *sp;

		if (!k->section) {
			if (strcmp(k->key, "separator") == 0) {
				if (strlen(k->value) != 1)
					return err_set(err, ERR_CONFIG,
					    "Error in configuration file %s "
					    "line %d: separator must be one "
					    "character", k->file, k->line);
				c->imap_sep = k->value[0];
			}
			continue;
		}
		if (strcmp(k->key, "mailbox") != 0 || *k->value == '\0')
			continue;
		for (j = 0; j < k->nkids; j++) {
			if (k->kids[j]->section)
				continue;
			if (strcmp(k->kids[j]->key, "special_use") == 0)
				use = k->kids[j]->value;
			else if (strcmp(k->kids[j]->key, "auto") == 0)
				autov = k->kids[j]->value;
		}
		for (j = 0; j < c->nspecial; j++)
			if (strcmp(c->special[j].name, k->value) == 0)
				break;
		if (j == c->nspecial) {
			if (c->nspecial == MBD_SPECIAL_MAX)
				continue;
			c->nspecial++;
			c->special[j].name = xstrdup(k->value);
		}
		sp = &c->special[j];
		if (use != NULL && *use != '\0') {
			free((char *)sp->use);
			sp->use = xstrdup(use);
		}
		if (autov != NULL)
			sp->autowhat = strcmp(autov, "create") == 0 ? 1 :
			    strcmp(autov, "subscribe") == 0 ? 2 : 0;
	}
	return 0;
}

static int
settings(struct mbd_cfg *c, struct err *err)
{
	struct strarr w = { 0 }, addrs = { 0 };
	const char *v;
	long long ms;
	size_t i, j;
	int b, have_listeners = 0, have_imap = 0;

	v = get(c, "protocols");
	str_split(v ? v : "imap pop3", " \t,", &w);
	for (i = 0; i < w.n; i++) {
		if (strcmp(w.v[i], "pop3") == 0)
			c->pop3 = 1;
		if (strcmp(w.v[i], "imap") == 0)
			c->imap = 1;
	}
	strarr_free(&w);
	v = get(c, "ssl");
	if (v == NULL || strcmp(v, "yes") == 0)
		c->ssl = POP3_SSL_YES;
	else if (strcmp(v, "no") == 0)
		c->ssl = POP3_SSL_NO;
	else if (strcmp(v, "required") == 0)
		c->ssl = POP3_SSL_REQUIRED;
	else
		return err_set(err, ERR_CONFIG, "ssl: invalid value: %s", v);
	c->ssl_cert = file_value(get(c, "ssl_cert"));
	c->ssl_key = file_value(get(c, "ssl_key"));
	c->ssl_min_protocol = dup_or(get(c, "ssl_min_protocol"), "TLSv1.2");
	if (c->ssl != POP3_SSL_NO && (c->ssl_cert == NULL ||
	    c->ssl_key == NULL))
		return err_set(err, ERR_CONFIG, "ssl enabled, but ssl_cert "
		    "or ssl_key not set");
	if ((b = get_bool(c, "disable_plaintext_auth", 1, err)) == -1)
		return -1;
	c->disable_plaintext_auth = b;
	if ((b = get_bool(c, "pop3_lock_session", 0, err)) == -1)
		return -1;
	c->pop3_lock_session = b;
	if ((b = get_bool(c, "pop3_no_flag_updates", 0, err)) == -1)
		return -1;
	c->pop3_no_flag_updates = b;
	c->mechanisms = dup_or(get(c, "auth_mechanisms"), "plain");
	for (char *p = c->mechanisms; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	str_split(c->mechanisms, " \t,", &w);
	for (i = 0; i < w.n; i++)
		if (strcmp(w.v[i], "PLAIN") != 0 &&
		    strcmp(w.v[i], "LOGIN") != 0) {
			err_set(err, ERR_CONFIG, "auth_mechanisms: %s is not "
			    "supported (plain and login are)", w.v[i]);
			strarr_free(&w);
			return -1;
		}
	strarr_free(&w);
	c->mail_location = dup_or(get(c, "mail_location"),
	    "mbox:~/mail:INBOX=/var/mail/%u");
	c->greeting = dup_or(get(c, "login_greeting"), "Dovecot ready.");
	c->uidl_format = dup_or(get(c, "pop3_uidl_format"), "%08Xu%08Xv");
	c->log_path = get(c, "log_path") && *get(c, "log_path") ?
	    xstrdup(get(c, "log_path")) : NULL;
	c->mail_access_groups = get(c, "mail_access_groups") ?
	    xstrdup(get(c, "mail_access_groups")) : NULL;
	c->mail_privileged_group = get(c, "mail_privileged_group") &&
	    *get(c, "mail_privileged_group") ?
	    xstrdup(get(c, "mail_privileged_group")) : NULL;
	if (get_duration(c, "auth_failure_delay", 2000, &ms, err) == -1)
		return -1;
	c->auth_failure_delay_ms = (unsigned)(ms > 60000 ? 60000 : ms);
	mbox_lock_cfg_default(&c->locks);
	if ((v = get(c, "mbox_read_locks")) != NULL &&
	    mbox_lock_parse(v, c->locks.read, &c->locks.nread, err) == -1)
		return -1;
	if ((v = get(c, "mbox_write_locks")) != NULL &&
	    mbox_lock_parse(v, c->locks.write, &c->locks.nwrite, err) == -1)
		return -1;
	if (get_duration(c, "mbox_lock_timeout", 300000, &ms, err) == -1)
		return -1;
	c->locks.timeout_secs = (unsigned)(ms / 1000);
	if (get_duration(c, "mbox_dotlock_change_timeout", 120000, &ms,
	    err) == -1)
		return -1;
	c->locks.dotlock_change_secs = (unsigned)(ms / 1000);
	v = get(c, "first_valid_uid");
	c->auth.first_valid_uid = v ? strtoul(v, NULL, 10) : 500;
	v = get(c, "last_valid_uid");
	c->auth.last_valid_uid = v ? strtoul(v, NULL, 10) : 0;
	v = get(c, "auth_username_format");
	c->auth.lowercase = v == NULL || strstr(v, "%L") != NULL;
	/* passdb, userdb, listeners */
	v = get(c, "listen");
	str_split(v ? v : "*, ::", " \t,", &addrs);
	for (i = 0; i < c->root->nkids; i++) {
		const struct conf_node *n = c->root->kids[i];

		if (!n->section)
			continue;
		if (strcmp(n->key, "passdb") == 0 && add_db(c, n, 1,
		    err) == -1)
			goto fail;
		if (strcmp(n->key, "userdb") == 0 && add_db(c, n, 0,
		    err) == -1)
			goto fail;
		if (strcmp(n->key, "namespace") == 0 && add_namespace(c, n,
		    err) == -1)
			goto fail;
		if (strcmp(n->key, "service") != 0 ||
		    (strcmp(n->value, "pop3-login") != 0 &&
		    strcmp(n->value, "imap-login") != 0) ||
		    (strcmp(n->value, "pop3-login") == 0 && !c->pop3) ||
		    (strcmp(n->value, "imap-login") == 0 && !c->imap))
			continue;
		for (j = 0; j < n->nkids; j++) {
			if (!n->kids[j]->section ||
			    strcmp(n->kids[j]->key, "inet_listener") != 0)
				continue;
			if (strcmp(n->value, "imap-login") == 0)
				have_imap = 1;
			else
				have_listeners = 1;
			if (add_listener(c, n->kids[j], &addrs, err) == -1)
				goto fail;
		}
	}
	if (!have_listeners) {
		struct conf_node pop3 = { .value = "pop3" },
		    pop3s = { .value = "pop3s" };

		if (c->pop3) {
			(void)add_listener(c, &pop3, &addrs, err);
			(void)add_listener(c, &pop3s, &addrs, err);
		}
	}
	if (!have_imap && c->imap) {
		struct conf_node imap = { .value = "imap" },
		    imaps = { .value = "imaps" };

		(void)add_listener(c, &imap, &addrs, err);
		(void)add_listener(c, &imaps, &addrs, err);
	}
	strarr_free(&addrs);
	if (c->auth.npassdb == 0) {
		/* Debian's auth-system.conf.ext */
		c->auth.passdb[0].driver = AUTH_DRIVER_PAM;
		c->auth.npassdb = 1;
	}
	if (c->auth.nuserdb == 0) {
		c->auth.userdb[0].driver = AUTH_DRIVER_PASSWD;
		c->auth.nuserdb = 1;
	}
	return 0;
fail:
	strarr_free(&addrs);
	return -1;
}

int
mbd_conf_load(struct mbd_cfg *c, const char *path, struct err *err)
{
	struct conf_node *stack[CONF_DEPTH_MAX];
	int depth = 0;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	c->root = node_new("", "", 1, path, 0);
	stack[0] = c->root;
	if (parse_file(path, stack, &depth, 0, err) == -1)
		return -1;
	return settings(c, err);
}

void
mbd_conf_free(struct mbd_cfg *c)
{
	size_t i;

	if (c == NULL)
		return;
	node_free(c->root);
	for (i = 0; i < c->nlisten; i++)
		free(c->listen[i].address);
	for (i = 0; i < c->nspecial; i++) {
		free((char *)c->special[i].name);
		free((char *)c->special[i].use);
	}
	free(c->path);
	free(c->ssl_cert);
	free(c->ssl_key);
	free(c->ssl_min_protocol);
	free(c->mechanisms);
	free(c->mail_location);
	free(c->greeting);
	free(c->uidl_format);
	free(c->log_path);
	free(c->mail_access_groups);
	free(c->mail_privileged_group);
	auth_cfg_free(&c->auth);
	memset(c, 0, sizeof(*c));
}

static int has_settings(const struct conf_node *);

/* sections we act on and the keys inside them */
static int
section_known(const struct conf_node *n)
{
	return strcmp(n->key, "passdb") == 0 ||
	    strcmp(n->key, "userdb") == 0 ||
	    strcmp(n->key, "namespace") == 0 ||
	    (strcmp(n->key, "protocol") == 0 &&
	    strcmp(n->value, "pop3") == 0) ||
	    (strcmp(n->key, "service") == 0 &&
	    (strcmp(n->value, "pop3-login") == 0 ||
	    strcmp(n->value, "imap-login") == 0));
}

static void
ignored_add(struct strarr *seen, const char *name)
{
	size_t i;

	for (i = 0; i < seen->n; i++)
		if (strcmp(seen->v[i], name) == 0)
			return;
	strarr_push(seen, name);
}

char *
mbd_conf_ignored(const struct mbd_cfg *c)
{
	struct strarr seen = { 0 };
	struct buf b;
	size_t i;

	for (i = 0; i < c->root->nkids; i++) {
		const struct conf_node *n = c->root->kids[i];

		if (!n->section && !is_known(n->key))
			ignored_add(&seen, n->key);
		else if (n->section && !section_known(n) &&
		    has_settings(n)) {
			struct buf s;

			buf_init(&s, 1024);
			buf_printf(&s, "%s%s%s { }", n->key,
			    *n->value ? " " : "", n->value);
			ignored_add(&seen, s.data);
			buf_free(&s);
		}
	}
	if (seen.n == 0)
		return NULL;
	buf_init(&b, 0);
	for (i = 0; i < seen.n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", seen.v[i]);
	strarr_free(&seen);
	return buf_steal(&b);
}

static int
by_key(const void *a, const void *b)
{
	const struct conf_node *x = *(const struct conf_node *const *)a;
	const struct conf_node *y = *(const struct conf_node *const *)b;

	if (x->section != y->section)
		return x->section - y->section;
	if (x->section)
		return 0;
	return strcmp(x->key, y->key);
}

/* A section holds a setting somewhere below it. */
static int
has_settings(const struct conf_node *n)
{
	size_t i;

	for (i = 0; i < n->nkids; i++)
		if (!n->kids[i]->section || has_settings(n->kids[i]))
			return 1;
	return 0;
}

/* Sections of one type and name are one section (doveconf merges them):
 * a shallow node whose kids are all of theirs; free with free_merged. */
static struct conf_node *
merged(const struct conf_node *parent, size_t first)
{
	const struct conf_node *f = parent->kids[first];
	struct conf_node *m = xcalloc(1, sizeof(*m));
	size_t i, j;

	m->key = f->key;
	m->value = f->value;
	m->section = 1;
	for (i = first; i < parent->nkids; i++) {
		const struct conf_node *k = parent->kids[i];

		if (!k->section || strcmp(k->key, f->key) != 0 ||
		    strcmp(k->value, f->value) != 0)
			continue;
		for (j = 0; j < k->nkids; j++)
			node_add(m, k->kids[j]);
	}
	return m;
}

static void
free_merged(struct conf_node *m)
{
	free(m->kids);
	free(m);
}

static void
print_node(const struct conf_node *n, FILE *out, int indent)
{
	const struct conf_node **v;
	size_t i, j, k = 0;

	/* the last value of each key wins; keys sorted, sections after in
	 * their order, merged, empty ones left out */
	v = xcalloc(n->nkids ? n->nkids : 1, sizeof(*v));
	for (i = 0; i < n->nkids; i++) {
		const struct conf_node *a = n->kids[i];
		int later = 0;

		for (j = i + 1; j < n->nkids && !a->section; j++)
			if (!n->kids[j]->section &&
			    strcmp(n->kids[j]->key, a->key) == 0)
				later = 1;
		for (j = 0; j < i && a->section; j++)
			if (n->kids[j]->section &&
			    strcmp(n->kids[j]->key, a->key) == 0 &&
			    strcmp(n->kids[j]->value, a->value) == 0)
				later = 1;	/* merged into the first */
		if (!later)
			v[k++] = a;
	}
	for (i = 1; i < k; i++) {
		const struct conf_node *t = v[i];

		j = i;
		while (j > 0 && by_key(&v[j - 1], &t) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = t;
	}
	for (i = 0; i < k; i++) {
		if (v[i]->section) {
			size_t at;
			struct conf_node *m;

			for (at = 0; n->kids[at] != v[i]; at++)
				;
			m = merged(n, at);
			if (has_settings(m)) {
				int q = strpbrk(m->value, " \t") != NULL;

				fprintf(out, "%*s%s %s%s%s%s{\n", indent, "",
				    m->key, q ? "\"" : "", m->value,
				    q ? "\"" : "", *m->value ? " " : "");
				print_node(m, out, indent + 2);
				fprintf(out, "%*s}\n", indent, "");
			}
			free_merged(m);
		} else
			fprintf(out, "%*s%s = %s\n", indent, "", v[i]->key,
			    v[i]->value);
	}
	free(v);
}

void
mbd_conf_print(const struct mbd_cfg *c, FILE *out)
{
	char *ign = mbd_conf_ignored(c);

	fprintf(out, "# mailboxd: %s\n", c->path);
	if (ign != NULL)
		fprintf(out, "# ignored (not implemented): %s\n", ign);
	free(ign);
	print_node(c->root, out, 0);
}
