/*
 * map_table.c -- map classes that hold or combine other data in memory:
 * "stab" (an in-memory table, loaded from an alias-style file at open,
 * grown by map_store) and "sequence" (the first member map that finds
 * the key).  Owns the stab's pairs and the sequence's member list.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/arr.h"
#include "../lib/fdio.h"
#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

#define STAB_LINEMAX	(64 * 1024)

struct stab_map {
	struct strarr	 keys;		/* lowercased */
	struct strarr	 vals;
};

static int
stab_put(struct stab_map *sm, const char *key, size_t klen, const char *val)
{
	size_t i;

	for (i = 0; i < sm->keys.n; i++)
		if (strlen(sm->keys.v[i]) == klen &&
		    str_ncasecmp(sm->keys.v[i], key, klen) == 0) {
			free(sm->vals.v[i]);
			sm->vals.v[i] = xstrdup(val);
			return 1;
		}
	strarr_pushn(&sm->keys, key, klen);
	str_lower(sm->keys.v[sm->keys.n - 1]);
	strarr_push(&sm->vals, val);
	return 0;
}

/* Adds a "key: value" entry (continuations already joined). */
static void
stab_add_entry(struct stab_map *sm, const char *e)
{
	const char *colon, *v;
	size_t klen;

	if (e[0] == '\0' || e[0] == '#')
		return;
	colon = strchr(e, ':');
	if (colon == NULL)
		return;
	klen = (size_t)(colon - e);
	while (klen > 0 && (e[klen - 1] == ' ' || e[klen - 1] == '\t'))
		klen--;
	if (klen == 0)
		return;
	v = str_skip_ws(colon + 1);
	(void)stab_put(sm, e, klen, v);
}

/* Reads an alias-style file; lines starting with a blank continue. */
static int
stab_load(struct map *m, struct stab_map *sm, int fd, struct err *err)
{
	struct fdin in;
	struct buf line, entry;
	enum line_result lr;
	int rc = 0;

	fdin_init(&in, fd);
	buf_init(&line, STAB_LINEMAX);
	buf_init(&entry, STAB_LINEMAX);
	for (;;) {
		lr = fdio_getline(&in, &line, STAB_LINEMAX);
		if (lr == LINE_TOO_LONG)
			continue;
		if (lr != LINE_OK && lr != LINE_PARTIAL)
			break;
		str_rtrim(line.data);
		line.len = strlen(line.data);
		if (line.len > 0 && (line.data[0] == ' ' ||
		    line.data[0] == '\t') && entry.len > 0) {
			if (buf_adds(&entry, " ") == -1 ||
			    buf_adds(&entry, str_skip_ws(line.data)) == -1)
				buf_reset(&entry);
			continue;
		}
		if (entry.len > 0)
			stab_add_entry(sm, buf_cstr(&entry));
		buf_reset(&entry);
		if (line.len > 0 && buf_add(&entry, line.data, line.len) == -1)
			buf_reset(&entry);
	}
	if (entry.len > 0)
		stab_add_entry(sm, buf_cstr(&entry));
	if (lr == LINE_ERROR)
		rc = err_sys(err, ERR_TEMPFAIL, "stab map \"%s\": read %s",
		    m->name, m->file);
	buf_free(&line);
	buf_free(&entry);
	fdin_free(&in);
	return rc;
}

static void
stab_free(struct stab_map *sm)
{
	strarr_free(&sm->keys);
	strarr_free(&sm->vals);
	free(sm);
}

static int
stab_open(struct map *m, int mode, struct err *err)
{
	struct stab_map *sm;
	int fd;

	sm = xcalloc(1, sizeof(*sm));
	fd = open(m->file, O_RDONLY | O_CLOEXEC);
	if (fd == -1 && mode == O_RDONLY) {
		free(sm);
		return err_sys(err, ERR_TEMPFAIL, "stab map \"%s\": cannot "
		    "open %s", m->name, m->file);
	}
	if (fd != -1) {
		if (stab_load(m, sm, fd, err) == -1) {
			(void)close(fd);
			stab_free(sm);
			return -1;
		}
		(void)close(fd);
	}
	m->priv = sm;
	return 0;
}

