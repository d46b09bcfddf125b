/*
 * auth.c -- passdb and userdb lookups as dovecot's drivers do them:
 * passwd-file ("user:{SCHEME}pass:uid:gid:gecos:home:shell:extra"),
 * PAM (service from args, "dovecot" by default), shadow, the system
 * passwd database and static userdb fields.  A user unknown to every
 * passdb still costs one password hash, so timing does not tell.
 */
#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_int.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static const struct {
	const char		*name;
	enum auth_driver	 driver;
} drivers[] = {
	{ "passwd-file", AUTH_DRIVER_PASSWD_FILE },
	{ "pam", AUTH_DRIVER_PAM },
	{ "passwd", AUTH_DRIVER_PASSWD },
	{ "shadow", AUTH_DRIVER_SHADOW },
	{ "static", AUTH_DRIVER_STATIC },
};

int
auth_driver_parse(const char *s, enum auth_driver *out)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strcmp(s, drivers[i].name) == 0) {
			*out = drivers[i].driver;
			return 0;
		}
	return -1;
}

const char *
auth_driver_name(enum auth_driver d)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (drivers[i].driver == d)
			return drivers[i].name;
	return "?";
}

/* passwd-file args: "[scheme=X] [username_format=..] /path" */
static const char *
file_of(const struct auth_db *db)
{
	const char *a = db->args ? db->args : "", *sp;

	while ((sp = strchr(a, ' ')) != NULL && strchr(a, '=') != NULL &&
	    strchr(a, '=') < sp)
		a = str_skip_ws(sp);
	return a;
}

/* The fields of user's line in a passwd-file; 1 found, 0 not, -1 err. */
static int
pwfile_find(const char *path, const char *user, struct strarr *fields,
    struct err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, ulen = strlen(user);
	int found = 0;

	if (f == NULL)
		return err_sys(err, ERR_TEMPFAIL, "passwd-file %s", path);
	while (getline(&line, &cap, f) != -1) {
		char *p, *colon;

		str_rtrim(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, user, ulen) != 0 || line[ulen] != ':')
			continue;
		/* split on ':' keeping empty fields */
		for (p = line;; p = colon + 1) {
			colon = strchr(p, ':');
			if (colon == NULL) {
				strarr_push(fields, p);
				break;
			}
			strarr_pushn(fields, p, (size_t)(colon - p));
		}
		found = 1;
		break;
	}
	free(line);
	(void)fclose(f);
	return found;
}

static enum auth_result
pam_check(const struct auth_db *db, const char *user, const char *pass,
    struct err *err)
{
	const char *svc = db->args && *db->args ? db->args : "dovecot";

	/* "args = session=yes dovecot": the last word is the service */
	if (strrchr(svc, ' ') != NULL)
		svc = strrchr(svc, ' ') + 1;
	if (auth_sys_get()->pam == NULL) {
		err_set(err, ERR_TEMPFAIL, "pam: not available in this "
		    "program");
		return AUTH_TEMPFAIL;
	}
	return auth_sys_get()->pam(svc, user, pass, err);
}

static const char dummy_hash[] = "$6$mailboxdsalt$";

static enum auth_result
pass_check(const struct auth_db *db, const char *user, const char *pass,
    struct err *err)
{
	struct strarr f = { 0 };
	enum auth_result r = AUTH_FAILED;
	int found, m;

	switch (db->driver) {
	case AUTH_DRIVER_PASSWD_FILE:
		found = pwfile_find(file_of(db), user, &f, err);
		if (found == -1)
			return AUTH_TEMPFAIL;
		if (found == 0 || f.n < 2 || f.v[1][0] == '\0') {
			/* the same work as a real check */
			(void)auth_password_match(dummy_hash, pass, "CRYPT");
			break;
		}
		m = auth_password_match(f.v[1], pass, db->default_scheme);
		if (m == 1)
			r = AUTH_OK;
		else if (m == -1) {
			err_set(err, ERR_CONFIG, "%s: user %s: unknown "
			    "password scheme", file_of(db), user);
			r = AUTH_FAILED;
		}
		break;
	case AUTH_DRIVER_PAM:
		return pam_check(db, user, pass, err);
	case AUTH_DRIVER_SHADOW: {
		struct spwd *sp = getspnam(user);

		if (sp == NULL || sp->sp_pwdp == NULL)
			(void)auth_password_match(dummy_hash, pass, "CRYPT");
		else if (auth_password_match(sp->sp_pwdp, pass, "CRYPT") == 1)
			r = AUTH_OK;
		break;
	}
	case AUTH_DRIVER_PASSWD: {
		struct passwd *pw = getpwnam(user);

		if (pw == NULL || pw->pw_passwd == NULL)
			(void)auth_password_match(dummy_hash, pass, "CRYPT");
		else if (auth_password_match(pw->pw_passwd, pass,
		    "CRYPT") == 1)
			r = AUTH_OK;
		break;
	}
	case AUTH_DRIVER_STATIC:
		break;
	}
	strarr_free(&f);
	return r;
}

