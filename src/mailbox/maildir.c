/*
 * maildir.c -- Maildir as dovecot 2.3 keeps it: messages in new/ and
 * cur/ named <base>[:2,<flags>], UIDs in dovecot-uidlist
 * ("3 V<uidvalidity> N<uidnext> G<guid>", then "<uid> :<base>"),
 * rewritten through dovecot-uidlist.lock (O_EXCL) renamed into place;
 * keyword letters named in dovecot-keywords.  Expunge unlinks; flags
 * are renames into cur/.  Appends are maildir_append.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mailbox_int.h"
#include "lib/fdio.h"
#include "lib/xalloc.h"

struct entry {
	char		*base;		/* name without :2,flags */
	char		*name;		/* "new/..." or "cur/..." */
	uint32_t	 uid;
	int		 in_new;
	uint64_t	 vsize;		/* uidlist W field */
	int		 has_vsize;
};

struct entries {
	struct entry	*v;
	size_t		 n, cap;
};

static struct entry *
entry_add(struct entries *e)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? xmul(e->cap, 2) : 64;
		e->v = xreallocarray(e->v, e->cap, sizeof(*e->v));
	}
	memset(&e->v[e->n], 0, sizeof(e->v[0]));
	return &e->v[e->n++];
}

static void
entries_free(struct entries *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].base);
		free(e->v[i].name);
	}
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static int
by_base(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->base,
	    ((const struct entry *)b)->base);
}

static int
by_uid(const void *a, const void *b)
{
	uint32_t x = ((const struct entry *)a)->uid;
	uint32_t y = ((const struct entry *)b)->uid;

	return x < y ? -1 : x > y;
}

size_t
maildir_base_len(const char *name)
{
	const char *c = strstr(name, ":2,");

	return c ? (size_t)(c - name) : strlen(name);
}

static int
scan(const char *path, const char *sub, struct entries *out,
    struct err *err)
{
	struct buf dir;
	struct dirent *de;
	DIR *d;

	buf_init(&dir, 0);
	buf_printf(&dir, "%s/%s", path, sub);
	if ((d = opendir(dir.data)) == NULL) {
		err_sys(err, ERR_TEMPFAIL, "opendir %s", dir.data);
		buf_free(&dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct entry *e;

		if (de->d_name[0] == '.')
			continue;
		e = entry_add(out);
		e->base = xstrndup(de->d_name, maildir_base_len(de->d_name));
		e->in_new = strcmp(sub, "new") == 0;
		buf_reset(&dir);
		buf_printf(&dir, "%s/%s", sub, de->d_name);
		e->name = xstrdup(dir.data);
	}
	(void)closedir(d);
	buf_free(&dir);
	return 0;
}

/* Reads dovecot-uidlist into list; 0 with *found_out 0 if missing. */
static int
read_uidlist(struct mailbox *mb, struct entries *list, int *found_out,
    struct err *err)
{
	struct fdin in;
	struct buf line, path;
	enum line_result r;
	int fd, first = 1;

