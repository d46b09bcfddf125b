/*
 * test_map_switch.c -- the service switch file as sendmail 8.17 reads
 * it on Linux: later lines replace earlier ones, lines led by white
 * space or without methods are ignored, "service:" is another service,
 * nsswitch actions such as "[NOTFOUND=return]" are plain method names,
 * and services the file does not name get sendmail's defaults.
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

#include "lib/str.h"
#include "map/map.h"

/* The methods of service under a switch file holding text, joined. */
static void
methods(const char *text, const char *service, const char *want)
{
	char path[] = "/tmp/test_map_switch.XXXXXX";
	struct map_set *set = map_set_new(NULL);
	struct strarr v = { NULL, 0, 0 };
	char got[512] = "";
	size_t i;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	(void)close(fd);
	map_set_service_switch(set, path);
	map_set_service(set, service, &v);
	for (i = 0; i < v.n; i++) {
		if (i > 0)
			strcat(got, "|");
		strcat(got, v.v[i]);
	}
	assert_string_equal(got, want);
	strarr_free(&v);
	map_set_free(set);
	(void)unlink(path);
}

static void
test_methods_in_order(void **state)
{
	methods("aliases\tfiles  nis\n", "aliases", "files|nis");
	methods("hosts files dns # comment\n", "hosts", "files|dns");
	methods("Aliases files nis\n", "aliases", "files|nis");
}

static void
test_later_line_replaces_earlier(void **state)
{
	methods("aliases nis\naliases files\n", "aliases", "files");
	methods("aliases nis\nALIASES files\n", "aliases", "files");
	/* a line without methods changes nothing */
	methods("aliases nis\naliases   \n", "aliases", "nis");
}

static void
test_ignored_lines_leave_the_default(void **state)
{
	methods(" aliases files nis\n", "aliases", "files");
	methods("aliases\n", "aliases", "files");
	methods("aliases: files nis\n", "aliases", "files");
	methods("", "hosts", "dns|files");
	methods("", "passwd", "");
}

static void
test_nsswitch_actions_are_method_names(void **state)
{
	methods("aliases files [NOTFOUND=return] nis\n", "aliases",
	    "files|[NOTFOUND=return]|nis");
	/* only spaces and tabs separate; a CR stays in the last name */
	methods("aliases files,nis\n", "aliases", "files,nis");
	methods("aliases files\r\n", "aliases", "files\r");
}

static void
test_at_most_twelve_methods(void **state)
{
	methods("hosts a b c d e f g h i j k l m n\n", "hosts",
	    "a|b|c|d|e|f|g|h|i|j|k|l");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods_in_order),
		cmocka_unit_test(test_later_line_replaces_earlier),
		cmocka_unit_test(test_ignored_lines_leave_the_default),
		cmocka_unit_test(test_nsswitch_actions_are_method_names),
		cmocka_unit_test(test_at_most_twelve_methods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
