/*
 * makemap.c -- sendmail's makemap: builds a hash or btree map from
 * key/value lines on standard input, or dumps one (-u), with sendmail
 * 8.17's flags, messages and exit codes.
 *
 * Unlike sendmail, which truncates and rewrites the map in place, the
 * map is built into a temporary file beside it (with -o a copy of the
 * old one), flushed, fsync'ed and renamed over the old file: readers
 * see the old map or the new one, never half of one, and a crash
 * leaves the old map intact.  Lines are parsed by map_line_parse().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/fdio.h"
#include "lib/xalloc.h"
#include "map/map.h"

#define DEFAULT_CF	"/etc/mail/sendmail.cf"
#define READ_CHUNK	(64 * 1024)
/*
 * Berkeley DB cache for the build: sendmail's makemap asks for 1 MiB;
 * a hash map of a million keys then thrashes, 8 MiB keeps its pages
 * in memory with a peak RSS still near sendmail's (regress/bench).
 */

static const char *progname = "makemap";
static volatile sig_atomic_t have_tmp;
static char *tmp_path;		/* the file being built, removed on signals */

struct opts {
	const char	*cf;
	int		 inclnull;	/* -N */
	size_t		 cachesize;	/* -c */
	int		 cache_given;
	int		 comment;	/* -D */
	int		 dups;		/* -d */
	int		 allowempty;	/* -e */
	int		 foldcase;	/* not -f */
	int		 append;	/* -o */
	int		 replace;	/* -r */
	int		 unsafe;	/* -s */
	int		 sep;		/* -t */
	int		 unmap;		/* -u */
	int		 verbose;	/* -v */
	const char	*type;
	const char	*map;
};

static void
usage(void)
{
	fprintf(stderr,
	    "Usage: %s [-C cffile] [-N] [-c cachesize] [-D commentchar]\n"
	    "               [-d] [-e] [-f] [-i type] [-l] [-o] [-r] [-s] "
	    "[-t delimiter]\n"
	    "               [-u] [-v] type mapname\n", progname);
	exit(EX_USAGE);
}

static void
warn_ww(void *arg, const char *dir)
{
	(void)arg;
	/* sendmail checks the path twice (safefile, then the open) */
	fprintf(stderr, "WARNING: World writable directory %s\n", dir);
	fprintf(stderr, "WARNING: World writable directory %s\n", dir);
}

static void
on_signal(int sig)
{
	if (have_tmp)
		(void)unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
open_failed(const struct opts *o, const char *reason)
{
	fprintf(stderr, "%s: error opening type %s map %s: %s\n", progname,
	    o->type, o->map, reason);
	exit(EX_CANTCREAT);
}

/* ---- -u */

struct dump {
	int	 sep;
	FILE	*out;
};

static int
dump_one(void *arg, const char *k, size_t klen, const char *v, size_t vlen)
{
	struct dump *d = arg;

	if (klen > 0 && k[klen - 1] == '\0')
		klen--;
	if (vlen > 0 && v[vlen - 1] == '\0')
		vlen--;
	/* an empty key or value may come as a NULL pointer */
	if ((klen > 0 && fwrite(k, 1, klen, d->out) != klen) ||
	    putc(d->sep, d->out) == EOF ||
	    (vlen > 0 && fwrite(v, 1, vlen, d->out) != vlen) ||
	    putc('\n', d->out) == EOF)
		return -1;
	return 0;
}

static int
unmap(const struct opts *o, const char *path, enum map_db_type type)
{
	struct map_db_opts dbo;
	struct map_db *db;
	struct dump d;
	struct err err;
	int rc;

	memset(&dbo, 0, sizeof(dbo));
	dbo.type = type;
	dbo.readonly = 1;
	if ((db = map_db_open(path, &dbo, &err)) == NULL)
		open_failed(o, err.msg);
	d.sep = o->sep ? o->sep : '\t';
	d.out = stdout;
	rc = map_db_walk(db, dump_one, &d, &err);
	if (rc == -1)
		fprintf(stderr, "%s: %s: %s\n", progname, o->map, err.msg);
	(void)map_db_close(db, &err);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", progname,
		    strerror(errno));
		return EX_IOERR;
	}
	return rc == -1 ? EX_IOERR : EX_OK;
}

