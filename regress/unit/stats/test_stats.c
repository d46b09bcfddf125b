/*
 * test_stats.c -- the statistics file: sendmail 8.17's byte layout (the
 * offsets of a file the real sendmail wrote), kilobytes of 1000 rounded
 * up, merging into an existing file only, starting over on a foreign
 * one, exact sums when many processes post at once (the flock), and the
 * cf as mailstats scans it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "stats/stats.h"

static char dir[] = "/tmp/test_stats.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
path_of(const char *name, char *out, size_t size)
{
	(void)snprintf(out, size, "%s/%s", dir, name);
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static size_t
read_file(const char *path, unsigned char *p, size_t max)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(p, 1, max, f);
	assert_int_equal(fclose(f), 0);
	return n;
}

static int64_t
at(const unsigned char *p, size_t off)
{
	int64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

/* sendmail -odi to a local user (mailer 9) wrote: 1448 bytes, magic
 * 0x1B1DE, version 4, the start at 8, size 1448 at 16, nf[9] at 120,
 * bf[9] at 320, nt[9] at 520, bt[9] at 720. */
static void
test_encode_puts_each_field_where_sendmail_does(void **state)
{
	unsigned char p[STATS_SIZE];
	struct stats s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.itime = 1795519960;
	s.nf[9] = 1;
	s.bf[9] = 2;
	s.nt[9] = 3;
	s.bt[9] = 4;
	s.cf = 5;
	s.ct = 6;
	s.cr = 7;
	s.nr[0] = 8;
	s.nd[24] = 9;
	s.nq[1] = 10;
	stats_encode(&s, p);
	assert_memory_equal(p, "\xde\xb1\x01\x00\x04\x00\x00\x00", 8);
	assert_int_equal(at(p, 8), 1795519960);
	assert_memory_equal(p + 16, "\xa8\x05", 2);
	assert_int_equal(at(p, 24), 5);
	assert_int_equal(at(p, 32), 6);
	assert_int_equal(at(p, 40), 7);
	assert_int_equal(at(p, 120), 1);
	assert_int_equal(at(p, 320), 2);
	assert_int_equal(at(p, 520), 3);
	assert_int_equal(at(p, 720), 4);
	assert_int_equal(at(p, 848), 8);
	assert_int_equal(at(p, 1048 + 24 * 8), 9);
	assert_int_equal(at(p, 1248 + 8), 10);
}

static void
test_decode_round_trips_and_checks_in_mailstats_order(void **state)
{
	unsigned char p[STATS_SIZE];
	struct stats s, back;
	int version;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.itime = 42;
	s.nt[3] = 77;
	s.cr = 2;
	stats_encode(&s, p);
	assert_int_equal(stats_decode(p, sizeof(p), &back, &version),
	    STATS_OK);
	assert_memory_equal(&s, &back, sizeof(s));
	assert_int_equal(stats_decode(p, 0, &back, &version), STATS_EMPTY);
	assert_int_equal(stats_decode(p, 100, &back, &version),
	    STATS_BADSIZE);
	p[4] = 3;
	assert_int_equal(stats_decode(p, sizeof(p), &back, &version),
	    STATS_BADVERSION);
	assert_int_equal(version, 3);
	p[0] = 0;
	assert_int_equal(stats_decode(p, sizeof(p), &back, &version),
	    STATS_BADMAGIC);
	assert_int_equal(stats_decode(p, 2, &back, &version),
	    STATS_BADMAGIC);
	p[0] = 0xde;
	p[4] = 4;
	p[16] = 0;	/* stat_size */
	assert_int_equal(stats_decode(p, sizeof(p), &back, &version),
	    STATS_BADSIZE);
}

static void
test_kbytes_are_thousands_rounded_up(void **state)
{
	(void)state;
	assert_int_equal(stats_kbytes(0), 0);
	assert_int_equal(stats_kbytes(1), 1);
	assert_int_equal(stats_kbytes(1000), 1);
	assert_int_equal(stats_kbytes(1001), 2);
	assert_int_equal(stats_kbytes(4004), 5);
	assert_int_equal(stats_kbytes(3114), 4);
}

