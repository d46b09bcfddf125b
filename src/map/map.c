/*
 * map.c -- the generic half of every map: the set of declared maps, the
 * class registry, parsing a K line's common flags, lazy opening, and the
 * lookup steps sendmail applies around each class (case folding, -o,
 * -t, -T, -m, -a and %n substitution).  The classes own only their own
 * state (struct map.priv).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/arr.h"
#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

struct map_set {
	struct map_env	 env;
	struct ptrarr	 maps;		/* struct map *, declaration order */
	struct map_switch *sw;		/* ServiceSwitchFile */
	unsigned	 dontblame;	/* MAP_DBS_ flags */
	int		 checkfiles;	/* map_set_dontblame() was called */
	long		 trusted_uid;	/* TrustedUser, -1 none */
	char		*ldap_default;	/* LDAPDefaultSpec */
};

static const struct map_class *const map_classes[] = {
	&map_class_hash,
	&map_class_btree,
	&map_class_implicit,
	&map_class_text,
	&map_class_regex,
	&map_class_dequote,
	&map_class_macro,
	&map_class_arith,
	&map_class_null,
	&map_class_stab,
	&map_class_sequence,
	&map_class_user,
	&map_class_syslog,
	&map_class_program,
	&map_class_host,
	&map_class_bestmx,
	&map_class_arpa,
	&map_class_dns,
	&map_class_ldap,
	&map_class_socket,
	&map_class_switch,
	&map_class_nis,
	&map_class_nisplus,
};

const struct map_class *
map_class_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(map_classes) / sizeof(map_classes[0]); i++)
		if (str_casecmp(map_classes[i]->name, name) == 0)
			return map_classes[i];
	return NULL;
}

struct map_set *
map_set_new(const struct map_env *env)
{
	struct map_set *set;

	set = xcalloc(1, sizeof(*set));
	if (env != NULL)
		set->env = *env;
	set->trusted_uid = -1;
	return set;
}

void
map_set_dontblame(struct map_set *set, unsigned flags)
{
	set->dontblame = flags;
	set->checkfiles = 1;
}

int
map_set_checks_files(const struct map_set *set)
{
	return set->checkfiles;
}

unsigned
map_set_dontblame_flags(const struct map_set *set)
{
	return set->dontblame;
}

void
map_set_trusted_uid(struct map_set *set, long uid)
{
	set->trusted_uid = uid;
}

long
map_set_trusted_uid_get(const struct map_set *set)
{
	return set->trusted_uid;
}

void
map_set_ldap_default(struct map_set *set, const char *spec)
{
	free(set->ldap_default);
	set->ldap_default = spec != NULL ? xstrdup(spec) : NULL;
}

const char *
map_set_ldap_default_get(const struct map_set *set)
{
	return set->ldap_default;
}

const struct map_env *
map_set_env(const struct map_set *set)
{
	return &set->env;
}

void
map_set_service_switch(struct map_set *set, const char *path)
{
	map_switch_free(set->sw);
	set->sw = map_switch_load(path);
}

void
map_set_service(struct map_set *set, const char *service,
    struct strarr *out)
{
	map_switch_methods(set->sw, service, out);
}

/* Closes the map and frees what the K line set, keeping name and set. */
static void
map_clear(struct map *m)
{
	map_close(m);
	if (m->cls != NULL && m->cls->parse_free != NULL)
		m->cls->parse_free(m);
	m->pstate = NULL;
	free(m->file);
	free(m->args);
	free(m->rest);
	free(m->append);
	free(m->tempappend);
	free(m->keyname);
	free(m->valname);
	m->file = m->args = m->rest = m->append = m->tempappend = NULL;
	m->keyname = m->valname = NULL;
	m->flags = 0;
	m->spacesub = m->coldelim = '\0';
	m->keycol = m->valcol = 0;
	m->open_mode = O_RDONLY;
	err_clear(&m->open_err);
	m->cls = NULL;
}