/* ---- the build */

/* A new file beside path, for the rebuild; its fd, or -1 (errno). */
static int
make_tmp(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct buf b;
	int fd;

	buf_init(&b, 0);
	if (slash != NULL)
		(void)buf_add(&b, path, (size_t)(slash - path) + 1);
	(void)buf_printf(&b, ".%s.XXXXXX", slash ? slash + 1 : path);
	tmp_path = buf_steal(&b);
	fd = mkstemp(tmp_path);
	if (fd != -1)
		have_tmp = 1;
	return fd;
}

static void
drop_tmp(void)
{
	if (have_tmp) {
		have_tmp = 0;
		(void)unlink(tmp_path);
	}
}

/* Copies the old map into the temporary file (-o); -1 with errno. */
static int
copy_file(int from, int to)
{
	char *b = xmalloc(READ_CHUNK);
	ssize_t n;

	while ((n = read(from, b, READ_CHUNK)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			free(b);
			return -1;
		}
		if (fdio_write_all(to, b, (size_t)n) == -1) {
			free(b);
			return -1;
		}
	}
	free(b);
	return 0;
}

/* fsyncs the folder of path so the rename itself is durable. */
static int
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	if (close(fd) == -1)
		rc = -1;
	return rc;
}

/*
 * Sets the new file's mode and owner: an existing map keeps its own;
 * a new one is 0640 less the umask.  As root, a cf's TrustedUser owns
 * it (as sendmail's makemap does).
 */
/* The new map's owner; a failure is said (the map itself is fine). */
static void
chown_or_warn(int fd, uid_t uid, gid_t gid)
{
	if (fchown(fd, uid, gid) == -1)
		(void)fprintf(stderr, "makemap: warning: cannot set the map's "
		    "owner: %s\n", strerror(errno));
}

static void
set_owner(int fd, const struct stat *old, const char *tuser)
{
	mode_t um = umask(0);

	(void)umask(um);
	if (old != NULL)
		(void)fchmod(fd, old->st_mode & 07777);
	else
		(void)fchmod(fd, 0640 & ~um);
	if (geteuid() != 0)
		return;
	if (tuser != NULL) {
		struct passwd *pw = getpwnam(tuser);
		char *end;
		unsigned long u;

		if (pw != NULL) {
			chown_or_warn(fd, pw->pw_uid, (gid_t)-1);
			return;
		}
		u = strtoul(tuser, &end, 10);
		if (*end == '\0' && end != tuser) {
			chown_or_warn(fd, (uid_t)u, (gid_t)-1);
			return;
		}
	}
	if (old != NULL)
		chown_or_warn(fd, old->st_uid, old->st_gid);
}

struct build {
	const struct opts	*o;
	struct map_db		*db;
	struct map_line_opts	 lo;
	struct map_line		 ln;
	struct buf		 key, val;
	unsigned long		 lineno;
	int			 status;
};