	*found_out = 0;
	buf_init(&path, 0);
	buf_printf(&path, "%s/dovecot-uidlist", mb->path);
	fd = open(path.data, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		int e = errno;

		buf_free(&path);
		if (e == ENOENT)
			return 0;
		errno = e;
		return err_sys(err, ERR_TEMPFAIL, "open dovecot-uidlist");
	}
	buf_free(&path);
	*found_out = 1;
	fdin_init(&in, fd);
	buf_init(&line, 0);
	while ((r = fdio_getline(&in, &line, 65536)) == LINE_OK ||
	    r == LINE_PARTIAL) {
		char *p = line.data, *end;

		if (first) {
			first = 0;
			if (strncmp(p, "3 ", 2) == 0) {
				for (p += 2; *p != '\0'; p++) {
					if (*p == 'V')
						mb->uidvalidity = (uint32_t)
						    strtoul(p + 1, &p, 10);
					else if (*p == 'N')
						mb->uidnext = (uint32_t)
						    strtoul(p + 1, &p, 10);
					else if (*p == 'G') {
						end = strchr(p, ' ');
						free(mb->guid);
						mb->guid = end ? xstrndup(p + 1,
						    (size_t)(end - p - 1)) :
						    xstrdup(p + 1);
						p = end ? end : p + strlen(p);
					}
					if (*p == '\0')
						break;
				}
			} else if (strncmp(p, "1 ", 2) == 0) {
				mb->uidvalidity = (uint32_t)strtoul(p + 2,
				    &p, 10);
				mb->uidnext = (uint32_t)strtoul(p, &p, 10);
			}
			continue;
		}
		{
			unsigned long uid = strtoul(p, &end, 10);
			char *colon = strchr(end, ':');
			struct entry *e;

			if (uid == 0 || uid > UINT32_MAX || end == p)
				continue;
			if (colon == NULL) {
				/* version 1: "<uid> <name>" */
				while (*end == ' ')
					end++;
				colon = end - 1;
			}
			e = entry_add(list);
			e->uid = (uint32_t)uid;
			e->base = xstrndup(colon + 1,
			    maildir_base_len(colon + 1));
			/* extension fields before ':', e.g. "W1234" */
			for (char *f = end; f < colon; f++)
				if (*f == 'W' && (f == end || f[-1] == ' '))
				{
					e->vsize = strtoull(f + 1, NULL, 10);
					e->has_vsize = 1;
				}
		}
	}
	buf_free(&line);
	fdin_free(&in);
	(void)close(fd);
	return 0;
}

static int refind(struct mailbox *, struct mailbox_msg *);

int
maildir_uidlist_lock(const char *path, struct buf *lock, struct err *err)
{
	time_t deadline = time(NULL) + 120;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct stat st;
	int fd;

	buf_printf(lock, "%s/dovecot-uidlist.lock", path);
	for (;;) {
		fd = open(lock->data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd != -1)
			return fd;
		if (errno != EEXIST)
			return err_sys(err, ERR_TEMPFAIL, "create %s",
			    lock->data);
		/* dovecot's stale timeout for this lock is 2 minutes */
		if (stat(lock->data, &st) == 0 &&
		    time(NULL) - st.st_mtime > 120)
			(void)unlink(lock->data);
		if (time(NULL) >= deadline)
			return err_set(err, ERR_TEMPFAIL,
			    "timed out waiting for %s", lock->data);
		(void)nanosleep(&ts, NULL);
	}
}

static void
make_guid(struct mailbox *mb)
{
	unsigned char r[16];
	char hex[33];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		uint64_t t = (uint64_t)time(NULL) ^ (uint64_t)getpid();

		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(t >> (i % 8 * 8));
	}
	for (i = 0; i < sizeof(r); i++)
		(void)snprintf(hex + i * 2, 3, "%02x", r[i]);
	free(mb->guid);
	mb->guid = xstrdup(hex);
}

int
maildir_write_uidlist(struct mailbox *mb, int fd, const char *lock,
    struct err *err)
{
	struct buf b, path;
	size_t i;
	int rc = 0;

	buf_init(&b, 0);
	if (mb->guid == NULL)
		make_guid(mb);
	buf_printf(&b, "3 V%" PRIu32 " N%" PRIu32 " G%s\n", mb->uidvalidity,
	    mb->uidnext, mb->guid);
	for (i = 0; i < mb->n; i++) {
		if (strstr(mb->msgs[i].name, ",W=") == NULL)
			buf_printf(&b, "%" PRIu32 " W%" PRIu64, mb->msgs[i].uid,
			    mb->msgs[i].vsize);
		else
			buf_printf(&b, "%" PRIu32, mb->msgs[i].uid);
		buf_printf(&b, " :%.*s\n",
		    (int)maildir_base_len(strchr(mb->msgs[i].name, '/') + 1),
		    strchr(mb->msgs[i].name, '/') + 1);
		if (b.len > 65536) {
			if (fdio_write_all(fd, b.data, b.len) == -1)
				rc = -1;
			buf_reset(&b);
		}
	}
	if (fdio_write_all(fd, b.data, b.len) == -1)
		rc = -1;
	buf_free(&b);
	if (rc == -1 || fsync(fd) == -1)
		return err_sys(err, ERR_TEMPFAIL, "write %s", lock);
	buf_init(&path, 0);
	buf_printf(&path, "%s/dovecot-uidlist", mb->path);
	if (rename(lock, path.data) == -1)
		rc = err_sys(err, ERR_TEMPFAIL, "rename %s", lock);
	buf_free(&path);
	return rc;
}

