/*
 * map_db.c -- the "hash" and "btree" map classes over Berkeley DB 5.3,
 * reading the files sendmail's makemap writes (and writing them for our
 * makemap), and "implicit", which is hash for us since this build has
 * no dbm.  Owns the DB handle of each such map.
 *
 * Keys may or may not carry their terminating NUL: -N says they do, -O
 * that they don't, neither means try without then with, and keep to
 * whichever form matched first (sendmail's adaptive lookup).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <db.h>

#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

struct db_map {
	DB	*db;
	int	 try0;		/* still try keys without the NUL */
	int	 try1;		/* still try keys with the NUL */
	DBTYPE	 type;
	char	*path;		/* the .db file, to notice a rebuilt map */
	dev_t	 dev;
	ino_t	 ino;
	time_t	 mtime;
	time_t	 checked;	/* when the file was last compared */
};

/* The file of a map: arg + ".db" unless it already ends in ".db". */
static char *
db_path(const char *file)
{
	size_t n = strlen(file);
	char *p;

	if (n >= 3 && strcmp(file + n - 3, ".db") == 0)
		return xstrdup(file);
	p = xmalloc(xadd(n, 4));
	memcpy(p, file, n);
	memcpy(p + n, ".db", 4);
	return p;
}

/*
 * A rebuild reaches its pages in hash order, i.e. at random, and each
 * miss of the cache is a pread and, for the dirty page it evicts, a
 * pwrite.  Readahead then fills the page cache with large folios (the
 * file has holes where DB reserved buckets), and every 4 KiB pwrite
 * into a large folio walks all of its buffer heads: makemap of a
 * million lines spent a quarter of its time there on ext4.  Random
 * advice keeps the folios at one page.  Advice only: the file's bytes
 * are the same, and a failure changes nothing but the speed.
 */
static void
db_advise_random(DB *db)
{
	int fd;

	if (db->fd(db, &fd) == 0)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
}

static int
db_open_type(struct map *m, int mode, DBTYPE type, const char *what,
    struct err *err)
{
	struct db_map *dm;
	struct stat st;
	u_int32_t flags;
	char *path;
	DB *db;
	int rc;

	path = db_path(m->file);
	if (mode == O_RDONLY && stat(path, &st) == -1) {
		err_sys(err, ERR_TEMPFAIL, "%s map \"%s\": missing map file %s",
		    what, m->name, path);
		free(path);
		return -1;
	}
	if ((rc = db_create(&db, NULL, 0)) != 0) {
		err_set(err, ERR_TEMPFAIL, "%s map \"%s\": %s", what,
		    m->name, db_strerror(rc));
		free(path);
		return -1;
	}
	db->set_errfile(db, NULL);
	/*
	 * A rebuild (newaliases) puts every entry in hash order: with
	 * Berkeley DB's 256 KiB default cache a 10 MB file is paged in and
	 * out once per put.  The cache does not change the file; the page
	 * size, which would, stays DB's default as sendmail leaves it.
	 */
	if (mode != O_RDONLY && (rc = db->set_cachesize(db, 0,
	    MAP_DB_BUILD_CACHE, 1)) != 0) {
		err_set(err, ERR_TEMPFAIL, "%s map \"%s\": %s", what,
		    m->name, db_strerror(rc));
		(void)db->close(db, 0);
		free(path);
		return -1;
	}
	if (mode == O_RDONLY)
		flags = DB_RDONLY;
	else {
		flags = 0;
		if (mode & O_CREAT)
			flags |= DB_CREATE;
		if (mode & O_TRUNC)
			flags |= DB_TRUNCATE;
	}
	rc = db->open(db, NULL, path, NULL, type, flags, 0644);
	if (rc == 0 && mode == O_RDONLY && stat(path, &st) == -1)
		memset(&st, 0, sizeof(st));
	if (rc != 0) {
		err_set(err, ERR_TEMPFAIL, "Cannot open %s database %s: %s",
		    type == DB_BTREE ? "btree" : "hash", path,
		    rc == EINVAL || rc > 0 ? strerror(rc) : db_strerror(rc));
		(void)db->close(db, 0);
		free(path);
		return -1;
	}
	if (mode != O_RDONLY)
		db_advise_random(db);
	dm = xcalloc(1, sizeof(*dm));
	dm->db = db;
	dm->type = type;
	dm->path = path;
	if (mode == O_RDONLY) {
		dm->dev = st.st_dev;
		dm->ino = st.st_ino;
		dm->mtime = st.st_mtime;
		dm->checked = time(NULL);
	}
	dm->try0 = !(m->flags & MF_INCLUDENUL);
	dm->try1 = !(m->flags & MF_NONUL);
	if (dm->try0 && dm->try1)
		m->flags |= MF_TRYNUL;
	m->priv = dm;
	return 0;
}

