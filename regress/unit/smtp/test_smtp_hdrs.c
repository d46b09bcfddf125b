/*
 * test_smtp_hdrs.c -- the header section parser: names, values with
 * continuation lines, the blank separator, a non-header line as the
 * first body line, sendmail's UNIX From line, pieces of long lines,
 * NUL bytes and the MaxHeadersLength limit; also fed from the DATA
 * reader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp.h"

/* feeds NUL-free lines; returns the result of the last one fed */
static int
feed(struct smtp_hdrs *h, const char *const *lines, int *is_blank)
{
	int r = 0;

	for (; *lines != NULL; lines++) {
		r = smtp_hdrs_line(h, *lines, strlen(*lines), 0, is_blank);
		if (r != 0)
			break;
	}
	return r;
}

static void
test_headers_blank_line_and_continuations(void **state)
{
	static const char *const lines[] = {
		"Subject: hello",
		"To: a@b,",
		"\tc@d,",
		"   e@f",
		"X-Empty:",
		"Odd : spaced",
		"X-Tab\t:\tv ",
		"",
		"body",
		NULL
	};
	struct smtp_hdrs *h = smtp_hdrs_new(0);
	const struct smtp_hdr *hd;
	int blank;

	(void)state;
	assert_int_equal(feed(h, lines, &blank), 1);
	assert_true(blank);
	assert_null(smtp_hdrs_body_line(h, &(size_t){ 0 }));
	assert_int_equal(smtp_hdrs_count(h), 5);
	hd = smtp_hdrs_get(h, 0);
	assert_string_equal(hd->name, "Subject");
	assert_string_equal(hd->value, " hello");
	assert_int_equal(hd->rawlen, 15);
	hd = smtp_hdrs_get(h, 1);
	assert_string_equal(hd->name, "To");
	assert_string_equal(hd->value, " a@b,\n\tc@d,\n   e@f");
	assert_int_equal(hd->rawlen, 9 + 6 + 7);
	assert_string_equal(smtp_hdrs_get(h, 2)->value, "");
	assert_string_equal(smtp_hdrs_get(h, 3)->name, "Odd");
	assert_string_equal(smtp_hdrs_get(h, 3)->value, " spaced");
	assert_string_equal(smtp_hdrs_get(h, 4)->name, "X-Tab");
	assert_string_equal(smtp_hdrs_get(h, 4)->value, "\tv ");
	assert_null(smtp_hdrs_get(h, 5));
	assert_null(smtp_hdrs_ufrom(h));
	/* after the end, everything is body */
	assert_int_equal(smtp_hdrs_line(h, "A: b", 4, 0, &blank), 1);
	assert_false(blank);
	smtp_hdrs_free(h);
	smtp_hdrs_free(NULL);
}

static void
test_non_header_line_is_first_body_line(void **state)
{
	static const char *const cases[][3] = {
		{ "Subject: x", "NoColonHere", NULL },
		{ "Subject: x", ": no name", NULL },
		{ "Subject: x", "Bad Name: x", NULL },
		{ "Subject: x", "Caf\xc3\xa9: x", NULL },
		{ " leading space first", NULL, NULL },
		{ "NoColon", NULL, NULL },
		{ "Subject: x", "Name   ", NULL },
	};
	struct smtp_hdrs *h;
	const char *body, *want;
	size_t i, len;
	int blank;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h = smtp_hdrs_new(0);
		assert_int_equal(feed(h, cases[i], &blank), 1);
		assert_false(blank);
		want = cases[i][1] != NULL ? cases[i][1] : cases[i][0];
		body = smtp_hdrs_body_line(h, &len);
		assert_non_null(body);
		assert_int_equal(len, strlen(want));
		assert_memory_equal(body, want, len);
		assert_int_equal(smtp_hdrs_count(h),
		    cases[i][1] != NULL ? 1 : 0);
		smtp_hdrs_free(h);
	}
}