/* Size as clients see it: ,W= in the name, else counted. */
static uint64_t
msg_vsize(const char *dir, const char *name)
{
	const char *w = strstr(name, ",W=");
	struct buf path;
	char chunk[65536];
	uint64_t n = 0;
	ssize_t r;
	char prev = 0;
	int fd;

	if (w != NULL)
		return strtoull(w + 3, NULL, 10);
	buf_init(&path, 0);
	buf_printf(&path, "%s/%s", dir, name);
	fd = open(path.data, O_RDONLY | O_CLOEXEC);
	buf_free(&path);
	if (fd == -1)
		return 0;
	while ((r = read(fd, chunk, sizeof(chunk))) > 0) {
		ssize_t i;

		for (i = 0; i < r; i++) {
			if (chunk[i] == '\n' && prev != '\r')
				n++;
			prev = chunk[i];
		}
		n += (uint64_t)r;
	}
	(void)close(fd);
	return n;
}

/* dovecot-keywords: "<index> <name>" lines naming the letters a-z. */
void
maildir_read_keywords(struct mailbox *mb)
{
	struct buf path;
	char *line = NULL;
	size_t cap = 0, i;
	FILE *f;

	for (i = 0; i < mb->nkw; i++)
		free(mb->kw[i]);
	mb->nkw = 0;
	buf_init(&path, 0);
	buf_printf(&path, "%s/dovecot-keywords", mb->path);
	f = fopen(path.data, "re");
	buf_free(&path);
	if (f == NULL)
		return;
	while (getline(&line, &cap, f) != -1) {
		char *end;
		unsigned long n = strtoul(line, &end, 10);

		if (end == line || *end != ' ' || n >= MAILBOX_KW_MAX)
			continue;
		end[strcspn(end, "\r\n")] = '\0';
		while (mb->nkw <= n) {
			char ph[32];

			(void)snprintf(ph, sizeof(ph), "$Keyword%zu", mb->nkw);
			mb->kw[mb->nkw++] = xstrdup(ph);
		}
		free(mb->kw[n]);
		mb->kw[n] = xstrdup(end + 1);
	}
	free(line);
	(void)fclose(f);
}

int
maildir_write_keywords(const struct mailbox *mb, struct err *err)
{
	struct buf path, b;
	size_t i;
	int rc;

	buf_init(&path, 0);
	buf_init(&b, 0);
	buf_printf(&path, "%s/dovecot-keywords", mb->path);
	for (i = 0; i < mb->nkw; i++)
		buf_printf(&b, "%zu %s\n", i, mb->kw[i]);
	rc = mailbox_file_replace(path.data, b.data ? b.data : "", b.len, err);
	buf_free(&path);
	buf_free(&b);
	return rc;
}

/* Our keyword list becomes dovecot-keywords' list (as it is now) plus
 * the names only we have; every bit set is renumbered to match. */
static void
kw_merge(struct mailbox *mb)
{
	struct mailbox file;
	int map[MAILBOX_KW_MAX];
	size_t i, b;

	memset(&file, 0, sizeof(file));
	file.path = mb->path;
	maildir_read_keywords(&file);
	for (i = 0; i < mb->nkw; i++)
		map[i] = mailbox_kw_index(&file, mb->kw[i], 1);
	for (i = 0; i < mb->n; i++) {
		struct mailbox_msg *m = &mb->msgs[i];
		uint32_t *f[3] = { &m->kw, &m->set_kw, &m->clr_kw };
		size_t k;

		for (k = 0; k < 3; k++) {
			uint32_t in = *f[k], out = 0;

			for (b = 0; b < mb->nkw; b++)
				/* cppcheck-suppress uninitvar ; set above */
				if ((in & ((uint32_t)1 << b)) && map[b] >= 0)
					out |= (uint32_t)1 << map[b];
			*f[k] = out;
		}
	}
	for (i = 0; i < mb->nkw; i++)
		free(mb->kw[i]);
	for (i = 0; i < file.nkw; i++)
		mb->kw[i] = file.kw[i];
	mb->nkw = file.nkw;
}