static int
db_hash_open(struct map *m, int mode, struct err *err)
{
	return db_open_type(m, mode, DB_HASH, "hash", err);
}

static int
db_btree_open(struct map *m, int mode, struct err *err)
{
	return db_open_type(m, mode, DB_BTREE, "btree", err);
}

/* 0 found (value in out), DB_NOTFOUND, or another DB error. */
static int
db_get(struct db_map *dm, const char *key, int withnul, struct buf *out)
{
	DBT k, v;
	size_t len;
	int rc;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)(strlen(key) + (withnul ? 1 : 0));
	rc = dm->db->get(dm->db, NULL, &k, &v, 0);
	if (rc != 0)
		return rc;
	len = v.size;
	if (len > 0 && ((const char *)v.data)[len - 1] == '\0')
		len--;
	buf_reset(out);
	if (buf_add(out, v.data, len) == -1)
		return ENOMEM;
	return 0;
}

/*
 * A map rebuilt by makemap or newaliases is a new file renamed over the
 * old one: at most once a second a lookup compares the path with what
 * is open and reopens it, so a long-running reader sees the new map.
 * If the new file cannot be opened the old handle stays in use.
 */
static void
db_reopen_if_changed(struct map *m, struct db_map *dm)
{
	struct stat st;
	time_t now = time(NULL);
	DB *db;

	if (dm->path == NULL || now == dm->checked)
		return;
	dm->checked = now;
	if (stat(dm->path, &st) == -1 || (st.st_dev == dm->dev &&
	    st.st_ino == dm->ino && st.st_mtime == dm->mtime))
		return;
	if (db_create(&db, NULL, 0) != 0)
		return;
	db->set_errfile(db, NULL);
	if (db->open(db, NULL, dm->path, NULL, dm->type, DB_RDONLY, 0) != 0) {
		(void)db->close(db, 0);
		return;
	}
	(void)dm->db->close(dm->db, 0);
	dm->db = db;
	dm->dev = st.st_dev;
	dm->ino = st.st_ino;
	dm->mtime = st.st_mtime;
	dm->try0 = !(m->flags & MF_INCLUDENUL);
	dm->try1 = !(m->flags & MF_NONUL);
}

int
map_db_changed(struct map *m)
{
	struct db_map *dm = m->priv;
	struct stat st;

	if (dm == NULL || dm->path == NULL || (m->flags & MF_WRITABLE) ||
	    stat(dm->path, &st) == -1)
		return 0;
	return st.st_dev != dm->dev || st.st_ino != dm->ino ||
	    st.st_mtime != dm->mtime;
}

static enum map_result
db_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct db_map *dm = m->priv;
	int rc = DB_NOTFOUND;

	db_reopen_if_changed(m, dm);

	if (strlen(key) > UINT32_MAX / 2)
		return MAP_NOTFOUND;
	if (dm->try0) {
		rc = db_get(dm, key, 0, val_out);
		if (rc == 0 && dm->try1) {
			dm->try1 = 0;
			m->flags &= ~MF_TRYNUL;
		}
	}
	if (rc == DB_NOTFOUND && dm->try1) {
		rc = db_get(dm, key, 1, val_out);
		if (rc == 0 && dm->try0) {
			dm->try0 = 0;
			m->flags &= ~MF_TRYNUL;
		}
	}
	if (rc == 0)
		return MAP_FOUND;
	if (rc == DB_NOTFOUND || rc == DB_KEYEMPTY)
		return MAP_NOTFOUND;
	*stat_out = MAPST_TEMPFAIL;
	err_set(err, ERR_TEMPFAIL, "%s map \"%s\": %s", m->cls->name,
	    m->name, rc > 0 ? strerror(rc) : db_strerror(rc));
	return MAP_TEMPFAIL;
}

/*
 * Stores key/value; 1 when the key was there.  As sendmail does, the
 * put refuses to overwrite first, so a duplicate is noticed by the
 * database itself; it is then replaced, or with -A (MF_APPENDDUP) the
 * new value is joined in front of the old one with a comma.
 */
