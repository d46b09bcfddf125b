/*
 * map_ldap_int.h -- what the ldap map class's two files share: a K
 * line's (or LDAPDefaultSpec's) settings as typed values, read by
 * map_ldap_spec.c and used by map_ldap.c to connect and search.
 */
#ifndef MAP_LDAP_INT_H
#define MAP_LDAP_INT_H

#include "../lib/arr.h"
#include "map_int.h"

#define LDAP_MAXATTR	64		/* sendmail's LDAPMAP_MAX_ATTR */
#define LDAP_NETTMO	60		/* seconds to connect, sendmail's */

/* which settings a spec gave (so the default spec fills the others) */
#define LS_HOST		0x0001
#define LS_PORT		0x0002
#define LS_BASE		0x0004
#define LS_SCOPE	0x0008
#define LS_BINDDN	0x0010
#define LS_SECRET	0x0020
#define LS_METHOD	0x0040
#define LS_TIMELIMIT	0x0080
#define LS_SIZELIMIT	0x0100
#define LS_VERSION	0x0200
#define LS_DEREF	0x0400
#define LS_NOREFERRALS	0x0800
#define LS_ATTRSONLY	0x1000
#define LS_ATTRSEP	0x2000
#define LS_NETTMO	0x4000
#define LS_MULTIARGS	0x8000

struct ldap_spec {
	unsigned	 given;		/* LS_ bits */
	char		*host;		/* -h: one or more, space-separated */
	char		*uri;		/* -H */
	int		 port;
	char		*base;
	int		 scope;
	char		*binddn;
	char		*secret;	/* -P: file with the password */
	int		 method;	/* LDAP_AUTH_NONE or _SIMPLE */
	int		 timelimit;	/* -l seconds, 0: none */
	int		 sizelimit;
	int		 version;
	int		 deref;
	int		 nettmo;
	char		 attrsep;	/* -V */
	char		*filter;	/* -k */
	/* -v split at commas, "objectClass" first as sendmail requests it */
	struct strarr	 attrs;
	int		 types[LDAP_MAXATTR];	/* LA_ */
	char		*needoc[LDAP_MAXATTR];	/* "oc|oc" or NULL */
	int		 single;	/* -1 */
};

/* attribute types (sendmail's SM_LDAP_ATTR_) */
enum { LA_NONE, LA_OBJCLASS, LA_NORMAL, LA_DN, LA_FILTER, LA_URL };

/* The K line's flags (m->pstate, a struct ldap_spec); -1 (err). */
int	ldap_spec_parse_map(struct map *, int argc, char **argv,
	    struct err *);
void	ldap_spec_parse_free(struct map *);
/* eff = the map's spec, with what it did not give from the default. */
int	ldap_spec_effective(struct map *, struct ldap_spec *eff,
	    struct err *);
void	ldap_spec_free(struct ldap_spec *);

#endif
