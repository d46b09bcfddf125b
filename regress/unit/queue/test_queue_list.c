/*
 * test_queue_list.c -- queue directories (single, qf/df subdirectories,
 * "q*" wildcards), the lock test (flock and fcntl), and the -bp listing
 * of hand-made queues: widths, escapes, status and quarantine lines,
 * per-recipient status and controlling users under -v, the status
 * characters, filters and MaxQueueRunSize.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "queue/queue.h"

static char top[64];

static void
put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", top, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	(void)fputs(text, f);
	(void)fclose(f);
}

static void
dir(const char *rel)
{
	char path[512];

	(void)snprintf(path, sizeof(path), "%s/%s", top, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

static int
setup(void **state)
{
	(void)state;
	(void)setenv("TZ", "UTC", 1);
	tzset();
	(void)snprintf(top, sizeof(top), "/tmp/qlistXXXXXX");
	return mkdtemp(top) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

/* The listing of QueueDirectory qd (relative to top) with o. */
static char *
listing(const char *qd, struct queue_list_opts *o)
{
	struct queue_dirs d;
	struct err err;
	char path[512], *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)snprintf(path, sizeof(path), "%s/%s", top, qd);
	assert_int_equal(queue_dirs_open(path, &d, &err), 0);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	(void)queue_list(&d, o, out);
	(void)fclose(out);
	queue_dirs_free(&d);
	return text;
}

/* Replaces "^" in want by top and compares. */
static void
expect(const char *got, const char *want)
{
	char buf[8192];
	const char *p;
	size_t n = 0;

	for (p = want; *p != '\0' && n + 64 < sizeof(buf); p++) {
		if (*p == '^') {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s",
			    top);
		} else
			buf[n++] = *p;
	}
	buf[n] = '\0';
	assert_string_equal(got, buf);
}

static struct queue_list_opts
opts(void)
{
	struct queue_list_opts o;

	memset(&o, 0, sizeof(o));
	o.queue_la = 8;
	o.queue_factor = 600000;
	o.now = 1795374094 + 60;
	return o;
}

#define HDR "-----Q-ID----- --Size-- -----Q-Time----- " \
	"------------Sender/Recipient-----------\n"
#define VHDR "-----Q-ID----- --Size-- -Priority- ---Q-Time--- " \
	"--------Sender/Recipient--------\n"

static void
test_dirs_single_with_subdirectories(void **state)
{
	struct queue_dirs d;
	struct err err;
	struct buf label;
	char path[512];

	(void)state;
	dir("one");
	dir("one/qf");
	dir("one/df");
	(void)snprintf(path, sizeof(path), "%s/one", top);
	assert_int_equal(queue_dirs_open(path, &d, &err), 0);
	assert_int_equal(d.npaths, 1);
	assert_string_equal(d.paths[0].name, ".");
	assert_int_equal(d.paths[0].subdirs, QUEUE_SUBQF | QUEUE_SUBDF);
	buf_init(&label, 0);
	queue_dirs_label(&d, 0, &label);
	expect(buf_cstr(&label), "^/one/df");
	buf_free(&label);
	queue_dirs_free(&d);
}

/*
 * A second "Qmqueue" line replaces the first: without P= the default
 * group is QueueDirectory again (the first line's P= path was freed
 * with it and used afterwards; found by scan-build).
 */
static void
test_dirs_second_qmqueue_line_replaces_the_first(void **state)
{
	struct queue_dirs d;
	struct queue_group g[2];
	struct err err;
	char qd[512], moved[512];

	(void)state;
	dir("qdefault");
	dir("qmoved");
	(void)snprintf(qd, sizeof(qd), "%s/qdefault", top);
	(void)snprintf(moved, sizeof(moved), "%s/qmoved", top);
	memset(g, 0, sizeof(g));
	g[0].name = "mqueue";
	g[0].path = moved;
	g[1].name = "MQUEUE";
	g[1].runners = 2;
	assert_int_equal(queue_dirs_open_groups(qd, g, 2, &d, &err), 0);
	assert_int_equal(d.ngroups, 1);
	assert_null(d.groups[0].path);
	assert_int_equal(d.groups[0].runners, 2);
	assert_string_equal(d.qdir, qd);
	queue_dirs_free(&d);
}

