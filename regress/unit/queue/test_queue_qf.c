/*
 * test_queue_qf.c -- the qf parser and writer: real files written by
 * sendmail 8.17 round-trip byte for byte, each record kind lands in its
 * field, malformed files are refused (strict) or skipped over
 * (lenient), and every proper prefix of a file is "need more".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "queue/queue.h"

/* as sendmail 8.17 wrote it (-odq -N success,delay -R hdrs -V ...) */
static const char qf_dsn[] =
    "V8\n"
    "T1795374094\n"
    "K0\n"
    "N0\n"
    "P30024\n"
    "Fdns\n"
    "$_root@localhost\n"
    "${daemon_flags}c u\n"
    "Sroot\n"
    "Zmyenvid123\n"
    "Aroot@vm.example.test\n"
    "rRFC822; averyveryverylongusername.with.dots@example.com\n"
    "RPNSD:averyveryverylongusername.with.dots@example.com\n"
    "H?P?Return-Path: <\201g>\n"
    "H??Received: (from root@localhost)\n"
    "\tby vm.example.test (8.17.1.9/8.17.1.9) id 6AMJ1Yhs015956\n"
    "\tfor averyveryverylongusername.with.dots@example.com; "
    "Sun, 22 Nov 2026 19:01:34 GMT\n"
    "H?D?Date: Sun, 22 Nov 2026 19:01:34 GMT\n"
    "H?F?From: root <root>\n"
    "H?x?Full-Name: root\n"
    "H?M?Message-Id: <202611221901.6AMJ1Yhs015956@vm.example.test>\n"
    "H??Subject: test two\n"
    ".\n";

/* deferred by a queue run, to an alias: I, M, C lines, the A flag */
static const char qf_alias[] =
    "V8\n"
    "T1795505128\n"
    "K1795505128\n"
    "N1\n"
    "P180017\n"
    "I254/0/5317165\n"
    "MOperating system error\n"
    "Fs\n"
    "$_root@localhost\n"
    "${daemon_flags}c u\n"
    "Sx@example.com\n"
    "Ax@example.com\n"
    "Cjoe:1001:100:list\n"
    "rRFC822; list@vm.example.test\n"
    "RPFDA:joe\n"
    "Clist:8:0:list\n"
    "rRFC822; list@vm.example.test\n"
    "RPFDA:b@remote.example\n"
    "rRFC822; list@vm.example.test\n"
    "RPFDA:a@remote.example\n"
    "H?P?Return-Path: <\201g>\n"
    "H??Subject: l\n"
    ".\n";

/* every record sendmail writes, in its order */
static const char qf_all[] =
    "V8\n"
    "T100\n"
    "K200\n"
    "N3\n"
    "P-5\n"
    "dq2\n"
    "I8/1/42\n"
    "B8BITMIME\n"
    "qheld for review\n"
    "MDeferred: Connection refused by mx.example\n"
    "Fwr8bdnse\n"
    "$rESMTP\n"
    "${auth_type}PLAIN\n"
    "S<a@example.com>\n"
    "Zenv+2Bid\n"
    "Aa@example.com\n"
    "!N 3600\n"
    "Eerrors@example.com\n"
    "L1234\n"
    "MDeferred: 451 try later\n"
    "C:a@example.com\n"
    "Qrfc822;orig@example.com\n"
    "rRFC822; final@example.com\n"
    "RPNSFDBAY:final@example.com\n"
    "C\n"
    "RP:second@example.com\n"
    "HSubject: no condition\n"
    "H?$?X-Empty-Cond: x\n"
    "H?${client_addr}?X-Client: y\n"
    ".\n";

static struct qf_limits
strict(void)
{
	struct qf_limits l;

	queue_qf_limits_default(&l);
	return l;
}

static struct qf_limits
lenient(void)
{
	struct qf_limits l;

	queue_qf_limits_default(&l);
	l.lenient = 1;
	return l;
}

static void
round_trip(const char *text, size_t len)
{
	struct qf_limits l = strict();
	struct qf qf;
	struct err err;
	struct buf out;

	assert_int_equal(queue_qf_parse(text, len, &l, &qf, &err), QF_OK);
	buf_init(&out, 0);
	assert_int_equal(queue_qf_format(&qf, &out, &err), 0);
	assert_int_equal(out.len, len);
	assert_memory_equal(out.data, text, len);
	buf_free(&out);
	queue_qf_free(&qf);
}

static void
test_sendmail_dsn_file_round_trips(void **state)
{
	(void)state;
	round_trip(qf_dsn, sizeof(qf_dsn) - 1);
}

