/*
 * test_mbox_deliver.c -- the stored form of a delivered message
 * (mbox_format_message: From_ line, >From escaping, CRLF to LF, the
 * Content-Length: header replacing the message's own, the separator
 * line, messages without header or body) and its append
 * (mbox_append_fd: offsets, a write cut short by a file size limit
 * leaves the mbox as it was).  The stored messages must split where
 * they should when mailbox_open reads them back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mailbox/mailbox.h"
#include "mailbox/mbox_deliver.h"
#include "tmpdir.h"

#define WHEN	((time_t)1795500000)	/* Tue Nov 24 06:00:00 2026 UTC */
#define FROM_LINE(s) "From " s " Tue Nov 24 06:00:00 2026\n"

static int
setup(void **state)
{
	(void)state;
	(void)setenv("TZ", "UTC", 1);
	tzset();
	return tmpdir_make("test_mbox_deliver");
}

/* out must equal want exactly */
static void
check_format(const char *from, const char *msg, size_t len,
    unsigned flags, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(mbox_format_message(&b, from, WHEN, msg, len, flags),
	    0);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void
test_plain_message(void **state)
{
	const char *m = "Subject: hi\nTo: joe\n\nline 1\n\nline 3\n";

	(void)state;
	check_format("s@example.org", m, strlen(m), 0,
	    FROM_LINE("s@example.org")
	    "Subject: hi\nTo: joe\nContent-Length: 15\n\nline 1\n\nline 3\n"
	    "\n");
	check_format("s", m, strlen(m), MBOX_FMT_NO_CLEN,
	    FROM_LINE("s") "Subject: hi\nTo: joe\n\nline 1\n\nline 3\n\n");
}

static void
test_from_lines_escaped(void **state)
{
	const char *m = "From x@y Mon Jan  1 00:00:00 2024\nSubject: s\n\n"
	    "From the start\nnot From here\n\nFrom after blank\n>From kept\n"
	    "Fromage\n";

	(void)state;
	check_format("s", m, strlen(m), MBOX_FMT_NO_CLEN, FROM_LINE("s")
	    ">From x@y Mon Jan  1 00:00:00 2024\nSubject: s\n\n"
	    ">From the start\nnot From here\n\n>From after blank\n>From kept\n"
	    "Fromage\n\n");
}

static void
test_crlf_made_lf(void **state)
{
	const char *m = "Subject: c\r\n\r\nbody\r\nbare\rcr\r\n";

	(void)state;
	check_format("s", m, strlen(m), 0, FROM_LINE("s")
	    "Subject: c\nContent-Length: 13\n\nbody\nbare\rcr\n\n");
}

static void
test_own_content_length_dropped(void **state)
{
	const char *m = "Subject: c\nContent-Length: 9999\ncontent-length:3\n"
	    "X: y\n\nContent-Length: 1\n";

	(void)state;
	check_format("s", m, strlen(m), 0, FROM_LINE("s")
	    "Subject: c\nX: y\nContent-Length: 18\n\nContent-Length: 1\n\n");
}

static void
test_odd_shapes(void **state)
{
	(void)state;
	/* empty: stored as an empty line */
	check_format("s", "", 0, 0,
	    FROM_LINE("s") "\nContent-Length: 0\n\n");
	/* no blank line: all header, the length 0 */
	check_format("s", "Subject: only\n", 14, 0,
	    FROM_LINE("s") "Subject: only\nContent-Length: 0\n\n");
	/* no header */
	check_format("s", "\nno headers\n", 12, 0,
	    FROM_LINE("s") "Content-Length: 11\n\nno headers\n\n");
	/* unterminated last line gets its LF */
	check_format("s", "Subject: u\n\nlast", 16, 0,
	    FROM_LINE("s") "Subject: u\nContent-Length: 5\n\nlast\n\n");
	/* NUL bytes and 8-bit bytes are kept */
	{
		static const char m[] = "S: \xe4\n\na\0b\n";
		static const char want[] = FROM_LINE("s")
		    "S: \xe4\nContent-Length: 4\n\na\0b\n\n";
		struct buf b;

		buf_init(&b, 0);
		assert_int_equal(mbox_format_message(&b, "s", WHEN, m,
		    sizeof(m) - 1, 0), 0);
		assert_int_equal(b.len, sizeof(want) - 1);
		assert_memory_equal(b.data, want, b.len);
		buf_free(&b);
	}
}

static void
test_sender_stays_on_one_line(void **state)
{
	(void)state;
	check_format("a\nFrom: evil\r", "x\n", 2, MBOX_FMT_NO_CLEN,
	    "From a From: evil  Tue Nov 24 06:00:00 2026\nx\n\n");
}

static void
test_buffer_limit(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 40);
	(void)buf_adds(&b, "kept");
	assert_int_equal(mbox_format_message(&b, "s", WHEN, "Subject: x\n\n"
	    "a long enough body to pass the limit\n", 49, 0), -1);
	assert_string_equal(buf_cstr(&b), "kept");
	buf_free(&b);
}

static int
open_mbox(const char *name, char *path, size_t size)
{
	(void)snprintf(path, size, "%s/%s", dir, name);
	return open(path, O_RDWR | O_CREAT | O_APPEND, 0600);
}

static void
test_append_and_read_back(void **state)
{
	static const char *msgs[] = {
		"Subject: one\n\nFrom here\n",
		"Subject: two\r\n\r\nFrom there\r\n\r\nFrom anywhere\r\n",
		"Subject: three\n\nno newline at the end",
	};
	struct mailbox *mb;
	struct err err;
	char path[300];
	off_t off, want = 0;
	size_t i;
	int fd = open_mbox("inbox", path, sizeof(path));

	(void)state;
	assert_true(fd >= 0);
	for (i = 0; i < 3; i++) {
		struct buf b;

		buf_init(&b, 0);
		assert_int_equal(mbox_format_message(&b, "s@example.org",
		    WHEN, msgs[i], strlen(msgs[i]), 0), 0);
		assert_int_equal(mbox_append_fd(fd, b.data, b.len, 1, &off),
		    0);
		assert_int_equal(off, want);
		want += (off_t)b.len;
		buf_free(&b);
	}
	(void)close(fd);
	mb = mailbox_open(MAILBOX_MBOX, path, NULL, &err);
	assert_non_null(mb);
	assert_int_equal(mb->n, 3);
	mailbox_free(mb);
}

static void
test_failed_write_cut_back(void **state)
{
	struct rlimit old, lim;
	char path[300], big[8192];
	struct stat st;
	int fd = open_mbox("full", path, sizeof(path));

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(mbox_append_fd(fd, "From a x\n\n", 10, 0, NULL), 0);
	memset(big, 'x', sizeof(big));
	/* a file size limit stands in for a full disk */
	(void)signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(mbox_append_fd(fd, big, sizeof(big), 1, NULL),
	    MBOX_APPEND_EWRITE);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 10);
	(void)close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_message),
		cmocka_unit_test(test_from_lines_escaped),
		cmocka_unit_test(test_crlf_made_lf),
		cmocka_unit_test(test_own_content_length_dropped),
		cmocka_unit_test(test_odd_shapes),
		cmocka_unit_test(test_sender_stays_on_one_line),
		cmocka_unit_test(test_buffer_limit),
		cmocka_unit_test(test_append_and_read_back),
		cmocka_unit_test(test_failed_write_cut_back),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