static enum map_result
stab_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct stab_map *sm = m->priv;
	size_t i;

	for (i = 0; i < sm->keys.n; i++)
		if (str_casecmp(sm->keys.v[i], key) == 0)
			return buf_adds(val_out, sm->vals.v[i]) == -1 ?
			    MAP_NOTFOUND : MAP_FOUND;
	return MAP_NOTFOUND;
}

static int
stab_store(struct map *m, const char *key, const char *val, struct err *err)
{
	return stab_put(m->priv, key, strlen(key), val);
}

static int
stab_walk(struct map *m, int (*fn)(void *, const char *, const char *),
    void *arg, struct err *err)
{
	struct stab_map *sm = m->priv;
	size_t i;

	for (i = 0; i < sm->keys.n; i++)
		if (fn(arg, sm->keys.v[i], sm->vals.v[i]) != 0)
			break;
	return 0;
}

static void
stab_close(struct map *m)
{
	if (m->priv != NULL)
		stab_free(m->priv);
	m->priv = NULL;
}

/*
 * sequence: the members are named by the words after the class; an
 * unknown one is left out and reported (the map is still declared,
 * as sendmail does).
 */
struct seq_map {
	struct strarr	 members;	/* names, looked up at each use */
	int		 busy;		/* guards against a map in itself */
};

static int
seq_parse(struct map *m, int argc, char **argv, struct err *err)
{
	struct seq_map *sq;
	struct strarr words = { NULL, 0, 0 };
	size_t i;

	sq = xcalloc(1, sizeof(*sq));
	if (m->rest != NULL)
		map_words(m->rest, &words);
	for (i = 0; i < words.n; i++) {
		if (map_find(m->set, words.v[i]) == NULL) {
			/* a warning: the declaration still succeeds */
			err_set(err, ERR_CONFIG, "Sequence map %s: unknown "
			    "member map %s", m->name, words.v[i]);
			continue;
		}
		strarr_push(&sq->members, words.v[i]);
	}
	strarr_free(&words);
	m->pstate = sq;
	return 0;
}

static void
seq_parse_free(struct map *m)
{
	struct seq_map *sq = m->pstate;

	if (sq == NULL)
		return;
	strarr_free(&sq->members);
	free(sq);
	m->pstate = NULL;
}

/*
 * The members' full lookups (their own -a, -m, %n); the first found
 * wins.  Otherwise TEMPFAIL (75) if any member tempfailed, else not
 * found with status 68.
 */
static enum map_result
seq_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct seq_map *sq = m->pstate;
	struct map *mm;
	struct err merr;
	enum map_result r;
	size_t i;
	int st, tempfail = 0;

	if (sq == NULL || sq->busy) {
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	}
	sq->busy = 1;
	for (i = 0; i < sq->members.n; i++) {
		mm = map_find(m->set, sq->members.v[i]);
		if (mm == NULL)
			continue;
		r = map_lookup(mm, key, args, nargs, val_out, &st, &merr);
		if (r == MAP_FOUND) {
			sq->busy = 0;
			return MAP_FOUND;
		}
		if (r == MAP_TEMPFAIL) {
			if (!tempfail)
				*err = merr;
			tempfail = 1;
		}
	}
	sq->busy = 0;
	buf_reset(val_out);
	if (tempfail) {
		*stat_out = MAPST_TEMPFAIL;
		return MAP_TEMPFAIL;
	}
	*stat_out = MAPST_NOTFOUND;
	return MAP_NOTFOUND;
}

const struct map_class map_class_stab = {
	"stab", MAPCLASS_FOLDKEY | MAPCLASS_ALIASOK,
	NULL, stab_open, stab_lookup, stab_store, stab_walk, stab_close, NULL
};

const struct map_class map_class_sequence = {
	"sequence", MAPCLASS_NOFILE | MAPCLASS_RAWARGS | MAPCLASS_ALIASOK,
	seq_parse, NULL, seq_lookup, NULL, NULL, NULL, seq_parse_free
};
