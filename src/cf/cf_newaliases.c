/*
 * cf_newaliases.c -- sendmail -bi / newaliases: every rebuildable
 * AliasFile of the configuration is read with the aliases(5) parser of
 * src/map, each name resolved through the rulesets as sendmail does
 * (rulesets 3 and 0: the key is the user part of a local address, so
 * spaces become BlankSub and "Joe <joe>" is "joe"), values optionally
 * checked (CheckAliases), and the database written under a temporary
 * name, synced and renamed over <file>.db with the "@" sentinel in it,
 * the alias file locked meanwhile so that two rebuilds cannot interleave.
 *
 * Messages are sendmail's: "FILE: line N: [addr... ]text" while a file
 * is read, the summary line after it.  Owns nothing past the call.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_SOFTWARE	70

#define STAB_SIZE	2003	/* sendmail's symbol table: rebuild order */
#define STAB_MAP	6	/* its symbol type for maps */
#define MAXSHORTSTR	203	/* sendmail shortens "addr... " to this */
#define READ_CHUNK	65536
#define EIGHTBIT	"8-bit character in mailbox address"

/* One AliasFile entry as sendmail's setalias splits the option. */
struct spec {
	char		*name;		/* Alias<n> */
	char		*cls;
	char		*args;		/* flags and file */
	int		 classless;	/* no class: keys and values get NUL */
	unsigned	 bucket;
	size_t		 seq;
};

struct nactx {
	struct cf	*cf;
	FILE		*out;
	FILE		*cap;		/* cf messages go here while parsing */
	struct buf	 capbuf;
	int		 rc;
	int		 check;		/* CheckAliases */
	const char	*file;		/* being read */
	unsigned long	 line;
	/* where entries go: 0 new, 1 a duplicate key, -1 error (err) */
	int		(*store)(void *, const char *key, const char *val,
			    struct err *);
	void		*arg;
	int		 warn_dups;	/* "Warning: duplicate alias name" */
};

/* ---- messages */

static void
set_rc(struct nactx *x, int rc)
{
	if (x->rc == EX_OK)
		x->rc = rc;
}

/* sendmail's shortenstring: long "to" addresses keep both ends */
static void
put_to(struct nactx *x, const char *to)
{
	char shortto[MAXSHORTSTR + 1];

	(void)fprintf(x->out, "%s... ",
	    str_shorten(to, MAXSHORTSTR, shortto, sizeof(shortto)));
}

/* "FILE: line N: ", a long FILE shortened as sendmail does */
static void
put_where(struct nactx *x)
{
	char shortname[96];

	if (x->file != NULL)
		(void)fprintf(x->out, "%s: line %lu: ",
		    str_shorten(x->file, 83, shortname, sizeof(shortname)),
		    x->line);
}

/* "FILE: line N: [to... ]text" (to NULL: none) */
static void
say(struct nactx *x, const char *to, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
say(struct nactx *x, const char *to, const char *fmt, ...)
{
	va_list ap;

	put_where(x);
	if (to != NULL && to[0] != '\0')
		put_to(x, to);
	va_start(ap, fmt);
	(void)vfprintf(x->out, fmt, ap);
	va_end(ap);
	(void)fputc('\n', x->out);
}

static ssize_t
cap_write(void *cookie, const char *data, size_t len)
{
	struct buf *b = cookie;

	if (buf_add(b, data, len) == -1)
		return 0;
	return (ssize_t)len;
}

/*
 * What the cf said while parsing an address, each line with the file
 * and line number; 1 when it refused 8-bit bytes (a 501 reply, which
 * makes newaliases exit 64).
 */
static int
flush_cap(struct nactx *x)
{
	char *p, *nl;
	int eightbit = 0;

	(void)fflush(x->cap);
	if (x->capbuf.len == 0)
		return 0;
	for (p = x->capbuf.data; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p) - 1;
		put_where(x);
		if (strncmp(p, EIGHTBIT, strlen(EIGHTBIT)) == 0) {
			set_rc(x, EX_USAGE);
			eightbit = 1;
		}
		(void)fwrite(p, 1, (size_t)(nl - p), x->out);
		(void)fputc('\n', x->out);
	}
	buf_reset(&x->capbuf);
	/* a message from the rulesets ($#error, prescan) may set the status */
	if (x->cf->exitstat != 0)
		set_rc(x, x->cf->exitstat);
	return eightbit;
}

/* sendmail's invalidaddr marks 8-bit bytes it refused in place */
static void
mark_8bit(char *s, size_t len)
{
	for (; len > 0 && *s != '\0'; s++, len--)
		if (((unsigned char)*s & 0340) == 0200)
			*s = '?';
}

