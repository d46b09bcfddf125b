/*
 * map_switch.c -- the service switch (ServiceSwitchFile, sendmail's
 * /etc/mail/service.switch): which sources answer "hosts" and
 * "aliases", in order.  Without a file, hosts are "dns files" and
 * aliases "files", sendmail's fallback.
 *
 * Also the map classes that follow it: "switch" (`Kali switch aliases`
 * asks ali.files, ali.nis ... in the switch's order) and the NIS
 * sources "nis" and "nisplus", which this system has no client for:
 * they declare as sendmail's do and answer as sendmail does on a host
 * without NIS (temporary failure).  Owns the switch's member list.
 */
#include <ctype.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

/*
 * The file as sendmail 8.17 reads it on Linux (its fall-back reader;
 * nsswitch.conf is only read by Solaris builds): a line is a service
 * name ended by a space or tab, then methods separated by spaces or
 * tabs (further white space skipped after each separator), up to '#'.
 * A line starting with white space, or with no method, is ignored; a
 * later line for a service replaces an earlier one (names without
 * case).  Nothing else is special: "aliases:" is another service, and
 * nsswitch's "[NOTFOUND=return]" is just a method, i.e. a member map
 * "<name>.[NOTFOUND=return]" that does not exist, which the switch map
 * reports and skips as sendmail does.
 */
#define SWITCH_MAXMETHODS	12	/* sendmail's MAXMAPSTACK */

struct map_switch_ent {
	char		*service;
	struct strarr	 methods;
};

struct map_switch {
	struct map_switch_ent	*v;
	size_t			 n;
};

static const char *
switch_default(const char *service)
{
	if (str_casecmp(service, "hosts") == 0)
		return "dns files";
	if (str_casecmp(service, "aliases") == 0)
		return "files";
	return "";
}

void
map_switch_free(struct map_switch *sw)
{
	size_t i;

	if (sw == NULL)
		return;
	for (i = 0; i < sw->n; i++) {
		free(sw->v[i].service);
		strarr_free(&sw->v[i].methods);
	}
	free(sw->v);
	free(sw);
}

/* One line of the file (without its newline) into sw. */
static void
switch_line(struct map_switch *sw, char *line)
{
	struct map_switch_ent *e = NULL;
	char *p, *end;
	size_t i;

	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	p = strpbrk(line, " \t");
	if (p == NULL || p == line)
		return;		/* no method, or led by white space */
	*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return;
	for (i = 0; i < sw->n; i++)
		if (str_casecmp(sw->v[i].service, line) == 0) {
			e = &sw->v[i];
			strarr_free(&e->methods);
			break;
		}
	if (e == NULL) {
		sw->v = xreallocarray(sw->v, sw->n + 1, sizeof(*sw->v));
		e = &sw->v[sw->n++];
		e->service = xstrdup(line);
	}
	memset(&e->methods, 0, sizeof(e->methods));
	while (*p != '\0' && e->methods.n < SWITCH_MAXMETHODS) {
		end = strpbrk(p, " \t");
		if (end == NULL) {
			strarr_push(&e->methods, p);
			break;
		}
		strarr_pushn(&e->methods, p, (size_t)(end - p));
		p = end + 1;
		while (isspace((unsigned char)*p))
			p++;
	}
}