static int
db_store(struct map *m, const char *key, const char *val, struct err *err)
{
	struct db_map *dm = m->priv;
	struct buf joined;
	DBT k, v, old;
	int nul = (m->flags & MF_INCLUDENUL) ? 1 : 0;
	int rc, dup = 0;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)(strlen(key) + (size_t)nul);
	v.data = (void *)val;
	v.size = (u_int32_t)(strlen(val) + (size_t)nul);
	buf_init(&joined, 0);
	rc = dm->db->put(dm->db, NULL, &k, &v, DB_NOOVERWRITE);
	if (rc == DB_KEYEXIST) {
		dup = 1;
		memset(&old, 0, sizeof(old));
		if ((m->flags & MF_APPENDDUP) &&
		    dm->db->get(dm->db, NULL, &k, &old, 0) == 0) {
			size_t olen = old.size;

			if (olen > 0 && ((char *)old.data)[olen - 1] == '\0')
				olen--;
			if (buf_adds(&joined, val) == -1 ||
			    buf_addc(&joined, ',') == -1 ||
			    buf_add(&joined, old.data, olen) == -1) {
				buf_free(&joined);
				return err_set(err, ERR_DATAERR, "%s map "
				    "\"%s\": store %s: value too long",
				    m->cls->name, m->name, key);
			}
			v.data = joined.data;
			v.size = (u_int32_t)(joined.len + (size_t)nul);
		}
		rc = dm->db->put(dm->db, NULL, &k, &v, 0);
	}
	buf_free(&joined);
	if (rc != 0)
		return err_set(err, ERR_IOERR, "%s map \"%s\": store %s: %s",
		    m->cls->name, m->name, key,
		    rc > 0 ? strerror(rc) : db_strerror(rc));
	return dup;
}

static int
db_walk(struct map *m, int (*fn)(void *, const char *, const char *),
    void *arg, struct err *err)
{
	struct db_map *dm = m->priv;
	struct buf kb, vb;
	DBC *c;
	DBT k, v;
	int rc, ret = 0;

	if ((rc = dm->db->cursor(dm->db, NULL, &c, 0)) != 0)
		return err_set(err, ERR_IOERR, "%s map \"%s\": %s",
		    m->cls->name, m->name, db_strerror(rc));
	buf_init(&kb, MAP_VALMAX);
	buf_init(&vb, MAP_VALMAX);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	while ((rc = c->get(c, &k, &v, DB_NEXT)) == 0) {
		buf_reset(&kb);
		buf_reset(&vb);
		if (buf_add(&kb, k.data, k.size) == -1 ||
		    buf_add(&vb, v.data, v.size) == -1) {
			ret = err_set(err, ERR_DATAERR, "%s map \"%s\": "
			    "entry too long", m->cls->name, m->name);
			break;
		}
		if (fn(arg, buf_cstr(&kb), buf_cstr(&vb)) != 0)
			break;
	}
	if (ret == 0 && rc != 0 && rc != DB_NOTFOUND)
		ret = err_set(err, ERR_IOERR, "%s map \"%s\": %s",
		    m->cls->name, m->name, db_strerror(rc));
	(void)c->close(c);
	buf_free(&kb);
	buf_free(&vb);
	return ret;
}

static void
db_close(struct map *m)
{
	struct db_map *dm = m->priv;

	if (dm == NULL)
		return;
	(void)dm->db->close(dm->db, 0);
	free(dm->path);
	free(dm);
	m->priv = NULL;
}

/*
 * implicit: sendmail tries hash, then dbm; a missing file fails without
 * a message (status 75), so the reason is kept short.
 */
static int
db_implicit_open(struct map *m, int mode, struct err *err)
{
	if (db_open_type(m, mode, DB_HASH, "implicit", err) == -1) {
		err_set(err, ERR_TEMPFAIL, "implicit map \"%s\": cannot open "
		    "%s", m->name, m->file);
		return -1;
	}
	return 0;
}

const struct map_class map_class_hash = {
	"hash", MAPCLASS_FOLDKEY | MAPCLASS_ALIASOK | MAPCLASS_REBUILD,
	NULL, db_hash_open, db_lookup, db_store, db_walk, db_close, NULL
};

const struct map_class map_class_btree = {
	"btree", MAPCLASS_FOLDKEY | MAPCLASS_ALIASOK | MAPCLASS_REBUILD,
	NULL, db_btree_open, db_lookup, db_store, db_walk, db_close, NULL
};

const struct map_class map_class_implicit = {
	"implicit", MAPCLASS_FOLDKEY | MAPCLASS_ALIASOK | MAPCLASS_REBUILD,
	NULL, db_implicit_open, db_lookup, db_store, db_walk, db_close, NULL
};

/*
 * The file API of makemap and editmap: one DB handle by path, raw
 * bytes in and out.
 */
struct map_db {
	DB	*db;
	int	 dups;
};

static const char *
db_reason(int rc)
{
	return rc > 0 ? strerror(rc) : db_strerror(rc);
}