/* ---- the AliasFile option */

static unsigned
stab_bucket(const char *name)
{
	unsigned h = STAB_MAP;

	for (; *name != '\0'; name++)
		h = ((h << 1) ^ (unsigned char)tolower((unsigned char)*name))
		    % STAB_SIZE;
	return h;
}

static int
spec_order(const void *a, const void *b)
{
	const struct spec *x = a, *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Splits AliasFile as sendmail's setalias: "[class:]args" separated by
 * commas outside quotes; a class is named only when a ':' comes before
 * any space, comma or slash.  Bad classes are reported here.
 */
static size_t
split_specs(struct nactx *x, const char *opt, struct spec **out)
{
	struct spec *v = NULL;
	const struct map_class *mc;
	const char *p = opt, *start, *end, *c;
	size_t n = 0, cap = 0;
	char name[32], *cls;
	int quoted;

	while (p != NULL && *p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		c = strpbrk(p, " ,/:");
		if (c != NULL && *c == ':') {
			cls = xstrndup(start, (size_t)(c - start));
			start = c + 1;
		} else
			cls = NULL;
		quoted = 0;
		for (end = start; *end != '\0'; end++) {
			if (*end == '"')
				quoted = !quoted;
			else if (*end == ',' && !quoted)
				break;
		}
		p = *end == ',' ? end + 1 : NULL;
		mc = map_class_find(cls != NULL ? cls : "implicit");
		if (mc == NULL) {
			say(x, NULL, "setalias: unknown alias class %s", cls);
			set_rc(x, EX_SOFTWARE);
			free(cls);
			continue;
		}
		/*
		 * sendmail also refuses classes without MCF_ALIASOK; the
		 * ones our map layer has all take aliases or are skipped
		 * below as not rebuildable.
		 */
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		(void)snprintf(name, sizeof(name), "Alias%zu", n);
		v[n].name = xstrdup(name);
		v[n].classless = cls == NULL;
		v[n].cls = cls != NULL ? cls : xstrdup("implicit");
		v[n].args = xstrndup(start, (size_t)(end - start));
		v[n].bucket = stab_bucket(name);
		v[n].seq = n;
		n++;
	}
	*out = v;
	return n;
}

/* ---- one file */

struct stats {
	long	 naliases, longest, bytes;
};

static int
opt_true(const char *v)
{
	if (v == NULL)
		return 0;
	return v[0] == '\0' || strchr("tTyY", v[0]) != NULL;
}

/* the sysexits value of a $#error triple's $@ part (sendmail's setstat) */
static int
error_status(const char *host)
{
	static const struct { const char *name; int code; } names[] = {
		{ "usage", 64 }, { "nouser", 67 }, { "nohost", 68 },
		{ "unavailable", 69 }, { "software", 70 }, { "tempfail", 75 },
		{ "protocol", 76 }, { "config", 78 }
	};
	int c1, c2, c3;
	size_t i;

	if (host == NULL || host[0] == '\0')
		return 69;
	if (sscanf(host, "%d.%d.%d", &c1, &c2, &c3) == 3) {
		if (c1 == 2)
			return 0;
		if (c1 == 4)
			return 75;
		if (c2 == 1)
			return c3 == 0 ? 65 : (c3 == 1 || c3 == 6) ? 67 :
			    (c3 == 2 || c3 == 8) ? 68 : (c3 == 3 || c3 == 7) ?
			    64 : c3 == 5 ? 78 : 69;
		if (c2 == 2)
			return c3 == 3 ? 65 : 69;
		return c2 == 3 ? 71 : c2 == 4 ? 68 : c2 == 5 ? 76 :
		    (c2 == 6 || c2 == 7) ? 65 : 69;
	}
	if (isdigit((unsigned char)host[0]))
		return atoi(host);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (str_casecmp(names[i].name, host) == 0)
			return names[i].code;
	return 69;
}

/* One entry: the name through the rulesets, the value checked, stored. */
static void
do_entry(struct nactx *x, const struct map_alias_ent *e, struct stats *st)
{
	struct cf *cf = x->cf;
	struct cf_addr a, b;
	struct err err;
	size_t end = 0, bend;
	const char *to;
	char *paddr, *user, *rhs, *p;
	int r;

	r = cf_parseaddr(cf, e->line, 0, ':', &end, &a);
	if (flush_cap(x) && r == -1) {
		paddr = xstrndup(e->line, 40);
		mark_8bit(paddr, e->colon);
		say(x, NULL, "%s... illegal alias name", paddr);
		free(paddr);
		set_rc(x, EX_SOFTWARE);
		return;
	}
	if (r == -1) {
		paddr = xstrndup(e->line, 40);
		say(x, NULL, "%s... illegal alias name", paddr);
		free(paddr);
		set_rc(x, EX_SOFTWARE);
		return;
	}
	paddr = xstrndup(e->line, end);
	to = paddr;
	rhs = xstrdup(e->rhs);
	if (x->check) {
		for (p = rhs; *p != '\0'; ) {
			while (isspace((unsigned char)*p) || *p == ',')
				p++;
			if (*p == '\0')
				break;
			bend = 0;
			r = cf_parseaddr(cf, p, 0, ',', &bend, &b);
			if (flush_cap(x))
				mark_8bit(p, bend ? bend : strlen(p));
			to = p;
			if (r == -1) {
				say(x, p, "%s... bad address", p);
			} else if (b.bad && b.mailer == NULL)
				set_rc(x, error_status(b.host));
			cf_addr_free(&b);
			if (bend == 0)
				bend = strlen(p);
			p += bend;
		}
	}
	if (a.mailer == NULL || !a.mailer->flags['A']) {
		say(x, NULL, "%s... cannot alias non-local names", paddr);
		set_rc(x, EX_SOFTWARE);
		goto out;
	}
	user = a.user != NULL ? a.user : (char *)"";
	if (str_casecmp(user, "postmaster") == 0)
		str_lower(user);
	if (e->rhs_blank) {
		say(x, NULL, "%.40s... missing value for alias", e->line);
		set_rc(x, EX_SOFTWARE);
		goto out;
	}
	/* the database tells of a duplicate; -A joins them silently */
	r = x->store(x->arg, user, rhs, &err);
	if (r == -1) {
		say(x, NULL, "%s", err.msg);
		set_rc(x, EX_SOFTWARE);
		goto out;
	}
	if (r == 1 && x->warn_dups)
		say(x, to, "Warning: duplicate alias name %s", user);
	st->naliases++;
	st->bytes += (long)(strlen(user) + e->rhslen);
	if ((long)e->rhslen > st->longest)
		st->longest = (long)e->rhslen;
out:
	cf_addr_free(&a);
	free(paddr);
	free(rhs);
	cf_arena_reset(cf);
}

/* Reads the text into x->store; -1 on a read error (reason said). */
static int
read_aliases(struct nactx *x, int fd, struct stats *st)
{
	struct map_alias_parser *ap = map_alias_parser_new(0);
	struct map_alias_ent e;
	enum map_alias_next r;
	char *chunk = xmalloc(READ_CHUNK);
	ssize_t n;
	int ret = 0;

	for (;;) {
		while ((r = map_alias_parser_next(ap, &e)) == MAP_ALIAS_ENT ||
		    r == MAP_ALIAS_ERROR) {
			x->line = e.lineno;
			if (r == MAP_ALIAS_ENT)
				do_entry(x, &e, st);
			else {
				say(x, NULL, "%s", map_alias_strerror(e.kind));
				set_rc(x, EX_SOFTWARE);
			}
		}
		if (r == MAP_ALIAS_END)
			break;
		n = read(fd, chunk, READ_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			say(x, NULL, "read error: %s", strerror(errno));
			set_rc(x, EX_SOFTWARE);
			ret = -1;
			break;
		}
		if (n == 0)
			map_alias_parser_eof(ap);
		else
			map_alias_parser_feed(ap, chunk, (size_t)n);
	}
	free(chunk);
	map_alias_parser_free(ap);
	return ret;
}

/* The file an AliasFile entry names (after its flags), and -o. */
static char *
spec_file(const char *args, int *optional_out)
{
	struct strarr w = { NULL, 0, 0 };
	char *file = NULL;
	size_t i;

	*optional_out = 0;
	str_split(args, " \t", &w);
	for (i = 0; i < w.n; i++) {
		if (w.v[i][0] == '-') {
			if (strchr(w.v[i], 'o') != NULL && w.v[i][1] == 'o')
				*optional_out = 1;
			continue;
		}
		file = xstrdup(w.v[i]);
		break;
	}
	strarr_free(&w);
	return file;
}

/* The map's flags for the build: the spec's, minus the file. */
static char *
spec_flags(const char *args)
{
	struct strarr w = { NULL, 0, 0 };
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	str_split(args, " \t", &w);
	for (i = 0; i < w.n && w.v[i][0] == '-'; i++) {
		(void)buf_adds(&b, w.v[i]);
		(void)buf_addc(&b, ' ');
	}
	strarr_free(&w);
	return buf_steal(&b);
}

static const char *
username(void)
{
	struct passwd *pw = getpwuid(getuid());

	return pw != NULL ? pw->pw_name : "root";
}

/* fsync a file or folder by name; -1 with errno */
static int
sync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd == -1)
		return -1;
	rc = fsync(fd);
	if (close(fd) == -1)
		rc = -1;
	return rc;
}