void
map_set_free(struct map_set *set)
{
	size_t i;
	struct map *m;

	if (set == NULL)
		return;
	map_switch_free(set->sw);
	free(set->ldap_default);
	for (i = 0; i < set->maps.n; i++) {
		m = set->maps.v[i];
		map_clear(m);
		free(m->name);
		free(m);
	}
	ptrarr_free(&set->maps);
	free(set);
}

struct map *
map_find(struct map_set *set, const char *name)
{
	size_t i;
	struct map *m;

	for (i = 0; i < set->maps.n; i++) {
		m = set->maps.v[i];
		if (str_casecmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

void
map_foreach(struct map_set *set, void (*fn)(struct map *, void *), void *arg)
{
	size_t i;

	for (i = 0; i < set->maps.n; i++)
		fn(set->maps.v[i], arg);
}

static int
file_class(const struct map *m)
{
	return m->cls == &map_class_hash || m->cls == &map_class_btree ||
	    m->cls == &map_class_text;
}

static void
open_file_map(struct map *m, void *arg)
{
	(void)arg;
	if (!file_class(m) || (m->flags & MF_OPENTRIED))
		return;
	if (map_open(m, O_RDONLY, NULL) == -1)
		map_close(m);	/* tried again at its first use */
}

void
map_set_open_files(struct map_set *set)
{
	map_foreach(set, open_file_map, NULL);
}

static void
changed_one(struct map *m, void *arg)
{
	if ((m->flags & MF_OPEN) && m->cls != &map_class_text &&
	    file_class(m) && map_db_changed(m))
		*(int *)arg = 1;
}

int
map_set_changed(struct map_set *set)
{
	int changed = 0;

	map_foreach(set, changed_one, &changed);
	return changed;
}

void
map_words(const char *s, struct strarr *out)
{
	str_split(s, " \t\r\n", out);
}

int
map_lower_key(const char *key, struct buf *out)
{
	size_t i;

	buf_reset(out);
	if (buf_adds(out, key) == -1)
		return -1;
	for (i = 0; i < out->len; i++)
		out->data[i] = (char)tolower((unsigned char)out->data[i]);
	return 0;
}

/* -z and -S values: one character, or \n, \t, \\ escapes as sendmail. */
static char
map_flag_char(const char *p)
{
	if (*p != '\\')
		return *p;
	switch (p[1]) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	default:
		return '\\';
	}
}

/*
 * Applies one common flag word ("-a.FOUND"); 1 if it was common, 0 if
 * it belongs to the class.
 */
static int
map_common_flag(struct map *m, const char *w)
{
	const char *v = w + 2;
	long n;

	switch (w[1]) {
	case 'o':
		m->flags |= MF_OPTIONAL;
		return 1;
	case 'N':
		m->flags |= MF_INCLUDENUL;
		m->flags &= ~MF_NONUL;
		return 1;
	case 'O':
		m->flags |= MF_NONUL;
		m->flags &= ~MF_INCLUDENUL;
		return 1;
	case 'f':
		m->flags |= MF_NOFOLDCASE;
		return 1;
	case 'm':
		m->flags |= MF_MATCHONLY;
		return 1;
	case 'D':
		m->flags |= MF_NODEFER;
		return 1;
	case 't':
		m->flags |= MF_TEMPNOTFOUND;
		return 1;
	case 'q':
		m->flags |= MF_KEEPQUOTES;
		return 1;
	case 'A':
		m->flags |= MF_APPENDDUP;
		return 1;
	case 'a':
		free(m->append);
		m->append = xstrdup(v);
		return 1;
	case 'T':
		free(m->tempappend);
		m->tempappend = xstrdup(v);
		return 1;
	case 'S':
		m->spacesub = map_flag_char(v);
		return 1;
	case 'z':
		m->coldelim = map_flag_char(v);
		return 1;
	case 'k':
		free(m->keyname);
		m->keyname = xstrdup(v);
		m->keycol = str_to_long(v, &n) == 0 && n >= 0 &&
		    n < 10000 ? (int)n : 0;
		return 1;
	case 'v':
		free(m->valname);
		m->valname = xstrdup(v);
		m->valcol = str_to_long(v, &n) == 0 && n >= 0 &&
		    n < 10000 ? (int)n : 0;
		return 1;
	default:
		return 0;
	}
}

/* Where the word starting at or after p begins. */
static const char *
map_skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/*
 * Fills m from the K line's arguments: common flags, then `file` (the
 * first word not starting with '-') and everything after it in rest.
 * Class flags are collected in cflags for the class's parse().
 */
static void
map_parse_args(struct map *m, const char *args, struct strarr *cflags)
{
	const char *p = args, *e;
	char *w;

	for (;;) {
		p = map_skip_space(p);
		if (*p != '-')
			break;
		e = p + strcspn(p, " \t\r\n");
		if ((m->cls->flags & MAPCLASS_SPACEDARGS) && e == p + 2 &&
		    strchr("RBrZ", p[1]) != NULL) {
			/* sendmail's dns map: "-R A" is "-RA" */
			e = map_skip_space(e);
			e += strcspn(e, " \t\r\n");
			w = xstrndup(p, (size_t)(e - p));
			strarr_push(cflags, w);
			free(w);
			p = e;
			continue;
		}
		w = xstrndup(p, (size_t)(e - p));
		if (w[1] == '\0' || !map_common_flag(m, w))
			strarr_push(cflags, w);
		free(w);
		p = e;
	}
	if (*p == '\0')
		return;
	e = p + strcspn(p, " \t\r\n");
	m->file = xstrndup(p, (size_t)(e - p));
	m->rest = xstrdup(p);
	str_rtrim(m->rest);
}

struct map *
map_declare(struct map_set *set, const char *name, const char *clsname,
    const char *args, struct err *err)
{
	const struct map_class *cls;
	struct map *m;
	struct strarr cflags = { NULL, 0, 0 };
	char *none[1] = { NULL };
	int rc = 0;

	err_clear(err);
	cls = map_class_find(clsname);
	if (cls == NULL) {
		err_set(err, ERR_CONFIG, "readcf: map %s: class %s not "
		    "available", name, clsname);
		return NULL;
	}
	if (args == NULL)
		args = "";
	m = map_find(set, name);
	if (m != NULL) {
		map_clear(m);
		free(m->name);
	} else {
		m = xcalloc(1, sizeof(*m));
		ptrarr_push(&set->maps, m);
	}
	m->name = xstrdup(name);
	m->set = set;
	m->cls = cls;
	m->open_mode = O_RDONLY;
	m->args = xstrdup(args);
	map_parse_args(m, args, &cflags);
	if (m->file == NULL && !(cls->flags & MAPCLASS_NOFILE)) {
		err_set(err, ERR_CONFIG, "No file name for %s map %s",
		    cls->name, name);
		rc = -1;
	}
	if (rc == 0 && cls->parse != NULL)
		rc = cls->parse(m, (int)cflags.n,
		    cflags.n > 0 ? cflags.v : none, err);
	else if (rc == 0) {
		size_t i;

		/* classes without flags of their own: sendmail's warning */
		for (i = 0; i < cflags.n; i++)
			if (cflags.v[i][1] != '\0' &&
			    strchr("dnrsb", cflags.v[i][1]) == NULL) {
				err_set(err, ERR_CONFIG, "Illegal option %c "
				    "map %s", cflags.v[i][1], name);
				break;
			}
	}
	strarr_free(&cflags);
	if (rc == -1) {
		/*
		 * sendmail keeps the map but never opens it (-bt: `Map
		 * named "st" not open'): treat it as an optional map
		 * that failed to open.
		 */
		m->flags |= MF_OPENTRIED | MF_OPENFAILED | MF_OPTIONAL;
		m->open_err = *err;
		m->open_err.kind = ERR_TEMPFAIL;
		return NULL;
	}
	return m;
}

/*
 * sendmail's safefile() checks before a file map is read: the hash and
 * btree files (name + ".db") and text files.  A missing file is left
 * to the class, which words that itself.  Writers (makemap, editmap,
 * newaliases) check with their own flags (map_file_check, forwrite).
 */
static int
map_open_safe(struct map *m, int mode, struct err *err)
{
	const char *file = m->file;
	char *path;
	size_t n;
	int rc;

	if (mode != O_RDONLY || file == NULL || !m->set->checkfiles)
		return 0;
	if (m->cls == &map_class_text) {
		rc = map_file_check(m, file, 0, err);
		if (rc == 0 || rc == ENOENT) {
			err_clear(err);
			return 0;
		}
		/* sendmail's text map gives no reason after the name */
		return err_set(err, ERR_TEMPFAIL, "text map \"%s\": unsafe "
		    "map file %s", m->name, file);
	}
	if (m->cls != &map_class_hash && m->cls != &map_class_btree)
		return 0;
	n = strlen(file);
	if (n >= 3 && strcmp(file + n - 3, ".db") == 0)
		path = xstrdup(file);
	else {
		path = xmalloc(xadd(n, 4));
		memcpy(path, file, n);
		memcpy(path + n, ".db", 4);
	}
	rc = map_file_check(m, path, 0, err);
	free(path);
	if (rc == 0 || rc == ENOENT) {
		err_clear(err);
		return 0;
	}
	return -1;
}

int
map_open(struct map *m, int mode, struct err *err)
{
	if (m->flags & MF_OPENTRIED) {
		if (m->flags & MF_OPEN)
			return 0;
		if (err != NULL)
			*err = m->open_err;
		return -1;
	}
	m->flags |= MF_OPENTRIED;
	m->open_mode = mode;
	err_clear(&m->open_err);
	if (map_open_safe(m, mode, &m->open_err) == -1 ||
	    (m->cls->open != NULL && m->cls->open(m, mode, &m->open_err) == -1)) {
		m->flags |= MF_OPENFAILED;
		if (m->open_err.kind == ERR_NONE)
			m->open_err.kind = ERR_TEMPFAIL;
		if (err != NULL)
			*err = m->open_err;
		return -1;
	}
	m->flags |= MF_OPEN;
	if (mode != O_RDONLY)
		m->flags |= MF_WRITABLE;
	return 0;
}

void
map_close(struct map *m)
{
	if (m == NULL)
		return;
	if ((m->flags & MF_OPEN) && m->cls != NULL && m->cls->close != NULL)
		m->cls->close(m);
	m->flags &= ~(MF_OPEN | MF_OPENTRIED | MF_OPENFAILED | MF_WRITABLE);
}

int
map_available(struct map *m)
{
	(void)map_open(m, O_RDONLY, NULL);
	if (m->flags & MF_OPEN)
		return 1;
	return !(m->flags & MF_OPTIONAL);
}

/*
 * Copies val into out with %0 (key), %1..%9 (args) and %% replaced;
 * any other % stays.  -1 when the result passes the buffer's max.
 */
static int
map_subst(const char *val, size_t vlen, const char *key,
    const char *const *args, size_t nargs, struct buf *out)
{
	size_t i, n;
	int c;

	for (i = 0; i < vlen; i++) {
		c = (unsigned char)val[i];
		if (c != '%' || i + 1 >= vlen) {
			if (buf_addc(out, c) == -1)
				return -1;
			continue;
		}
		c = (unsigned char)val[i + 1];
		if (c == '%') {
			if (buf_addc(out, '%') == -1)
				return -1;
			i++;
		} else if (c >= '0' && c <= '9') {
			n = (size_t)(c - '0');
			if (n == 0) {
				if (buf_adds(out, key) == -1)
					return -1;
			} else if (n <= nargs && args[n - 1] != NULL) {
				if (buf_adds(out, args[n - 1]) == -1)
					return -1;
			}
			i++;
		} else if (buf_addc(out, '%') == -1)
			return -1;
	}
	return 0;
}

enum map_result
map_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct buf kbuf, raw;
	const char *k = key;
	enum map_result r;
	int stat = MAPST_OK;

	err_clear(err);
	buf_reset(val_out);
	*stat_out = MAPST_OK;
	if (map_open(m, O_RDONLY, err) == -1) {
		if (m->flags & MF_OPTIONAL) {
			err_clear(err);
			return MAP_NOTFOUND;
		}
		stat = MAPST_TEMPFAIL;
		goto tempfail;
	}
	buf_init(&kbuf, MAP_VALMAX);
	buf_init(&raw, MAP_VALMAX);
	if ((m->cls->flags & MAPCLASS_FOLDKEY) &&
	    !(m->flags & MF_NOFOLDCASE)) {
		if (map_lower_key(key, &kbuf) == -1) {
			buf_free(&kbuf);
			buf_free(&raw);
			*stat_out = MAPST_NOTFOUND;
			return MAP_NOTFOUND;
		}
		k = kbuf.data;
	}
	r = m->cls->lookup(m, k, args, nargs, &raw, &stat, err);
	buf_free(&kbuf);
	if (r == MAP_FOUND) {
		if (m->flags & MF_MATCHONLY)
			r = buf_adds(val_out, key) == -1 ? MAP_NOTFOUND : r;
		else if (m->cls->flags & MAPCLASS_RAWARGS)
			r = buf_add(val_out, raw.data, raw.len) == -1 ?
			    MAP_NOTFOUND : r;
		else if (map_subst(raw.data, raw.len, key, args, nargs,
		    val_out) == -1)
			r = MAP_NOTFOUND;
		if (r == MAP_FOUND && m->append != NULL &&
		    buf_adds(val_out, m->append) == -1)
			r = MAP_NOTFOUND;
		if (r != MAP_FOUND) {
			buf_reset(val_out);
			err_set(err, ERR_DATAERR, "%s: value too long",
			    m->name);
		}
	}
	buf_free(&raw);
	*stat_out = stat;
	if (r != MAP_TEMPFAIL)
		return r;
tempfail:
	*stat_out = stat;
	if (m->flags & MF_TEMPNOTFOUND)
		return MAP_NOTFOUND;
	if (m->tempappend != NULL) {
		buf_reset(val_out);
		if (buf_adds(val_out, key) == -1 ||
		    buf_adds(val_out, m->tempappend) == -1)
			buf_reset(val_out);
	}
	return MAP_TEMPFAIL;
}

int
map_store(struct map *m, const char *key, const char *val, struct err *err)
{
	struct buf kbuf;
	int rc;

	err_clear(err);
	if (m->cls->store == NULL)
		return err_set(err, ERR_CONFIG, "%s map %s: not writable",
		    m->cls->name, m->name);
	if (!(m->flags & MF_OPENTRIED) &&
	    map_open(m, O_RDWR | O_CREAT, err) == -1)
		return -1;
	if (!(m->flags & MF_OPEN)) {
		*err = m->open_err;
		return -1;
	}
	buf_init(&kbuf, MAP_VALMAX);
	if ((m->cls->flags & MAPCLASS_FOLDKEY) &&
	    !(m->flags & MF_NOFOLDCASE)) {
		if (map_lower_key(key, &kbuf) == -1) {
			buf_free(&kbuf);
			return err_set(err, ERR_DATAERR, "key too long");
		}
		key = kbuf.data;
	}
	rc = m->cls->store(m, key, val, err);
	buf_free(&kbuf);
	return rc;
}
