/*
 * test_map_reopen.c -- a hash map that stays open in a long-running
 * reader sees the map rebuilt under it (a new file renamed over the old
 * one), within about a second, as the daemon needs.
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

static char dir[] = "/tmp/test_map_reopen.XXXXXX";

/* Builds dir/name.db holding key -> val. */
static void
build(const char *name, const char *key, const char *val)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;
	char args[512];

	snprintf(args, sizeof(args), "%s/%s", dir, name);
	m = map_declare(set, "w", "hash", args, &err);
	assert_non_null(m);
	assert_int_equal(map_open(m, O_RDWR | O_CREAT, &err), 0);
	assert_int_equal(map_store(m, key, val, &err), 0);
	map_set_free(set);
}

static void
test_rebuilt_map_is_seen_by_an_open_reader(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;
	struct buf val;
	char args[512], from[600], to[600];
	int stat;

	(void)state;
	build("access", "example.com", "REJECT");
	snprintf(args, sizeof(args), "%s/access", dir);
	m = map_declare(set, "access", "hash", args, &err);
	assert_non_null(m);
	buf_init(&val, 0);
	assert_int_equal(map_lookup(m, "example.com", NULL, 0, &val, &stat,
	    &err), MAP_FOUND);
	assert_string_equal(buf_cstr(&val), "REJECT");

	/* makemap's way: a new file, renamed over the map */
	build("access.new", "example.com", "RELAY");
	snprintf(from, sizeof(from), "%s/access.new.db", dir);
	snprintf(to, sizeof(to), "%s/access.db", dir);
	assert_int_equal(rename(from, to), 0);
	sleep(2);
	assert_int_equal(map_lookup(m, "example.com", NULL, 0, &val, &stat,
	    &err), MAP_FOUND);
	assert_string_equal(buf_cstr(&val), "RELAY");
	buf_free(&val);
	map_set_free(set);
	unlink(to);
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
		cmocka_unit_test(test_rebuilt_map_is_seen_by_an_open_reader),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