struct map_db *
map_db_open(const char *path, const struct map_db_opts *o, struct err *err)
{
	struct map_db *md;
	u_int32_t flags;
	DB *db;
	int rc;

	if ((rc = db_create(&db, NULL, 0)) != 0) {
		err_set(err, ERR_CANTCREAT, "%s", db_reason(rc));
		return NULL;
	}
	db->set_errfile(db, NULL);
	if (o->cachesize > 0 &&
	    (rc = db->set_cachesize(db, (u_int32_t)(o->cachesize >> 30),
	    (u_int32_t)(o->cachesize & ((1U << 30) - 1)), 1)) != 0)
		goto fail;
	if (o->pagesize > 0 && (rc = db->set_pagesize(db, o->pagesize)) != 0)
		goto fail;
	if (o->dups && (rc = db->set_flags(db, DB_DUP)) != 0)
		goto fail;
	if (o->readonly)
		flags = DB_RDONLY;
	else
		flags = o->create ? DB_CREATE : 0;
	rc = db->open(db, NULL, path, NULL,
	    o->type == MAP_DB_BTREE ? DB_BTREE : DB_HASH, flags,
	    o->mode ? o->mode : 0640);
	if (rc != 0)
		goto fail;
	if (!o->readonly)
		db_advise_random(db);
	md = xcalloc(1, sizeof(*md));
	md->db = db;
	md->dups = o->dups;
	return md;
fail:
	err_set(err, ERR_CANTCREAT, "%s", db_reason(rc));
	(void)db->close(db, 0);
	return NULL;
}

int
map_db_put(struct map_db *md, const void *key, size_t klen, const void *val,
    size_t vlen, int replace, struct err *err)
{
	DBT k, v;
	int rc;

	if (klen > UINT32_MAX || vlen > UINT32_MAX)
		return err_set(err, ERR_DATAERR, "entry too long");
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	v.data = (void *)val;
	v.size = (u_int32_t)vlen;
	rc = md->db->put(md->db, NULL, &k, &v,
	    md->dups || replace ? 0 : DB_NOOVERWRITE);
	if (rc == DB_KEYEXIST)
		return 1;
	if (rc != 0)
		return err_set(err, ERR_IOERR, "%s", db_reason(rc));
	return 0;
}

int
map_db_get(struct map_db *md, const void *key, size_t klen,
    struct buf *val_out, struct err *err)
{
	DBT k, v;
	int rc;

	if (klen > UINT32_MAX)
		return 1;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	rc = md->db->get(md->db, NULL, &k, &v, 0);
	if (rc == DB_NOTFOUND || rc == DB_KEYEMPTY)
		return 1;
	if (rc != 0)
		return err_set(err, ERR_IOERR, "%s", db_reason(rc));
	buf_reset(val_out);
	if (buf_add(val_out, v.data, v.size) == -1)
		return err_set(err, ERR_DATAERR, "value too long");
	return 0;
}

int
map_db_del(struct map_db *md, const void *key, size_t klen, struct err *err)
{
	DBT k;
	int rc;

	if (klen > UINT32_MAX)
		return 1;
	memset(&k, 0, sizeof(k));
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	rc = md->db->del(md->db, NULL, &k, 0);
	if (rc == DB_NOTFOUND || rc == DB_KEYEMPTY)
		return 1;
	if (rc != 0)
		return err_set(err, ERR_IOERR, "%s", db_reason(rc));
	return 0;
}

int
map_db_walk(struct map_db *md, int (*fn)(void *, const char *, size_t,
    const char *, size_t), void *arg, struct err *err)
{
	DBC *c;
	DBT k, v;
	int rc, ret = 0;

	if ((rc = md->db->cursor(md->db, NULL, &c, 0)) != 0)
		return err_set(err, ERR_IOERR, "%s", db_reason(rc));
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	while ((rc = c->get(c, &k, &v, DB_NEXT)) == 0)
		if (fn(arg, k.data, k.size, v.data, v.size) != 0)
			break;
	if (rc != 0 && rc != DB_NOTFOUND)
		ret = err_set(err, ERR_IOERR, "%s", db_reason(rc));
	if ((rc = c->close(c)) != 0 && ret == 0)
		ret = err_set(err, ERR_IOERR, "%s", db_reason(rc));
	return ret;
}

int
map_db_fd(struct map_db *md)
{
	int fd;

	if (md->db->fd(md->db, &fd) != 0)
		return -1;
	return fd;
}

int
map_db_close(struct map_db *md, struct err *err)
{
	int rc;

	if (md == NULL)
		return 0;
	rc = md->db->close(md->db, 0);
	free(md);
	if (rc != 0)
		return err_set(err, ERR_IOERR, "%s", db_reason(rc));
	return 0;
}