static uint32_t
name_kw(const char *name)
{
	const char *c = strstr(name, ":2,");
	uint32_t kw = 0;

	if (c == NULL)
		return 0;
	for (c += 3; *c != '\0'; c++)
		if (*c >= 'a' && *c <= 'z')
			kw |= (uint32_t)1 << (*c - 'a');
	return kw;
}

static unsigned
name_flags(const char *name)
{
	const char *c = strstr(name, ":2,");
	unsigned f = 0;

	if (c == NULL)
		return 0;
	for (c += 3; *c != '\0'; c++) {
		switch (*c) {
		case 'S':
			f |= MSG_SEEN;
			break;
		case 'R':
			f |= MSG_ANSWERED;
			break;
		case 'F':
			f |= MSG_FLAGGED;
			break;
		case 'T':
			f |= MSG_DELETED;
			break;
		case 'D':
			f |= MSG_DRAFT;
			break;
		}
	}
	return f;
}

static void
stamp(struct mailbox *mb)
{
	struct buf b;
	struct stat st;
	int i;

	buf_init(&b, 0);
	for (i = 0; i < 2; i++) {
		buf_reset(&b);
		buf_printf(&b, "%s/%s", mb->path, i ? "cur" : "new");
		if (stat(b.data, &st) == 0)
			mb->stamp[i] = st.st_mtim;
		else
			memset(&mb->stamp[i], 0, sizeof(mb->stamp[i]));
	}
	buf_free(&b);
	mb->stamp_fresh = mailbox_ts_fresh(mb->stamp, 2);
}

int
maildir_changed(const struct mailbox *mb)
{
	struct mailbox now;

	if (mb->stamp_fresh)
		return 1;
	memset(&now, 0, sizeof(now));
	now.path = mb->path;
	stamp(&now);
	return memcmp(now.stamp, mb->stamp, sizeof(now.stamp)) != 0;
}

time_t
maildir_received(struct mailbox *mb, size_t idx)
{
	struct mailbox_msg *m = &mb->msgs[idx];
	struct buf path;
	struct stat st;
	int tries;

	buf_init(&path, 0);
	/* a few tries: other sessions rename files as flags change */
	for (tries = 0; tries < 4; tries++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", mb->path, m->name);
		if (stat(path.data, &st) == 0) {
			m->received = st.st_mtime;
			break;
		}
		if (refind(mb, m) == -1)
			break;
	}
	buf_free(&path);
	/* 0: the file is gone (expunged by another process) */
	return m->received;
}

int
maildir_ensure_dirs(const char *path, struct err *err)
{
	static const char *const subs[] = { "", "/cur", "/new", "/tmp" };
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < 4; i++) {
		buf_reset(&b);
		buf_printf(&b, "%s%s", path, subs[i]);
		if (mkdir(b.data, 0700) == -1 && errno != EEXIST) {
			err_sys(err, ERR_TEMPFAIL, "mkdir %s", b.data);
			buf_free(&b);
			return -1;
		}
	}
	buf_free(&b);
	return 0;
}

/* ---- our index (mailbox_index.c): new/, cur/, dovecot-uidlist and
 * dovecot-keywords as they were when it was written */

static void
index_keys(const char *path, struct mailbox_fstamp *keys)
{
	static const char *const names[MAILBOX_NSTAMP] = {
		"new", "cur", "dovecot-uidlist", "dovecot-keywords"
	};
	struct buf b;
	struct stat st;
	size_t i;

	buf_init(&b, 0);
	memset(keys, 0, MAILBOX_NSTAMP * sizeof(*keys));
	for (i = 0; i < MAILBOX_NSTAMP; i++) {
		buf_reset(&b);
		buf_printf(&b, "%s/%s", path, names[i]);
		if (stat(b.data, &st) == 0)
			mailbox_fstamp_of(&st, &keys[i]);
	}
	buf_free(&b);
}

