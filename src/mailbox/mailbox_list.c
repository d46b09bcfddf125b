/*
 * mailbox_list.c -- the folders under a mail_location, by IMAP mailbox
 * name: the one place a name becomes a path (mailbox_path refuses names
 * that could leave the mail root), listing, creating, deleting and
 * renaming folders, and the subscriptions file dovecot keeps
 * ("V\t2" header; mbox: root/.subscriptions, Maildir: root/subscriptions).
 * mbox folders are files and directories under the root; Maildir++
 * folders are root/.a.b directories holding cur/ new/ tmp/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mailbox_int.h"
#include "lib/fdio.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define NAME_MAX_BYTES	1024
#define PART_MAX_BYTES	255
#define LIST_DEPTH_MAX	16
#define LIST_MAX	10000

int
mailbox_is_inbox(const char *name)
{
	return str_casecmp(name, "INBOX") == 0;
}

/* Checks one name and calls back with its components. */
static int
check_name(const struct mail_location *loc, const char *name, char sep,
    struct err *err)
{
	const char *p = name, *e;
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX_BYTES)
		return err_set(err, ERR_DATAERR, "Invalid mailbox name");
	if (name[0] == sep || name[0] == '/' || name[0] == '~')
		return err_set(err, ERR_DATAERR, "Invalid mailbox name");
	for (;;) {
		size_t n, i;

		e = strchr(p, sep);
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || n > PART_MAX_BYTES)
			return err_set(err, ERR_DATAERR,
			    "Invalid mailbox name");
		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return err_set(err, ERR_DATAERR,
			    "Invalid mailbox name");
		/* mbox: .imap, .subscriptions and dotlocks are ours */
		if (loc->format == MAILBOX_MBOX && p[0] == '.')
			return err_set(err, ERR_DATAERR,
			    "Invalid mailbox name");
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)p[i];

			if (c < 0x20 || c == 0x7f || c == '/' ||
			    (loc->format == MAILBOX_MAILDIR && c == '.'))
				return err_set(err, ERR_DATAERR,
				    "Invalid mailbox name");
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

int
mailbox_path(const struct mail_location *loc, const char *name, char sep,
    struct buf *out, struct err *err)
{
	const char *p;

	buf_reset(out);
	if (mailbox_is_inbox(name)) {
		(void)buf_adds(out, loc->inbox);
		return 0;
	}
	if (check_name(loc, name, sep, err) == -1)
		return -1;
	(void)buf_adds(out, loc->root);
	if (loc->format == MAILBOX_MBOX) {
		(void)buf_addc(out, '/');
		for (p = name; *p != '\0'; p++)
			(void)buf_addc(out, *p == sep ? '/' : *p);
	} else {
		(void)buf_adds(out, "/.");
		for (p = name; *p != '\0'; p++)
			(void)buf_addc(out, *p == sep ? '.' : *p);
	}
	return 0;
}

/* ---- listing */

static void
entry_add(struct mailbox_entry **v, size_t *n, const char *name,
    unsigned flags)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].name = xstrdup(name);
	(*v)[*n].flags = flags;
	(*n)++;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
