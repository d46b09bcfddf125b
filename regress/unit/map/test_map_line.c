/*
 * test_map_line.c -- makemap's input parser (map_line_split and
 * map_line_parse) against what sendmail 8.17's makemap does with each
 * line, the splitter fed one byte at a time, and the raw file API of
 * makemap/editmap (map_db_*): put without overwrite, replace, dups,
 * get, delete and walk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "map/map.h"

struct pcase {
	const char		*line;
	int			 last;
	int			 sep, comment, fold, empty;
	enum map_line_kind	 kind;
	const char		*key;
	const char		*val;
};

static const struct pcase pcases[] = {
	{ "Key1 value one\n", 0, 0, '#', 1, 0, MAP_LINE_ENTRY, "key1",
	  "value one" },
	{ "key2\t  val  two  \n", 0, 0, '#', 1, 0, MAP_LINE_ENTRY, "key2",
	  "val  two  " },
	{ "# comment\n", 0, 0, '#', 1, 0, MAP_LINE_SKIP, NULL, NULL },
	{ "\n", 0, 0, '#', 1, 0, MAP_LINE_SKIP, NULL, NULL },
	{ "  lead space\n", 0, 0, '#', 1, 0, MAP_LINE_LEADING_SPACE, NULL,
	  NULL },
	{ " \t\n", 0, 0, '#', 1, 0, MAP_LINE_LEADING_SPACE, NULL, NULL },
	{ "novalue\n", 0, 0, '#', 1, 0, MAP_LINE_NO_RHS, "novalue", NULL },
	{ "NoValue2   \n", 0, 0, '#', 1, 0, MAP_LINE_NO_RHS, "novalue2", NULL },
	{ "novalue\n", 0, 0, '#', 1, 1, MAP_LINE_ENTRY, "novalue", "" },
	{ "pct %% x\n", 0, 0, '#', 1, 0, MAP_LINE_ENTRY, "pct", "%% x" },
	{ "MiXeD CaSe\n", 0, 0, '#', 0, 0, MAP_LINE_ENTRY, "MiXeD", "CaSe" },
	{ "Abc\r\n", 0, 0, '#', 1, 0, MAP_LINE_NO_RHS, "abc", NULL },
	{ "k v\r\n", 0, 0, '#', 1, 0, MAP_LINE_ENTRY, "k", "v\r" },
	{ "K\xc4Y v\n", 0, 0, '#', 1, 0, MAP_LINE_ENTRY, "k\xc4y", "v" },
	{ "a:b:c\n", 0, ':', '#', 1, 0, MAP_LINE_ENTRY, "a", "b:c" },
	{ "A: x\n", 0, ':', '#', 1, 0, MAP_LINE_ENTRY, "a", " x" },
	{ ":nokey\n", 0, ':', '#', 1, 0, MAP_LINE_ENTRY, "", "nokey" },
	{ "f  g\n", 0, ':', '#', 1, 0, MAP_LINE_NO_RHS, "f  g", NULL },
	{ " x:y\n", 0, ':', '#', 1, 0, MAP_LINE_ENTRY, " x", "y" },
	{ ";c\n", 0, 0, ';', 1, 0, MAP_LINE_SKIP, NULL, NULL },
	{ "#c d\n", 0, 0, ';', 1, 0, MAP_LINE_ENTRY, "#c", "d" },
	{ "last noeol", 1, 0, '#', 1, 0, MAP_LINE_ENTRY, "last", "noeol" },
	{ "not last", 0, 0, '#', 1, 0, MAP_LINE_TOO_LONG, NULL, NULL },
	{ "a\0b c\n", 0, 0, '#', 1, 0, MAP_LINE_TOO_LONG, NULL, NULL },
};

static void
test_parse_lines_as_sendmail(void **state)
{
	struct map_line_opts o;
	struct map_line ln;
	size_t i, len;

	(void)state;
	buf_init(&ln.key, 0);
	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct pcase *c = &pcases[i];

		memset(&o, 0, sizeof(o));
		o.sep = c->sep;
		o.comment = c->comment;
		o.foldcase = c->fold;
		o.allowempty = c->empty;
		len = strlen(c->line);
		if (c->line[0] == 'a' && c->line[1] == '\0')
			len = 6;	/* the NUL case */
		assert_int_equal(map_line_parse(c->line, len, c->last, &o,
		    &ln), c->kind);
		if (c->key != NULL)
			assert_string_equal(buf_cstr(&ln.key), c->key);
		if (c->val != NULL) {
			assert_int_equal(ln.vallen, strlen(c->val));
			assert_memory_equal(ln.val, c->val, ln.vallen);
		}
	}
	buf_free(&ln.key);
}