/* 0 when mb was filled from an index that matches the folder now. */
static int
index_use(struct mailbox *mb)
{
	struct mailbox_index *ix = mb->idx;
	struct mailbox_fstamp keys[MAILBOX_NSTAMP], now[MAILBOX_NSTAMP];
	struct mailbox tmp;
	uint64_t fp;
	int i;

	if (ix == NULL)
		return -1;
	ix->stored = 0;
	index_keys(mb->path, now);
	if (mailbox_index_read(ix->path, MAILBOX_MAILDIR, &tmp, keys,
	    &fp) == -1)
		return -1;
	if (!mailbox_fstamp_eq(keys, now, MAILBOX_NSTAMP)) {
		mailbox_index_parts_free(&tmp);
		return -1;
	}
	mailbox_index_adopt(mb, &tmp);
	for (i = 0; i < 2; i++) {
		mb->stamp[i].tv_sec = (time_t)now[i].msec;
		mb->stamp[i].tv_nsec = (long)now[i].mnsec;
	}
	mb->stamp_fresh = mailbox_ts_fresh(mb->stamp, 2);
	memcpy(ix->keys, now, sizeof(now));
	ix->stored = 1;
	return 0;
}

/* Records a clean load whose stamps were settled when it began. */
static void
index_store(struct mailbox *mb)
{
	struct mailbox_index *ix = mb->idx;

	if (ix == NULL || !ix->seen_settled || (ix->stored &&
	    mailbox_fstamp_eq(ix->keys, ix->seen, MAILBOX_NSTAMP)))
		return;
	mailbox_index_write(ix->path, mb, ix->seen, 0);
	memcpy(ix->keys, ix->seen, sizeof(ix->seen));
	ix->stored = 1;
}

/* One pass: the uidlist and the directories; returns 1 when the uidlist
 * must be written. */
int
maildir_load_once(struct mailbox *mb, struct err *err)
{
	struct entries files = { 0 }, list = { 0 };
	size_t i, j, matched = 0;
	int found, dirty = 0;

	mailbox_msgs_clear(mb);
	mb->uidvalidity = mb->uidnext = 0;
	if (mb->idx != NULL) {
		struct mailbox_index *ix = mb->idx;

		index_keys(mb->path, ix->seen);
		ix->seen_settled = mailbox_fstamp_settled(ix->seen,
		    MAILBOX_NSTAMP);
		/* just renamed (our commit) or delivered: the stamps settle
		 * within a clock tick, then the scan can be recorded */
		if (!ix->seen_settled &&
		    mailbox_fstamp_wait(ix->seen, MAILBOX_NSTAMP) == 0) {
			index_keys(mb->path, ix->seen);
			ix->seen_settled = mailbox_fstamp_settled(ix->seen,
			    MAILBOX_NSTAMP);
		}
	}
	maildir_read_keywords(mb);
	stamp(mb);
	if (read_uidlist(mb, &list, &found, err) == -1 ||
	    scan(mb->path, "new", &files, err) == -1 ||
	    scan(mb->path, "cur", &files, err) == -1) {
		entries_free(&files);
		entries_free(&list);
		return -1;
	}
	if (!found || mb->uidvalidity == 0) {
		mb->uidvalidity = (uint32_t)time(NULL);
		dirty = 1;
	}
	if (mb->uidnext == 0)
		mb->uidnext = 1;
	if (files.n > 1)
		qsort(files.v, files.n, sizeof(*files.v), by_base);
	if (list.n > 1)
		qsort(list.v, list.n, sizeof(*list.v), by_base);
	/* merge: files that the list knows keep their UIDs */
	for (i = j = 0; i < files.n; i++) {
		int c = 1;

		while (j < list.n && (c = strcmp(list.v[j].base,
		    files.v[i].base)) < 0)
			j++;
		if (j < list.n && c == 0 && list.v[j].uid < mb->uidnext) {
			files.v[i].uid = list.v[j].uid;
			files.v[i].vsize = list.v[j].vsize;
			files.v[i].has_vsize = list.v[j].has_vsize;
			matched++;
		}
	}
	if (matched != list.n)
		dirty = 1;	/* expunged by someone: drop their lines */
	/* new files, in name order (time first), get the next UIDs */
	for (i = 0; i < files.n; i++) {
		if (files.v[i].uid == 0) {
			files.v[i].uid = mb->uidnext++;
			dirty = 1;
		}
	}
	if (files.n > 1)
		qsort(files.v, files.n, sizeof(*files.v), by_uid);
	for (i = 0; i < files.n; i++) {
		struct mailbox_msg *m = mailbox_msg_add(mb);

		/* two files with one base (a crash mid-rename): keep one */
		if (i > 0 && files.v[i].uid == files.v[i - 1].uid) {
			mb->n--;
			continue;
		}
		m->uid = files.v[i].uid;
		m->name = files.v[i].name;
		files.v[i].name = NULL;
		m->in_new = files.v[i].in_new;
		m->flags = name_flags(m->name) | (m->in_new ? 0 : MSG_OLD);
		m->kw = name_kw(m->name);
		if (mb->nkw < MAILBOX_KW_MAX)
			m->kw &= ((uint32_t)1 << mb->nkw) - 1;
		/* the size from the name, the uidlist, or the file: a
		 * Maildir without ,W= names is read once, not per login */
		m->vsize = strstr(m->name, ",W=") == NULL &&
		    files.v[i].has_vsize ? files.v[i].vsize :
		    msg_vsize(mb->path, m->name);
		if (strstr(m->name, ",W=") == NULL && !files.v[i].has_vsize)
			dirty = 1;	/* write it down */
		mb->total_vsize += m->vsize;
	}
	entries_free(&files);
	entries_free(&list);
	return dirty;
}

