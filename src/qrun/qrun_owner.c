/*
 * qrun_owner.c -- who a delivery is from.  A list (an alias) with an
 * "owner-list" alias has its members' mail sent with that owner as the
 * envelope sender, and their failures returned to the owner instead of
 * the sender ("owner-owner" owns the owner- aliases); an owner that is
 * the sender itself changes nothing.  Without MeToo (option m, -om) the
 * sender does not get a copy through a list it sent to, only when it
 * named itself.
 */
#include <stdlib.h>
#include <string.h>

#include "qrun_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

char *
qrun_owner_of(struct cf *cf, const char *name)
{
	struct buf val;
	char *key, *v, *r = NULL;
	size_t n;

	if (str_ncasecmp(name, "owner-", 6) == 0)
		key = xstrdup("owner-owner");
	else if (asprintf(&key, "owner-%s", name) == -1)
		return NULL;
	buf_init(&val, 0);
	if (cf_alias(cf, key, &val) == 1) {
		v = (char *)str_skip_ws(buf_cstr(&val));
		n = strlen(v);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		/* a list, program, file or quoted name: the alias's name */
		if (n == 0 || strpbrk(v, ",:/|\"") != NULL)
			r = xstrdup(key);
		else
			r = xstrndup(v, n);
	}
	buf_free(&val);
	free(key);
	return r;
}

/* The MeToo in force: -om given at submission is kept in the qf. */
static int
metoo(const struct qrun_msg *q)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < q->qf.nmacros; i++)
		if (strcmp(q->qf.macros[i].name, "MeToo") == 0)
			v = q->qf.macros[i].value;
	return qrun_opt_true(v != NULL ? v : cf_option_value(q->cf, "MeToo"),
	    1);
}

int
qrun_opt_true(const char *v, int def)
{
	if (v == NULL)
		return def;
	return v[0] == '\0' || strchr("TtYy", v[0]) != NULL;
}

void
qrun_owners(struct qrun_msg *q)
{
	struct cf_resolved r;
	size_t k;
	int a;

	for (k = 0; k < q->ntargets; k++) {
		struct qrun_target *t = &q->targets[k];

		for (a = (int)k; a >= 0 && q->targets[a].owner == NULL;
		    a = q->targets[a].parent)
			continue;
		t->eowner = a >= 0 ? q->targets[a].owner : NULL;
		if (t->eowner != NULL && (qrun_same(t->eowner, q->sender) ||
		    qrun_same(t->eowner, q->qf.sender)))
			t->eowner = NULL;
	}
	if (metoo(q) || q->sender[0] == '\0')
		return;
	if (cf_addr_resolve(q->cf, q->sender, 1, '\0', NULL, &r) == 0 &&
	    r.mailer != NULL)
		for (k = 0; k < q->ntargets; k++) {
			struct qrun_target *t = &q->targets[k];

			if (!t->primary && t->state == QT_DELIVER &&
			    qrun_same(t->mailer, r.mailer) &&
			    str_casecmp(t->host ? t->host : "", r.host ?
			    r.host : "") == 0 && qrun_same(t->user, r.user))
				t->state = QT_SKIPPED;
		}
	cf_resolved_free(&r);
}