static void line_error(struct build *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
line_error(struct build *b, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: line %lu: ", progname, b->o->map, b->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	b->status = EX_DATAERR;
}

/* One piece of input; 0, or -1 when the map can't be written. */
static int
build_piece(struct build *b, const char *p, size_t len, int last)
{
	const struct opts *o = b->o;
	struct map_line *ln = &b->ln;
	struct err err;
	const char *k, *v;
	size_t klen, vlen;
	int rc;

	b->lineno++;
	switch (map_line_parse(p, len, last, &b->lo, ln)) {
	case MAP_LINE_SKIP:
		return 0;
	case MAP_LINE_TOO_LONG:
		fprintf(stderr, "%s: %s: line %lu: line too long (%d bytes "
		    "max)\n", progname, o->map, b->lineno, MAP_LINE_PIECE + 1);
		b->status = EX_DATAERR;
		return 0;
	case MAP_LINE_LEADING_SPACE:
		line_error(b, "syntax error (leading space)");
		return 0;
	case MAP_LINE_NO_RHS:
		line_error(b, "no RHS for LHS %s", buf_cstr(&ln->key));
		return 0;
	case MAP_LINE_ENTRY:
		break;
	}
	k = buf_cstr(&ln->key);
	klen = ln->key.len;
	v = ln->val;
	vlen = ln->vallen;
	if (o->inclnull) {
		klen++;				/* the key's own NUL */
		buf_reset(&b->val);
		if (buf_add(&b->val, v, vlen) == -1) {
			line_error(b, "value too long");
			return 0;
		}
		v = b->val.data;
		vlen++;
	}
	if (o->verbose) {
		/* the value as sendmail prints it: a C string */
		printf("key=`%s', val=`%.*s'\n", k,
		    (int)strnlen(v, ln->vallen), v);
	}
	rc = map_db_put(b->db, k, klen, v, vlen, o->replace, &err);
	if (rc == 1) {
		line_error(b, "key %s: duplicate key", k);
		return 0;
	}
	if (rc == -1) {
		fprintf(stderr, "%s: %s: line %lu: key %s: put error: %s\n",
		    progname, o->map, b->lineno, k, err.msg);
		b->status = EX_IOERR;
		return -1;
	}
	return 0;
}

/*
 * Reads standard input into the map; -1 on a read or write error.
 * Pieces are at most MAP_LINE_PIECE bytes, so the unread tail kept
 * between reads is shorter than that: the read buffer never grows.
 */
static int
build_input(struct build *b)
{
	size_t cap = READ_CHUNK + MAP_LINE_PIECE + 1;
	char *in = xmalloc(cap);
	size_t len = 0, off = 0, plen;
	ssize_t n;
	int eof = 0, nl, rc = 0;

	for (;;) {
		while (map_line_split(in + off, len - off, eof, MAP_LINE_PIECE,
		    &plen, &nl)) {
			const char *p = in + off;

			off += plen;
			if (build_piece(b, p, plen, eof && off == len) == -1) {
				rc = -1;
				goto out;
			}
		}
		if (eof)
			break;
		memmove(in, in + off, len - off);
		len -= off;
		off = 0;
		n = read(STDIN_FILENO, in + len, cap - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: %s: read error: %s\n", progname,
			    b->o->map, strerror(errno));
			b->status = EX_IOERR;
			rc = -1;
			goto out;
		}
		if (n == 0)
			eof = 1;
		len += (size_t)n;
	}
out:
	free(in);
	return rc;
}

