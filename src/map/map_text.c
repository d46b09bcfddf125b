/*
 * map_text.c -- the "text" map class: key and value columns of a flat
 * file (-k key column, -v value column, both 0-based and 0 by default;
 * -z the column delimiter, default runs of white space).  The file is
 * read once, at open; the class owns the loaded pairs.  Keys compare
 * without regard to case, with or without -f, as sendmail's do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/arr.h"
#include "../lib/fdio.h"
#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

#define TEXT_LINEMAX	(64 * 1024)

struct text_map {
	struct strarr	 keys;
	struct strarr	 vals;
};

/*
 * Finds column col of line (len bytes): with delim 0 the columns are
 * separated by runs of blanks and leading blanks are skipped, else each
 * delim byte ends a column.  0 and the span, or -1 if there is none.
 */
static int
text_column(const char *line, size_t len, char delim, int col,
    size_t *off_out, size_t *len_out)
{
	size_t i = 0, start;
	int n = 0;

	for (;;) {
		if (delim == '\0')
			while (i < len && (line[i] == ' ' || line[i] == '\t'))
				i++;
		if (delim == '\0' && i >= len)
			return -1;
		start = i;
		if (delim == '\0')
			while (i < len && line[i] != ' ' && line[i] != '\t')
				i++;
		else
			while (i < len && line[i] != delim)
				i++;
		if (n == col) {
			*off_out = start;
			*len_out = i - start;
			return 0;
		}
		if (i >= len)
			return -1;
		i++;
		n++;
	}
}

/* Parses one line into the table; comments and short lines are skipped. */
static void
text_add_line(struct map *m, struct text_map *tm, const char *line,
    size_t len)
{
	size_t ko, kl, vo, vl;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len == 0 || line[0] == '#')
		return;
	if (text_column(line, len, m->coldelim, m->keycol, &ko, &kl) == -1 ||
	    text_column(line, len, m->coldelim, m->valcol, &vo, &vl) == -1)
		return;
	strarr_pushn(&tm->keys, line + ko, kl);
	strarr_pushn(&tm->vals, line + vo, vl);
}

static int
text_open(struct map *m, int mode, struct err *err)
{
	struct text_map *tm;
	struct fdin in;
	struct buf line;
	enum line_result lr;
	int fd;

	if (mode != O_RDONLY)
		return err_set(err, ERR_CONFIG, "text map \"%s\": map is "
		    "read-only", m->name);
	fd = open(m->file, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return err_set(err, ERR_TEMPFAIL, "text map \"%s\": unsafe "
		    "map file %s", m->name, m->file);
	tm = xcalloc(1, sizeof(*tm));
	fdin_init(&in, fd);
	buf_init(&line, TEXT_LINEMAX);
	for (;;) {
		buf_reset(&line);
		lr = fdio_getline(&in, &line, TEXT_LINEMAX);
		if (lr == LINE_OK || lr == LINE_PARTIAL)
			text_add_line(m, tm, buf_cstr(&line), line.len);
		if (lr == LINE_OK || lr == LINE_TOO_LONG)
			continue;
		break;
	}
	buf_free(&line);
	fdin_free(&in);
	(void)close(fd);
	if (lr == LINE_ERROR) {
		strarr_free(&tm->keys);
		strarr_free(&tm->vals);
		free(tm);
		return err_sys(err, ERR_TEMPFAIL, "text map \"%s\": read %s",
		    m->name, m->file);
	}
	m->priv = tm;
	return 0;
}

static enum map_result
text_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct text_map *tm = m->priv;
	struct err why;
	size_t i;

	/* sendmail opens the file at each lookup, with the same checks */
	if (map_set_checks_files(m->set) &&
	    map_file_check(m, m->file, 0, &why) != 0) {
		*stat_out = MAPST_UNAVAILABLE;
		return MAP_NOTFOUND;
	}
	for (i = 0; i < tm->keys.n; i++) {
		if (str_casecmp(tm->keys.v[i], key) != 0)
			continue;
		if (buf_adds(val_out, tm->vals.v[i]) == -1)
			break;
		return MAP_FOUND;
	}
	*stat_out = MAPST_NOTFOUND;
	return MAP_NOTFOUND;
}

static int
text_walk(struct map *m, int (*fn)(void *, const char *, const char *),
    void *arg, struct err *err)
{
	struct text_map *tm = m->priv;
	size_t i;

	for (i = 0; i < tm->keys.n; i++)
		if (fn(arg, tm->keys.v[i], tm->vals.v[i]) != 0)
			break;
	return 0;
}

static void
text_close(struct map *m)
{
	struct text_map *tm = m->priv;

	if (tm == NULL)
		return;
	strarr_free(&tm->keys);
	strarr_free(&tm->vals);
	free(tm);
	m->priv = NULL;
}

const struct map_class map_class_text = {
	"text", 0,
	NULL, text_open, text_lookup, NULL, text_walk, text_close, NULL
};