static void
test_unix_from_line_is_eaten_only_first(void **state)
{
	static const char *const first[] = {
		"From joe@example.com Tue Nov 24 08:00:00 2026",
		"Subject: x", "", NULL
	};
	static const char *const later[] = {
		"Subject: x", "From joe Tue", NULL
	};
	static const char *const notfrom[] = { "From: joe", "", NULL };
	struct smtp_hdrs *h;
	int blank;
	size_t len;

	(void)state;
	h = smtp_hdrs_new(0);
	assert_int_equal(feed(h, first, &blank), 1);
	assert_true(blank);
	assert_string_equal(smtp_hdrs_ufrom(h),
	    "From joe@example.com Tue Nov 24 08:00:00 2026");
	assert_int_equal(smtp_hdrs_count(h), 1);
	smtp_hdrs_free(h);
	h = smtp_hdrs_new(0);
	assert_int_equal(feed(h, later, &blank), 1);
	assert_false(blank);
	assert_string_equal(smtp_hdrs_body_line(h, &len), "From joe Tue");
	assert_null(smtp_hdrs_ufrom(h));
	smtp_hdrs_free(h);
	h = smtp_hdrs_new(0);
	assert_int_equal(feed(h, notfrom, &blank), 1);
	assert_string_equal(smtp_hdrs_get(h, 0)->name, "From");
	smtp_hdrs_free(h);
	/* "From" cut into pieces before the space */
	h = smtp_hdrs_new(0);
	assert_int_equal(smtp_hdrs_line(h, "Fr", 2, SMTP_LINE_CONT, &blank),
	    0);
	assert_int_equal(smtp_hdrs_line(h, "om x", 4, 0, &blank), 0);
	assert_string_equal(smtp_hdrs_ufrom(h), "From x");
	smtp_hdrs_free(h);
}

static void
test_pieces_of_long_lines_are_joined(void **state)
{
	struct smtp_hdrs *h = smtp_hdrs_new(0);
	size_t len;
	int blank;

	(void)state;
	assert_int_equal(smtp_hdrs_line(h, "X-Lo", 4, SMTP_LINE_CONT, &blank),
	    0);
	assert_int_equal(smtp_hdrs_line(h, "ng: ab", 6, SMTP_LINE_CONT,
	    &blank), 0);
	assert_int_equal(smtp_hdrs_line(h, "cd", 2, 0, &blank), 0);
	assert_int_equal(smtp_hdrs_count(h), 1);
	assert_string_equal(smtp_hdrs_get(h, 0)->name, "X-Long");
	assert_string_equal(smtp_hdrs_get(h, 0)->value, " abcd");
	/* a body line known from its first piece */
	assert_int_equal(smtp_hdrs_line(h, "not a", 5, SMTP_LINE_CONT,
	    &blank), 1);
	assert_string_equal(smtp_hdrs_body_line(h, &len), "not a");
	smtp_hdrs_free(h);
}

static void
test_nul_bytes_dropped_from_headers(void **state)
{
	struct smtp_hdrs *h = smtp_hdrs_new(0);
	int blank;

	(void)state;
	assert_int_equal(smtp_hdrs_line(h, "Subject: a\0b", 12, 0, &blank),
	    0);
	assert_int_equal(smtp_hdrs_line(h, " \0c", 3, 0, &blank), 0);
	assert_string_equal(smtp_hdrs_get(h, 0)->value, " ab\n c");
	/* a NUL in the name: no header */
	assert_int_equal(smtp_hdrs_line(h, "Sub\0j: x", 8, 0, &blank), 1);
	smtp_hdrs_free(h);
}

