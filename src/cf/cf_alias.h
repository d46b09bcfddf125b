/*
 * cf_alias.h -- the alias entry points of src/cf that the front ends
 * call (sendmail -bi / newaliases).  Kept apart from cf.h until the
 * maps work settles; the declarations belong there.
 */
#ifndef CF_CF_ALIAS_H
#define CF_CF_ALIAS_H

#include <stdio.h>

struct cf;

/*
 * -bi: rebuilds the database of every rebuildable AliasFile (hash,
 * btree, implicit) from its text, as sendmail 8.17 does: messages and
 * the "N aliases, longest L bytes, T bytes total" line on out, the
 * syslog lines, and a sysexits status (70 after a syntax error).  Each
 * database is written under a temporary name, synced and renamed over
 * <file>.db, so readers never see a half-built one.
 */
int	cf_newaliases(struct cf *, FILE *out);

#endif
