/*
 * test_milter.c -- the milter codec and the X line: packets cut from a
 * stream fed one byte at a time, lengths out of range refused, every
 * reply kind decoded (and the malformed ones refused), commands built
 * with their length, and X lines with sendmail's defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "milter/milter.h"

/* A packet with cmd and data (n bytes) appended to b. */
static void
pkt(struct buf *b, int cmd, const char *data, size_t n)
{
	size_t start = b->len;

	milter_pkt_begin(b, cmd);
	milter_pkt_bytes(b, data, n);
	assert_int_equal(milter_pkt_end(b, start), 0);
}

static void
test_packets_one_byte_at_a_time(void **state)
{
	struct milter_pkt p;
	struct buf b;
	size_t used, i, got = 0, off = 0;

	(void)state;
	buf_init(&b, 0);
	pkt(&b, SMFIR_CONTINUE, "", 0);
	pkt(&b, SMFIR_ADDHEADER, "X-A\0v\0", 6);
	pkt(&b, SMFIR_REPLBODY, "body\r\n", 6);
	/* each prefix of the stream is "more" until a packet is whole */
	for (i = 1; i <= b.len; i++) {
		enum milter_parse st = milter_pkt_parse(b.data + off, i - off,
		    1000, &p, &used);

		assert_int_not_equal(st, MILTER_PKT_BAD);
		if (st == MILTER_PKT_OK) {
			got++;
			off += used;
		}
	}
	assert_int_equal(got, 3);
	assert_int_equal(off, b.len);
	assert_int_equal(p.cmd, SMFIR_REPLBODY);
	assert_int_equal(p.len, 6);
	buf_free(&b);
}

static void
test_lengths_out_of_range(void **state)
{
	struct milter_pkt p;
	size_t used;

	(void)state;
	assert_int_equal(milter_pkt_parse("\0\0\0\0c", 5, 100, &p, &used),
	    MILTER_PKT_BAD);
	assert_int_equal(milter_pkt_parse("\xff\xff\xff\xff", 4, 100, &p,
	    &used), MILTER_PKT_BAD);
	assert_int_equal(milter_pkt_parse("\0\0\0\x65", 4, 100, &p, &used),
	    MILTER_PKT_BAD);
	assert_int_equal(milter_pkt_parse("\0\0\0\x64", 4, 100, &p, &used),
	    MILTER_PKT_MORE);
}

static int
decode(const char *data, size_t n, struct milter_reply *r)
{
	struct milter_pkt p;
	struct err err;

	p.cmd = data[0];
	p.data = data + 1;
	p.len = n - 1;
	return milter_reply_decode(&p, r, &err);
}

static void
test_replies_decoded(void **state)
{
	struct milter_reply r;

	(void)state;
	assert_int_equal(decode("y550 5.7.1 no\0", 14, &r), 0);
	assert_string_equal(r.text, "550 5.7.1 no");
	assert_int_equal(decode("i\0\0\0\2X-A\0val\0", 13, &r), 0);
	assert_int_equal(r.index, 2);
	assert_string_equal(r.hname, "X-A");
	assert_string_equal(r.hvalue, "val");
	assert_int_equal(decode("2<a@b>\0NOTIFY=NEVER\0", 20, &r), 0);
	assert_string_equal(r.text, "<a@b>");
	assert_string_equal(r.args, "NOTIFY=NEVER");
	assert_int_equal(decode("e<a@b>\0", 7, &r), 0);
	assert_null(r.args);
	assert_int_equal(decode("O\0\0\0\6\0\0\1\xff\0\0\0\0\0\0\0\2i\0",
	    19, &r), 0);
	assert_int_equal(r.version, 6);
	assert_int_equal(r.actions, 0x1ff);
	assert_string_equal(r.macros[MILTER_M_ENVFROM], "i");
	assert_int_equal(decode("b\r\n", 3, &r), 0);
	assert_int_equal(r.bodylen, 2);
	/* malformed */
	assert_int_equal(decode("y250 ok\0", 8, &r), -1);
	assert_int_equal(decode("y550 no NUL", 11, &r), -1);
	assert_int_equal(decode("m\0\0", 3, &r), -1);
	assert_int_equal(decode("h\0v\0", 4, &r), -1);
	assert_int_equal(decode("hX-A\0", 5, &r), -1);
	assert_int_equal(decode("O\0\0\0\6\0\0", 7, &r), -1);
	assert_int_equal(decode("O\0\0\0\6\0\0\0\0\0\0\0\0\0\0\0\x09x\0",
	    19, &r), -1);
	assert_int_equal(decode("Z", 1, &r), -1);
}

static void
test_x_lines(void **state)
{
	struct milter_conf c;
	struct err err;

	(void)state;
	assert_int_equal(milter_conf_parse("f1, S=inet:3333@localhost",
	    &c, &err), 0);
	assert_string_equal(c.name, "f1");
	assert_int_equal(c.family, '4');
	assert_int_equal(c.port, 3333);
	assert_string_equal(c.host, "localhost");
	assert_int_equal(c.fail, MILTER_FAIL_CONTINUE);
	assert_int_equal(c.to_conn, 300);
	assert_int_equal(c.to_send, 10);
	assert_int_equal(c.to_read, 10);
	assert_int_equal(c.to_eom, 300);
	milter_conf_free(&c);
	assert_int_equal(milter_conf_parse("f2, S=local:/run/f.sock, F=T, "
	    "T=C:2m;S:1s;R:20s;E:1h", &c, &err), 0);
	assert_int_equal(c.family, 'L');
	assert_string_equal(c.path, "/run/f.sock");
	assert_int_equal(c.fail, MILTER_FAIL_TEMPFAIL);
	assert_int_equal(c.to_conn, 120);
	assert_int_equal(c.to_send, 1);
	assert_int_equal(c.to_read, 20);
	assert_int_equal(c.to_eom, 3600);
	milter_conf_free(&c);
	assert_int_equal(milter_conf_parse("f3, S=inet6:25@::1, F=R", &c,
	    &err), 0);
	assert_int_equal(c.family, '6');
	assert_int_equal(c.fail, MILTER_FAIL_REJECT);
	milter_conf_free(&c);
	assert_int_equal(milter_conf_parse("f4, S=unix:/x", &c, &err), 0);
	assert_int_equal(c.family, 'L');
	milter_conf_free(&c);
	assert_int_equal(milter_conf_parse("f5, F=R", &c, &err), -1);
	assert_int_equal(milter_conf_parse("f6, S=inet:0@h", &c, &err), -1);
	assert_int_equal(milter_conf_parse("f7, S=tcp:1@h", &c, &err), -1);
	assert_int_equal(milter_conf_parse("f8, S=local:rel", &c, &err), -1);
	assert_int_equal(milter_conf_parse("f9, S=/x, T=Q:1s", &c, &err),
	    -1);
	assert_int_equal(milter_conf_parse(", S=/x", &c, &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packets_one_byte_at_a_time),
		cmocka_unit_test(test_lengths_out_of_range),
		cmocka_unit_test(test_replies_decoded),
		cmocka_unit_test(test_x_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
