/*
 * auth.h -- password checks and user lookups for mailboxd behind one
 * interface: dovecot's passdb drivers (passwd-file with scheme prefixes
 * {PLAIN} {CRYPT} {SHA512-CRYPT} {SSHA256} ..., pam, shadow) and userdb
 * drivers (passwd-file, passwd, static).  An unknown user and a wrong
 * password give the same result.
 */
#ifndef AUTH_AUTH_H
#define AUTH_AUTH_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"

enum auth_driver {
	AUTH_DRIVER_PASSWD_FILE,
	AUTH_DRIVER_PAM,
	AUTH_DRIVER_PASSWD,
	AUTH_DRIVER_SHADOW,
	AUTH_DRIVER_STATIC
};

struct auth_db {
	enum auth_driver	 driver;
	char			*args;		/* file, PAM service, k=v */
	char			*default_scheme;	/* passwd-file */
};

#define AUTH_DB_MAX	8

struct auth_cfg {
	struct auth_db	 passdb[AUTH_DB_MAX];
	size_t		 npassdb;
	struct auth_db	 userdb[AUTH_DB_MAX];
	size_t		 nuserdb;
	int		 lowercase;	/* auth_username_format = %Lu */
	unsigned long	 first_valid_uid, last_valid_uid;	/* 0: none */
};

struct auth_user {
	char	*name;		/* after auth_username_format */
	uid_t	 uid;
	gid_t	 gid;
	char	*home;
};

enum auth_result {
	AUTH_OK,
	AUTH_FAILED,		/* unknown user or wrong password */
	AUTH_TEMPFAIL		/* a database could not be read */
};

/* Parses "passwd-file", "pam", ... ; -1 on an unknown driver. */
int	auth_driver_parse(const char *, enum auth_driver *out);
const char *auth_driver_name(enum auth_driver);

/* Checks user's password against the passdbs, then finds uid, gid and
 * home in the userdbs and applies first/last_valid_uid.  On AUTH_OK the
 * caller frees out with auth_user_free(). */
enum auth_result auth_verify(const struct auth_cfg *, const char *user,
	    const char *pass, struct auth_user *out, struct err *);
void	auth_user_free(struct auth_user *);
void	auth_cfg_free(struct auth_cfg *);

/* One stored password ("{SCHEME}data", or data in default_scheme)
 * against a plaintext: 1 match, 0 mismatch, -1 unknown scheme. */
int	auth_password_match(const char *stored, const char *plain,
	    const char *default_scheme);

#endif
