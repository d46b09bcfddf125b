/*
 * cf_deliver.c -- what delivery asks of the cf: a mailer's M line as
 * facts (path, argv, flags, end of line, limits), an address as a
 * mailer is to see it (rulesets 3, 1 or 2, the mailer's S= or R=, 4),
 * and alias lookups.
 */
#include <string.h>

#include "cf_int.h"

int
cf_mailer_info(struct cf *cf, const char *name, struct cf_mailer_info *out)
{
	struct cf_mailer *m = cf_mailer_find(cf, name);

	memset(out, 0, sizeof(*out));
	out->num = -1;
	if (m == NULL)
		return -1;
	out->name = m->name;
	out->num = m->num;
	out->path = m->path;
	out->argv = (const char *const *)m->argv.v;
	out->argc = m->argv.n;
	out->flags = m->flags;
	out->eol = m->eol ? m->eol : "\n";
	out->maxsize = m->maxsize;
	out->maxrcpt = m->maxrcpt;
	out->execdir = m->execdir;
	out->qgrp = m->qgrp;
	out->uid = m->uid;
	out->gid = m->gid;
	return 0;
}

char *
cf_mailer_addr(struct cf *cf, const char *mailer, const char *addr,
    int sender, int header, int *tempfail)
{
	struct cf_mailer *m = cf_mailer_find(cf, mailer);
	int flags = (sender ? RF_SENDERADDR : 0) | (header ? RF_HEADERADDR :
	    RF_CANONICAL), stat = 0;
	char *r;

	*tempfail = 0;
	if (m == NULL)
		return strdup(addr);
	r = cf_remotename(cf, addr, m, flags, &stat);
	cf_arena_reset(cf);
	*tempfail = stat == 75;
	return r;
}

int
cf_alias(struct cf *cf, const char *name, struct buf *out)
{
	return cf_alias_lookup(cf, name, out, 0);
}

void
cf_set_noalias(struct cf *cf, int on)
{
	cf->noalias = on;
}

/* The cf's E line i ("NAME=value" or "NAME"), NULL past the last. */
const char *
cf_env_line(struct cf *cf, size_t i)
{
	return i < cf->envvars.n ? cf->envvars.v[i] : NULL;
}

const char *
cf_milter_line(struct cf *cf, size_t i)
{
	return i < cf->milters.n ? cf->milters.v[i] : NULL;
}

const struct cf_qgroup *
cf_qgroups(struct cf *cf, size_t *n_out)
{
	*n_out = cf->nqgroups;
	return cf->qgroups;
}