static void
test_sendmail_alias_file_round_trips(void **state)
{
	(void)state;
	round_trip(qf_alias, sizeof(qf_alias) - 1);
}

static void
test_every_record_round_trips(void **state)
{
	(void)state;
	round_trip(qf_all, sizeof(qf_all) - 1);
}

static void
test_dsn_file_fields(void **state)
{
	struct qf_limits l = strict();
	struct qf qf;
	struct err err;

	(void)state;
	assert_int_equal(queue_qf_parse(qf_dsn, sizeof(qf_dsn) - 1, &l, &qf,
	    &err), QF_OK);
	assert_int_equal(qf.version, 8);
	assert_true(qf.has_ctime);
	assert_int_equal(qf.ctime, 1795374094LL);
	assert_int_equal(qf.dtime, 0);
	assert_int_equal(qf.ntries, 0);
	assert_int_equal(qf.priority, 30024);
	assert_int_equal(qf.flags, QF_F_RETPARAM | QF_F_NOBODY | QF_F_SPLIT);
	assert_int_equal(qf.nmacros, 2);
	assert_string_equal(qf.macros[0].name, "_");
	assert_false(qf.macros[0].braced);
	assert_string_equal(qf.macros[0].value, "root@localhost");
	assert_string_equal(qf.macros[1].name, "daemon_flags");
	assert_true(qf.macros[1].braced);
	assert_string_equal(qf.macros[1].value, "c u");
	assert_string_equal(qf.sender, "root");
	assert_string_equal(qf.envid, "myenvid123");
	assert_string_equal(qf.auth, "root@vm.example.test");
	assert_int_equal(qf.nrcpts, 1);
	assert_int_equal(qf.rcpts[0].flags, QF_R_PRIMARY | QF_R_NOTIFY |
	    QF_R_SUCCESS | QF_R_DELAY);
	assert_string_equal(qf.rcpts[0].final,
	    "RFC822; averyveryverylongusername.with.dots@example.com");
	assert_null(qf.rcpts[0].ctl);
	assert_int_equal(qf.nheaders, 7);
	assert_string_equal(qf.headers[0].cond, "P");
	assert_string_equal(qf.headers[0].name, "Return-Path");
	assert_string_equal(qf.headers[0].value, " <\201g>");
	assert_string_equal(qf.headers[1].cond, "");
	assert_string_equal(qf.headers[1].value, " (from root@localhost)\n"
	    "\tby vm.example.test (8.17.1.9/8.17.1.9) id 6AMJ1Yhs015956\n"
	    "\tfor averyveryverylongusername.with.dots@example.com; "
	    "Sun, 22 Nov 2026 19:01:34 GMT");
	assert_true(qf.terminated);
	queue_qf_free(&qf);
}

static void
test_every_record_lands_in_its_field(void **state)
{
	struct qf_limits l = strict();
	struct qf qf;
	struct err err;

	(void)state;
	assert_int_equal(queue_qf_parse(qf_all, sizeof(qf_all) - 1, &l, &qf,
	    &err), QF_OK);
	assert_int_equal(qf.priority, -5);
	assert_string_equal(qf.dfdir, "q2");
	assert_true(qf.has_inode);
	assert_int_equal(qf.df_major, 8);
	assert_int_equal(qf.df_minor, 1);
	assert_int_equal(qf.df_inode, 42);
	assert_string_equal(qf.bodytype, "8BITMIME");
	assert_string_equal(qf.quarantine, "held for review");
	assert_string_equal(qf.message,
	    "Deferred: Connection refused by mx.example");
	assert_int_equal(qf.flags, 0xff);
	assert_string_equal(qf.sender, "<a@example.com>");
	assert_int_equal(qf.dlvr_flag, 'N');
	assert_int_equal(qf.deliver_by, 3600);
	assert_string_equal(qf.errorto, "errors@example.com");
	assert_string_equal(qf.content_length, "1234");
	assert_int_equal(qf.nrcpts, 2);
	assert_string_equal(qf.rcpts[0].status, "Deferred: 451 try later");
	assert_string_equal(qf.rcpts[0].ctl, ":a@example.com");
	assert_string_equal(qf.rcpts[0].orcpt, "rfc822;orig@example.com");
	assert_int_equal(qf.rcpts[0].flags, 0xff);
	assert_string_equal(qf.rcpts[1].ctl, "");
	assert_null(qf.rcpts[1].status);
	assert_int_equal(qf.rcpts[1].flags, QF_R_PRIMARY);
	assert_null(qf.headers[0].cond);
	assert_string_equal(qf.headers[0].name, "Subject");
	assert_string_equal(qf.headers[1].cond, "$");
	assert_string_equal(qf.headers[2].cond, "${client_addr}");
	queue_qf_free(&qf);
}

