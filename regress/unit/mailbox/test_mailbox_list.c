/*
 * test_mailbox_list.c -- IMAP mailbox names as paths (mailbox_path
 * refuses every name that could leave the mail root), folder listing
 * with children flags, create/rename/delete for mbox and Maildir++, the
 * subscriptions file, and appends that get the next UID.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "mailbox/mailbox.h"
#include "tmpdir.h"

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make("test_mailbox_list");
}

static void
loc_of(struct mail_location *loc, const char *spec)
{
	struct err err;
	char home[300];

	(void)snprintf(home, sizeof(home), "%s", dir);
	assert_int_equal(mail_location_parse(spec, "joe", home, loc, &err), 0);
}

static void
test_paths_stay_under_the_root(void **state)
{
	static const char *const bad[] = {
		"", "/etc/passwd", "../x", "a/../b", "a/./b", "a//b", "~root",
		".imap", "a/.hidden", "x\001y", "a/", "/",
	};
	struct mail_location loc;
	struct buf b;
	struct err err;
	size_t i;

	(void)state;
	loc_of(&loc, "mbox:~/mail:INBOX=/var/mail/%u");
	buf_init(&b, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&err);
		assert_int_equal(mailbox_path(&loc, bad[i], '/', &b, &err), -1);
		assert_int_equal(err.kind, ERR_DATAERR);
	}
	assert_int_equal(mailbox_path(&loc, "inBox", '/', &b, &err), 0);
	assert_string_equal(b.data, "/var/mail/joe");
	assert_int_equal(mailbox_path(&loc, "Work/2026", '/', &b, &err), 0);
	assert_true(strstr(b.data, "/mail/Work/2026") != NULL);
	mail_location_free(&loc);
	/* Maildir++: '.' may not appear inside a level */
	loc_of(&loc, "maildir:~/Maildir");
	assert_int_equal(mailbox_path(&loc, "a.b", '/', &b, &err), -1);
	assert_int_equal(mailbox_path(&loc, "a/b", '/', &b, &err), 0);
	assert_true(strstr(b.data, "/Maildir/.a.b") != NULL);
	assert_int_equal(mailbox_path(&loc, "..", '.', &b, &err), -1);
	buf_free(&b);
	mail_location_free(&loc);
}

static void
check_tree(const char *spec)
{
	struct mail_location loc;
	struct mailbox_entry *v;
	struct strarr subs = { 0 };
	struct err err;
	size_t n;

	loc_of(&loc, spec);
	err_clear(&err);
	assert_int_equal(mailbox_create(&loc, "Work/2026", '/', &err), 0);
	assert_int_equal(mailbox_create(&loc, "Sent", '/', &err), 0);
	assert_int_equal(mailbox_create(&loc, "Sent", '/', &err), -1);
	assert_int_equal(err.kind, ERR_CANTCREAT);
	assert_int_equal(mailbox_list(&loc, '/', &v, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].name, "INBOX");
	assert_string_equal(v[1].name, "Sent");
	assert_string_equal(v[2].name, "Work");
	assert_true(v[2].flags & MAILBOX_NOSELECT);
	assert_true(v[2].flags & MAILBOX_HASCHILDREN);
	assert_string_equal(v[3].name, "Work/2026");
	mailbox_list_free(v, n);
	assert_int_equal(mailbox_rename(&loc, "Work", "Old", '/', &err), 0);
	assert_int_equal(mailbox_delete(&loc, "Old/2026", '/', &err), 0);
	assert_int_equal(mailbox_delete(&loc, "Nope", '/', &err), -1);
	assert_int_equal(mailbox_delete(&loc, "INBOX", '/', &err), -1);
	strarr_push(&subs, "Sent");
	strarr_push(&subs, "Old/2026");
	assert_int_equal(mailbox_subs_write(&loc, '/', &subs, &err), 0);
	strarr_free(&subs);
	assert_int_equal(mailbox_subs_read(&loc, '/', &subs, &err), 0);
	assert_int_equal(subs.n, 2);
	assert_string_equal(subs.v[1], "Old/2026");
	strarr_free(&subs);
	mail_location_free(&loc);
}