/* "uid=1000 gid=1000 home=/home/%u" */
static int
static_fields(const char *args, const char *user, struct auth_user *u)
{
	struct strarr w = { 0 };
	size_t i;
	int have = 0;

	str_split(args ? args : "", " \t", &w);
	for (i = 0; i < w.n; i++) {
		const char *v = strchr(w.v[i], '=');

		if (v == NULL)
			continue;
		v++;
		if (strncmp(w.v[i], "uid=", 4) == 0) {
			struct passwd *pw = getpwnam(v);

			u->uid = pw ? pw->pw_uid : (uid_t)strtoul(v, NULL, 10);
			have |= 1;
		} else if (strncmp(w.v[i], "gid=", 4) == 0) {
			u->gid = (gid_t)strtoul(v, NULL, 10);
			have |= 2;
		} else if (strncmp(w.v[i], "home=", 5) == 0) {
			struct buf b;
			const char *p;

			buf_init(&b, 4096);
			for (p = v; *p; p++) {
				if (p[0] == '%' && p[1] == 'u') {
					(void)buf_adds(&b, user);
					p++;
				} else
					(void)buf_addc(&b, *p);
			}
			free(u->home);
			u->home = buf_steal(&b);
			have |= 4;
		}
	}
	strarr_free(&w);
	return (have & 3) == 3 ? 1 : 0;
}

static enum auth_result
user_lookup(const struct auth_db *db, const char *user, struct auth_user *u,
    struct err *err)
{
	struct strarr f = { 0 };
	struct passwd *pw;
	int found;

	switch (db->driver) {
	case AUTH_DRIVER_PASSWD_FILE:
		found = pwfile_find(file_of(db), user, &f, err);
		if (found == -1)
			return AUTH_TEMPFAIL;
		if (found == 0 || f.n < 4 || f.v[2][0] == '\0' ||
		    f.v[3][0] == '\0') {
			strarr_free(&f);
			return AUTH_FAILED;
		}
		u->uid = (uid_t)strtoul(f.v[2], NULL, 10);
		u->gid = (gid_t)strtoul(f.v[3], NULL, 10);
		free(u->home);
		u->home = f.n > 5 && f.v[5][0] ? xstrdup(f.v[5]) : NULL;
		strarr_free(&f);
		return AUTH_OK;
	case AUTH_DRIVER_PASSWD:
		errno = 0;
		if ((pw = getpwnam(user)) == NULL)
			return AUTH_FAILED;
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
		free(u->home);
		u->home = xstrdup(pw->pw_dir);
		return AUTH_OK;
	case AUTH_DRIVER_STATIC:
		return static_fields(db->args, user, u) ? AUTH_OK :
		    AUTH_FAILED;
	default:
		return AUTH_FAILED;
	}
}

enum auth_result
auth_verify(const struct auth_cfg *cfg, const char *user0, const char *pass,
    struct auth_user *u, struct err *err)
{
	enum auth_result r = AUTH_FAILED;
	char *user = xstrdup(user0);
	size_t i;

	memset(u, 0, sizeof(*u));
	if (cfg->lowercase)
		str_lower(user);
	/* NUL, control bytes and separators never reach a database */
	for (i = 0; user[i] != '\0'; i++)
		if ((unsigned char)user[i] < 0x20 || user[i] == ':' ||
		    user[i] == '/')
			break;
	if (user[i] != '\0' || i == 0 || i > 255) {
		(void)auth_password_match(dummy_hash, pass, "CRYPT");
		free(user);
		return AUTH_FAILED;
	}
	for (i = 0; i < cfg->npassdb && r == AUTH_FAILED; i++)
		r = pass_check(&cfg->passdb[i], user, pass, err);
	if (cfg->npassdb == 0)
		(void)auth_password_match(dummy_hash, pass, "CRYPT");
	if (r != AUTH_OK) {
		free(user);
		return r;
	}
	r = AUTH_FAILED;
	for (i = 0; i < cfg->nuserdb && r == AUTH_FAILED; i++)
		r = user_lookup(&cfg->userdb[i], user, u, err);
	if (r == AUTH_FAILED)
		err_set(err, ERR_NOUSER, "user %s: not found from userdb",
		    user);
	if (r == AUTH_OK && ((cfg->first_valid_uid &&
	    u->uid < cfg->first_valid_uid) || (cfg->last_valid_uid &&
	    u->uid > cfg->last_valid_uid))) {
		err_set(err, ERR_NOPERM, "user %s: uid %lu outside "
		    "first_valid_uid..last_valid_uid", user,
		    (unsigned long)u->uid);
		r = AUTH_FAILED;
	}
	if (r != AUTH_OK) {
		auth_user_free(u);
		free(user);
		return r;
	}
	u->name = user;
	return AUTH_OK;
}

void
auth_user_free(struct auth_user *u)
{
	if (u == NULL)
		return;
	free(u->name);
	free(u->home);
	u->name = u->home = NULL;
}

void
auth_cfg_free(struct auth_cfg *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->npassdb; i++) {
		free(c->passdb[i].args);
		free(c->passdb[i].default_scheme);
	}
	for (i = 0; i < c->nuserdb; i++) {
		free(c->userdb[i].args);
		free(c->userdb[i].default_scheme);
	}
	c->npassdb = c->nuserdb = 0;
}

int
auth_mech_listed(const char *mechanisms, const char *mech)
{
	struct strarr w = { 0 };
	size_t i;
	int on = 0;

	str_split(mechanisms != NULL ? mechanisms : "", " ,\t", &w);
	for (i = 0; i < w.n; i++)
		if (str_casecmp(w.v[i], mech) == 0)
			on = 1;
	strarr_free(&w);
	return on;
}
