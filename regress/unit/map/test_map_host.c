/*
 * test_map_host.c -- the name service classes without the network:
 * arpa (reverse names; IPv6 needs the "IPv6:" prefix, junk is status
 * 65), host on malformed names (not found, 68, no query made), the
 * dns class's required -R type, and the per-process memory of answers
 * from the hosts file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "map/map.h"
#include "map/map_int.h"

struct lcase {
	const char	*cls;
	const char	*key;
	enum map_result	 res;
	const char	*val;
	int		 stat;
};

static void
test_arpa_and_malformed_host_names(void **state)
{
	static const struct lcase c[] = {
		{ "arpa", "192.0.2.1", MAP_FOUND, "1.2.0.192", 0 },
		{ "arpa", "IPv6:2001:db8::1", MAP_FOUND, "1.0.0.0.0.0.0.0.0.0."
		    "0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2", 0 },
		{ "arpa", "ipv6:::ffff:1.2.3.4", MAP_FOUND, "4.0.3.0.2.0.1.0."
		    "f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0", 0 },
		{ "arpa", "2001:db8::1", MAP_NOTFOUND, NULL, 65 },
		{ "arpa", "1.2.3", MAP_NOTFOUND, NULL, 65 },
		{ "arpa", "10.0.0.256", MAP_NOTFOUND, NULL, 65 },
		{ "arpa", "001.2.3.4", MAP_NOTFOUND, NULL, 65 },
		{ "host", "a..b", MAP_NOTFOUND, NULL, 68 },
		{ "host", ".", MAP_NOTFOUND, NULL, 68 },
		{ "host", "[not-an-address]", MAP_NOTFOUND, NULL, 68 },
		/* address literals are their own best MX */
		{ "bestmx", "[192.0.2.1]", MAP_FOUND, "[192.0.2.1]", 0 },
		{ "bestmx", "[ipv6:::1].", MAP_FOUND, "[ipv6:::1].", 0 },
		{ "bestmx", "[192.0.2.1", MAP_NOTFOUND, NULL, 0 },
		{ "bestmx", "[256.1.1.1]", MAP_NOTFOUND, NULL, 0 },
	};
	struct map_set *set;
	struct map *m;
	struct err err;
	struct buf v;
	size_t i;
	int st;

	buf_init(&v, 0);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		set = map_set_new(NULL);
		m = map_declare(set, "x", c[i].cls, "", &err);
		assert_non_null(m);
		assert_int_equal(map_lookup(m, c[i].key, NULL, 0, &v, &st,
		    &err), c[i].res);
		if (c[i].val != NULL)
			assert_string_equal(buf_cstr(&v), c[i].val);
		assert_int_equal(st, c[i].stat);
		map_set_free(set);
	}
	buf_free(&v);
}

static void
test_dns_needs_a_known_record_type(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct err err;

	assert_null(map_declare(set, "d", "dns", "", &err));
	assert_string_equal(err.msg, "dns map d: missing -R type");
	assert_null(map_declare(set, "d2", "dns", "-RBOGUS", &err));
	assert_non_null(map_declare(set, "d3", "dns", "-RA -z,", &err));
	map_set_free(set);
}

/* sendmail-cf writes "dns -R A -a. -T<TMP>": the flags after the type */
static void
test_dns_type_after_white_space(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;

	m = map_declare(set, "d", "dns", "-R A -a. -T<TMP> -r 5", &err);
	assert_non_null(m);
	assert_int_equal(err.kind, ERR_NONE);
	assert_string_equal(m->append, ".");
	assert_string_equal(m->tempappend, "<TMP>");
	assert_null(map_declare(set, "d2", "dns", "-R XX", &err));
	assert_string_equal(err.msg, "dns map d2: wrong type XX\n"
	    "dns map d2: missing -R type");
	/* the last -R counts; a bad one is reported with the rest */
	assert_non_null(map_declare(set, "d3", "dns", "-R XX -R A", &err));
	assert_string_equal(err.msg, "dns map d3: wrong type XX -R A");
	map_set_free(set);
}

/* kept answers come back per key and methods; "not found" too */
static void
test_hostcache_keeps_answers_per_key_and_methods(void **state)
{
	struct buf v;
	int found = -1;
	char key[32];
	int i;

	buf_init(&v, 0);
	assert_int_equal(hostcache_get("kept.example", 1, &v, &found), -1);
	hostcache_put("kept.example", 1, 1, "kept.example.test");
	hostcache_put("gone.example", 1, 0, NULL);
	assert_int_equal(hostcache_get("kept.example", 1, &v, &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(buf_cstr(&v), "kept.example.test");
	assert_int_equal(hostcache_get("kept.example", 3, &v, &found), -1);
	assert_int_equal(hostcache_get("gone.example", 1, &v, &found), 0);
	assert_int_equal(found, 0);
	/* a full cache starts again, never grows without bound */
	for (i = 0; i < 1000; i++) {
		(void)snprintf(key, sizeof(key), "n%d.example", i);
		hostcache_put(key, 1, 0, NULL);
	}
	assert_int_equal(hostcache_get("n999.example", 1, &v, &found), 0);
	assert_int_equal(hostcache_get("n0.example", 1, &v, &found), -1);
	buf_free(&v);
}

/* the host map's answer from the hosts file is the same when kept */
static void
test_host_map_answer_same_when_kept(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;
	struct buf a, b;
	enum map_result r1, r2;
	int s1, s2;

	buf_init(&a, 0);
	buf_init(&b, 0);
	m = map_declare(set, "h", "host", "", &err);
	assert_non_null(m);
	r1 = map_lookup(m, "localhost", NULL, 0, &a, &s1, &err);
	r2 = map_lookup(m, "localhost", NULL, 0, &b, &s2, &err);
	assert_int_equal(r1, r2);
	assert_int_equal(s1, s2);
	assert_string_equal(buf_cstr(&a), buf_cstr(&b));
	buf_free(&a);
	buf_free(&b);
	map_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arpa_and_malformed_host_names),
		cmocka_unit_test(test_dns_needs_a_known_record_type),
		cmocka_unit_test(test_dns_type_after_white_space),
		cmocka_unit_test(test_hostcache_keeps_answers_per_key_and_methods),
		cmocka_unit_test(test_host_map_answer_same_when_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
