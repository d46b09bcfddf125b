/*
 * test_smtp_data.c -- the DATA reader: dot-unstuffing, the end of data
 * and the pipelined bytes after it, long lines cut into pieces, NUL
 * bytes, callback failure, and the SMTP smuggling sequences under each
 * policy; every input is also fed one byte at a time, split at every
 * offset and split at random, and must give the same lines.  Relayed
 * output (through smtp_dot_stuff_line) must read as one message again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp.h"

/* what the callback saw: each piece, then "|<flags>\n" */
struct sink {
	struct buf	 out;
	size_t		 calls;
	size_t		 fail_at;	/* return 1 from this call on (1-based) */
};

static int
sink_cb(void *arg, const char *line, size_t len, int flags)
{
	struct sink *s = arg;
	char tail[16];

	s->calls++;
	assert_int_equal(buf_add(&s->out, line, len), 0);
	snprintf(tail, sizeof(tail), "|%d\n", flags);
	assert_int_equal(buf_adds(&s->out, tail), 0);
	return s->fail_at != 0 && s->calls >= s->fail_at;
}

struct result {
	enum smtp_data_status	 st;
	size_t			 used;	/* total consumed */
	struct buf		 lines;
	const char		*err;
	size_t			 nuls, bytes;
	int			 cbres;
};

enum split { ONE_SHOT, BYTES, AT, RANDOM };

/*
 * Feeds in[0..len) in chunks (ONE_SHOT; BYTES: one byte at a time; AT:
 * two chunks cut at `at`; RANDOM: sizes from rand()) until the reader
 * stops asking for more.
 */
static struct result
run(const char *in, size_t len, size_t maxline, unsigned policy,
    enum split how, size_t at, size_t fail_at)
{
	struct sink s = { .fail_at = fail_at };
	struct result r;
	struct smtp_data *d;
	size_t off = 0, n, used;

	buf_init(&s.out, 0);
	d = smtp_data_new(maxline, sink_cb, &s);
	smtp_data_set_flags(d, policy);
	r.st = SMTP_DATA_MORE;
	while (off < len) {
		switch (how) {
		case ONE_SHOT:
			n = len - off;
			break;
		case BYTES:
			n = 1;
			break;
		case AT:
			n = off < at ? at - off : len - off;
			break;
		default:
			n = (size_t)rand() % 40 + 1;
			break;
		}
		if (n > len - off)
			n = len - off;
		r.st = smtp_data_feed(d, in + off, n, &used);
		assert_true(used <= n);
		off += used;
		if (r.st != SMTP_DATA_MORE)
			break;
		assert_int_equal(used, n);
	}
	r.used = off;
	r.lines = s.out;
	r.err = smtp_data_error(d);
	r.nuls = smtp_data_nuls(d);
	r.bytes = smtp_data_bytes(d);
	r.cbres = smtp_data_cb_result(d);
	if (r.st != SMTP_DATA_MORE) {
		/* a finished reader takes nothing more */
		assert_int_equal(smtp_data_feed(d, "x", 1, &used), r.st);
		assert_int_equal(used, 0);
	}
	smtp_data_free(d);
	return r;
}

/*
 * Runs in every way (one shot, byte by byte, every cut, random cuts)
 * and checks all give what the one-shot run gave, which is returned.
 */
/* a run that must match the one-shot run `one` */
static void
same(const struct result *one, struct result *r)
{
	assert_int_equal(r->st, one->st);
	if (one->st != SMTP_DATA_ERROR) {
		assert_int_equal(r->used, one->used);
		assert_int_equal(r->nuls, one->nuls);
		assert_int_equal(r->bytes, one->bytes);
	}
	assert_int_equal(r->lines.len, one->lines.len);
	if (one->lines.len > 0)
		assert_memory_equal(r->lines.data, one->lines.data,
		    one->lines.len);
	buf_free(&r->lines);
}

