/*
 * test_map_db.c -- hash and btree maps written through our own
 * map_store and read back, with the lookup rules sendmail applies to
 * them: case folding, -f, NUL forms (-N, -O, adaptive), -m, -a, %n,
 * -o, -t and -T on a missing file; a duplicate key replaces the value
 * or, with -A, is joined in front of it.
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

static char dir[] = "/tmp/test_map_db.XXXXXX";

struct kv {
	const char	*key;
	const char	*val;
};

/* Writes pairs into dir/name (.db added by the class) with flags. */
static void
make_db(const char *cls, const char *flags, const char *name,
    const struct kv *kv, size_t n)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;
	char args[512];
	size_t i;

	snprintf(args, sizeof(args), "%s %s/%s", flags, dir, name);
	m = map_declare(set, "w", cls, args, &err);
	assert_non_null(m);
	assert_int_equal(map_open(m, O_RDWR | O_CREAT, &err), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(map_store(m, kv[i].key, kv[i].val, &err), 0);
	map_set_free(set);
}

struct lcase {
	const char	*flags;		/* K line flags before the file */
	const char	*file;		/* relative to dir */
	const char	*key;
	enum map_result	 res;
	const char	*val;		/* value (FOUND) or -T value */
	int		 stat;
};

static void
run_cases(const char *cls, const struct lcase *c, size_t n)
{
	static const char *const av[] = { "ARG1", "ARG2" };
	struct map_set *set;
	struct map *m;
	struct err err;
	struct buf v;
	char args[512];
	size_t i;
	int st;

	buf_init(&v, 0);
	for (i = 0; i < n; i++) {
		set = map_set_new(NULL);
		snprintf(args, sizeof(args), "%s %s/%s", c[i].flags, dir,
		    c[i].file);
		m = map_declare(set, "h", cls, args, &err);
		assert_non_null(m);
		assert_int_equal(map_lookup(m, c[i].key, av, 2, &v, &st, &err),
		    c[i].res);
		if (c[i].val != NULL)
			assert_string_equal(buf_cstr(&v), c[i].val);
		assert_int_equal(st, c[i].stat);
		map_set_free(set);
	}
	buf_free(&v);
}

static int
setup(void **state)
{
	static const struct kv plain[] = {
		{ "key1", "val1" }, { "k2", "%0-and-%1" },
		{ "k4", "a%2b%%c%9d%x" },
	};
	static const struct kv withnul[] = { { "nulkey", "nulval" } };

	if (mkdtemp(dir) == NULL)
		return -1;
	make_db("hash", "", "h", plain, 3);
	make_db("hash", "-N", "n", withnul, 1);
	make_db("btree", "", "b", plain, 3);
	return 0;
}

static int
teardown(void **state)
{
	char path[600];

	snprintf(path, sizeof(path), "rm -rf %s", dir);
	return system(path) == 0 ? 0 : -1;
}

static void
test_hash_lookups_follow_sendmail(void **state)
{
	static const struct lcase c[] = {
		{ "", "h", "key1", MAP_FOUND, "val1", 0 },
		{ "", "h", "KEY1", MAP_FOUND, "val1", 0 },
		{ "", "h.db", "key1", MAP_FOUND, "val1", 0 },
		{ "", "h", "x", MAP_NOTFOUND, NULL, 0 },
		{ "-f", "h", "KEY1", MAP_NOTFOUND, NULL, 0 },
		{ "-f", "h", "key1", MAP_FOUND, "val1", 0 },
		{ "", "h", "K2", MAP_FOUND, "K2-and-ARG1", 0 },
		{ "", "h", "k4", MAP_FOUND, "aARG2b%cd%x", 0 },
		{ "-a.FOUND -m", "h", "KEY1", MAP_FOUND, "KEY1.FOUND", 0 },
		{ "-a.X", "h", "key1", MAP_FOUND, "val1.X", 0 },
		{ "-N", "h", "key1", MAP_NOTFOUND, NULL, 0 },
		{ "-O", "h", "key1", MAP_FOUND, "val1", 0 },
		{ "", "n", "nulkey", MAP_FOUND, "nulval", 0 },
		{ "-N", "n", "nulkey", MAP_FOUND, "nulval", 0 },
		{ "-O", "n", "nulkey", MAP_NOTFOUND, NULL, 0 },
	};

	run_cases("hash", c, sizeof(c) / sizeof(c[0]));
}

