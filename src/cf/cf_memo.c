/*
 * cf_memo.c -- newaliases' shortcut through rulesets 3 and 0 for names
 * of one plain atom ("alias000123"), exact, not a guess.
 *
 * The first such name goes through the rulesets with its token watched
 * by pointer (rule skipping by Bloom bits off, so every rule is tried):
 * each test whose outcome could depend on its text is recorded -- a
 * literal compared with it, a class (or phrase) lookup that includes
 * it, a map lookup whose key includes it (not found, or a dequote-like
 * answer equal to the key), a lookup in a file's map (hash, btree,
 * text, stab: the file may be rebuilt meanwhile) whatever its key, a
 * macro read -- and the final workspace is
 * kept with the token marked.  Everything else the rewrite did looked
 * at token positions and counts only, which another one-atom name
 * shares.  The next one-atom name replays the records with its own
 * text; when every test gives the recorded outcome the rewrite would
 * take the same path, so the kept workspace with the new token is the
 * result.  Anything the recording cannot follow (a map result built
 * from the token, a side-effect map class, a message, a temporary
 * failure) leaves no memo, and the name takes the full path.
 * Owns struct cf_memo (cf->memo, made by cf_memo_enable()).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cf_int.h"
#include "lib/xalloc.h"

#define EX_OK	0

enum memo_kind {
	MEMO_LIT,	/* literal text compared: equal or not */
	MEMO_CLASS,	/* $=X / $~X over tokens including the name */
	MEMO_MAPNF,	/* map lookup, key with the name: not found */
	MEMO_MAPID,	/* map lookup of the name alone: the name itself */
	MEMO_MAPK,	/* a file's map, key without the name: its answer */
	MEMO_MACRO	/* $&x read: its value then (NULL: unset) */
};

struct memo_rec {
	enum memo_kind	 kind;
	int		 id;		/* class or macro */
	int		 result;	/* LIT equal, CLASS member, MAPK found */
	int		 never;		/* CLASS: no name can make it true */
	size_t		 len;		/* LIT: strlen(text) */
	char		*text;		/* LIT literal, MACRO value, MAPK value */
	char		**tmpl;		/* CLASS phrase, MAPNF key */
	struct map	*map;
	char		**args;
	int		 nargs;
};

struct cf_memo {
	int		 recording;
	int		 failed;
	int		 valid;
	unsigned long	 nmsgs;		/* cf->nmsgs when recording began */
	struct memo_rec	*rec;
	size_t		 n, cap;
	char		**out;		/* the result, the name as mark */
	struct buf	 scratch;	/* phrases joined for the replay */
	unsigned long	 replays;	/* names that took the shortcut */
};

/* Stands for the name inside templates. */
static char mark[] = "";

/*
 * Map classes whose lookups only read: 2 when the answer depends on the
 * key alone, 1 when also on a file that may change while we run (such a
 * lookup is asked again on replay even with a key not made from the
 * name), 0 for the others (side effects, the network, the clock).
 */
static int
pure_class(const struct map *m)
{
	static const char *const fixed[] = {
		"dequote", "regex", "arith", "null"
	};
	static const char *const files[] = {
		"hash", "btree", "implicit", "text", "stab"
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(m->cls->name, fixed[i]) == 0)
			return 2;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(m->cls->name, files[i]) == 0)
			return 1;
	return 0;
}

/*
 * One token of the safe shape: letters, digits, '-' and '_', each an
 * atom character (a lone "-" that OperatorChars makes an operator is
 * not: joins and phrases treat atoms and operators apart).
 */
static int
plain_atom(struct cf *cf, char **pvp)
{
	const unsigned char *p;

	if (pvp[0] == NULL || pvp[1] != NULL || pvp[0][0] == '\0')
		return 0;
	for (p = (const unsigned char *)pvp[0]; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_') ||
		    cf->tok_ext.type[*p] != ADDR_ATM)
			return 0;
	return 1;
}

static void
free_vec(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		if (v[i] != mark)
			free(v[i]);
	free(v);
}

static void
clear(struct cf_memo *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->rec[i].text);
		free_vec(m->rec[i].tmpl);
		free_vec(m->rec[i].args);
	}
	m->n = 0;
	free_vec(m->out);
	m->out = NULL;
	m->valid = 0;
	m->failed = 0;
}

void
cf_memo_enable(struct cf *cf)
{
	if (cf->memo == NULL) {
		cf->memo = xcalloc(1, sizeof(*cf->memo));
		buf_init(&cf->memo->scratch, 0);
	}
}

void
cf_memo_free(struct cf *cf)
{
	if (cf->memo == NULL)
		return;
	clear(cf->memo);
	buf_free(&cf->memo->scratch);
	free(cf->memo->rec);
	free(cf->memo);
	cf->memo = NULL;
	cf->memo_x = NULL;
}

