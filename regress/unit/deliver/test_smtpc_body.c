/*
 * test_smtpc_body.c -- the message as the SMTP client puts it on the
 * wire: CRLF for every kind of line end, dot-stuffing, a last line
 * without one, lines cut at the mailer's limit with '!', fed whole, one
 * byte at a time, and split at every position.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "deliver/smtpc.h"

static const struct {
	const char	*in;
	size_t		 limit;
	const char	*want;
} cases[] = {
	{ "", 0, ".\r\n" },
	{ "a", 0, "a\r\n.\r\n" },
	{ "a\n", 0, "a\r\n.\r\n" },
	{ "a\r\n", 0, "a\r\n.\r\n" },
	{ "a\r", 0, "a\r\n.\r\n" },
	{ "a\rb\nc\r\nd", 0, "a\r\nb\r\nc\r\nd\r\n.\r\n" },
	{ "\n\n", 0, "\r\n\r\n.\r\n" },
	{ "\r\r\n\n", 0, "\r\n\r\n\r\n.\r\n" },
	{ ".\n", 0, "..\r\n.\r\n" },
	{ ".", 0, "..\r\n.\r\n" },
	{ "..x\n.y\r.z", 0, "...x\r\n..y\r\n..z\r\n.\r\n" },
	{ "x.\n .\n", 0, "x.\r\n .\r\n.\r\n" },
	{ "0123456789\n", 10, "0123456789\r\n.\r\n" },
	{ "0123456789a\n", 10, "012345678!\r\n9a\r\n.\r\n" },
	{ ".123456789abcdefghij", 10,
	    "..12345678!\r\n9abcdefgh!\r\nij\r\n.\r\n" },
	{ "12345678.abc", 9, "12345678!\r\n..abc\r\n.\r\n" },
	{ "1234567.abc", 8, "1234567!\r\n..abc\r\n.\r\n" },
};

static void
run(const char *in, size_t n, size_t limit, size_t step, struct buf *out)
{
	struct smtpc_body b;
	size_t off, k;

	smtpc_body_init(&b, limit);
	for (off = 0; off < n; off += k) {
		k = n - off < step ? n - off : step;
		assert_int_equal(smtpc_body_feed(&b, in + off, k, out), 0);
	}
	assert_int_equal(smtpc_body_finish(&b, out), 0);
	smtpc_body_free(&b);
}

static void
test_body_whole_and_byte_at_a_time(void **state)
{
	struct buf out;
	size_t i, step, n;

	(void)state;
	buf_init(&out, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i].in);
		for (step = 1; step <= n + 1; step++) {
			buf_reset(&out);
			run(cases[i].in, n, cases[i].limit, step, &out);
			assert_string_equal(buf_cstr(&out), cases[i].want);
		}
	}
	buf_free(&out);
}

static void
test_body_split_everywhere(void **state)
{
	struct smtpc_body b;
	struct buf out;
	const char *in;
	size_t i, cut, n;

	(void)state;
	buf_init(&out, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in = cases[i].in;
		n = strlen(in);
		for (cut = 0; cut <= n; cut++) {
			buf_reset(&out);
			smtpc_body_init(&b, cases[i].limit);
			assert_int_equal(smtpc_body_feed(&b, in, cut, &out), 0);
			assert_int_equal(smtpc_body_feed(&b, in + cut, n - cut,
			    &out), 0);
			assert_int_equal(smtpc_body_finish(&b, &out), 0);
			smtpc_body_free(&b);
			assert_string_equal(buf_cstr(&out), cases[i].want);
		}
	}
	buf_free(&out);
}

/* Whatever the bytes, no bare CR or LF and no lone dot line leaves. */
static void
test_body_never_bare(void **state)
{
	static const char alphabet[] = { '\r', '\n', '.', 'a', '\0' };
	struct buf out;
	char in[6];
	size_t i, j, n = sizeof(in), combos = 1;

	(void)state;
	buf_init(&out, 0);
	for (i = 0; i < n; i++)
		combos *= sizeof(alphabet);
	for (i = 0; i < combos; i++) {
		size_t v = i;

		for (j = 0; j < n; j++, v /= sizeof(alphabet))
			in[j] = alphabet[v % sizeof(alphabet)];
		buf_reset(&out);
		run(in, n, 3, 1, &out);
		assert_true(out.len >= 3);
		assert_memory_equal(out.data + out.len - 3, ".\r\n", 3);
		for (j = 0; j + 3 < out.len; j++) {
			if (out.data[j] == '\r')
				assert_int_equal(out.data[j + 1], '\n');
			if (out.data[j] == '\n')
				assert_int_equal(out.data[j - 1], '\r');
			/* a line of just "." before the end: never */
			if ((j == 0 || out.data[j - 1] == '\n') &&
			    out.data[j] == '.')
				assert_int_not_equal(out.data[j + 1], '\r');
		}
	}
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_whole_and_byte_at_a_time),
		cmocka_unit_test(test_body_split_everywhere),
		cmocka_unit_test(test_body_never_bare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