static void
test_btree_reads_its_own_files(void **state)
{
	static const struct lcase c[] = {
		{ "", "b", "KEY1", MAP_FOUND, "val1", 0 },
		{ "", "b", "nope", MAP_NOTFOUND, NULL, 0 },
	};

	run_cases("btree", c, sizeof(c) / sizeof(c[0]));
}

static void
test_missing_file_tempfails_unless_optional_or_t(void **state)
{
	static const struct lcase c[] = {
		{ "", "none", "a", MAP_TEMPFAIL, "", 75 },
		{ "-o", "none", "a", MAP_NOTFOUND, NULL, 0 },
		{ "-t", "none", "a", MAP_NOTFOUND, NULL, 75 },
		{ "-T<TMPF>", "none", "A", MAP_TEMPFAIL, "A<TMPF>", 75 },
		{ "-T<TMPF> -a.X", "none", "a", MAP_TEMPFAIL, "a<TMPF>", 75 },
	};

	run_cases("hash", c, sizeof(c) / sizeof(c[0]));
	run_cases("implicit", c, sizeof(c) / sizeof(c[0]));
}

static void
test_missing_file_reason_is_worded_as_sendmail(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;
	char args[512], want[700];

	snprintf(args, sizeof(args), "%s/none", dir);
	m = map_declare(set, "miss", "hash", args, &err);
	assert_non_null(m);
	assert_int_equal(map_open(m, O_RDONLY, &err), -1);
	snprintf(want, sizeof(want), "hash map \"miss\": missing map file "
	    "%s/none.db: No such file or directory", dir);
	assert_string_equal(err.msg, want);
	assert_int_equal(map_available(m), 1);
	map_set_free(set);
}

static void
test_adaptive_nul_sticks_to_the_form_that_hit(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;
	struct buf v;
	char args[512];
	int st;

	snprintf(args, sizeof(args), "%s/n", dir);
	m = map_declare(set, "n", "hash", args, &err);
	buf_init(&v, 0);
	assert_int_equal(map_lookup(m, "nulkey", NULL, 0, &v, &st, &err),
	    MAP_FOUND);
	assert_false(m->flags & MF_TRYNUL);
	buf_free(&v);
	map_set_free(set);
}

static int
count_entry(void *arg, const char *k, const char *v)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_walk_visits_every_entry(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;
	char args[512];
	int n = 0;

	snprintf(args, sizeof(args), "%s/h", dir);
	m = map_declare(set, "h", "hash", args, &err);
	assert_int_equal(map_open(m, O_RDONLY, &err), 0);
	assert_int_equal(m->cls->walk(m, count_entry, &n, &err), 0);
	assert_int_equal(n, 3);
	map_set_free(set);
}

/* Stores two values under one key with flags; what a lookup returns. */
static void
dup_case(const char *flags, const char *name, const char *want)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;
	struct buf v;
	char args[512];
	int st = 0;

	snprintf(args, sizeof(args), "%s %s/%s", flags, dir, name);
	m = map_declare(set, "d", "hash", args, &err);
	assert_non_null(m);
	assert_int_equal(map_open(m, O_RDWR | O_CREAT, &err), 0);
	assert_int_equal(map_store(m, "Dup", "first", &err), 0);
	assert_int_equal(map_store(m, "other", "x", &err), 0);
	assert_int_equal(map_store(m, "DUP", "second", &err), 1);
	map_set_free(set);

	set = map_set_new(NULL);
	m = map_declare(set, "d", "hash", args, &err);
	buf_init(&v, 0);
	assert_int_equal(map_lookup(m, "dup", NULL, 0, &v, &st, &err),
	    MAP_FOUND);
	assert_string_equal(buf_cstr(&v), want);
	buf_free(&v);
	map_set_free(set);
}

static void
test_duplicate_replaces_or_joins_with_A(void **state)
{
	dup_case("", "d1", "second");
	dup_case("-N", "d2", "second");
	dup_case("-A", "d3", "second,first");
	dup_case("-A -N", "d4", "second,first");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_lookups_follow_sendmail),
		cmocka_unit_test(test_btree_reads_its_own_files),
		cmocka_unit_test(
		    test_missing_file_tempfails_unless_optional_or_t),
		cmocka_unit_test(test_missing_file_reason_is_worded_as_sendmail),
		cmocka_unit_test(test_adaptive_nul_sticks_to_the_form_that_hit),
		cmocka_unit_test(test_walk_visits_every_entry),
		cmocka_unit_test(test_duplicate_replaces_or_joins_with_A),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