static void
test_post_never_creates_the_file(void **state)
{
	struct err err;
	char path[256];

	(void)state;
	path_of("absent", path, sizeof(path));
	stats_mark_to(3, 10);
	assert_int_equal(stats_post(path, &err), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_false(stats_pending());
}

static void
test_post_merges_into_an_existing_file(void **state)
{
	unsigned char p[STATS_SIZE];
	struct stats s, got;
	struct err err;
	char path[256];
	int version;

	(void)state;
	path_of("merge", path, sizeof(path));
	memset(&s, 0, sizeof(s));
	s.itime = 1000;
	s.nf[9] = 5;
	s.bf[9] = 50;
	stats_encode(&s, p);
	write_file(path, p, sizeof(p));
	stats_mark_from(9, 2500);
	stats_mark_to(4, 999);
	stats_mark_to(4, 1);
	stats_mark_reject(9, 0);
	stats_mark_reject(-1, 0);
	stats_mark_reject(9, 1);
	stats_mark_quarantine(9);
	stats_mark_connect(0);
	stats_mark_connect(1);
	stats_mark_from(25, 1);		/* no such mailer: not counted */
	assert_int_equal(stats_post(path, &err), 0);
	assert_int_equal(read_file(path, p, sizeof(p)), STATS_SIZE);
	assert_int_equal(stats_decode(p, STATS_SIZE, &got, &version),
	    STATS_OK);
	assert_int_equal(got.itime, 1000);	/* the start is kept */
	assert_int_equal(got.nf[9], 6);
	assert_int_equal(got.bf[9], 53);
	assert_int_equal(got.nt[4], 2);
	assert_int_equal(got.bt[4], 2);
	assert_int_equal(got.nr[9], 1);
	assert_int_equal(got.nd[9], 1);
	assert_int_equal(got.nq[9], 1);
	assert_int_equal(got.cr, 3);
	assert_int_equal(got.cf, 1);
	assert_int_equal(got.ct, 1);
}

static void
test_post_starts_over_on_an_empty_or_foreign_file(void **state)
{
	unsigned char p[STATS_SIZE];
	struct stats got;
	struct err err;
	char path[256];
	int version;
	time_t before = time(NULL);

	(void)state;
	path_of("foreign", path, sizeof(path));
	write_file(path, "not a statistics file", 21);
	stats_mark_to(1, 1);
	assert_int_equal(stats_post(path, &err), 0);
	assert_int_equal(read_file(path, p, sizeof(p)), STATS_SIZE);
	assert_int_equal(stats_decode(p, STATS_SIZE, &got, &version),
	    STATS_OK);
	assert_true(got.itime >= before);
	assert_int_equal(got.nt[1], 1);
}

static void
test_post_refuses_a_symlink(void **state)
{
	struct err err;
	char path[256], target[256];

	(void)state;
	path_of("target", target, sizeof(target));
	path_of("link", path, sizeof(path));
	write_file(target, "", 0);
	assert_int_equal(symlink(target, path), 0);
	stats_mark_to(1, 1);
	assert_int_equal(stats_post(path, &err), -1);
	assert_int_equal(access(target, F_OK), 0);
}

/* Many processes post at once: none of their counts is lost. */
static void
test_concurrent_posts_add_up(void **state)
{
	unsigned char p[STATS_SIZE];
	struct stats got;
	struct err err;
	char path[256];
	int i, k, status, version;
	pid_t pid[8];

	(void)state;
	path_of("busy", path, sizeof(path));
	write_file(path, "", 0);
	for (i = 0; i < 8; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			for (k = 0; k < 200; k++) {
				stats_mark_to(3, 1500);
				if (stats_post(path, &err) != 0)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 8; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(read_file(path, p, sizeof(p)), STATS_SIZE);
	assert_int_equal(stats_decode(p, STATS_SIZE, &got, &version),
	    STATS_OK);
	assert_int_equal(got.nt[3], 1600);
	assert_int_equal(got.bt[3], 3200);
}

static void
test_cf_scan_names_mailers_in_sendmail_order(void **state)
{
	static const char cf[] =
	    "# comment\n"
	    "O StatusFile=/var/log/first\n"
	    "Mlocal,\t\tP=/usr/bin/procmail, F=lsDFMAw5:/|@qSPfhn9\n"
	    "Mprog,\t\tP=/usr/sbin/smrsh\n"
	    "Msmtp P=[IPC]\n"
	    "Mabcdefghijklmnopqrstuvwxyz, P=x\n"
	    "M#commented, P=x\n"
	    "OS/old/form   # trailing comment\n"
	    "O StatusFileX=/not/this\n"
	    "O statusfile = /last/one  \n";
	struct stats_cf out;

	(void)state;
	assert_int_equal(stats_cf_scan(cf, sizeof(cf) - 1, &out),
	    STATS_CF_OK);
	assert_int_equal(out.nmailers, 7);
	assert_string_equal(out.names[0], "prog");
	assert_string_equal(out.names[1], "*file*");
	assert_string_equal(out.names[2], "*include*");
	assert_string_equal(out.names[3], "local");
	assert_string_equal(out.names[4], "smtp");
	assert_string_equal(out.names[5], "abcdefghijklmnopqrst");
	assert_string_equal(out.names[6], "");
	assert_string_equal(out.statusfile, "/last/one");
	stats_cf_free(&out);
}

static void
test_cf_scan_stops_at_too_many_mailers(void **state)
{
	char cf[2048] = "";
	struct stats_cf out;
	int i;

	(void)state;
	for (i = 0; i < 22; i++)
		(void)snprintf(cf + strlen(cf), sizeof(cf) - strlen(cf),
		    "Mm%d, P=x\n", i);
	assert_int_equal(stats_cf_scan(cf, strlen(cf), &out), STATS_CF_OK);
	assert_int_equal(out.nmailers, 25);
	stats_cf_free(&out);
	(void)strcat(cf, "Mm0, P=x\n");	/* even a known name: full */
	assert_int_equal(stats_cf_scan(cf, strlen(cf), &out),
	    STATS_CF_TOOMANY);
	stats_cf_free(&out);
}

/* A line longer than mailstats' buffer goes on as a new line. */
static void
test_cf_scan_cuts_long_lines_as_fgets_does(void **state)
{
	static char cf[4200];
	struct stats_cf out;

	(void)state;
	memset(cf, 'x', 2047);
	memcpy(cf + 2047, "Mcut, P=x\nMfull\n", 17);
	assert_int_equal(stats_cf_scan(cf, strlen(cf), &out), STATS_CF_OK);
	assert_int_equal(out.nmailers, 5);
	assert_string_equal(out.names[3], "cut");
	assert_string_equal(out.names[4], "full");
	stats_cf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_puts_each_field_where_sendmail_does),
		cmocka_unit_test(
		    test_decode_round_trips_and_checks_in_mailstats_order),
		cmocka_unit_test(test_kbytes_are_thousands_rounded_up),
		cmocka_unit_test(test_post_never_creates_the_file),
		cmocka_unit_test(test_post_merges_into_an_existing_file),
		cmocka_unit_test(
		    test_post_starts_over_on_an_empty_or_foreign_file),
		cmocka_unit_test(test_post_refuses_a_symlink),
		cmocka_unit_test(test_concurrent_posts_add_up),
		cmocka_unit_test(test_cf_scan_names_mailers_in_sendmail_order),
		cmocka_unit_test(test_cf_scan_stops_at_too_many_mailers),
		cmocka_unit_test(test_cf_scan_cuts_long_lines_as_fgets_does),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