/* The owner sendmail gives generated databases (TrustedUser). */
static void
give_to_trusted_user(struct cf *cf, const char *path)
{
	const char *tu = cf_opt(cf, "TrustedUser");
	struct passwd *pw;
	long uid;

	if (tu == NULL || tu[0] == '\0' || geteuid() != 0)
		return;
	if (str_to_long(tu, &uid) != 0) {
		if ((pw = getpwnam(tu)) == NULL)
			return;
		uid = (long)pw->pw_uid;
	}
	if (chown(path, (uid_t)uid, (gid_t)-1) == -1)
		log_msg(LOG_WARNING, NULL, "%s: cannot give it to TrustedUser "
		    "%s: %s", path, tu, strerror(errno));
}

/*
 * Opens the alias file for reading, locked against another rebuild as
 * sendmail does: it opens the file read-write to lock it (flock, which
 * Debian's sendmail uses, and an fcntl lock, which CentOS's uses); a
 * file that cannot be opened for writing is read unlocked, with a
 * warning when it has write bits.  If another process holds the lock
 * the file is left alone ("maybe being rebuilt"), which is not an
 * error.  -1 when there is nothing to rebuild (said when due).
 */
static int
open_locked(struct nactx *x, const char *file, int optional)
{
	struct flock fl;
	struct stat st;
	int fd, err;

	fd = open(file, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		err = errno;
		if ((err == EACCES || err == EROFS) &&
		    (fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) != -1) {
			if (fstat(fd, &st) == -1 ||
			    (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)))
				(void)fprintf(x->out, "warning: cannot lock "
				    "%s: %s\n", file, strerror(err));
			return fd;
		}
		if (!optional)
			(void)fprintf(x->out, "newaliases: cannot open %s: "
			    "%s\n", file, strerror(errno));
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 ||
	    fcntl(fd, F_SETLK, &fl) == -1) {
		(void)fprintf(x->out, "Alias file %s is locked (maybe being "
		    "rebuilt)\n", file);
		(void)close(fd);
		return -1;
	}
	return fd;
}

