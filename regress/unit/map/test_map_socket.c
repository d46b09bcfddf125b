/*
 * test_map_socket.c -- the socket map's netstring codec, fed whole and
 * one byte at a time: complete replies, every malformed form sendmail
 * names (bad length, too long, missing ':' or ','), the request
 * encoder, and the reply's status word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "map/map.h"
#include "map/map_int.h"

struct ncase {
	const char	*in;
	enum ns_result	 res;
	const char	*data;		/* NS_OK: the payload */
	const char	*why;		/* NS_FAIL: err text */
	size_t		 used;		/* bytes taken */
};

static const struct ncase cases[] = {
	{ "8:OK value,", NS_OK, "OK value", NULL, 11 },
	{ "0000000008:OK value,", NS_FAIL, NULL, "missing ':' in reply", 9 },
	{ "8:NOTFOUND,", NS_OK, "NOTFOUND", NULL, 11 },
	{ "0:,", NS_OK, "", NULL, 3 },
	{ "4:PERM,tail", NS_OK, "PERM", NULL, 7 },
	{ "12:a,b:c d e f,,", NS_OK, "a,b:c d e f,", NULL, 16 },
	{ "9:OK val", NS_MORE, NULL, NULL, 8 },
	{ "", NS_MORE, NULL, NULL, 0 },
	{ "x:OK,", NS_FAIL, NULL, "failed to read length parameter of "
	    "reply", 0 },
	{ ":OK,", NS_FAIL, NULL, "failed to read length parameter of "
	    "reply", 0 },
	{ "2;OK,", NS_FAIL, NULL, "missing ':' in reply", 1 },
	{ "1234567890:x,", NS_FAIL, NULL, "reply too long: 123456789", 9 },
	{ "0000000012:x,", NS_FAIL, NULL, "missing ':' in reply", 9 },
	{ "2000:x,", NS_FAIL, NULL, "reply too long: 2000", 4 },
	{ "2:OK;", NS_FAIL, NULL, "missing ',' in reply", 5 },
};

static void
run(const struct ncase *c, size_t step)
{
	struct netstring ns;
	struct err err;
	enum ns_result r = NS_MORE;
	size_t off = 0, len = strlen(c->in), n, used;

	netstring_init(&ns, 1000);
	err_clear(&err);
	while (off < len) {
		n = len - off < step ? len - off : step;
		r = netstring_feed(&ns, c->in + off, n, &used, &err);
		assert_true(used <= n);
		off += used;
		if (r != NS_MORE)
			break;
	}
	assert_int_equal(r, c->res);
	if (c->res == NS_OK) {
		assert_int_equal(ns.data.len, strlen(c->data));
		assert_memory_equal(ns.data.data, c->data, ns.data.len);
	}
	if (c->res == NS_FAIL)
		assert_string_equal(err.msg, c->why);
	if (c->used != 0)
		assert_int_equal(off, c->used);
	netstring_free(&ns);
}

static void
test_netstring_whole_and_byte_by_byte_agree(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(&cases[i], 1);
		run(&cases[i], 3);
		run(&cases[i], 4096);
	}
}

static void
test_netstring_reset_reads_the_next_reply(void **state)
{
	struct netstring ns;
	struct err err;
	size_t used;

	netstring_init(&ns, 100);
	assert_int_equal(netstring_feed(&ns, "2:OK,", 5, &used, &err), NS_OK);
	netstring_reset(&ns);
	assert_int_equal(netstring_feed(&ns, "4:TEMP,", 7, &used, &err),
	    NS_OK);
	assert_string_equal(buf_cstr(&ns.data), "TEMP");
	netstring_free(&ns);
}

static void
test_request_is_len_colon_map_space_key_comma(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(netstring_encode(&b, "sock", "joe@example.test"), 0);
	assert_string_equal(buf_cstr(&b), "21:sock joe@example.test,");
	buf_reset(&b);
	assert_int_equal(netstring_encode(&b, "OK", NULL), 0);
	assert_string_equal(buf_cstr(&b), "2:OK,");
	buf_free(&b);
}

static void
test_reply_status_words(void **state)
{
	static const struct {
		const char		*r;
		enum sock_status	 st;
		const char		*val;
	} c[] = {
		{ "OK value with spaces", SOCK_OK, "value with spaces" },
		{ "OK", SOCK_OK, "" },
		{ "NOTFOUND", SOCK_NOTFOUND, "" },
		{ "TEMP busy", SOCK_TEMP, "busy" },
		{ "TIMEOUT slow", SOCK_TEMP, "slow" },
		{ "PERM no", SOCK_PERM, "no" },
		{ "ok lower", SOCK_PROTOCOL, "lower" },
		{ "", SOCK_PROTOCOL, "" },
	};
	const char *val;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(sock_reply_parse(c[i].r, strlen(c[i].r),
		    &val), c[i].st);
		assert_string_equal(val, c[i].val);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netstring_whole_and_byte_by_byte_agree),
		cmocka_unit_test(test_netstring_reset_reads_the_next_reply),
		cmocka_unit_test(test_request_is_len_colon_map_space_key_comma),
		cmocka_unit_test(test_reply_status_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