int
maildir_load(struct mailbox *mb, struct err *err)
{
	struct buf lock;
	int rc, fd;

	if (maildir_ensure_dirs(mb->path, err) == -1)
		return -1;
	if (index_use(mb) == 0)
		return 0;
	rc = maildir_load_once(mb, err);
	if (rc == 0)
		index_store(mb);
	if (rc <= 0)
		return rc;
	buf_init(&lock, 0);
	if ((fd = maildir_uidlist_lock(mb->path, &lock, err)) == -1) {
		buf_free(&lock);
		return -1;
	}
	rc = maildir_load_once(mb, err);
	if (rc == 1 &&
	    (rc = maildir_write_uidlist(mb, fd, lock.data, err)) == 0)
		rc = 2;		/* the lock became the uidlist */
	(void)close(fd);
	/* never unlink after the rename: the name may be another
	 * process's lock by now */
	if (rc != 2)
		(void)unlink(lock.data);
	buf_free(&lock);
	return rc == -1 ? -1 : 0;
}

/* The message's current name: it may have moved to cur/ or changed
 * flags since we scanned. */
static int
refind(struct mailbox *mb, struct mailbox_msg *m)
{
	struct entries files = { 0 };
	size_t i, bl = maildir_base_len(strchr(m->name, '/') + 1);
	const char *base = strchr(m->name, '/') + 1;
	struct err e;
	int rc = -1;

	if (scan(mb->path, "cur", &files, &e) == -1 ||
	    scan(mb->path, "new", &files, &e) == -1) {
		entries_free(&files);
		return -1;
	}
	for (i = 0; i < files.n; i++) {
		if (strlen(files.v[i].base) == bl &&
		    memcmp(files.v[i].base, base, bl) == 0) {
			free(m->name);
			m->name = files.v[i].name;
			files.v[i].name = NULL;
			m->in_new = files.v[i].in_new;
			rc = 0;
			break;
		}
	}
	entries_free(&files);
	return rc;
}

static int
open_msg(struct mailbox *mb, struct mailbox_msg *m)
{
	struct buf path;
	int fd, tries;

	buf_init(&path, 0);
	for (tries = 0; tries < 2; tries++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", mb->path, m->name);
		fd = open(path.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd != -1 || errno != ENOENT || refind(mb, m) == -1)
			break;
	}
	buf_free(&path);
	return fd;
}

int
maildir_read(struct mailbox *mb, size_t idx, struct buf *out,
    struct err *err)
{
	struct mailbox_msg *m = &mb->msgs[idx];
	char chunk[65536];
	ssize_t r;
	int fd;

	if ((fd = open_msg(mb, m)) == -1)
		return err_sys(err, ERR_TEMPFAIL, "message %s", m->name);
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(out, chunk, (size_t)r) == -1) {
			(void)close(fd);
			return err_set(err, ERR_TEMPFAIL, "message too big");
		}
	(void)close(fd);
	if (r == -1)
		return err_sys(err, ERR_TEMPFAIL, "read %s", m->name);
	return 0;
}