static int
store_map(void *arg, const char *key, const char *val, struct err *err)
{
	return map_store(arg, key, val, err);
}

static void
rebuild(struct nactx *x, const struct spec *s)
{
	struct cf *cf = x->cf;
	struct stats st = { 0, 0, 0 };
	struct map *m;
	struct err err;
	struct buf args, tmpbase, tmpdb, final;
	char *file, *flags, *slash;
	int fd, optional;

	file = spec_file(s->args, &optional);
	if (file == NULL)
		return;
	if ((fd = open_locked(x, file, optional)) == -1) {
		free(file);
		return;
	}
	buf_init(&args, 0);
	buf_init(&tmpbase, 0);
	buf_init(&tmpdb, 0);
	buf_init(&final, 0);
	flags = spec_flags(s->args);
	/* <file>.db, built as <file>.tmp<pid>.db beside it */
	(void)buf_printf(&tmpbase, "%s.tmp%ld", file, (long)getpid());
	(void)buf_printf(&tmpdb, "%s.db", tmpbase.data);
	(void)buf_printf(&final, "%s.db", file);
	(void)buf_printf(&args, "%s%s%s", flags, s->classless ? "-N " : "",
	    tmpbase.data);
	(void)unlink(tmpdb.data);
	m = map_declare(cf->maps, "AliasRebuild", s->cls, args.data, &err);
	if (m == NULL || map_open(m, O_RDWR | O_CREAT | O_TRUNC, &err) == -1) {
		(void)fprintf(x->out, "Cannot create database for alias file "
		    "%s\n", file);
		set_rc(x, EX_SOFTWARE);
		goto done;
	}
	log_plain(LOG_NOTICE, "alias database %s rebuilt by %s", file,
	    username());
	x->file = file;
	x->line = 0;
	x->store = store_map;
	x->arg = m;
	x->warn_dups = !(m->flags & MF_APPENDDUP);
	(void)read_aliases(x, fd, &st);
	x->file = NULL;
	if (map_store(m, "@", "@", &err) == -1) {
		(void)fprintf(x->out, "%s\n", err.msg);
		set_rc(x, EX_SOFTWARE);
	}
	map_close(m);
	/* durable before it is visible: sync, then rename, then the folder */
	if (chmod(tmpdb.data, 0640) == -1 || sync_path(tmpdb.data, 0) == -1) {
		(void)fprintf(x->out, "newaliases: %s: %s\n", tmpdb.data,
		    strerror(errno));
		set_rc(x, EX_SOFTWARE);
		(void)unlink(tmpdb.data);
		goto done;
	}
	give_to_trusted_user(cf, tmpdb.data);
	if (rename(tmpdb.data, final.data) == -1) {
		(void)fprintf(x->out, "newaliases: rename %s to %s: %s\n",
		    tmpdb.data, final.data, strerror(errno));
		set_rc(x, EX_SOFTWARE);
		(void)unlink(tmpdb.data);
		goto done;
	}
	slash = strrchr(final.data, '/');
	if (slash != NULL) {
		*slash = '\0';
		(void)sync_path(slash == final.data ? "/" : final.data, 1);
	} else
		(void)sync_path(".", 1);
	(void)fprintf(x->out, "%s: %ld aliases, longest %ld bytes, %ld bytes "
	    "total\n", file, st.naliases, st.longest, st.bytes);
	log_plain(LOG_INFO, "%s: %ld aliases, longest %ld bytes, %ld bytes "
	    "total", file, st.naliases, st.longest, st.bytes);
done:
	(void)close(fd);
	free(flags);
	free(file);
	buf_free(&args);
	buf_free(&tmpbase);
	buf_free(&tmpdb);
	buf_free(&final);
}

