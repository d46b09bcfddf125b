/*
 * test_map_table.c -- declaring maps (unknown class, missing file
 * name, case-insensitive names, redeclaring) and the in-memory
 * classes: stab (alias-style file plus map_store) and sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "map/map.h"

static void
test_unknown_class_is_not_available(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct err err;

	assert_null(map_declare(set, "t_dbm", "dbm", "/x", &err));
	assert_string_equal(err.msg,
	    "readcf: map t_dbm: class dbm not available");
	assert_null(map_find(set, "t_dbm"));
	map_set_free(set);
}

static void
test_missing_file_name_leaves_map_not_open(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct err err;
	struct map *m;

	assert_null(map_declare(set, "t_hash", "hash", "-o", &err));
	assert_string_equal(err.msg, "No file name for hash map t_hash");
	m = map_find(set, "t_hash");
	assert_non_null(m);
	assert_int_equal(map_available(m), 0);
	map_set_free(set);
}

static void
test_names_fold_case_and_redeclaring_reuses_the_map(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct err err;
	struct map *a, *b;

	a = map_declare(set, "missT", "null", "", &err);
	b = map_declare(set, "misst", "dequote", "-t", &err);
	assert_ptr_equal(a, b);
	assert_ptr_equal(map_find(set, "MISST"), a);
	assert_string_equal(a->name, "misst");
	assert_string_equal(a->cls->name, "dequote");
	assert_true(a->flags & MF_TEMPNOTFOUND);
	map_set_free(set);
}

static void
test_common_flags_are_parsed_with_attached_values(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct err err;
	struct map *m;

	m = map_declare(set, "x", "hash", "-o -N -a.FOUND -T<TMPF> -z: -S_ "
	    "-k2 -vshell -q -D -A /etc/x extra words", &err);
	assert_non_null(m);
	assert_true(m->flags & MF_OPTIONAL);
	assert_true(m->flags & MF_INCLUDENUL);
	assert_true(m->flags & MF_KEEPQUOTES);
	assert_true(m->flags & MF_NODEFER);
	assert_true(m->flags & MF_APPENDDUP);
	assert_string_equal(m->append, ".FOUND");
	assert_string_equal(m->tempappend, "<TMPF>");
	assert_int_equal(m->coldelim, ':');
	assert_int_equal(m->spacesub, '_');
	assert_int_equal(m->keycol, 2);
	assert_string_equal(m->valname, "shell");
	assert_string_equal(m->file, "/etc/x");
	assert_string_equal(m->rest, "/etc/x extra words");
	m = map_declare(set, "y", "text", "-z\\t /f", &err);
	assert_int_equal(m->coldelim, '\t');
	map_set_free(set);
}

static void
test_stab_reads_alias_style_file_and_stores(void **state)
{
	char path[] = "/tmp/test_map_stab.XXXXXX";
	struct map_set *set = map_set_new(NULL);
	struct err err;
	struct buf v;
	struct map *m;
	int fd, st;
	static const char text[] = "# c\nroot: admin\nfoo: bar,\n\tbaz\n";

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
	    (ssize_t)(sizeof(text) - 1));
	close(fd);
	m = map_declare(set, "st", "stab", path, &err);
	assert_non_null(m);
	buf_init(&v, 0);
	assert_int_equal(map_lookup(m, "ROOT", NULL, 0, &v, &st, &err),
	    MAP_FOUND);
	assert_string_equal(buf_cstr(&v), "admin");
	assert_int_equal(map_lookup(m, "foo", NULL, 0, &v, &st, &err),
	    MAP_FOUND);
	assert_string_equal(buf_cstr(&v), "bar, baz");
	assert_int_equal(map_lookup(m, "new", NULL, 0, &v, &st, &err),
	    MAP_NOTFOUND);
	assert_int_equal(st, 0);
	assert_int_equal(map_store(m, "New", "value", &err), 0);
	assert_int_equal(map_lookup(m, "new", NULL, 0, &v, &st, &err),
	    MAP_FOUND);
	assert_string_equal(buf_cstr(&v), "value");
	buf_free(&v);
	map_set_free(set);
	unlink(path);
}

struct lcase {
	const char	*map;
	const char	*key;
	enum map_result	 res;
	const char	*val;
	int		 stat;
};

static void
test_sequence_takes_first_found_and_remembers_tempfail(void **state)
{
	static const struct lcase c[] = {
		{ "s1", "\"q\"", MAP_FOUND, "q.D", 0 },
		{ "s1", "plain", MAP_TEMPFAIL, NULL, 75 },
		{ "s2", "plain", MAP_TEMPFAIL, NULL, 75 },
		{ "s3", "plain", MAP_NOTFOUND, NULL, 68 },
		{ "s3", "\"%0\"", MAP_FOUND, "\"%0\".D", 0 },
		{ "s4", "x", MAP_NOTFOUND, NULL, 68 },
		{ "s5", "\"a\"", MAP_FOUND, "a.D!", 0 },
	};
	struct map_set *set = map_set_new(NULL);
	struct err err;
	struct buf v;
	size_t i;
	int st;

	assert_non_null(map_declare(set, "q", "dequote", "-a.D", &err));
	assert_non_null(map_declare(set, "n", "null", "", &err));
	assert_non_null(map_declare(set, "miss", "hash", "/nonexistent/x",
	    &err));
	assert_non_null(map_declare(set, "s1", "sequence", "q miss", &err));
	assert_non_null(map_declare(set, "s2", "sequence", "miss q", &err));
	assert_non_null(map_declare(set, "s3", "sequence", "n q", &err));
	assert_non_null(map_declare(set, "s4", "sequence", "n nosuchmap",
	    &err));
	assert_string_equal(err.msg,
	    "Sequence map s4: unknown member map nosuchmap");
	assert_non_null(map_declare(set, "s5", "sequence", "-a! q", &err));
	buf_init(&v, 0);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(map_lookup(map_find(set, c[i].map), c[i].key,
		    NULL, 0, &v, &st, &err), c[i].res);
		if (c[i].val != NULL)
			assert_string_equal(buf_cstr(&v), c[i].val);
		assert_int_equal(st, c[i].stat);
	}
	buf_free(&v);
	map_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_class_is_not_available),
		cmocka_unit_test(test_missing_file_name_leaves_map_not_open),
		cmocka_unit_test(
		    test_names_fold_case_and_redeclaring_reuses_the_map),
		cmocka_unit_test(
		    test_common_flags_are_parsed_with_attached_values),
		cmocka_unit_test(test_stab_reads_alias_style_file_and_stores),
		cmocka_unit_test(
		    test_sequence_takes_first_found_and_remembers_tempfail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
