/*
 * editmap.c -- sendmail's editmap: query (-q), insert or replace (-u)
 * or delete (-x) one key of a hash or btree map in place, with
 * sendmail 8.17's flags, messages and exit codes.  Writers hold an
 * exclusive lock on the file and fsync it before exiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "map/map.h"

#define DEFAULT_CF	"/etc/mail/sendmail.cf"

static const char *progname = "editmap";

static void
usage(void)
{
	fprintf(stderr, "Usage: %s [-C cffile] [-N] [-f] [-q|-u|-x] maptype "
	    "mapname key [ \"value ...\" ]\n", progname);
	exit(EX_USAGE);
}

static void
warn_ww(void *arg, const char *dir)
{
	(void)arg;
	fprintf(stderr, "WARNING: World writable directory %s\n", dir);
	fprintf(stderr, "WARNING: World writable directory %s\n", dir);
}

int
main(int argc, char **argv)
{
	const char *cf = DEFAULT_CF, *type, *map;
	struct map_db_opts dbo;
	struct map_db *db;
	struct buf key, val;
	struct err err;
	enum map_tool_type t;
	char *path, *tuser, *p;
	int c, mode = 0, inclnull = 0, foldcase = 1, rc = EX_OK, fd, r;

	while ((c = getopt(argc, argv, "C:Nfqux")) != -1) {
		switch (c) {
		case 'C':
			cf = optarg;
			break;
		case 'N':
			inclnull = 1;
			break;
		case 'f':
			foldcase = 0;
			break;
		case 'q':
		case 'u':
		case 'x':
			if (mode != 0)
				usage();
			mode = c;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (mode == 0 || argc < 3 || (mode == 'u' && argc < 4))
		usage();
	type = argv[0];
	map = argv[1];

	if (map_tool_readcf(cf, &tuser) == -1) {
		fprintf(stderr, "%s: %s: %s\n", progname, cf, strerror(errno));
		exit(EX_NOINPUT);
	}
	free(tuser);
	t = map_tool_type(type);
	if (t == MAP_TOOL_DBM || t == MAP_TOOL_CDB) {
		fprintf(stderr, "%s: Need to recompile with -D%s for %s "
		    "support\n", progname, t == MAP_TOOL_DBM ? "NDBM" : "CDB",
		    type);
		exit(EX_CANTCREAT);
	}
	path = map_tool_path(map);
	err_clear(&err);
	if (t == MAP_TOOL_UNKNOWN)
		err_set(&err, ERR_CANTCREAT, "Unknown database type");
	else
		(void)map_tool_check(path, mode == 'q', warn_ww, NULL, &err);
	memset(&dbo, 0, sizeof(dbo));
	dbo.type = t == MAP_TOOL_BTREE ? MAP_DB_BTREE : MAP_DB_HASH;
	dbo.readonly = mode == 'q';
	dbo.create = mode == 'u';
	dbo.mode = 0640;
	if (err.kind != ERR_NONE ||
	    (db = map_db_open(path, &dbo, &err)) == NULL) {
		fprintf(stderr, "%s: error opening type %s map %s: %s\n",
		    progname, type, map, err.msg);
		exit(EX_CANTCREAT);
	}
	fd = map_db_fd(db);
	if (fd != -1)
		(void)flock(fd, mode == 'q' ? LOCK_SH : LOCK_EX);

	buf_init(&key, 0);
	buf_init(&val, 0);
	(void)buf_set(&key, argv[2]);
	if (foldcase)
		for (p = key.data; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	switch (mode) {
	case 'q':
		r = map_db_get(db, key.data, key.len + (size_t)inclnull, &val,
		    &err);
		if (r == 0) {
			size_t n = val.len;

			if (n > 0 && val.data[n - 1] == '\0')
				n--;
			if (fwrite(val.data, 1, n, stdout) != n ||
			    putchar('\n') == EOF || fflush(stdout) == EOF)
				rc = EX_IOERR;
		} else if (r == 1) {
			fprintf(stderr, "%s: couldn't find key %s in map %s\n",
			    progname, key.data, map);
			rc = EX_UNAVAILABLE;
		}
		break;
	case 'u':
		r = map_db_put(db, key.data, key.len + (size_t)inclnull,
		    argv[3], strlen(argv[3]) + (size_t)inclnull, 1, &err);
		break;
	default:
		r = map_db_del(db, key.data, key.len + (size_t)inclnull, &err);
		if (r == 1)
			fprintf(stderr, "%s: key %s doesn't exist in map %s\n",
			    progname, key.data, map);
		break;
	}
	if (r == -1) {
		fprintf(stderr, "%s: %s: key %s: %s\n", progname, map,
		    key.data, err.msg);
		rc = EX_IOERR;
	}
	if (map_db_close(db, &err) == -1) {
		fprintf(stderr, "%s: %s: %s\n", progname, map, err.msg);
		rc = EX_IOERR;
	}
	/* the change is on disk before we say it is done */
	if (mode != 'q' && rc == EX_OK) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
		    fsync(fd) == -1 || close(fd) == -1) {
			fprintf(stderr, "%s: %s: %s\n", progname, path,
			    strerror(errno));
			rc = EX_IOERR;
		}
	}
	buf_free(&key);
	buf_free(&val);
	free(path);
	return rc;
}