/*
 * The reading context: the cf's messages are captured while names go
 * through the rulesets (flush_cap gives them their file and line).
 */
static void
ctx_begin(struct nactx *x, struct cf *cf, FILE *out)
{
	static const cookie_io_functions_t capfn = { NULL, cap_write, NULL,
	    NULL };

	memset(x, 0, sizeof(*x));
	x->cf = cf;
	x->out = out;
	x->check = opt_true(cf_opt(cf, "CheckAliases"));
	buf_init(&x->capbuf, 0);
	x->cap = fopencookie(&x->capbuf, "w", capfn);
	if (x->cap == NULL)
		fatal("fopencookie: %s", strerror(errno));
}

static void
ctx_end(struct nactx *x)
{
	(void)fclose(x->cap);
	buf_free(&x->capbuf);
}

/*
 * The text version of an alias file read as sendmail reads it when the
 * database cannot be opened (-bv and delivery): the same grammar, names
 * and messages as newaliases, entries handed to store (no duplicate
 * warnings), the counts in *naliases, *longest and *total.  Returns the
 * status the reading earned (0, or 70 when something was said).
 */
int
cf_aliases_read_text(struct cf *cf, const char *file, int fd,
    int (*store)(void *, const char *, const char *, struct err *),
    void *arg, long *naliases, long *longest, long *total)
{
	struct nactx x;
	struct stats st = { 0, 0, 0 };
	FILE *oldout = cf->out;
	const char *oldfile = cf->file;
	int oldstat = cf->exitstat;

	ctx_begin(&x, cf, oldout != NULL ? oldout : stdout);
	cf->out = x.cap;
	cf->file = NULL;
	cf->exitstat = 0;
	x.file = file;
	x.store = store;
	x.arg = arg;
	(void)read_aliases(&x, fd, &st);
	(void)fflush(x.out);
	cf->out = oldout;
	cf->file = oldfile;
	cf->exitstat = oldstat;
	ctx_end(&x);
	*naliases = st.naliases;
	*longest = st.longest;
	*total = st.bytes;
	return x.rc;
}

int
cf_newaliases(struct cf *cf, FILE *out)
{
	struct nactx x;
	struct spec *v = NULL;
	const char *opt = cf_opt(cf, "AliasFile");
	FILE *oldout = cf->out;
	const char *oldfile = cf->file;
	size_t n, i;

	ctx_begin(&x, cf, out);
	n = split_specs(&x, opt != NULL ? opt : "", &v);
	if (n > 0)
		qsort(v, n, sizeof(*v), spec_order);
	cf->out = x.cap;
	cf->file = NULL;
	cf->exitstat = 0;
	cf_memo_enable(cf);
	for (i = 0; i < n; i++) {
		const struct map_class *mc = map_class_find(v[i].cls);

		if (mc != NULL && (mc->flags & MAPCLASS_REBUILD))
			rebuild(&x, &v[i]);
	}
	cf_memo_free(cf);
	cf->out = oldout;
	cf->file = oldfile;
	ctx_end(&x);
	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].cls);
		free(v[i].args);
	}
	free(v);
	(void)fflush(out);
	return x.rc;
}
