/*
 * map_int.h -- what the map classes share inside src/map and nobody
 * else sees: the class tables, the set's internals and small helpers
 * for values and statuses.
 */
#ifndef MAP_MAP_INT_H
#define MAP_MAP_INT_H

#include "map.h"

/* sysexits values the classes put in *stat_out, as sendmail shows them */
#define MAPST_OK	0
#define MAPST_DATAERR	65
#define MAPST_NOUSER	67
#define MAPST_NOTFOUND	68
#define MAPST_UNAVAILABLE 69
#define MAPST_TEMPFAIL	75
#define MAPST_PROTOCOL	76
#define MAPST_CONFIG	78

/* A hash or btree map's file replaced since it was opened (map_db.c). */
int	map_db_changed(struct map *);

/* The longest value or key a map hands out; bounds every struct buf. */
#define MAP_VALMAX	(1024 * 1024)

extern const struct map_class map_class_hash;
extern const struct map_class map_class_btree;
extern const struct map_class map_class_implicit;
extern const struct map_class map_class_text;
extern const struct map_class map_class_regex;
extern const struct map_class map_class_dequote;
extern const struct map_class map_class_macro;
extern const struct map_class map_class_arith;
extern const struct map_class map_class_null;
extern const struct map_class map_class_stab;
extern const struct map_class map_class_sequence;
extern const struct map_class map_class_user;
extern const struct map_class map_class_syslog;
extern const struct map_class map_class_program;
extern const struct map_class map_class_host;
extern const struct map_class map_class_bestmx;
extern const struct map_class map_class_arpa;
extern const struct map_class map_class_dns;
extern const struct map_class map_class_ldap;
extern const struct map_class map_class_socket;
extern const struct map_class map_class_switch;
extern const struct map_class map_class_nis;
extern const struct map_class map_class_nisplus;

/*
 * The netstring codec of the socket class (sendmail's socketmap
 * protocol), without I/O: "<len>:<data>,".  A reader feeds bytes as
 * they come; the encoder writes "<len>:<a> <b>," (b NULL: "<a>").
 */
#define SOCKETMAP_MAXL	1000000		/* sendmail's longest reply */

enum ns_state { NS_LEN, NS_DATA, NS_COMMA, NS_DONE, NS_ERROR };
enum ns_result { NS_MORE, NS_OK, NS_FAIL };

struct netstring {
	enum ns_state	 state;
	size_t		 len;		/* declared length */
	size_t		 ndigits;
	size_t		 max;		/* longest accepted */
	struct buf	 data;		/* the payload, NUL-terminated */
};

void	netstring_init(struct netstring *, size_t max);
void	netstring_reset(struct netstring *);
void	netstring_free(struct netstring *);
enum ns_result netstring_feed(struct netstring *, const char *, size_t len,
	    size_t *used_out, struct err *);
int	netstring_encode(struct buf *out, const char *a, const char *b);

/* A socketmap reply's first word. */
enum sock_status {
	SOCK_OK, SOCK_NOTFOUND, SOCK_TEMP, SOCK_PERM, SOCK_PROTOCOL
};
/* Splits "OK value" into the status and *val_out (after the space). */
enum sock_status sock_reply_parse(const char *reply, size_t len,
	    const char **val_out);

/*
 * The ldap class's search filter from its -k template (sendmail's
 * %s, %0 escaped, %1..%9 with -K, %%); -1 past out's limit.
 */
int	map_ldap_filter(const char *tmpl, const char *key,
	    const char *const *args, size_t nargs, int multi,
	    struct buf *out);

/* What map_set_dontblame() and map_set_trusted_uid() stored. */
unsigned map_set_dontblame_flags(const struct map_set *);
/* 1 once map_set_dontblame() was called: sendmail's file checks apply. */
int	 map_set_checks_files(const struct map_set *);
long	 map_set_trusted_uid_get(const struct map_set *);

/*
 * Splits s at spaces and tabs into words (no quoting: sendmail's K
 * lines have none).  The caller frees the array with strarr_free().
 */
struct strarr;
void	 map_words(const char *s, struct strarr *out);

/* Copies key lowercased into out (bounded by MAP_VALMAX); -1 if too long. */
int	 map_lower_key(const char *key, struct buf *out);

/* The canonical name of a host as the host map finds it (no dot added). */
struct map_switch;
struct map_switch *map_switch_load(const char *path);
void	map_switch_free(struct map_switch *);
void	map_switch_methods(const struct map_switch *, const char *service,
	    struct strarr *out);

/*
 * The host map's answers from the hosts file, kept per process
 * (map_hostcache.c): get gives 0 and *found_out (the name in out when
 * found) for a key asked before with the same methods (a mask), -1 when
 * there is none; put keeps one (value NULL when not found).
 */
#define HOSTCACHE_HOSTS_FILE	"/etc/hosts"
int	hostcache_get(const char *key, unsigned methods, struct buf *out,
	    int *found_out);
void	hostcache_put(const char *key, unsigned methods, int found,
	    const char *value);

/* methods: the "hosts" service order ("files", "dns"); NULL: both */
enum map_result host_canon(const char *name, const struct strarr *methods,
	    struct buf *out, int *stat_out, struct err *);

#endif