/*
 * Runs in every way (one shot, byte by byte, every cut, random cuts)
 * and checks all give what the one-shot run gave, which is returned.
 */
static struct result
run_all(const char *in, size_t len, size_t maxline, unsigned policy)
{
	struct result one, r;
	size_t at;
	int k;

	one = run(in, len, maxline, policy, ONE_SHOT, 0, 0);
	r = run(in, len, maxline, policy, BYTES, 0, 0);
	same(&one, &r);
	for (at = 1; at < len; at++) {
		r = run(in, len, maxline, policy, AT, at, 0);
		same(&one, &r);
	}
	srand(42);
	for (k = 0; k < 50; k++) {
		r = run(in, len, maxline, policy, RANDOM, 0, 0);
		same(&one, &r);
	}
	return one;
}

#define S(lit)	lit, sizeof(lit) - 1

/*
 * Runs in every way and checks the status and the lines (want_lines,
 * NULL for none); returns the result without its lines.
 */
static struct result
expect(const char *in, size_t len, size_t maxline, unsigned policy,
    enum smtp_data_status want_st, const char *want_lines, size_t want_len)
{
	struct result r = run_all(in, len, maxline, policy);

	assert_int_equal(r.st, want_st);
	assert_int_equal(r.lines.len, want_len);
	if (want_len > 0)
		assert_memory_equal(r.lines.data, want_lines, want_len);
	buf_free(&r.lines);
	return r;
}

#define EXPECT(in, maxline, policy, st, lines) \
	expect(S(in), maxline, policy, st, S(lines))

static void
test_message_ends_at_crlf_dot_crlf_and_leaves_pipelined_bytes(void **state)
{
	static const char in[] =
	    "Subject: hi\r\n\r\nbody\r\n..x\r\n.\r\nMAIL FROM:<a@b>\r\n";
	struct result r;

	(void)state;
	r = EXPECT(in, 0, 0, SMTP_DATA_END,
	    "Subject: hi|0\n|0\nbody|0\n.x|0\n");
	assert_int_equal(r.used, strstr(in, "MAIL") - in);
	assert_int_equal(r.bytes, 11 + 2 + 2 + 4 + 2 + 2 + 2);
}

static void
test_empty_message_and_no_end_yet(void **state)
{
	struct result r;

	(void)state;
	r = EXPECT(".\r\nQUIT\r\n", 0, 0, SMTP_DATA_END, "");
	assert_int_equal(r.used, 3);
	r = EXPECT("abc\r\n.\r", 0, 0, SMTP_DATA_MORE, "abc|0\n");
	assert_int_equal(r.used, 7);
}

static void
test_leading_dot_always_removed(void **state)
{
	(void)state;
	EXPECT("..x\r\n.x\r\n..\r\n...\r\n. \r\n.\r\n", 0, 0, SMTP_DATA_END,
	    ".x|0\nx|0\n.|0\n..|0\n |0\n");
}

static void
test_long_lines_come_in_pieces(void **state)
{
	(void)state;
	EXPECT("0123456789abcdefghij\r\n01234567\r\n"
	    "0123456789abcdef\r\n.0123456789\r\n\r\n.\r\n", 8, 0,
	    SMTP_DATA_END,
	    "01234567|1\n89abcdef|1\nghij|0\n"
	    "01234567|0\n"
	    "01234567|1\n89abcdef|0\n"
	    "01234567|1\n89|0\n"
	    "|0\n");
	/* maxline 1: every byte of a long line is a piece */
	EXPECT("ab\r\n..\r\n.\r\n", 1, 0, SMTP_DATA_END,
	    "a|1\nb|0\n.|0\n");
}

static void
test_nul_bytes_are_data_and_counted(void **state)
{
	struct result r;

	(void)state;
	r = EXPECT("a\0b\r\n\0\0\r\n.\0\r\n.\r\n", 0, 0, SMTP_DATA_END,
	    "a\0b|2\n\0\0|2\n\0|2\n");
	assert_int_equal(r.nuls, 4);
}