static void
test_mbox_folders(void **state)
{
	(void)state;
	check_tree("mbox:~/mail:INBOX=~/inbox");
}

static void
test_maildir_folders(void **state)
{
	(void)state;
	check_tree("maildir:~/Maildir");
}

static void
append_twice(enum mailbox_format fmt, const char *path)
{
	const char *kw[] = { "$Label1" };
	struct mailbox *mb;
	struct err err;
	struct buf b;
	uint32_t uv, uid, uv2, uid2;

	err_clear(&err);
	assert_int_equal(mailbox_append(fmt, path, NULL, "Subject: a\r\n\r\n"
	    "From x\r\n", 22, MSG_SEEN, kw, 1, 1795000000, &uv, &uid, &err), 0);
	assert_int_equal(uid, 1);
	assert_int_equal(mailbox_append(fmt, path, NULL, "Subject: b\n\nb\n",
	    14, 0, NULL, 0, 0, &uv2, &uid2, &err), 0);
	assert_int_equal(uid2, 2);
	assert_int_equal(uv, uv2);
	mb = mailbox_open(fmt, path, NULL, &err);
	assert_non_null(mb);
	assert_int_equal(mb->n, 2);
	assert_int_equal(mb->uidvalidity, uv);
	assert_int_equal(mb->msgs[0].flags & MSG_SEEN, MSG_SEEN);
	assert_int_equal(mb->msgs[0].kw, 1);
	assert_string_equal(mb->kw[0], "$Label1");
	assert_int_equal(mailbox_msg_received(mb, 0), 1795000000);
	buf_init(&b, 0);
	assert_int_equal(mailbox_msg_read(mb, 0, &b, &err), 0);
	assert_non_null(strstr(b.data, "Subject: a\n"));
	/* mbox escapes the body's From_ line */
	assert_int_equal(mb->msgs[0].vsize, 22 + (fmt == MAILBOX_MBOX));
	buf_free(&b);
	/* flags taken away are written, keywords too */
	mb->write_flags = 1;
	mb->msgs[0].clr_flags = MSG_SEEN;
	mb->msgs[0].clr_kw = 1;
	mb->msgs[1].set_flags = MSG_FLAGGED;
	assert_int_equal(mailbox_commit(mb, &err), 0);
	mailbox_free(mb);
	mb = mailbox_open(fmt, path, NULL, &err);
	assert_non_null(mb);
	assert_int_equal(mb->msgs[0].flags & MSG_SEEN, 0);
	assert_int_equal(mb->msgs[0].kw, 0);
	assert_int_equal(mb->msgs[1].flags & MSG_FLAGGED, MSG_FLAGGED);
	assert_int_equal(mb->msgs[1].uid, 2);
	mailbox_free(mb);
}

static void
test_append_mbox(void **state)
{
	char p[300];

	(void)state;
	(void)snprintf(p, sizeof(p), "%s/appended", dir);
	append_twice(MAILBOX_MBOX, p);
}

static void
test_append_maildir(void **state)
{
	char p[300];

	(void)state;
	(void)snprintf(p, sizeof(p), "%s/appended.d", dir);
	append_twice(MAILBOX_MAILDIR, p);
}

/* Several messages in one batch get consecutive UIDs; an mbox whose
 * last message has no X-UID yet (a delivery) is rewritten once. */