static void
test_every_proper_prefix_needs_more(void **state)
{
	static const char *const files[] = { qf_dsn, qf_alias, qf_all };
	struct qf_limits l = strict();
	struct qf qf;
	struct err err;
	size_t f, k, len;

	(void)state;
	for (f = 0; f < 3; f++) {
		len = strlen(files[f]);
		for (k = 0; k < len; k++) {
			char *copy = malloc(k ? k : 1);

			memcpy(copy, files[f], k);
			assert_int_equal(queue_qf_parse(copy, k, &l, &qf,
			    &err), QF_NEED_MORE);
			free(copy);
		}
		assert_int_equal(queue_qf_parse(files[f], len, &l, &qf,
		    &err), QF_OK);
		queue_qf_free(&qf);
	}
}

struct bad_case {
	const char	*text;
	const char	*why;		/* part of the error message */
};

static const struct bad_case bad_cases[] = {
	{ "V9\nT1\n.\n", "unsupported queue file version 9" },
	{ "V8\nTnow\n.\n", "bad number" },
	{ "V8\nP12x\n.\n", "bad number" },
	{ "V8\nI1/2\n.\n", "bad inode" },
	{ "V8\nX\n.\n", "unknown record 'X'" },
	{ "V8\nSa\nRroot\n.\n", "recipient without flags" },
	{ "V8\nSa\nRP:\n.\n", "empty recipient" },
	{ "V8\nHSubject\n.\n", "header without a name" },
	{ "V8\nH?P Subject: x\n.\n", "unclosed header condition" },
	{ "V8\nHBad Name: x\n.\n", "bad header name" },
	{ "V8\n$\n.\n", "bad macro name" },
	{ "V8\n${}x\n.\n", "bad macro name" },
	{ "V8\n!N\n.\n", "bad deliver-by" },
	{ "V8\nFrom someone\n.\n", "bogus flags" },
	{ "V8\nSa\nQorig\n.\n", "without a recipient" },
	{ "V8\nSa\nCjoe\nH??X: y\n.\n", "without a recipient" },
	{ "V8\n\n.\n", "empty line" },
	{ "V8\n.x\n", "bad terminator" },
	{ "V8\n.\nT1\n", "after the terminator" },
	{ "V8\n.\n\tmore\n", "bad terminator" },
};

static void
test_malformed_files_are_refused_with_a_line_number(void **state)
{
	struct qf_limits l = strict();
	struct qf qf;
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const char *t = bad_cases[i].text;

		if (queue_qf_parse(t, strlen(t), &l, &qf, &err) != QF_BAD)
			fail_msg("case %zu: not refused", i);
		if (strstr(err.msg, bad_cases[i].why) == NULL ||
		    strncmp(err.msg, "line ", 5) != 0)
			fail_msg("case %zu: got \"%s\"", i, err.msg);
		assert_null(qf.rcpts);
		assert_null(qf.headers);
	}
}

static void
test_nul_byte_is_refused(void **state)
{
	static const char t[] = "V8\nSa\0b\n.\n";
	struct qf_limits l = strict();
	struct qf qf;
	struct err err;

	(void)state;
	assert_int_equal(queue_qf_parse(t, sizeof(t) - 1, &l, &qf, &err),
	    QF_BAD);
	assert_non_null(strstr(err.msg, "NUL"));
}

static void
test_limits_are_the_callers(void **state)
{
	static const char rcpts[] = "V8\nSa\nRP:a\nRP:b\nRP:c\n.\n";
	static const char hdrs[] = "V8\nSa\nH??A: 1\nH??B: 2\n.\n";
	static const char longrec[] = "V8\nS0123456789\n.\n";
	struct qf_limits l = strict();
	struct qf qf;
	struct err err;

	(void)state;
	l.rcpt_max = 2;
	assert_int_equal(queue_qf_parse(rcpts, sizeof(rcpts) - 1, &l, &qf,
	    &err), QF_BAD);
	assert_non_null(strstr(err.msg, "more than 2 recipients"));
	l = strict();
	l.header_max = 1;
	assert_int_equal(queue_qf_parse(hdrs, sizeof(hdrs) - 1, &l, &qf,
	    &err), QF_BAD);
	l = strict();
	l.record_max = 8;
	assert_int_equal(queue_qf_parse(longrec, sizeof(longrec) - 1, &l,
	    &qf, &err), QF_BAD);
	assert_non_null(strstr(err.msg, "longer than 8"));
}