static void
test_bare_lf_and_cr_rejected_by_default(void **state)
{
	struct result r;

	(void)state;
	r = EXPECT("abc\ndef\r\n.\r\n", 0, 0, SMTP_DATA_ERROR, "");
	assert_string_equal(r.err, "421 4.5.0 Bare linefeed (LF) not allowed");
	r = EXPECT("ok\r\nabc\rdef\r\n.\r\n", 0, 0, SMTP_DATA_ERROR,
	    "ok|0\n");
	assert_string_equal(r.err,
	    "421 4.5.0 Bare carriage return (CR) not allowed");
	EXPECT("\r\r\n.\r\n", 0, 0, SMTP_DATA_ERROR, "");
	EXPECT("\n", 0, 0, SMTP_DATA_ERROR, "");
}

static void
test_lenient_policies_keep_bare_cr_lf_as_data(void **state)
{
	(void)state;
	EXPECT("a\nb\r\n.\n.\r\nc\r\n.\r\n", 0, SMTP_DATA_LF_OK,
	    SMTP_DATA_END, "a|4\nb|0\n.|4\n.|0\nc|0\n");
	EXPECT("a\rb\r\n\r.\r\r\n.\r\n", 0, SMTP_DATA_CR_OK, SMTP_DATA_END,
	    "a\rb|8\n\r.\r|8\n");
	/* LF_OK alone still refuses a bare CR */
	EXPECT("a\rb\r\n.\r\n", 0, SMTP_DATA_LF_OK, SMTP_DATA_ERROR, "");
}

static void
test_callback_failure_drops_rest_but_finds_end(void **state)
{
	struct result r;
	static const char in[] = "a\r\nb\r\nc\r\n.\r\nQUIT\r\n";

	(void)state;
	r = run(S(in), 0, 0, BYTES, 0, 2);
	assert_int_equal(r.st, SMTP_DATA_END);
	assert_int_equal(r.used, strstr(in, "QUIT") - in);
	assert_int_equal(r.cbres, 1);
	assert_string_equal(r.lines.data, "a|0\nb|0\n");
	buf_free(&r.lines);
}

static int
count_cb(void *arg, const char *line, size_t len, int flags)
{
	(void)line;
	(void)len;
	(void)flags;
	(*(int *)arg)++;
	return 0;
}

static void
test_reset_reads_next_message(void **state)
{
	struct smtp_data *d;
	size_t used;
	int n = 0;

	(void)state;
	d = smtp_data_new(0, count_cb, &n);
	assert_int_equal(smtp_data_feed(d, S("x\r\n.\r\n"), &used),
	    SMTP_DATA_END);
	smtp_data_reset(d);
	assert_int_equal(smtp_data_feed(d, S("y\r\nz\r\n.\r\n"), &used),
	    SMTP_DATA_END);
	assert_int_equal(used, 9);
	assert_int_equal(n, 3);
	assert_int_equal(smtp_data_feed(d, "", 0, &used), SMTP_DATA_END);
	smtp_data_free(d);
	smtp_data_free(NULL);
}