static void
batch(enum mailbox_format fmt, const char *path)
{
	const char *kw[] = { "$A" };
	struct mailbox_new v[3];
	struct mailbox *mb;
	struct err err;
	uint32_t uv, uid;
	size_t i;

	err_clear(&err);
	assert_int_equal(mailbox_append(fmt, path, NULL, "Subject: 0\n\n0\n",
	    14, 0, NULL, 0, 0, &uv, &uid, &err), 0);
	if (fmt == MAILBOX_MBOX) {
		FILE *f = fopen(path, "a");

		assert_non_null(f);
		fputs("From x@y Wed Nov 22 20:11:21 2026\nSubject: d\n\nd\n\n",
		    f);
		fclose(f);
	}
	memset(v, 0, sizeof(v));
	for (i = 0; i < 3; i++) {
		v[i].data = "Subject: b\r\n\r\nb\r\n";
		v[i].len = strlen(v[i].data);
		v[i].flags = i == 1 ? MSG_FLAGGED : 0;
		v[i].kw = kw;
		v[i].nkw = i == 2;
	}
	assert_int_equal(mailbox_append_batch(fmt, path, NULL, v, 3, &uv,
	    &err), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(v[i].uid, (fmt == MAILBOX_MBOX ? 3 : 2) + i);
	mb = mailbox_open(fmt, path, NULL, &err);
	assert_non_null(mb);
	assert_int_equal(mb->n, fmt == MAILBOX_MBOX ? 5 : 4);
	assert_int_equal(mb->msgs[mb->n - 2].flags & MSG_FLAGGED, MSG_FLAGGED);
	assert_int_equal(mb->msgs[mb->n - 1].kw, 1);
	assert_int_equal(mb->msgs[mb->n - 1].uid, v[2].uid);
	mailbox_free(mb);
}

static void
test_batch_mbox(void **state)
{
	char p[300];

	(void)state;
	(void)snprintf(p, sizeof(p), "%s/batch", dir);
	batch(MAILBOX_MBOX, p);
}

static void
test_batch_maildir(void **state)
{
	char p[300];

	(void)state;
	(void)snprintf(p, sizeof(p), "%s/batch.d", dir);
	batch(MAILBOX_MAILDIR, p);
}

/* A file rewritten under the same inode number (numbers come back)
 * with another message at the old offset: reads go by UID, not by
 * offset alone. */
static void
test_reused_inode_is_not_trusted(void **state)
{
	static const char a[] =
	    "From a@b Wed Nov 22 20:11:21 2026\n"
	    "Subject: A\n"
	    "X-IMAPbase: 1795000000 0000000002\n"
	    "X-UID: 1\n"
	    "Status: O\n"
	    "\n"
	    "aaaa\n"
	    "\n"
	    "From b@b Wed Nov 22 20:11:22 2026\n"
	    "Subject: B\n"
	    "X-UID: 2\n"
	    "Status: O\n"
	    "\n"
	    "bbbb\n"
	    "\n";
	/* A expunged: B, grown longer, now stands where A stood */
	static const char b[] =
	    "From b@b Wed Nov 22 20:11:22 2026\n"
	    "Subject: B\n"
	    "X-IMAPbase: 1795000000 0000000002\n"
	    "X-UID: 2\n"
	    "Status: O\n"
	    "\n"
	    "bbbb bbbb bbbb bbbb bbbb bbbb bbbb bbbb bbbb bbbb bbbb\n"
	    "bbbb bbbb bbbb bbbb bbbb bbbb bbbb bbbb bbbb bbbb bbbb\n"
	    "\n";
	char p[300];
	struct mailbox *mb;
	struct err err;
	struct buf out;
	FILE *f;

	(void)state;
	(void)snprintf(p, sizeof(p), "%s/reuse", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(a, f);
	fclose(f);
	mb = mailbox_open(MAILBOX_MBOX, p, NULL, &err);
	assert_non_null(mb);
	assert_int_equal(mb->msgs[0].uid, 1);
	/* same inode, other content: what a reused inode number looks
	 * like to fstat */
	f = fopen(p, "r+");
	assert_non_null(f);
	fputs(b, f);
	assert_int_equal(ftruncate(fileno(f), (off_t)strlen(b)), 0);
	fclose(f);
	buf_init(&out, 0);
	assert_int_equal(mailbox_msg_read(mb, 0, &out, &err), -1);
	assert_int_equal(err.kind, ERR_NOINPUT);
	if (mailbox_msg_read(mb, 1, &out, &err) != 0)
		fail_msg("read: %s", err.msg);
	assert_non_null(strstr(out.data, "Subject: B\n"));
	buf_free(&out);
	mailbox_free(mb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_stay_under_the_root),
		cmocka_unit_test_setup_teardown(test_mbox_folders, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_maildir_folders, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_append_mbox, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_append_maildir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch_mbox, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch_maildir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_reused_inode_is_not_trusted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