walk_mbox(const struct mail_location *loc, const char *dir,
    const char *prefix, char sep, int depth, struct mailbox_entry **v,
    size_t *n)
{
	struct dirent *de;
	struct buf path, name;
	DIR *d;

	if (depth > LIST_DEPTH_MAX || (d = opendir(dir)) == NULL)
		return;
	buf_init(&path, 0);
	buf_init(&name, 0);
	while ((de = readdir(d)) != NULL && *n < LIST_MAX) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, de->d_name);
		if (lstat(path.data, &st) == -1)
			continue;
		buf_reset(&name);
		buf_printf(&name, "%s%s", prefix, de->d_name);
		/* the root's inbox file when INBOX= is not given */
		if (strcmp(path.data, loc->inbox) == 0)
			continue;
		if (depth == 0 && mailbox_is_inbox(name.data))
			continue;
		if (S_ISDIR(st.st_mode)) {
			size_t before = *n, at = before;
			struct buf sub;

			entry_add(v, n, name.data, MAILBOX_NOSELECT);
			buf_init(&sub, 0);
			buf_printf(&sub, "%s%c", name.data, sep);
			walk_mbox(loc, path.data, sub.data, sep, depth + 1, v,
			    n);
			buf_free(&sub);
			(*v)[at].flags |= *n > before + 1 ?
			    MAILBOX_HASCHILDREN : MAILBOX_HASNOCHILDREN;
		} else if (S_ISREG(st.st_mode) &&
		    !(strlen(de->d_name) > 5 && strcmp(de->d_name +
		    strlen(de->d_name) - 5, ".lock") == 0))
			entry_add(v, n, name.data, MAILBOX_NOINFERIORS);
	}
	(void)closedir(d);
	buf_free(&path);
	buf_free(&name);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct mailbox_entry *)a)->name,
	    ((const struct mailbox_entry *)b)->name);
}

static void
list_maildir(const struct mail_location *loc, char sep,
    struct mailbox_entry **v, size_t *n)
{
	struct dirent *de;
	struct buf path, name;
	size_t i, j, first = *n;
	DIR *d;

	if ((d = opendir(loc->root)) == NULL)
		return;
	buf_init(&path, 0);
	buf_init(&name, 0);
	while ((de = readdir(d)) != NULL && *n < LIST_MAX) {
		const char *p;
		int ok = 1;

		if (de->d_name[0] != '.' || de->d_name[1] == '\0' ||
		    de->d_name[1] == '.')
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", loc->root, de->d_name);
		if (!is_dir(path.data))
			continue;
		buf_reset(&name);
		for (p = de->d_name + 1; *p != '\0'; p++) {
			if (*p == '.' && (p[1] == '\0' || p[1] == '.'))
				ok = 0;
			(void)buf_addc(&name, *p == '.' ? sep : *p);
		}
		if (ok && !mailbox_is_inbox(name.data))
			entry_add(v, n, name.data, 0);
	}
	(void)closedir(d);
	buf_free(&path);
	buf_free(&name);
	/* parents that exist only through their children */
	for (i = first, j = *n; i < j; i++) {
		char *s = xstrdup((*v)[i].name), *c;

		while ((c = strrchr(s, sep)) != NULL) {
			size_t k;
			int found = 0;

			*c = '\0';
			for (k = first; k < *n && !found; k++)
				found = strcmp((*v)[k].name, s) == 0;
			if (!found)
				entry_add(v, n, s, MAILBOX_NOSELECT);
		}
		free(s);
	}
}

int
mailbox_list(const struct mail_location *loc, char sep,
    struct mailbox_entry **out, size_t *n_out, struct err *err)
{
	struct mailbox_entry *v = NULL;
	size_t n = 0, i, j;

	(void)err;
	entry_add(&v, &n, "INBOX", loc->format == MAILBOX_MBOX &&
	    strncmp(loc->inbox, loc->root, strlen(loc->root)) != 0 ?
	    MAILBOX_NOINFERIORS : 0);
	if (loc->format == MAILBOX_MBOX)
		walk_mbox(loc, loc->root, "", sep, 0, &v, &n);
	else
		list_maildir(loc, sep, &v, &n);
	if (n > 2)
		qsort(v + 1, n - 1, sizeof(*v), by_name);
	/* children flags: sorted, so a child follows its parent */
	for (i = 0; i < n; i++) {
		size_t len = strlen(v[i].name);
		int kids = 0;

		if (v[i].flags & (MAILBOX_HASCHILDREN | MAILBOX_HASNOCHILDREN))
			continue;
		if (i == 0) {
			for (j = 1; j < n && !kids; j++)
				kids = str_ncasecmp(v[j].name, "INBOX", 5) ==
				    0 && v[j].name[5] == sep;
		} else
			for (j = i + 1; j < n && !kids; j++) {
				if (strncmp(v[j].name, v[i].name, len) != 0)
					break;
				kids = v[j].name[len] == sep;
			}
		if (!(v[i].flags & MAILBOX_NOINFERIORS) || kids)
			v[i].flags |= kids ? MAILBOX_HASCHILDREN :
			    MAILBOX_HASNOCHILDREN;
	}
	*out = v;
	*n_out = n;
	return 0;
}