/* BDAT: raw chunks, then finish; fed at every cut */
static void
test_raw_mode_for_bdat(void **state)
{
	static const char in[] = "a\r\n.\r\n..b\r\nlast";
	static const char want[] = "a|0\n.|0\n..b|0\nlast|16\n";
	struct sink s;
	struct smtp_data *d;
	size_t at, used;

	(void)state;
	for (at = 0; at < sizeof(in); at++) {
		memset(&s, 0, sizeof(s));
		buf_init(&s.out, 0);
		d = smtp_data_new(0, sink_cb, &s);
		smtp_data_set_flags(d, SMTP_DATA_RAW);
		assert_int_equal(smtp_data_feed(d, in, at, &used),
		    SMTP_DATA_MORE);
		assert_int_equal(smtp_data_feed(d, in + at,
		    sizeof(in) - 1 - at, &used), SMTP_DATA_MORE);
		assert_int_equal(smtp_data_finish(d), SMTP_DATA_END);
		assert_int_equal(smtp_data_finish(d), SMTP_DATA_END);
		assert_string_equal(s.out.data, want);
		smtp_data_free(d);
		buf_free(&s.out);
	}
	/* ends in CRLF: no extra line; a trailing CR is bare */
	memset(&s, 0, sizeof(s));
	buf_init(&s.out, 0);
	d = smtp_data_new(0, sink_cb, &s);
	smtp_data_set_flags(d, SMTP_DATA_RAW);
	assert_int_equal(smtp_data_feed(d, S("x\r\n"), &used),
	    SMTP_DATA_MORE);
	assert_int_equal(smtp_data_finish(d), SMTP_DATA_END);
	assert_string_equal(s.out.data, "x|0\n");
	smtp_data_reset(d);
	assert_int_equal(smtp_data_feed(d, S("x\r"), &used), SMTP_DATA_MORE);
	assert_int_equal(smtp_data_finish(d), SMTP_DATA_ERROR);
	smtp_data_reset(d);
	assert_int_equal(smtp_data_feed(d, S("x\ny\r\n"), &used),
	    SMTP_DATA_ERROR);
	smtp_data_free(d);
	buf_free(&s.out);
}

/* ---- SMTP smuggling (reliability.md 2.2) ---- */

static const struct {
	const char	*seq;
	size_t		 len;
	int		 bare;	/* has a bare CR or LF */
} smuggle[] = {
	{ S("\n.\r\n"), 1 },
	{ S("\r\n.\n"), 1 },
	{ S("\n.\n"), 1 },
	{ S("\r.\r"), 1 },
	{ S("\r\n.\r"), 1 },
	{ S("\r.\r\n"), 1 },
	{ S("\r\n\0.\r\n"), 0 },
	{ S("\r\n.\0\r\n"), 0 },
	{ S("\r\n.\r\r\n"), 1 },
	{ S("\r\n..\r\n"), 0 },
	{ S("\r\n. \r\n"), 0 },
	{ S("\n..\n"), 1 },
	{ S("\r..\r"), 1 },
	{ S("\r\n.\n\r\n"), 1 },
};

/* the message an attacker submits: a second one inside the first */
static size_t
smuggle_input(char *in, size_t cap, size_t k)
{
	static const char pre[] = "Subject: one\r\n\r\nfirst";
	static const char post[] = "MAIL FROM:<spoof@example.com>\r\n"
	    "RCPT TO:<victim@example.org>\r\nDATA\r\nFrom: spoof\r\n\r\n"
	    "smuggled";
	static const char end[] = "\r\n.\r\nQUIT\r\n";
	size_t n = 0;

	assert_true(sizeof(pre) + smuggle[k].len + sizeof(post) +
	    sizeof(end) < cap);
	memcpy(in + n, pre, sizeof(pre) - 1);
	n += sizeof(pre) - 1;
	memcpy(in + n, smuggle[k].seq, smuggle[k].len);
	n += smuggle[k].len;
	memcpy(in + n, post, sizeof(post) - 1);
	n += sizeof(post) - 1;
	memcpy(in + n, end, sizeof(end) - 1);
	n += sizeof(end) - 1;
	return n;
}

/* the lines as a relaying client sends them, pieces joined */
static void
relay(const struct buf *lines, struct buf *wire)
{
	const char *p = lines->data, *end = p + lines->len, *bar, *nl;
	struct buf whole;

	buf_init(&whole, 0);
	while (p < end) {
		/* each record is "<bytes>|<flags>\n"; flags have no '|' */
		nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl);
		for (bar = nl; *bar != '|'; bar--)
			continue;
		if (bar > p && memchr(p, '\n', (size_t)(bar - p)) != NULL)
			fail_msg("LF inside a line");
		assert_int_equal(buf_add(&whole, p, (size_t)(bar - p)), 0);
		if (!(atoi(bar + 1) & SMTP_LINE_CONT)) {
			assert_int_equal(smtp_dot_stuff_line(wire, whole.data,
			    whole.len), 0);
			buf_reset(&whole);
		}
		p = nl + 1;
	}
	buf_free(&whole);
	assert_int_equal(buf_add(wire, ".\r\n", 3), 0);
}