/* first..last (last NULL: to the end) copied, the name as mark. */
static char **
copy_vec(struct cf *cf, char *const *first, char *const *last)
{
	size_t n = 0, i;
	char **v;

	while (first[n] != NULL && (last == NULL || first + n <= last))
		n++;
	v = xreallocarray(NULL, n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = first[i] == cf->memo_x ? mark : xstrdup(first[i]);
	v[n] = NULL;
	return v;
}

/* The template with y for the mark, in a vector of the arena's. */
static char **
fill(struct cf *cf, char **tmpl, char *y, int copy)
{
	char **v = cf_pvp_new(cf);
	size_t i;

	for (i = 0; i < ADDR_MAXATOM && tmpl[i] != NULL; i++) {
		if (tmpl[i] == mark)
			v[i] = y;
		else
			v[i] = copy ? cf_arena_str(cf, tmpl[i],
			    strlen(tmpl[i])) : tmpl[i];
	}
	v[i] = NULL;
	return v;
}

static struct memo_rec *
add(struct cf *cf, enum memo_kind kind)
{
	struct cf_memo *m = cf->memo;
	struct memo_rec *r;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 32;
		m->rec = xreallocarray(m->rec, m->cap, sizeof(*m->rec));
	}
	r = &m->rec[m->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	return r;
}

static int
contains_x(struct cf *cf, char *const *first, char *const *last)
{
	for (; *first != NULL && (last == NULL || first <= last); first++)
		if (*first == cf->memo_x)
			return 1;
	return 0;
}

void
cf_memo_fail(struct cf *cf)
{
	if (cf->memo != NULL)
		cf->memo->failed = 1;
}

void
cf_memo_lit(struct cf *cf, const char *lit, int equal)
{
	struct cf_memo *m = cf->memo;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->rec[i].kind == MEMO_LIT &&
		    strcasecmp(m->rec[i].text, lit) == 0)
			return;		/* the same text, the same answer */
	add(cf, MEMO_LIT)->text = xstrdup(lit);
	m->rec[m->n - 1].result = equal;
	m->rec[m->n - 1].len = strlen(lit);
}

/* Whether template t stands for the tokens first..last. */
static int
same_tokens(struct cf *cf, char **t, char **first, char **last)
{
	for (; first <= last; t++, first++)
		if (*t == NULL || (*t == mark) != (*first == cf->memo_x) ||
		    (*t != mark && strcmp(*t, *first) != 0))
			return 0;
	return *t == NULL;
}

void
cf_memo_class(struct cf *cf, int id, char **first, char **last, int member)
{
	struct cf_memo *m = cf->memo;
	struct memo_rec *r;
	size_t i;

	if (!contains_x(cf, first, last))
		return;
	for (i = 0; i < m->n; i++)
		if (m->rec[i].kind == MEMO_CLASS && m->rec[i].id == id &&
		    same_tokens(cf, m->rec[i].tmpl, first, last))
			return;		/* asked before: the same answer */
	r = add(cf, MEMO_CLASS);
	r->id = id;
	r->result = member;
	r->tmpl = copy_vec(cf, first, last);
}

void
cf_memo_macro(struct cf *cf, int id, const char *value)
{
	struct memo_rec *r = add(cf, MEMO_MACRO);

	r->id = id;
	r->text = value != NULL ? xstrdup(value) : NULL;
	r->result = value != NULL;
}

/*
 * A lookup during the recording.  key is the key's tokens (to a NULL),
 * others whether the name was among the arguments or the default, args
 * the arguments' texts.  Returns 1 when the single token of the result
 * is to be the name itself (the lookup gave the key back), else 0.
 */
int
cf_memo_lookup(struct cf *cf, struct map *map, char **key, int others,
    const char *const *args, int nargs, enum map_result mr,
    const char *value, int errs)
{
	struct memo_rec *r;
	int i;

	if (map == NULL || errs || mr == MAP_TEMPFAIL || !pure_class(map) ||
	    others) {
		cf_memo_fail(cf);
		return 0;
	}
	if (!contains_x(cf, key, NULL)) {
		if (pure_class(map) == 2)
			return 0;
		r = add(cf, MEMO_MAPK);
		r->result = mr == MAP_FOUND;
		r->text = xstrdup(value);
	} else if (mr == MAP_FOUND && !(key[0] == cf->memo_x && key[1] == NULL &&
	    strcmp(value, cf->memo_x) == 0)) {
		cf_memo_fail(cf);	/* text made from the name */
		return 0;
	} else
		r = add(cf, mr == MAP_FOUND ? MEMO_MAPID : MEMO_MAPNF);
	r->map = map;
	r->tmpl = copy_vec(cf, key, NULL);
	r->nargs = nargs;
	r->args = xreallocarray(NULL, (size_t)nargs + 1, sizeof(char *));
	for (i = 0; i < nargs; i++)
		r->args[i] = xstrdup(args[i]);
	r->args[nargs] = NULL;
	return r->kind == MEMO_MAPID;
}

