/*
 * deliver_user.c -- whom a mailer's child runs as: root for F=S, else
 * the mailer's U=, else the controlling user of the recipient (the user
 * whose .forward, or the owner of the :include: file, named a program or
 * file; never root) with that user's groups, else DefaultUser (mailnull,
 * or 1:1).  Worked out before the fork: a vfork child may not look
 * anything up.
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver.h"
#include "lib/xalloc.h"

void
dlv_default_ids(struct cf *cf, uid_t *uid, gid_t *gid)
{
	const char *du = cf_option_value(cf, "DefaultUser");
	struct passwd *pw;
	char *colon, *u;

	*uid = 1;
	*gid = 1;
	if (du != NULL && *du != '\0') {
		u = xstrdup(du);
		if ((colon = strchr(u, ':')) != NULL)
			*colon++ = '\0';
		if ((pw = getpwnam(u)) != NULL) {
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
		} else
			*uid = (uid_t)atol(u);
		if (colon != NULL)
			*gid = (gid_t)atol(colon);
		else if (pw == NULL)
			*gid = *uid;
		free(u);
	} else if ((pw = getpwnam("mailnull")) != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
}

int
dlv_run_as(struct cf *cf, const struct cf_mailer_info *m,
    const struct dlv_rcpt *r, struct dlv_ids *ids)
{
	struct passwd *pw = NULL;
	int n;

	memset(ids, 0, sizeof(*ids));
	ids->uid = 1;
	ids->gid = 1;
	if (geteuid() != 0 || m->flags['S'])
		return 0;
	if (m->uid >= 0) {
		ids->uid = (uid_t)m->uid;
		ids->gid = m->gid >= 0 ? (gid_t)m->gid : ids->uid;
	} else if (r != NULL && r->ctl && r->ctl_uid > 0) {
		ids->uid = (uid_t)r->ctl_uid;
		ids->gid = (gid_t)r->ctl_gid;
		/* a user's programs get that user's groups too */
		if ((pw = getpwuid(ids->uid)) != NULL) {
			n = 16;
			ids->groups = xreallocarray(NULL, (size_t)n,
			    sizeof(gid_t));
			while (getgrouplist(pw->pw_name, ids->gid, ids->groups,
			    &n) == -1 && n > 0 && n < 65536)
				ids->groups = xreallocarray(ids->groups,
				    (size_t)n, sizeof(gid_t));
			ids->ngroups = n > 0 && n < 65536 ? n : 0;
		}
	} else
		dlv_default_ids(cf, &ids->uid, &ids->gid);
	return 1;
}

void
dlv_ids_free(struct dlv_ids *ids)
{
	free(ids->groups);
	ids->groups = NULL;
	ids->ngroups = 0;
}