void
mailbox_list_free(struct mailbox_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* ---- create, delete, rename */

/* mkdir -p of path's parent folders below root */
static int
make_parents(const char *root, const char *path, struct err *err)
{
	char *p = xstrdup(path), *s;
	size_t rl = strlen(root);

	for (s = p + rl + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			err_sys(err, ERR_TEMPFAIL, "mkdir %s", p);
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

/* dovecot-uidvalidity (8 hex digits) under the root's index folder: a
 * new folder gets max(now, last + 1), so a folder deleted and created
 * again within a second still gets a new UIDVALIDITY. */
static uint32_t
next_uidvalidity(const struct mail_location *loc)
{
	struct buf dir, path;
	struct err err;
	uint32_t last = 0, uv = (uint32_t)time(NULL);
	char hex[16];
	FILE *f;

	buf_init(&dir, 0);
	buf_init(&path, 0);
	if (loc->format == MAILBOX_MBOX) {
		buf_printf(&dir, "%s/.imap", loc->index ? loc->index :
		    loc->root);
		(void)mkdir(dir.data, 0700);
	} else
		buf_printf(&dir, "%s", loc->root);
	buf_printf(&path, "%s/dovecot-uidvalidity", dir.data);
	if ((f = fopen(path.data, "re")) != NULL) {
		unsigned long v;

		if (fscanf(f, "%8lx", &v) == 1)
			last = (uint32_t)v;
		(void)fclose(f);
	}
	if (uv <= last)
		uv = last + 1;
	(void)snprintf(hex, sizeof(hex), "%08x", (unsigned)uv);
	(void)mailbox_file_replace(path.data, hex, 8, &err);
	buf_free(&dir);
	buf_free(&path);
	return uv;
}

int
mailbox_create(const struct mail_location *loc, const char *name,
    char sep, struct err *err)
{
	struct buf path, b;
	size_t len = strlen(name);
	int fd, rc = 0, dir = len > 0 && name[len - 1] == sep;
	char *n = xstrndup(name, dir ? len - 1 : len);

	buf_init(&path, 0);
	buf_init(&b, 0);
	if (mailbox_is_inbox(n)) {
		rc = err_set(err, ERR_CANTCREAT, "Mailbox already exists");
		goto out;
	}
	if (mailbox_path(loc, n, sep, &path, err) == -1) {
		rc = -1;
		goto out;
	}
	if (access(path.data, F_OK) == 0) {
		rc = err_set(err, ERR_CANTCREAT, "Mailbox already exists");
		goto out;
	}
	(void)mkdir(loc->root, 0700);
	if (loc->format == MAILBOX_MBOX) {
		if (make_parents(loc->root, path.data, err) == -1) {
			rc = -1;
			goto out;
		}
		if (dir) {
			if (mkdir(path.data, 0700) == -1)
				rc = err_sys(err, ERR_TEMPFAIL, "mkdir %s",
				    path.data);
		} else
			rc = mbox_create_empty(path.data,
			    next_uidvalidity(loc), err);
		goto out;
	}
	if (mkdir(path.data, 0700) == -1) {
		rc = err_sys(err, ERR_TEMPFAIL, "mkdir %s", path.data);
		goto out;
	}
	buf_printf(&b, "%s/maildirfolder", path.data);
	fd = open(b.data, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd != -1)
		(void)close(fd);
	{
		static const char *const subs[] = { "cur", "new", "tmp" };
		size_t i;

		for (i = 0; i < 3; i++) {
			buf_reset(&b);
			buf_printf(&b, "%s/%s", path.data, subs[i]);
			if (mkdir(b.data, 0700) == -1 && errno != EEXIST)
				rc = err_sys(err, ERR_TEMPFAIL, "mkdir %s",
				    b.data);
		}
	}
	if (rc == 0)
		rc = maildir_create_uidlist(path.data, next_uidvalidity(loc),
		    err);
out:
	free(n);
	buf_free(&path);
	buf_free(&b);
	return rc;
}

/* Removes the files of one Maildir folder (not its subfolders). */
static int
rm_maildir(const char *path, struct err *err)
{
	static const char *const subs[] = { "cur", "new", "tmp", "" };
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < 4; i++) {
		struct dirent *de;
		DIR *d;

		buf_reset(&b);
		buf_printf(&b, "%s/%s", path, subs[i]);
		if ((d = opendir(b.data)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			struct buf f;

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			buf_init(&f, 0);
			buf_printf(&f, "%s/%s", b.data, de->d_name);
			if (i < 3 || !is_dir(f.data))
				(void)unlink(f.data);
			buf_free(&f);
		}
		(void)closedir(d);
		if (i < 3)
			(void)rmdir(b.data);
	}
	buf_free(&b);
	if (rmdir(path) == -1)
		return err_sys(err, ERR_TEMPFAIL, "rmdir %s", path);
	return 0;
}

int
mailbox_delete(const struct mail_location *loc, const char *name,
    char sep, struct err *err)
{
	struct mailbox_entry *v;
	struct buf path;
	size_t n, i, len = strlen(name);
	int rc = 0, kids = 0;
	struct stat st;

	if (mailbox_is_inbox(name))
		return err_set(err, ERR_NOPERM, "INBOX can't be deleted.");
	buf_init(&path, 0);
	if (mailbox_path(loc, name, sep, &path, err) == -1) {
		buf_free(&path);
		return -1;
	}
	if (lstat(path.data, &st) == -1) {
		buf_free(&path);
		return err_set(err, ERR_NOINPUT, "Mailbox doesn't exist: %s",
		    name);
	}
	if (mailbox_list(loc, sep, &v, &n, err) == 0) {
		for (i = 0; i < n; i++)
			if (strncmp(v[i].name, name, len) == 0 &&
			    v[i].name[len] == sep)
				kids = 1;
		mailbox_list_free(v, n);
	}
	if (loc->format == MAILBOX_MBOX) {
		if (S_ISDIR(st.st_mode)) {
			if (kids || rmdir(path.data) == -1)
				rc = err_set(err, ERR_NOPERM, "Mailbox has "
				    "children, delete them first");
		} else if (unlink(path.data) == -1)
			rc = err_sys(err, ERR_TEMPFAIL, "unlink %s",
			    path.data);
	} else if (kids)
		rc = err_set(err, ERR_NOPERM, "Mailbox has children, delete "
		    "them first");
	else
		rc = rm_maildir(path.data, err);
	buf_free(&path);
	return rc;
}

int
mailbox_rename(const struct mail_location *loc, const char *from,
    const char *to, char sep, struct err *err)
{
	struct mailbox_entry *v = NULL;
	struct buf a, b;
	size_t n = 0, i, len = strlen(from);
	int rc = 0;

	if (mailbox_is_inbox(from) || mailbox_is_inbox(to))
		return err_set(err, ERR_NOPERM, "Renaming INBOX isn't "
		    "supported.");
	if (strncmp(to, from, len) == 0 && to[len] == sep)
		return err_set(err, ERR_DATAERR, "Can't rename mailbox under "
		    "its own child.");
	buf_init(&a, 0);
	buf_init(&b, 0);
	if (mailbox_path(loc, from, sep, &a, err) == -1 ||
	    mailbox_path(loc, to, sep, &b, err) == -1) {
		rc = -1;
		goto out;
	}
	if (mailbox_list(loc, sep, &v, &n, err) == -1) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, from) == 0)
			break;
	if (i == n) {
		rc = err_set(err, ERR_NOINPUT, "Mailbox doesn't exist: %s",
		    from);
		goto out;
	}
	if (access(b.data, F_OK) == 0) {
		rc = err_set(err, ERR_CANTCREAT, "Target mailbox already "
		    "exists");
		goto out;
	}
	if (loc->format == MAILBOX_MBOX) {
		if (make_parents(loc->root, b.data, err) == -1 ||
		    rename(a.data, b.data) == -1)
			rc = err_sys(err, ERR_TEMPFAIL, "rename %s", a.data);
		goto out;
	}
	/* Maildir++: the folder (unless it exists only through its
	 * children) and every child folder */
	if (access(a.data, F_OK) == 0 && rename(a.data, b.data) == -1) {
		rc = err_sys(err, ERR_TEMPFAIL, "rename %s", a.data);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct buf child, cfrom, cto;

		if (strncmp(v[i].name, from, len) != 0 ||
		    v[i].name[len] != sep || (v[i].flags & MAILBOX_NOSELECT))
			continue;
		buf_init(&child, 0);
		buf_init(&cfrom, 0);
		buf_init(&cto, 0);
		buf_printf(&child, "%s%s", to, v[i].name + len);
		if (mailbox_path(loc, v[i].name, sep, &cfrom, err) == 0 &&
		    mailbox_path(loc, child.data, sep, &cto, err) == 0)
			(void)rename(cfrom.data, cto.data);
		buf_free(&child);
		buf_free(&cfrom);
		buf_free(&cto);
	}
out:
	mailbox_list_free(v, n);
	buf_free(&a);
	buf_free(&b);
	return rc;
}

/* ---- subscriptions */

static void
subs_path(const struct mail_location *loc, struct buf *b)
{
	buf_printf(b, "%s/%s", loc->root, loc->format == MAILBOX_MBOX ?
	    ".subscriptions" : "subscriptions");
}

int
mailbox_subs_read(const struct mail_location *loc, char sep,
    struct strarr *out, struct err *err)
{
	struct buf path;
	char *line = NULL;
	size_t cap = 0;
	int first = 1, v2 = 0;
	FILE *f;

	(void)err;
	buf_init(&path, 0);
	subs_path(loc, &path);
	f = fopen(path.data, "re");
	buf_free(&path);
	if (f == NULL)
		return 0;
	while (getline(&line, &cap, f) != -1 && out->n < LIST_MAX) {
		char *p;

		line[strcspn(line, "\r\n")] = '\0';
		if (first && strncmp(line, "V\t", 2) == 0) {
			v2 = 1;
			first = 0;
			continue;
		}
		first = 0;
		if (*line == '\0')
			continue;
		if (v2)
			for (p = line; *p; p++)
				if (*p == '\t')
					*p = sep;
		strarr_push(out, line);
	}
	free(line);
	(void)fclose(f);
	return 0;
}

int
mailbox_subs_write(const struct mail_location *loc, char sep,
    const struct strarr *names, struct err *err)
{
	struct buf path, b;
	size_t i;
	int rc;

	buf_init(&path, 0);
	buf_init(&b, 0);
	subs_path(loc, &path);
	(void)buf_adds(&b, "V\t2\n\n");
	for (i = 0; i < names->n; i++) {
		const char *p;

		for (p = names->v[i]; *p; p++)
			(void)buf_addc(&b, *p == sep ? '\t' : *p);
		(void)buf_addc(&b, '\n');
	}
	(void)mkdir(loc->root, 0700);
	rc = mailbox_file_replace(path.data, b.data, b.len, err);
	buf_free(&path);
	buf_free(&b);
	return rc;
}
