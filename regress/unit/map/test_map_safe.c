/*
 * test_map_safe.c -- sendmail's file checks for maps: DontBlameSendmail
 * names, and map_file_safe() on files below world- and group-writable
 * folders, symbolic and hard links, with and without the exceptions.
 * The tree is made below the current folder (make check runs in the
 * checkout), never below /tmp, which is itself world-writable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "map/map.h"

static char dir[] = "test_map_safe.XXXXXX";

static void
mk(const char *rel, mode_t mode, int isdir)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (isdir) {
		assert_int_equal(mkdir(path, 0755), 0);
	} else {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs("k v\n", f);
		assert_int_equal(fclose(f), 0);
	}
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup(void **state)
{
	char a[512], b[512];

	if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0)
		return -1;
	mk("safe", 0755, 1);
	mk("ww", 0777, 1);
	mk("gw", 0775, 1);
	mk("safe/f", 0644, 0);
	mk("ww/f", 0644, 0);
	mk("gw/f", 0644, 0);
	snprintf(a, sizeof(a), "f");
	snprintf(b, sizeof(b), "%s/ww/link", dir);
	if (symlink(a, b) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_dontblame_names_parse_like_sendmail(void **state)
{
	struct err err;
	unsigned f;

	assert_int_equal(map_dontblame_parse("MapInUnsafeDirPath, "
	    "groupwritabledirpathsafe", &f, &err), 0);
	assert_int_equal(f, MAP_DBS_MAPINUNSAFEDIRPATH |
	    MAP_DBS_GROUPWRITABLEDIRPATHSAFE);
	assert_int_equal(map_dontblame_parse("TrustStickyBit Safe "
	    "LinkedMapInWritableDir", &f, &err), 0);
	assert_int_equal(f, MAP_DBS_LINKEDMAPINWRITABLEDIR);
	assert_int_equal(map_dontblame_parse("ForwardFileInUnsafeDirPath",
	    &f, &err), 0);
	assert_int_equal(f, 0);
	assert_int_equal(map_dontblame_parse("NoSuchName,WriteMapToSymLink",
	    &f, &err), -1);
	assert_string_equal(err.msg, "readcf: DontBlameSendmail option: "
	    "NoSuchName unrecognized");
	assert_int_equal(f, MAP_DBS_WRITEMAPTOSYMLINK);
}

static void
check(const char *rel, unsigned dbs, const char *why)
{
	char path[512];
	struct err err;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	rc = map_file_safe(path, dbs, 0, &err);
	if (why == NULL) {
		assert_int_equal(rc, 0);
	} else {
		assert_int_not_equal(rc, 0);
		assert_string_equal(err.msg, why);
	}
}

static void
test_writable_folders_and_links_are_refused_unless_blamed(void **state)
{
	check("safe/f", 0, NULL);
	check("ww/f", 0, "World writable directory");
	check("gw/f", 0, "Group writable directory");
	check("gw/f", MAP_DBS_GROUPWRITABLEDIRPATHSAFE, NULL);
	check("ww/f", MAP_DBS_MAPINUNSAFEDIRPATH, NULL);
	check("ww/link", MAP_DBS_MAPINUNSAFEDIRPATH,
	    "Symbolic links not allowed");
	check("ww/link", MAP_DBS_MAPINUNSAFEDIRPATH |
	    MAP_DBS_LINKEDMAPINWRITABLEDIR, NULL);
	check("safe/none", 0, "No such file or directory");
	check("ww/none", 0, "World writable directory");
	check("safe", 0, "Regular files only");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dontblame_names_parse_like_sendmail),
		cmocka_unit_test(
		    test_writable_folders_and_links_are_refused_unless_blamed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
