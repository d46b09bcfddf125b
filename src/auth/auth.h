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

/*
 * What the library needs from system libraries, supplied by the program
 * (mailboxd links libcrypt, libcrypto and libpam; tests may supply
 * fakes), so that libauth.a links into any binary.  Without them the
 * schemes and drivers that need them fail closed.
 */
struct auth_sys {
	/* crypt(3) of plain with setting into out; -1 on failure */
	int	(*crypt)(const char *plain, const char *setting, char *out,
		    size_t cap);
	/* "MD5" "SHA1" "SHA256" "SHA512" of a then b into out; the
	 * digest length or -1 */
	int	(*digest)(const char *name, const void *a, size_t an,
		    const void *b, size_t bn, unsigned char *out, size_t cap);
	/* PAM authentication and account check for service */
	enum auth_result (*pam)(const char *service, const char *user,
		    const char *pass, struct err *);
};

void	auth_set_sys(const struct auth_sys *);

/* Parses "passwd-file", "pam", ... ; -1 on an unknown driver. */
int	auth_driver_parse(const char *, enum auth_driver *out);
/* Whether mech is in auth_mechanisms ("plain login", any case). */
int	auth_mech_listed(const char *mechanisms, const char *mech);
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