static void
test_lenient_skips_odd_records_as_mailq_does(void **state)
{
	static const char t[] =
	    "V8\r\nT5\nX unknown\nP12x\nSsender\nRnoflags\nRP:ok\r\n"
	    "HSubject\nRP:last";
	struct qf_limits l = lenient();
	struct qf qf;
	struct err err;

	(void)state;
	assert_int_equal(queue_qf_parse(t, sizeof(t) - 1, &l, &qf, &err),
	    QF_OK);
	assert_int_equal(qf.version, 8);
	assert_int_equal(qf.ctime, 5);
	assert_int_equal(qf.priority, 12);	/* as atol() reads it */
	assert_string_equal(qf.sender, "sender");
	assert_int_equal(qf.nrcpts, 2);
	assert_string_equal(qf.rcpts[0].addr, "ok");
	assert_string_equal(qf.rcpts[1].addr, "last");
	assert_int_equal(qf.nheaders, 0);
	assert_false(qf.terminated);
	queue_qf_free(&qf);
}

static void
test_old_version_recipients_have_no_flags(void **state)
{
	static const char t[] = "V0\nSa\nRroot:x\n.\n";
	struct qf_limits l = strict();
	struct qf qf;
	struct err err;
	struct buf out;

	(void)state;
	assert_int_equal(queue_qf_parse(t, sizeof(t) - 1, &l, &qf, &err),
	    QF_OK);
	assert_string_equal(qf.rcpts[0].addr, "root:x");
	assert_int_equal(qf.rcpts[0].flags, QF_R_PRIMARY);
	buf_init(&out, 0);
	assert_int_equal(queue_qf_format(&qf, &out, &err), 0);
	assert_non_null(strstr(out.data, "\nRroot:x\n"));
	buf_free(&out);
	queue_qf_free(&qf);
}

static void
test_writer_keeps_records_on_one_line(void **state)
{
	struct qf qf;
	struct qf_header h = { "", "Subject", " two\nlines" };
	struct qf_header h2 = { NULL, "X-Folded", " a\n\tb" };
	struct qf_header hs[2];
	struct qf_rcpt r;
	struct err err;
	struct buf out;

	(void)state;
	memset(&qf, 0, sizeof(qf));
	memset(&r, 0, sizeof(r));
	qf.version = 8;
	qf.sender = "evil\nRP:injected";
	r.flags = QF_R_PRIMARY;
	r.addr = "root\n.";
	qf.rcpts = &r;
	qf.nrcpts = 1;
	hs[0] = h;
	hs[1] = h2;
	qf.headers = hs;
	qf.nheaders = 2;
	buf_init(&out, 0);
	assert_int_equal(queue_qf_format(&qf, &out, &err), 0);
	assert_string_equal(out.data,
	    "V8\nT0\nK0\nN0\nP0\n"
	    "Sevil RP:injected\n"
	    "RP:root .\n"
	    "H??Subject: two lines\n"
	    "HX-Folded: a\n\tb\n"
	    ".\n");
	buf_free(&out);
}

static void
test_writer_stops_at_the_buffer_maximum(void **state)
{
	struct qf_limits l = strict();
	struct qf qf;
	struct err err;
	struct buf out;

	(void)state;
	assert_int_equal(queue_qf_parse(qf_dsn, sizeof(qf_dsn) - 1, &l, &qf,
	    &err), QF_OK);
	buf_init(&out, 100);
	assert_int_equal(queue_qf_format(&qf, &out, &err), -1);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	queue_qf_free(&qf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sendmail_dsn_file_round_trips),
		cmocka_unit_test(test_sendmail_alias_file_round_trips),
		cmocka_unit_test(test_every_record_round_trips),
		cmocka_unit_test(test_dsn_file_fields),
		cmocka_unit_test(test_every_record_lands_in_its_field),
		cmocka_unit_test(test_every_proper_prefix_needs_more),
		cmocka_unit_test(
		    test_malformed_files_are_refused_with_a_line_number),
		cmocka_unit_test(test_nul_byte_is_refused),
		cmocka_unit_test(test_limits_are_the_callers),
		cmocka_unit_test(test_lenient_skips_odd_records_as_mailq_does),
		cmocka_unit_test(test_old_version_recipients_have_no_flags),
		cmocka_unit_test(test_writer_keeps_records_on_one_line),
		cmocka_unit_test(test_writer_stops_at_the_buffer_maximum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