static void
test_headers_too_large(void **state)
{
	struct smtp_hdrs *h;
	char line[64];
	int blank, r = 0, i;

	(void)state;
	/* 10 + 1 bytes a header: 3 fit in 33, the 4th does not */
	h = smtp_hdrs_new(33);
	for (i = 0; i < 4 && r == 0; i++)
		r = smtp_hdrs_line(h, "X-A: 12345", 10, 0, &blank);
	assert_int_equal(r, -1);
	assert_int_equal(i, 4);
	assert_string_equal(smtp_hdrs_error(h),
	    "552 5.6.0 Headers too large (33 max)");
	assert_int_equal(smtp_hdrs_line(h, "", 0, 0, &blank), -1);
	smtp_hdrs_free(h);
	/* exactly at the limit is fine, and a long body line is no header */
	h = smtp_hdrs_new(33);
	for (i = 0; i < 3; i++)
		assert_int_equal(smtp_hdrs_line(h, "X-A: 12345", 10, 0,
		    &blank), 0);
	memset(line, 'x', sizeof(line));
	line[5] = ' ';
	assert_int_equal(smtp_hdrs_line(h, line, sizeof(line), 0, &blank), 1);
	smtp_hdrs_free(h);
	/* one header folded into many lines (CVE-2020-28020 shape) */
	h = smtp_hdrs_new(32768);
	r = smtp_hdrs_line(h, "X-F: a", 6, 0, &blank);
	for (i = 0; i < 20000 && r == 0; i++)
		r = smtp_hdrs_line(h, " b", 2, 0, &blank);
	assert_int_equal(r, -1);
	assert_string_equal(smtp_hdrs_error(h),
	    "552 5.6.0 Headers too large (32768 max)");
	smtp_hdrs_free(h);
	/* a name of many pieces is caught while still undecided */
	h = smtp_hdrs_new(100);
	memset(line, 'n', sizeof(line));
	r = 0;
	for (i = 0; i < 10 && r == 0; i++)
		r = smtp_hdrs_line(h, line, sizeof(line), SMTP_LINE_CONT,
		    &blank);
	assert_int_equal(r, -1);
	assert_int_equal(i, 2);
	smtp_hdrs_free(h);
}

/* the DATA reader's lines go straight into the header parser */
struct both {
	struct smtp_hdrs	*h;
	int			 state;		/* last result */
	struct buf		 body;
};

static int
both_cb(void *arg, const char *line, size_t len, int flags)
{
	struct both *b = arg;
	int blank;
	const char *bl;
	size_t bllen;

	if (b->state == 1) {
		assert_int_equal(buf_add(&b->body, line, len), 0);
		if (!(flags & SMTP_LINE_CONT))
			assert_int_equal(buf_add(&b->body, "\n", 1), 0);
		return 0;
	}
	b->state = smtp_hdrs_line(b->h, line, len, flags, &blank);
	if (b->state == 1 && !blank) {
		bl = smtp_hdrs_body_line(b->h, &bllen);
		assert_int_equal(buf_add(&b->body, bl, bllen), 0);
		if (!(flags & SMTP_LINE_CONT))
			assert_int_equal(buf_add(&b->body, "\n", 1), 0);
	}
	return b->state == -1;
}

static void
test_fed_from_data_reader(void **state)
{
	static const char in[] = "Subject: a very long subject\r\n"
	    "\tcontinued\r\nNoColonLineThatIsLong\r\nsecond\r\n.\r\n";
	struct both b;
	struct smtp_data *d;
	size_t used, i;

	(void)state;
	for (i = 0; i < sizeof(in) - 1; i++) {
		memset(&b, 0, sizeof(b));
		b.h = smtp_hdrs_new(0);
		buf_init(&b.body, 0);
		d = smtp_data_new(7, both_cb, &b);
		assert_int_equal(smtp_data_feed(d, in, i, &used),
		    SMTP_DATA_MORE);
		assert_int_equal(smtp_data_feed(d, in + i, sizeof(in) - 1 - i,
		    &used), SMTP_DATA_END);
		assert_int_equal(smtp_hdrs_count(b.h), 1);
		assert_string_equal(smtp_hdrs_get(b.h, 0)->value,
		    " a very long subject\n\tcontinued");
		assert_string_equal(b.body.data,
		    "NoColonLineThatIsLong\nsecond\n");
		smtp_data_free(d);
		smtp_hdrs_free(b.h);
		buf_free(&b.body);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers_blank_line_and_continuations),
		cmocka_unit_test(test_non_header_line_is_first_body_line),
		cmocka_unit_test(test_unix_from_line_is_eaten_only_first),
		cmocka_unit_test(test_pieces_of_long_lines_are_joined),
		cmocka_unit_test(test_nul_bytes_dropped_from_headers),
		cmocka_unit_test(test_headers_too_large),
		cmocka_unit_test(test_fed_from_data_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
