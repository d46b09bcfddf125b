/*
 * praliases.c -- sendmail's praliases: print the alias databases named
 * by the AliasFile option of a sendmail.cf (or the one given with -f),
 * every entry as "key:value" in database order, sentinel "@:@"
 * included, or only the keys asked for ("key: No such key" otherwise;
 * keys are looked up as given, without and then with the NUL).  The
 * messages, the order of the files and the exit codes are sendmail
 * 8.17's: a database that cannot be opened is reported and skipped.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "map/map.h"

#define DEFAULT_CF	"/etc/mail/sendmail.cf"

static void
usage(void)
{
	(void)fprintf(stderr, "usage: praliases [-C cffile] [-f aliasfile] "
	    "[key ...]\n");
	exit(EX_USAGE);
}

/* "%.*s" of a raw key or value: the bytes up to a NUL */
static void
put_raw(const char *s, size_t len)
{
	const char *nul = memchr(s, '\0', len);

	if (nul != NULL)
		len = (size_t)(nul - s);
	(void)fwrite(s, 1, len, stdout);
}

static int
print_entry(void *arg, const char *k, size_t klen, const char *v,
    size_t vlen)
{
	(void)arg;
	put_raw(k, klen);
	(void)putchar(':');
	put_raw(v, vlen);
	(void)putchar('\n');
	return 0;
}

/* One "[type:][-flags ]file" specification. */
static void
praliases(char *spec, int argc, char **argv)
{
	struct map_db_opts o;
	struct map_db *db;
	struct buf val;
	struct err err;
	struct stat st;
	char *colon, *name, *type, *path;
	enum map_tool_type t;
	int i, r;

	colon = strchr(spec, ':');
	if (colon == NULL) {
		name = spec;
		type = NULL;
	} else {
		*colon = '\0';
		name = colon + 1;
		type = spec;
	}
	/* flags before the file name are skipped */
	for (;;) {
		while (isspace((unsigned char)*name))
			name++;
		if (*name != '-')
			break;
		while (*name != '\0' && !isspace((unsigned char)*name))
			name++;
	}
	if (type != NULL && *type != '\0' && strcmp(type, "hash") != 0 &&
	    strcmp(type, "btree") != 0 && strcmp(type, "dbm") != 0) {
		(void)fprintf(stderr, "praliases: Skipping non-file based "
		    "alias type %s\n", type);
		goto out;
	}
	if (*name == '\0' || (type != NULL && *type == '\0')) {
		if (colon != NULL)
			*colon = ':';
		(void)fprintf(stderr, "praliases: illegal alias "
		    "specification: %s\n", spec);
		goto out;
	}
	t = map_tool_type(type != NULL ? type : "hash");
	memset(&o, 0, sizeof(o));
	o.type = t == MAP_TOOL_BTREE ? MAP_DB_BTREE : MAP_DB_HASH;
	o.readonly = 1;
	path = map_tool_path(name);
	if (t == MAP_TOOL_DBM || stat(path, &st) == -1) {
		/* sendmail's smdb says this for a missing file too */
		(void)fprintf(stderr, "praliases: %s: open: Unknown database "
		    "type\n", name);
		free(path);
		goto out;
	}
	db = map_db_open(path, &o, &err);
	free(path);
	if (db == NULL) {
		(void)fprintf(stderr, "praliases: %s: open: %s\n", name,
		    err.msg);
		goto out;
	}
	if (argc == 0) {
		if (map_db_walk(db, print_entry, NULL, &err) == -1)
			(void)fprintf(stderr, "praliases: %s: get value at "
			    "cursor: %s\n", name, err.msg);
	} else {
		buf_init(&val, 0);
		for (i = 0; i < argc; i++) {
			size_t klen = strlen(argv[i]);

			r = map_db_get(db, argv[i], klen, &val, &err);
			if (r == 1)
				r = map_db_get(db, argv[i], klen + 1, &val,
				    &err);
			if (r == 0) {
				(void)fputs(argv[i], stdout);
				(void)putchar(':');
				put_raw(val.data != NULL ? val.data : "",
				    val.len);
				(void)putchar('\n');
			} else
				(void)printf("%s: No such key\n", argv[i]);
		}
		buf_free(&val);
	}
	(void)map_db_close(db, &err);
out:
	if (colon != NULL)
		*colon = ':';
	(void)fflush(stdout);
}

/* The AliasFile value of a cf line ("O AliasFile=..." or "OA..."). */
static char *
aliasfile_value(char *line)
{
	char *b = line + 1;

	if (line[0] != 'O')
		return NULL;
	if (strncasecmp(b, " AliasFile", 10) == 0 &&
	    !isalnum((unsigned char)b[10])) {
		b = strchr(b, '=');
		if (b == NULL)
			return NULL;
		while (isspace((unsigned char)*++b))
			;
		return b;
	}
	return *b == 'A' ? b + 1 : NULL;
}

/* Each specification of an AliasFile value, in order. */
static void
each_spec(char *b, int argc, char **argv)
{
	char *p, *e;
	int quoted;

	for (p = b; p != NULL; ) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		b = p;
		p = strpbrk(p, " ,/");
		if (p != NULL) {
			quoted = 0;
			for (; *p != '\0'; p++) {
				if (*p == '"')
					quoted = !quoted;
				else if (*p == ',' && !quoted)
					break;
			}
			/* the last one keeps trailing blanks, as sendmail's */
			if (*p == '\0')
				p = NULL;
		}
		if (p != NULL) {
			e = p - 1;
			while (e > b && isspace((unsigned char)*e))
				e--;
			e[1] = '\0';
			*p++ = '\0';
		}
		praliases(b, argc, argv);
	}
}

int
main(int argc, char **argv)
{
	const char *cfile = DEFAULT_CF;
	char *filename = NULL, *line = NULL, *v, *nl;
	size_t cap = 0;
	FILE *cfp;
	int c;

	while ((c = getopt(argc, argv, "C:f:")) != -1) {
		switch (c) {
		case 'C':
			cfile = optarg;
			break;
		case 'f':
			filename = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (filename != NULL) {
		praliases(filename, argc, argv);
		return EX_OK;
	}
	if ((cfp = fopen(cfile, "re")) == NULL) {
		(void)fprintf(stderr, "praliases: %s: %s\n", cfile,
		    strerror(errno));
		return EX_NOINPUT;
	}
	while (getline(&line, &cap, cfp) != -1) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if ((v = aliasfile_value(line)) != NULL)
			each_spec(v, argc, argv);
	}
	free(line);
	(void)fclose(cfp);
	return EX_OK;
}