static int
rename_flags(struct mailbox *mb, struct mailbox_msg *m, unsigned f,
    uint32_t kw, struct err *err)
{
	char letters[MAILBOX_KW_MAX + 1];
	size_t i, nl = 0;
	struct buf from, to;
	const char *base = strchr(m->name, '/') + 1;
	int rc = 0, tries;

	for (i = 0; i < MAILBOX_KW_MAX; i++)
		if (kw & ((uint32_t)1 << i))
			letters[nl++] = (char)('a' + i);
	letters[nl] = '\0';
	buf_init(&from, 0);
	buf_init(&to, 0);
	for (tries = 0; tries < 2; tries++) {
		buf_reset(&from);
		buf_reset(&to);
		base = strchr(m->name, '/') + 1;
		buf_printf(&from, "%s/%s", mb->path, m->name);
		buf_printf(&to, "%s/cur/%.*s:2,%s%s%s%s%s%s", mb->path,
		    (int)maildir_base_len(base), base, f & MSG_DRAFT ? "D" : "",
		    f & MSG_FLAGGED ? "F" : "", f & MSG_ANSWERED ? "R" : "",
		    f & MSG_SEEN ? "S" : "", f & MSG_DELETED ? "T" : "",
		    letters);
		if (rename(from.data, to.data) == 0)
			break;
		if (errno != ENOENT || refind(mb, m) == -1) {
			rc = err_sys(err, ERR_TEMPFAIL, "rename %s",
			    from.data);
			break;
		}
	}
	buf_free(&from);
	buf_free(&to);
	return rc;
}

int
maildir_commit(struct mailbox *mb, struct err *err)
{
	struct buf path, lock;
	size_t i;
	int rc = 0, kw_changed = 0, lfd = -1;

	buf_init(&path, 0);
	buf_init(&lock, 0);
	for (i = 0; i < mb->n; i++)
		if (mb->msgs[i].set_kw | mb->msgs[i].clr_kw)
			break;
	if (i < mb->n) {
		/* keyword letters: under the uidlist lock, against the
		 * dovecot-keywords another session may have grown */
		if ((lfd = maildir_uidlist_lock(mb->path, &lock, err)) == -1) {
			buf_free(&path);
			buf_free(&lock);
			return -1;
		}
		kw_merge(mb);
	}
	for (i = 0; i < mb->n; i++) {
		struct mailbox_msg *m = &mb->msgs[i];

		if (m->expunge) {
			int fd = open_msg(mb, m);

			if (fd == -1)
				continue;	/* already gone */
			(void)close(fd);
			buf_reset(&path);
			buf_printf(&path, "%s/%s", mb->path, m->name);
			if (unlink(path.data) == -1 && errno != ENOENT)
				rc = err_sys(err, ERR_TEMPFAIL, "unlink %s",
				    path.data);
		} else if (m->set_flags | m->clr_flags | m->set_kw |
		    m->clr_kw) {
			unsigned cur, f;
			uint32_t ckw, kw;
			int fd;

			/* changes apply to the flags the file has now:
			 * another session may have renamed it */
			if ((fd = open_msg(mb, m)) == -1)
				continue;	/* expunged meanwhile */
			(void)close(fd);
			cur = name_flags(m->name);
			ckw = name_kw(m->name);
			f = (cur | m->set_flags) & ~m->clr_flags;
			kw = (ckw | m->set_kw) & ~m->clr_kw;
			if (kw != ckw)
				kw_changed = 1;
			if (((f ^ cur) & ~MSG_OLD) != 0 || kw != ckw ||
			    (m->in_new && (m->set_flags & MSG_OLD)))
				if (rename_flags(mb, m, f & ~MSG_OLD, kw,
				    err) == -1)
					rc = -1;
		}
	}
	if (kw_changed && maildir_write_keywords(mb, err) == -1)
		rc = -1;
	if (lfd != -1) {
		(void)close(lfd);
		(void)unlink(lock.data);
	}
	buf_free(&lock);
	buf_free(&path);
	if (rc == 0)
		rc = maildir_load(mb, err);
	return rc;
}