/* Whether the recorded test gives the recorded outcome for y. */
static int
holds(struct cf *cf, const struct memo_rec *r, char *y, size_t ylen)
{
	struct buf key, val;
	struct err err;
	enum map_result mr;
	const char *mv;
	char **v;
	int ok, stat = 0;

	switch (r->kind) {
	case MEMO_LIT:
		/* most literals are operators: their length tells */
		return (r->len == ylen && strcasecmp(r->text, y) == 0) ==
		    r->result;
	case MEMO_MACRO:
		mv = cf_macvalue(cf, r->id);
		if (mv == NULL || r->text == NULL)
			return (mv != NULL) == r->result;
		return strcmp(mv, r->text) == 0;
	case MEMO_CLASS:
		if (r->never)
			return 1;
		v = fill(cf, r->tmpl, y, 0);
		ok = cf_class_phrase(cf, r->id, v, &cf->memo->scratch) ==
		    r->result;
		cf_pvp_free(cf, v);
		return ok;
	case MEMO_MAPNF:
	case MEMO_MAPID:
	case MEMO_MAPK:
		v = fill(cf, r->tmpl, y, 0);
		buf_init(&key, 0);
		buf_init(&val, 0);
		cf_lookup_key(cf, r->map, v, &key);
		cf_pvp_free(cf, v);
		err_clear(&err);
		mr = map_lookup(r->map, buf_cstr(&key),
		    (const char *const *)r->args, (size_t)r->nargs, &val,
		    &stat, &err);
		if (err.kind != ERR_NONE || mr == MAP_TEMPFAIL)
			ok = 0;
		else if (r->kind == MEMO_MAPK)
			ok = (mr == MAP_FOUND) == r->result && (!r->result ||
			    strcmp(buf_cstr(&val), r->text) == 0);
		else
			ok = r->kind == MEMO_MAPNF ? mr == MAP_NOTFOUND :
			    mr == MAP_FOUND && strcmp(buf_cstr(&val), y) == 0;
		buf_free(&key);
		buf_free(&val);
		return ok;
	}
	return 0;
}

/*
 * pvp (a prescanned name) replaced by the recorded result when the memo
 * applies to it; 1 then, else 0 (pvp untouched).
 */
int
cf_memo_replay(struct cf *cf, char **pvp)
{
	struct cf_memo *m = cf->memo;
	char *y, **v;
	size_t i, ylen;

	if (m == NULL || !m->valid || !plain_atom(cf, pvp))
		return 0;
	y = pvp[0];
	ylen = strlen(y);
	for (i = 0; i < m->n; i++)
		if (!holds(cf, &m->rec[i], y, ylen))
			return 0;
	v = fill(cf, m->out, y, 1);
	for (i = 0; v[i] != NULL; i++)
		pvp[i] = v[i];
	pvp[i] = NULL;
	cf_pvp_free(cf, v);
	m->replays++;
	return 1;
}

unsigned long
cf_memo_replays(const struct cf *cf)
{
	return cf->memo != NULL ? cf->memo->replays : 0;
}

/* Starts recording when pvp is a name of the memo's shape. */
void
cf_memo_begin(struct cf *cf, char **pvp)
{
	struct cf_memo *m = cf->memo;

	if (m == NULL || cf->testmode || cf->debug21 || !plain_atom(cf, pvp))
		return;
	clear(m);
	m->recording = 1;
	m->nmsgs = cf->nmsgs;
	cf->memo_x = pvp[0];
}

/*
 * A phrase "name tokens..." the class did not have: when no word of the
 * class ends with what follows the name, no other name can make it
 * one, and the replay need not ask.
 */
static void
mark_never(struct cf *cf, struct memo_rec *r)
{
	struct cf_memo *m = cf->memo;
	static char one[] = "a";
	char **v;
	size_t i;

	if (r->kind != MEMO_CLASS || r->result || r->tmpl[0] != mark ||
	    r->tmpl[1] == NULL)
		return;
	for (i = 1; r->tmpl[i] != NULL; i++)
		if (r->tmpl[i] == mark)
			return;
	/* joined with a one-letter atom for the name: the rest follows */
	v = fill(cf, r->tmpl, one, 0);
	cf_phrase_join(cf, v, &m->scratch);
	cf_pvp_free(cf, v);
	r->never = !cf_class_has_suffix(cf, r->id, buf_cstr(&m->scratch) + 1);
}

/* Ends a recording: the memo is kept when it can be replayed. */
void
cf_memo_end(struct cf *cf, char **pvp, int status)
{
	struct cf_memo *m = cf->memo;
	size_t i;

	if (m == NULL || !m->recording)
		return;
	m->recording = 0;
	if (!m->failed && status == EX_OK && cf->nmsgs == m->nmsgs) {
		m->out = copy_vec(cf, pvp, NULL);
		m->valid = 1;
		for (i = 0; i < m->n; i++)
			mark_never(cf, &m->rec[i]);
	} else
		clear(m);
	cf->memo_x = NULL;
}