static void
test_dirs_wildcard_takes_matching_directories_only(void **state)
{
	struct queue_dirs d;
	struct err err;
	char path[512];
	size_t i, seen = 0;

	(void)state;
	dir("multi");
	dir("multi/q1");
	dir("multi/q2");
	dir("multi/q2/xf");
	dir("multi/other");
	put("multi/qfile", "not a directory\n");
	(void)snprintf(path, sizeof(path), "%s/multi/q*", top);
	assert_int_equal(queue_dirs_open(path, &d, &err), 0);
	assert_int_equal(d.npaths, 2);
	for (i = 0; i < d.npaths; i++) {
		if (strcmp(d.paths[i].name, "q1") == 0)
			seen |= 1, assert_int_equal(d.paths[i].subdirs, 0);
		if (strcmp(d.paths[i].name, "q2") == 0)
			seen |= 2, assert_int_equal(d.paths[i].subdirs,
			    QUEUE_SUBXF);
	}
	assert_int_equal(seen, 3);
	queue_dirs_free(&d);
}

static void
test_dirs_errors_are_worded_as_sendmail_words_them(void **state)
{
	struct queue_dirs d;
	struct err err;
	char path[512], want[600];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/nosuch", top);
	assert_int_equal(queue_dirs_open(path, &d, &err), -1);
	(void)snprintf(want, sizeof(want), "can not chdir(%s/nosuch/): No "
	    "such file or directory", top);
	assert_string_equal(err.msg, want);
	dir("empty");
	(void)snprintf(path, sizeof(path), "%s/empty/zz*", top);
	assert_int_equal(queue_dirs_open(path, &d, &err), -1);
	(void)snprintf(want, sizeof(want), "can not opendir(%s/empty/zz): "
	    "No such file or directory", top);
	assert_string_equal(err.msg, want);
	assert_int_equal(queue_dirs_open("mqueue*", &d, &err), -1);
	assert_string_equal(err.msg, "QueueDirectory: can not wildcard "
	    "relative path \"mqueue*\"");
}