/* A line of 1023 bytes or more comes as pieces, each "too long". */
static void
test_long_line_is_cut_like_fgets(void **state)
{
	char line[3002];
	size_t plen;
	int nl;

	(void)state;
	memset(line, 'k', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	assert_int_equal(map_line_split(line, sizeof(line), 0, 0, &plen, &nl),
	    1);
	assert_int_equal(plen, MAP_LINE_PIECE);
	assert_int_equal(nl, 0);
	assert_int_equal(map_line_split(line + 2046, sizeof(line) - 2046, 0,
	    0, &plen, &nl), 1);
	assert_int_equal(plen, sizeof(line) - 2046);
	assert_int_equal(nl, 1);
	/* exactly 1022 bytes and the newline: one piece */
	assert_int_equal(map_line_split(line + sizeof(line) - 1023, 1023, 0,
	    0, &plen, &nl), 1);
	assert_int_equal(plen, 1023);
	assert_int_equal(nl, 1);
}

/* Fed one byte at a time, the splitter waits, then gives the same pieces. */
static void
test_split_one_byte_at_a_time(void **state)
{
	static const char in[] = "a b\n\nc d\nlast";
	static const size_t want[] = { 4, 1, 4, 4 };
	size_t have = 0, off = 0, n = 0, plen;
	int nl;

	(void)state;
	while (have <= sizeof(in) - 1) {
		int eof = have == sizeof(in) - 1;

		while (map_line_split(in + off, have - off, eof, 0, &plen,
		    &nl)) {
			assert_true(n < 4);
			assert_int_equal(plen, want[n]);
			off += plen;
			n++;
		}
		have++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(off, sizeof(in) - 1);
}

static char dir[] = "/tmp/test_map_line.XXXXXX";

struct walked {
	int	n;
	char	all[256];
};

static int
walk_fn(void *arg, const char *k, size_t kl, const char *v, size_t vl)
{
	struct walked *w = arg;
	size_t n = strlen(w->all);

	snprintf(w->all + n, sizeof(w->all) - n, "%.*s=%.*s;", (int)kl, k,
	    (int)vl, v);
	w->n++;
	return 0;
}

static void
test_db_file_api(void **state)
{
	static const enum map_db_type types[] = { MAP_DB_HASH, MAP_DB_BTREE };
	struct map_db_opts o;
	struct map_db *db;
	struct walked w;
	struct err err;
	struct buf v;
	char path[256];
	size_t i;

	(void)state;
	buf_init(&v, 0);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/f%zu.db", dir, i);
		memset(&o, 0, sizeof(o));
		o.type = types[i];
		o.create = 1;
		o.cachesize = 1024 * 1024;
		db = map_db_open(path, &o, &err);
		assert_non_null(db);
		assert_int_equal(map_db_put(db, "k", 1, "v1", 2, 0, &err), 0);
		assert_int_equal(map_db_put(db, "k", 1, "v2", 2, 0, &err), 1);
		assert_int_equal(map_db_get(db, "k", 1, &v, &err), 0);
		assert_string_equal(buf_cstr(&v), "v1");
		assert_int_equal(map_db_put(db, "k", 1, "v3", 2, 1, &err), 0);
		assert_int_equal(map_db_get(db, "k", 1, &v, &err), 0);
		assert_string_equal(buf_cstr(&v), "v3");
		assert_int_equal(map_db_put(db, "n", 2, "x", 2, 0, &err), 0);
		assert_int_equal(map_db_get(db, "n", 1, &v, &err), 1);
		assert_int_equal(map_db_del(db, "n", 2, &err), 0);
		assert_int_equal(map_db_del(db, "n", 2, &err), 1);
		assert_true(map_db_fd(db) >= 0);
		assert_int_equal(map_db_close(db, &err), 0);

		o.create = 0;
		o.readonly = 1;
		db = map_db_open(path, &o, &err);
		assert_non_null(db);
		memset(&w, 0, sizeof(w));
		assert_int_equal(map_db_walk(db, walk_fn, &w, &err), 0);
		assert_int_equal(w.n, 1);
		assert_string_equal(w.all, "k=v3;");
		assert_int_equal(map_db_close(db, &err), 0);
		unlink(path);
	}
	/* duplicates on a btree: both kept, in insertion order */
	snprintf(path, sizeof(path), "%s/dups.db", dir);
	memset(&o, 0, sizeof(o));
	o.type = MAP_DB_BTREE;
	o.create = 1;
	o.dups = 1;
	db = map_db_open(path, &o, &err);
	assert_non_null(db);
	assert_int_equal(map_db_put(db, "k", 1, "a", 1, 0, &err), 0);
	assert_int_equal(map_db_put(db, "k", 1, "b", 1, 0, &err), 0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(map_db_walk(db, walk_fn, &w, &err), 0);
	assert_string_equal(w.all, "k=a;k=b;");
	assert_int_equal(map_db_close(db, &err), 0);
	unlink(path);
	/* a missing file, read only: the reason is strerror's */
	snprintf(path, sizeof(path), "%s/none.db", dir);
	o.create = 0;
	o.readonly = 1;
	assert_null(map_db_open(path, &o, &err));
	assert_string_equal(err.msg, "No such file or directory");
	buf_free(&v);
}

static void
test_tool_types_and_paths(void **state)
{
	char *p;

	(void)state;
	assert_int_equal(map_tool_type("hash"), MAP_TOOL_HASH);
	assert_int_equal(map_tool_type("btree"), MAP_TOOL_BTREE);
	assert_int_equal(map_tool_type("implicit"), MAP_TOOL_IMPLICIT);
	assert_int_equal(map_tool_type("dbm"), MAP_TOOL_DBM);
	assert_int_equal(map_tool_type("HASH"), MAP_TOOL_UNKNOWN);
	p = map_tool_path("m");
	assert_string_equal(p, "m.db");
	free(p);
	p = map_tool_path("/x/m.db");
	assert_string_equal(p, "/x/m.db");
	free(p);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lines_as_sendmail),
		cmocka_unit_test(test_long_line_is_cut_like_fgets),
		cmocka_unit_test(test_split_one_byte_at_a_time),
		cmocka_unit_test(test_db_file_api),
		cmocka_unit_test(test_tool_types_and_paths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