struct map_switch *
map_switch_load(const char *path)
{
	struct map_switch *sw = xcalloc(1, sizeof(*sw));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if (path == NULL || (f = fopen(path, "re")) == NULL)
		return sw;
	while ((n = getline(&line, &cap, f)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		switch_line(sw, line);
	}
	free(line);
	(void)fclose(f);
	return sw;
}

/* The methods of a service; one the file does not name has the default. */
void
map_switch_methods(const struct map_switch *sw, const char *service,
    struct strarr *out)
{
	size_t i, j;

	if (sw != NULL)
		for (i = 0; i < sw->n; i++)
			if (str_casecmp(sw->v[i].service, service) == 0) {
				for (j = 0; j < sw->v[i].methods.n; j++)
					strarr_push(out,
					    sw->v[i].methods.v[j]);
				return;
			}
	str_split(switch_default(service), " ", out);
}

/*
 * switch: the members are "<map name>.<method>" for each method of the
 * service named by the file argument, resolved when the map opens (an
 * unknown one is reported and left out, as sendmail does).
 */
struct switch_map {
	struct strarr	 members;
	int		 busy;		/* guards against a map in itself */
};

static int
switch_open(struct map *m, int mode, struct err *err)
{
	const struct map_env *env = map_set_env(m->set);
	struct switch_map *sm;
	struct strarr methods = { NULL, 0, 0 };
	char *name;
	size_t i;

	if (mode != O_RDONLY)
		return err_set(err, ERR_CONFIG, "switch map \"%s\": map is "
		    "read-only", m->name);
	sm = xcalloc(1, sizeof(*sm));
	map_set_service(m->set, m->file, &methods);
	for (i = 0; i < methods.n; i++) {
		name = xmalloc(xadd(xadd(strlen(m->name), strlen(
		    methods.v[i])), 2));
		memcpy(name, m->name, strlen(m->name));
		name[strlen(m->name)] = '.';
		memcpy(name + strlen(m->name) + 1, methods.v[i],
		    strlen(methods.v[i]) + 1);
		if (map_find(m->set, name) == NULL) {
			char msg[ERR_MSGMAX];

			(void)snprintf(msg, sizeof(msg), "Switch map %s: "
			    "unknown member map %s", m->name, name);
			if (env->syserr != NULL)
				env->syserr(env->arg, msg);
			else if (env->message != NULL)
				env->message(env->arg, msg);
		} else
			strarr_push(&sm->members, name);
		free(name);
	}
	strarr_free(&methods);
	m->priv = sm;
	return 0;
}

/*
 * sendmail's sequence semantics: the first member that finds the key
 * wins; a member that cannot open is skipped when optional and counts
 * as a temporary failure otherwise.  Not found keeps the last member's
 * status (68 when it gave none); any temporary failure makes it 75.
 */
static enum map_result
switch_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct switch_map *sm = m->priv;
	struct map *mm;
	struct err merr;
	enum map_result r;
	size_t i;
	int st = MAPST_OK, tempfail = 0;

	if (sm == NULL || sm->busy) {
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	}
	sm->busy = 1;
	for (i = 0; i < sm->members.n; i++) {
		mm = map_find(m->set, sm->members.v[i]);
		if (mm == NULL || !map_available(mm))
			continue;
		r = map_lookup(mm, key, args, nargs, val_out, &st, &merr);
		if (r == MAP_FOUND) {
			sm->busy = 0;
			*stat_out = MAPST_OK;
			return MAP_FOUND;
		}
		if (r == MAP_TEMPFAIL) {
			if (!tempfail)
				*err = merr;
			tempfail = 1;
		}
	}
	sm->busy = 0;
	buf_reset(val_out);
	if (tempfail) {
		*stat_out = MAPST_TEMPFAIL;
		return MAP_TEMPFAIL;
	}
	*stat_out = st != MAPST_OK ? st : MAPST_NOTFOUND;
	return MAP_NOTFOUND;
}

static void
switch_close(struct map *m)
{
	struct switch_map *sm = m->priv;

	if (sm == NULL)
		return;
	strarr_free(&sm->members);
	free(sm);
	m->priv = NULL;
}

const struct map_class map_class_switch = {
	"switch", MAPCLASS_RAWARGS | MAPCLASS_ALIASOK,
	NULL, switch_open, switch_lookup, NULL, NULL, switch_close, NULL
};

/*
 * nis and nisplus: sendmail 8.17 as Debian builds it has both, and on
 * a host without NIS every lookup is a temporary failure (nis says why
 * when it opens).  We have no NIS client: the maps declare, open
 * without a connection, and answer TEMPFAIL the same way (see
 * doc/differences.md).
 */
static int
nis_open(struct map *m, int mode, struct err *err)
{
	size_t n = strcspn(m->file, "@");

	if (n == 0)
		return err_set(err, ERR_TEMPFAIL, "NIS map mail.aliases "
		    "specified, but NIS not running");
	return err_set(err, ERR_TEMPFAIL, "NIS map %.*s specified, but NIS "
	    "not running", (int)n, m->file);
}

static enum map_result
nis_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	*stat_out = MAPST_TEMPFAIL;
	return MAP_TEMPFAIL;
}

const struct map_class map_class_nis = {
	"nis", MAPCLASS_ALIASOK,
	NULL, nis_open, nis_lookup, NULL, NULL, NULL, NULL
};

const struct map_class map_class_nisplus = {
	"nisplus", MAPCLASS_ALIASOK,
	NULL, NULL, nis_lookup, NULL, NULL, NULL, NULL
};