static void
test_lock_by_flock_or_fcntl_is_seen(void **state)
{
	char path[512];
	int fd, other, ready[2], done[2];
	pid_t pid;
	char c;

	(void)state;
	put("lockme", "V8\n");
	(void)snprintf(path, sizeof(path), "%s/lockme", top);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(queue_qf_locked(fd), 0);
	other = open(path, O_RDONLY);
	assert_int_equal(flock(other, LOCK_EX), 0);
	assert_int_equal(queue_qf_locked(fd), 1);
	(void)close(other);
	assert_int_equal(queue_qf_locked(fd), 0);

	/* fcntl locks belong to a process: take one in a child, which
	 * says so on ready and holds it until done is closed */
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	(void)fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock fl;
		int wfd = open(path, O_RDWR);

		(void)close(ready[0]);
		(void)close(done[1]);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (wfd < 0 || fcntl(wfd, F_SETLK, &fl) == -1)
			_exit(1);
		if (write(ready[1], "l", 1) != 1)
			_exit(1);
		while (read(done[0], &c, 1) > 0)
			continue;
		_exit(0);
	}
	(void)close(ready[1]);
	(void)close(done[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(queue_qf_locked(fd), 1);
	(void)close(done[1]);
	(void)waitpid(pid, NULL, 0);
	assert_int_equal(queue_qf_locked(fd), 0);
	(void)close(ready[0]);
	(void)close(fd);
}

static void
test_empty_queue(void **state)
{
	struct queue_list_opts o = opts();
	char *got;

	(void)state;
	dir("q0");
	got = listing("q0", &o);
	expect(got, "^/q0 is empty\n\t\tTotal requests: 0\n");
	free(got);
}

static const char qf_plain[] =
    "V8\nT1795374094\nK0\nN0\nP30005\n"
    "$_root@localhost\nSsender@example.com\n"
    "RPFD:root\nRPFD:user@example.com\nH??Subject: x\n.\n";

static const char qf_deferred[] =
    "V8\nT1795374094\nK1795374094\nN2\nP150017\n"
    "B8BITMIME\nMDeferred: Connection refused by mx.example.com\nFw\n"
    "Sa.very.long.sender.address.that.is.cut@example.org\n"
    "MDeferred: 451 4.3.0 try later\n"
    "Cjoe:1001:100:list\n"
    "RPFDA:averyveryverylongusername.with.dots@averyveryverylongdomain"
    "name.example.com\n"
    "H??Subject: y\n.\n";

static void
test_listing_widths_status_and_order(void **state)
{
	struct queue_list_opts o = opts();
	char *got;

	(void)state;
	dir("q1");
	put("q1/qf6AMJ1YnM015953", qf_plain);
	put("q1/df6AMJ1YnM015953", "body\n");
	put("q1/qf6AMJ1Yhs015956", qf_deferred);
	put("q1/df6AMJ1Yhs015956", "0123456789012345678901234567890\n");
	got = listing("q1", &o);
	expect(got, "\t\t^/q1 (2 requests)\n" HDR
	    "6AMJ1YnM015953        5 Sun Nov 22 19:01 sender@example.com\n"
	    "\t\t\t\t\t root\n"
	    "\t\t\t\t\t user@example.com\n"
	    "6AMJ1Yhs015956       32 Sun Nov 22 19:01 "
	    "a.very.long.sender.address.that.is.cut@\n"
	    "      8BITMIME   "
	    "(Deferred: Connection refused by mx.example.com)\n"
	    "\t\t\t\t\t averyveryverylongusername.with.dots@av\n"
	    "\t\tTotal requests: 2\n");
	free(got);

	o.verbose = 1;
	got = listing("q1", &o);
	expect(got, "\t\t^/q1 (2 requests)\n" VHDR
	    "6AMJ1YnM015953        5      30005 Nov 22 19:01 "
	    "sender@example.com\n"
	    "\t\t\t\t\t\troot\n"
	    "\t\t\t\t\t\tuser@example.com\n"
	    "6AMJ1Yhs015956       32     150017+Nov 22 19:01 "
	    "a.very.long.sender.address.that.is.cut@example.org\n"
	    "      8BITMIME   "
	    "(Deferred: Connection refused by mx.example.com)\n"
	    "\t\t\t\t\t\t(---joe:1001:100:list---)\n"
	    "\t\t\t\t\t\taveryveryverylongusername.with.dots@"
	    "averyveryverylongdomainname.example\n"
	    "\t\t (Deferred: 451 4.3.0 try later)\n"
	    "\t\tTotal requests: 2\n");
	free(got);
}

static void
test_listing_escapes_quarantine_and_missing_parts(void **state)
{
	struct queue_list_opts o = opts();
	char *got;

	(void)state;
	dir("q2");
	/* backslash doubled, 8-bit as \ooo; no df: size -1 */
	put("q2/qfAAAAAAAA000001",
	    "V8\nT1795374094\nP1\nSwe\\ird\351@example.com\nRP:root\n.\n");
	/* no T line */
	put("q2/qfAAAAAAAA000002", "V8\nP2\nSx@example.com\nRP:root\n.\n");
	got = listing("q2", &o);
	expect(got, "\t\t^/q2 (2 requests)\n" HDR
	    "AAAAAAAA000001       -1 Sun Nov 22 19:01 "
	    "we\\\\ird\\351@example.com\n"
	    "\t\t\t\t\t root\n"
	    "AAAAAAAA000002       -1 Thu Jan  1 00:00 x@example.com\n"
	    "\t\t\t\t\t root (no control file)\n"
	    "\t\tTotal requests: 2\n");
	free(got);

	dir("q3");
	put("q3/hfBBBBBBBB000001",
	    "V8\nT1795374094\nP1\nqspam suspected\nSx@example.com\n"
	    "RP:root\n.\n");
	o.mode = QUEUE_MODE_QUARANTINE;
	got = listing("q3", &o);
	expect(got, "\t\t^/q3 (1 request)\n" HDR
	    "BBBBBBBB000001       -1 Sun Nov 22 19:01 x@example.com\n"
	    "     QUARANTINE: spam suspected\n"
	    "\t\t\t\t\t root\n"
	    "\t\tTotal requests: 1\n");
	free(got);
	/* a reason filter that does not match; normal mode skips hf */
	assert_int_equal(queue_list_filter(&o, "Qham"), 0);
	got = listing("q3", &o);
	expect(got, "^/q3 is empty\n\t\tTotal requests: 0\n");
	free(got);
	queue_list_opts_free(&o);
	o = opts();
	got = listing("q3", &o);
	expect(got, "^/q3 is empty\n\t\tTotal requests: 0\n");
	free(got);
}

static void
test_status_characters(void **state)
{
	struct queue_list_opts o = opts();
	char *got;

	(void)state;
	dir("q4");
	put("q4/qfCCCCCCCC000001",
	    "V8\nT1795374094\nK1795374124\nN1\nP700000\nSx@example.com\n"
	    "RP:root\n.\n");
	o.min_age = 3600;		/* tried 30 s ago */
	got = listing("q4", &o);
	expect(got, "\t\t^/q4 (1 request)\n" HDR
	    "CCCCCCCC000001-      -1 Sun Nov 22 19:01 x@example.com\n"
	    "\t\t\t\t\t root\n"
	    "\t\tTotal requests: 1\n");
	free(got);
	o.min_age = 0;
	o.load = 9;			/* 700000 > 600000 / 2 */
	got = listing("q4", &o);
	expect(got, "\t\t^/q4 (1 request)\n" HDR
	    "CCCCCCCC000001X      -1 Sun Nov 22 19:01 x@example.com\n"
	    "\t\t\t\t\t root\n"
	    "\t\tTotal requests: 1\n");
	free(got);
	o.load = 0;
	o.mode = QUEUE_MODE_LOST;
	put("q4/QfCCCCCCCC000002", "V8\nT1795374094\nP1\nSy@example.com\n"
	    "RP:joe\n.\n");
	got = listing("q4", &o);
	expect(got, "\t\t^/q4 (1 request)\n" HDR
	    "CCCCCCCC000002?      -1 Sun Nov 22 19:01 y@example.com\n"
	    "\t\t\t\t\t joe\n"
	    "\t\tTotal requests: 1\n");
	free(got);
}

static void
test_filters_and_max_run(void **state)
{
	struct queue_list_opts o = opts();
	char *got, name[64], text[256];
	int i;

	(void)state;
	dir("q5");
	for (i = 1; i <= 3; i++) {
		(void)snprintf(name, sizeof(name), "q5/qfDDDDDDDD00000%d", i);
		(void)snprintf(text, sizeof(text), "V8\nT1795374094\nP%d\n"
		    "Ss%d@example.com\nRP:r%d@Example.COM\n.\n", i, i, i);
		put(name, text);
	}
	assert_int_equal(queue_list_filter(&o, "Rr2@example"), 0);
	got = listing("q5", &o);
	expect(got, "\t\t^/q5 (1 request)\n" HDR
	    "DDDDDDDD000002       -1 Sun Nov 22 19:01 s2@example.com\n"
	    "\t\t\t\t\t r2@Example.COM\n"
	    "\t\tTotal requests: 1\n");
	free(got);
	queue_list_opts_free(&o);
	o = opts();
	assert_int_equal(queue_list_filter(&o, "!S2@"), 0);
	assert_int_equal(queue_list_filter(&o, "I000003"), 0);
	assert_int_equal(queue_list_filter(&o, "1h"), -1);
	got = listing("q5", &o);
	expect(got, "\t\t^/q5 (1 request)\n" HDR
	    "DDDDDDDD000003       -1 Sun Nov 22 19:01 s3@example.com\n"
	    "\t\t\t\t\t r3@Example.COM\n"
	    "\t\tTotal requests: 1\n");
	free(got);
	queue_list_opts_free(&o);
	o = opts();
	o.max_run = 2;
	got = listing("q5", &o);
	assert_non_null(strstr(got, " (3 requests, only 2 printed)\n"));
	assert_non_null(strstr(got, "\t\tTotal requests: 3\n"));
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dirs_single_with_subdirectories),
		cmocka_unit_test(
		    test_dirs_wildcard_takes_matching_directories_only),
		cmocka_unit_test(
		    test_dirs_second_qmqueue_line_replaces_the_first),
		cmocka_unit_test(
		    test_dirs_errors_are_worded_as_sendmail_words_them),
		cmocka_unit_test(test_lock_by_flock_or_fcntl_is_seen),
		cmocka_unit_test(test_empty_queue),
		cmocka_unit_test(test_listing_widths_status_and_order),
		cmocka_unit_test(
		    test_listing_escapes_quarantine_and_missing_parts),
		cmocka_unit_test(test_status_characters),
		cmocka_unit_test(test_filters_and_max_run),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
