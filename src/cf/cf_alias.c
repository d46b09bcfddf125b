/*
 * cf_alias.c -- looking local names up in the AliasFile databases:
 * each "[class:]file" of the option is a map (hash by default, the
 * file with .db); when the database cannot be opened the text file is
 * read instead, as sendmail does, with the same notes under -v: the
 * newaliases reader (the aliases(5) parser of src/map, each name through
 * the rulesets, the same messages) into an in-memory table where a later
 * entry replaces an earlier one, like sendmail's symbol table.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

struct alias_src {
	char		*file;
	struct map	*map;		/* NULL: class not available */
	int		 text_loaded;
	int		 text_missing;
	struct strarr	 keys;		/* text version: lowercased names */
	struct strarr	 vals;
	size_t		*slot;		/* hash of keys: index + 1, 0 free */
	size_t		 nslot;
	long		 naliases, longest, total;
};

struct cf_aliases {
	struct alias_src *src;
	size_t		  n;
};

static void
split_specs(const char *opt, struct strarr *out)
{
	const char *p = opt, *start;
	int quote = 0;

	for (start = p; ; p++) {
		if (*p == '"')
			quote = !quote;
		if (*p == '\0' || (*p == ',' && !quote)) {
			while (start < p && isspace((unsigned char)*start))
				start++;
			if (p > start)
				strarr_pushn(out, start, (size_t)(p - start));
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
}

static struct cf_aliases *
aliases_get(struct cf *cf)
{
	struct cf_aliases *al;
	struct strarr specs = { 0 };
	const char *opt = cf_opt(cf, "AliasFile"), *colon, *cls, *file;
	char name[32], *c;
	struct err err;
	size_t i;

	if (cf->aliases != NULL)
		return cf->aliases;
	al = xcalloc(1, sizeof(*al));
	cf->aliases = al;
	if (opt == NULL)
		return al;
	split_specs(opt, &specs);
	al->src = xcalloc(specs.n + 1, sizeof(*al->src));
	for (i = 0; i < specs.n; i++) {
		colon = strchr(specs.v[i], ':');
		if (colon != NULL && colon[1] != '\0' && specs.v[i][0] != '/') {
			c = xstrndup(specs.v[i], (size_t)(colon - specs.v[i]));
			cls = c;
			file = colon + 1;
		} else {
			c = NULL;
			cls = "hash";
			file = specs.v[i];
		}
		if (strcmp(cls, "implicit") == 0)
			cls = "hash";
		(void)snprintf(name, sizeof(name), "Alias%zu", i);
		al->src[al->n].file = xstrdup(file);
		err_clear(&err);
		al->src[al->n].map = map_declare(cf->maps, name, cls, file,
		    &err);
		al->n++;
		free(c);
	}
	strarr_free(&specs);
	return al;
}

static size_t
name_hash(const char *s)
{
	size_t h = 14695981039346656037UL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)tolower((unsigned char)*s)) *
		    1099511628211UL;
	return h;
}

/* The slot of name in the text version's table (free if absent). */
static size_t *
text_slot(struct alias_src *s, const char *name)
{
	size_t i = name_hash(name) & (s->nslot - 1);

	while (s->slot[i] != 0 &&
	    str_casecmp(s->keys.v[s->slot[i] - 1], name) != 0)
		i = (i + 1) & (s->nslot - 1);
	return &s->slot[i];
}

/* The text version's table: names without case, the last one wins. */
static int
text_store(void *arg, const char *key, const char *val, struct err *err)
{
	struct alias_src *s = arg;
	size_t *slot, i;

	if ((s->keys.n + 1) * 2 > s->nslot) {
		free(s->slot);
		s->nslot = s->nslot ? s->nslot * 2 : 1024;
		s->slot = xcalloc(s->nslot, sizeof(*s->slot));
		for (i = 0; i < s->keys.n; i++)
			*text_slot(s, s->keys.v[i]) = i + 1;
	}
	slot = text_slot(s, key);
	if (*slot != 0) {
		free(s->vals.v[*slot - 1]);
		s->vals.v[*slot - 1] = xstrdup(val);
		return 1;
	}
	strarr_push(&s->keys, key);
	str_lower(s->keys.v[s->keys.n - 1]);
	strarr_push(&s->vals, val);
	*slot = s->keys.n;
	return 0;
}

/* Reads the text version; a status it earned goes to cf->exitstat. */
static void
load_text(struct cf *cf, struct alias_src *s)
{
	int fd, rc;

	s->text_loaded = 1;
	fd = open(s->file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		s->text_missing = 1;
		return;
	}
	rc = cf_aliases_read_text(cf, s->file, fd, text_store, s,
	    &s->naliases, &s->longest, &s->total);
	(void)close(fd);
	/* as sendmail's readaliases, no address is current afterwards */
	cf->e_to = NULL;
	if (rc != 0 && cf->exitstat == 0)
		cf->exitstat = rc;
}

/*
 * Looks name up in each alias source in turn.  1 with the value in
 * out, 0 not found, -1 temporary failure.  `verbose` prints the notes
 * sendmail gives under -v when it falls back to the text file.
 */
int
cf_alias_lookup(struct cf *cf, const char *name, struct buf *out,
    int verbose)
{
	struct cf_aliases *al = aliases_get(cf);
	struct alias_src *s;
	struct err err;
	enum map_result r;
	size_t i, k;
	int stat;

	if (cf->noalias)
		return 0;
	for (i = 0; i < al->n; i++) {
		s = &al->src[i];
		if (s->map != NULL && map_available(s->map) &&
		    (s->map->flags & MF_OPEN)) {
			r = map_lookup(s->map, name, NULL, 0, out, &stat,
			    &err);
			if (r == MAP_FOUND)
				return 1;
			if (r == MAP_TEMPFAIL)
				return -1;
			continue;
		}
		if (!s->text_loaded) {
			if (verbose)
				cf_usrerr(cf, cf->e_to, "WARNING: cannot open "
				    "alias database %s; reading text version",
				    s->file);
			load_text(cf, s);
			if (verbose && !s->text_missing)
				(void)fprintf(cf->out, "%s: %ld aliases, "
				    "longest %ld bytes, %ld bytes total\n",
				    s->file, s->naliases, s->longest,
				    s->total);
		}
		if (s->nslot > 0 && (k = *text_slot(s, name)) != 0) {
			buf_set(out, s->vals.v[k - 1]);
			return 1;
		}
	}
	return 0;
}

void
cf_maps_preopen(struct cf *cf)
{
	(void)aliases_get(cf);		/* declares the alias maps */
	map_set_open_files(cf->maps);
}

int
cf_maps_changed(struct cf *cf)
{
	return map_set_changed(cf->maps);
}

void
cf_aliases_free(struct cf *cf)
{
	struct cf_aliases *al = cf->aliases;
	size_t i;

	if (al == NULL)
		return;
	for (i = 0; i < al->n; i++) {
		free(al->src[i].file);
		strarr_free(&al->src[i].keys);
		strarr_free(&al->src[i].vals);
		free(al->src[i].slot);
	}
	free(al->src);
	free(al);
	cf->aliases = NULL;
}
