/*
 * map_tool.c -- the pieces makemap and editmap share and sendmail's
 * tools word the same way: the database type names, the .db file of a
 * map name, the TrustedUser setting of a cf, and the link and folder
 * checks before a map file is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/xalloc.h"
#include "map.h"

enum map_tool_type
map_tool_type(const char *name)
{
	if (strcmp(name, "hash") == 0)
		return MAP_TOOL_HASH;
	if (strcmp(name, "btree") == 0)
		return MAP_TOOL_BTREE;
	if (strcmp(name, "implicit") == 0)
		return MAP_TOOL_IMPLICIT;
	if (strcmp(name, "dbm") == 0)
		return MAP_TOOL_DBM;
	if (strcmp(name, "cdb") == 0)
		return MAP_TOOL_CDB;
	return MAP_TOOL_UNKNOWN;
}

const char *
map_tool_types(int with_ext)
{
	return with_ext ? "hash:db\nbtree:db\nimplicit:\n" :
	    "hash\nbtree\nimplicit\n";
}

char *
map_tool_path(const char *name)
{
	size_t n = strlen(name);
	char *p;

	if (n >= 3 && strcmp(name + n - 3, ".db") == 0)
		return xstrdup(name);
	p = xmalloc(xadd(n, 4));
	memcpy(p, name, n);
	memcpy(p + n, ".db", 4);
	return p;
}

int
map_tool_readcf(const char *cf, char **tuser_out)
{
	static const char opt[] = "O TrustedUser=";
	struct buf line;
	FILE *f;
	int c;

	*tuser_out = NULL;
	if ((f = fopen(cf, "r")) == NULL)
		return -1;
	buf_init(&line, 1024 * 1024);
	for (;;) {
		buf_reset(&line);
		while ((c = getc(f)) != EOF && c != '\n')
			(void)buf_addc(&line, c);
		if (strncmp(buf_cstr(&line), opt, sizeof(opt) - 1) == 0) {
			const char *v = line.data + sizeof(opt) - 1;
			size_t n = strcspn(v, " \t\r");

			free(*tuser_out);
			*tuser_out = n > 0 ? xstrndup(v, n) : NULL;
		}
		if (c == EOF)
			break;
	}
	buf_free(&line);
	(void)fclose(f);
	return 0;
}

int
map_tool_check(const char *path, int skip_links,
    void (*warn)(void *, const char *), void *arg, struct err *err)
{
	struct stat st;
	char *dir, *p;

	/* folders from the root down, as sendmail walks them */
	dir = xstrdup(path);
	if ((p = strrchr(dir, '/')) == NULL)
		dir[0] = '\0';
	else
		p[p == dir ? 1 : 0] = '\0';
	if (dir[0] == '/') {
		for (p = dir + 1;; p++) {
			if (*p == '/' || *p == '\0') {
				char c = *p;

				*p = '\0';
				if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
				    (st.st_mode & S_IWOTH) && warn != NULL)
					warn(arg, dir);
				*p = c;
				if (c == '\0')
					break;
			}
		}
	}
	free(dir);
	if (skip_links || lstat(path, &st) == -1)
		return 0;
	if (S_ISLNK(st.st_mode))
		return err_set(err, ERR_CANTCREAT, "Symbolic links not allowed");
	if (st.st_nlink > 1)
		return err_set(err, ERR_CANTCREAT, "Hard links not allowed");
	return 0;
}