static int
build(const struct opts *o, const char *path, enum map_db_type type,
    const char *tuser)
{
	struct map_db_opts dbo;
	struct build b;
	struct stat st, *old = NULL;
	struct err err;
	char *real = NULL;
	int fd, ofd;

	/* -s lets sendmail write through a symbolic link: so do we */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (real = realpath(path, NULL)) != NULL)
		path = real;
	if (lstat(path, &st) == 0)
		old = &st;
	else if (errno != ENOENT)
		open_failed(o, strerror(errno));
	else if (o->append)
		open_failed(o, strerror(ENOENT));
	if ((fd = make_tmp(path)) == -1)
		open_failed(o, strerror(errno));
	set_owner(fd, old, tuser);
	if (o->append) {
		if ((ofd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
		    copy_file(ofd, fd) == -1) {
			int e = errno;

			drop_tmp();
			open_failed(o, strerror(e));
		}
		(void)close(ofd);
	}
	if (close(fd) == -1) {
		drop_tmp();
		open_failed(o, strerror(errno));
	}

	memset(&dbo, 0, sizeof(dbo));
	dbo.type = type;
	dbo.create = !o->append;
	dbo.dups = o->dups;
	dbo.cachesize = o->cache_given ? o->cachesize : MAP_DB_BUILD_CACHE;
	if ((b.db = map_db_open(tmp_path, &dbo, &err)) == NULL) {
		drop_tmp();
		open_failed(o, err.msg);
	}
	b.o = o;
	b.lineno = 0;
	b.status = EX_OK;
	memset(&b.lo, 0, sizeof(b.lo));
	b.lo.sep = o->sep;
	b.lo.comment = o->comment;
	b.lo.foldcase = o->foldcase;
	b.lo.allowempty = o->allowempty;
	buf_init(&b.ln.key, 0);
	buf_init(&b.val, 0);
	buf_init(&b.key, 0);

	if (build_input(&b) == -1) {
		(void)map_db_close(b.db, &err);
		drop_tmp();
		goto out;
	}
	if (fflush(stdout) == EOF)
		b.status = EX_IOERR;
	if (map_db_close(b.db, &err) == -1) {
		fprintf(stderr, "%s: %s: %s\n", progname, o->map, err.msg);
		drop_tmp();
		b.status = EX_IOERR;
		goto out;
	}
	/* durable before it becomes the map */
	if ((fd = open(tmp_path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1 || close(fd) == -1 ||
	    rename(tmp_path, path) == -1) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		drop_tmp();
		b.status = EX_IOERR;
		goto out;
	}
	have_tmp = 0;
	if (sync_dir(path) == -1) {
		fprintf(stderr, "%s: %s: fsync of its folder: %s\n", progname,
		    path, strerror(errno));
		b.status = EX_IOERR;
	}
out:
	buf_free(&b.ln.key);
	buf_free(&b.val);
	buf_free(&b.key);
	free(real);
	return b.status;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct err err;
	enum map_tool_type t;
	char *path, *tuser, *end;
	int c, rc;

	memset(&o, 0, sizeof(o));
	o.cf = DEFAULT_CF;
	o.comment = '#';
	o.foldcase = 1;
	while ((c = getopt(argc, argv, "C:Nc:D:defi:lorst:uvx")) != -1) {
		switch (c) {
		case 'C':
			o.cf = optarg;
			break;
		case 'N':
			o.inclnull = 1;
			break;
		case 'c':
			o.cachesize = (size_t)strtoul(optarg, &end, 10);
			o.cache_given = 1;
			break;
		case 'D':
			o.comment = (unsigned char)optarg[0];
			break;
		case 'd':
			o.dups = 1;
			break;
		case 'e':
			o.allowempty = 1;
			break;
		case 'f':
			o.foldcase = 0;
			break;
		case 'i':
			/* a fallback for types not compiled in: all are */
			break;
		case 'l':
			fputs(map_tool_types(0), stdout);
			exit(EX_OK);
		case 'o':
			o.append = 1;
			break;
		case 'r':
			o.replace = 1;
			break;
		case 's':
			o.unsafe = 1;
			break;
		case 't':
			if (optarg[0] == '\0') {
				fprintf(stderr, "Invalid separator\n");
				break;
			}
			o.sep = (unsigned char)optarg[0];
			break;
		case 'u':
			o.unmap = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'x':
			fputs(map_tool_types(1), stdout);
			exit(EX_OK);
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	o.type = argv[0];
	o.map = argv[1];

	if (map_tool_readcf(o.cf, &tuser) == -1) {
		fprintf(stderr, "%s: %s: %s\n", progname, o.cf,
		    strerror(errno));
		exit(EX_NOINPUT);
	}
	t = map_tool_type(o.type);
	if (t == MAP_TOOL_DBM || t == MAP_TOOL_CDB) {
		fprintf(stderr, "%s: Need to recompile with -D%s for %s "
		    "support\n", progname, t == MAP_TOOL_DBM ? "NDBM" : "CDB",
		    o.type);
		exit(EX_CANTCREAT);
	}
	if (t == MAP_TOOL_UNKNOWN)
		open_failed(&o, "Unknown database type");

	path = map_tool_path(o.map);
	if (map_tool_check(path, o.unsafe, warn_ww, NULL,
	    &err) == -1)
		open_failed(&o, err.msg);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (o.unmap)
		rc = unmap(&o, path, t == MAP_TOOL_BTREE ? MAP_DB_BTREE :
		    MAP_DB_HASH);
	else
		rc = build(&o, path, t == MAP_TOOL_BTREE ? MAP_DB_BTREE :
		    MAP_DB_HASH, tuser);
	free(path);
	free(tuser);
	free(tmp_path);
	return rc;
}