static void
check_smuggle(size_t k, unsigned policy)
{
	char in[512];
	size_t len = smuggle_input(in, sizeof(in), k), quit;
	struct result r, again;
	struct buf wire;
	size_t i;

	quit = len - strlen("QUIT\r\n");
	r = run_all(in, len, 0, policy);
	if (r.st == SMTP_DATA_ERROR) {
		/* refused: only if a bare CR/LF is there and not allowed */
		assert_true(smuggle[k].bare);
		assert_true(policy != (SMTP_DATA_LF_OK | SMTP_DATA_CR_OK));
		buf_free(&r.lines);
		return;
	}
	/* one message, ending at the real end, holding the second */
	assert_int_equal(r.st, SMTP_DATA_END);
	assert_int_equal(r.used, quit);
	assert_non_null(memmem(r.lines.data, r.lines.len,
	    "MAIL FROM:<spoof@example.com>|", 30));
	assert_non_null(memmem(r.lines.data, r.lines.len, "smuggled|0\n",
	    11));
	/* relayed onwards (strict next hop), still exactly one message */
	buf_init(&wire, 0);
	relay(&r.lines, &wire);
	assert_int_equal(buf_adds(&wire, "QUIT\r\n"), 0);
	for (i = 0; i + 1 < wire.len; i++)
		if ((wire.data[i] == '\r') != (wire.data[i + 1] == '\n'))
			fail_msg("bare CR/LF sent on for sequence %zu", k);
	again = run(wire.data, wire.len, 0, 0, ONE_SHOT, 0, 0);
	assert_int_equal(again.st, SMTP_DATA_END);
	assert_int_equal(again.used, wire.len - strlen("QUIT\r\n"));
	buf_free(&again.lines);
	buf_free(&wire);
	buf_free(&r.lines);
}

static void
test_smuggling_strict_rejects_or_reads_one_message(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(smuggle) / sizeof(smuggle[0]); k++) {
		check_smuggle(k, 0);
		/* strict: every bare sequence is refused */
		if (smuggle[k].bare) {
			char in[512];
			size_t len = smuggle_input(in, sizeof(in), k);
			struct result r = run(in, len, 0, 0, ONE_SHOT, 0, 0);

			assert_int_equal(r.st, SMTP_DATA_ERROR);
			buf_free(&r.lines);
		}
	}
}

static void
test_smuggling_lenient_never_ends_early(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(smuggle) / sizeof(smuggle[0]); k++) {
		check_smuggle(k, SMTP_DATA_LF_OK);
		check_smuggle(k, SMTP_DATA_CR_OK);
		check_smuggle(k, SMTP_DATA_LF_OK | SMTP_DATA_CR_OK);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_message_ends_at_crlf_dot_crlf_and_leaves_pipelined_bytes),
		cmocka_unit_test(test_empty_message_and_no_end_yet),
		cmocka_unit_test(test_leading_dot_always_removed),
		cmocka_unit_test(test_long_lines_come_in_pieces),
		cmocka_unit_test(test_nul_bytes_are_data_and_counted),
		cmocka_unit_test(test_bare_lf_and_cr_rejected_by_default),
		cmocka_unit_test(test_lenient_policies_keep_bare_cr_lf_as_data),
		cmocka_unit_test(test_callback_failure_drops_rest_but_finds_end),
		cmocka_unit_test(test_reset_reads_next_message),
		cmocka_unit_test(test_raw_mode_for_bdat),
		cmocka_unit_test(test_smuggling_strict_rejects_or_reads_one_message),
		cmocka_unit_test(test_smuggling_lenient_never_ends_early),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
