/*
 * test_mbox.c -- mbox and Maildir storage: splitting at From_ lines,
 * sizes as POP3 counts them, dovecot's UID headers (assigned, kept,
 * forged ones replaced), expunge through a rewrite, the pseudo message
 * that keeps UIDVALIDITY in an empty mbox, dovecot-uidlist, UIDL
 * strings, mail_location and lock configuration.  Mailboxes are made
 * by the tests in a private temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mailbox/mailbox.h"
#include "lib/fdio.h"
#include "lib/xalloc.h"
#include "tmpdir.h"

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make("test_mbox");
}

static char *
get(const char *name)
{
	return get_len(name, NULL);
}

#define TWO \
	"From alice@example.com Wed Nov 22 20:11:21 2026\n" \
	"Subject: one\n" \
	"\n" \
	"body one\n" \
	"From me is not a From_ line\n" \
	"\n" \
	"From bob@example.com  Thu Nov 23 09:00:00 2026\n" \
	"Subject: two\n" \
	"\n" \
	"body two\n" \
	"\n"

static struct mailbox *
open_mbox(const char *name)
{
	return open_mbox_or_fail(name);
}

static void
test_from_line_needs_a_date(void **state)
{
	(void)state;
	assert_true(mbox_from_line_ok("From a@b Wed Nov 22 20:11:21 2026",
	    33));
	assert_true(mbox_from_line_ok("From MAILER_DAEMON  Wed Nov 22 "
	    "20:11:21 2026", 43));
	assert_false(mbox_from_line_ok("From me is not a From_ line", 27));
	assert_false(mbox_from_line_ok("From ", 5));
}

static void
test_split_and_sizes_count_crlf(void **state)
{
	struct mailbox *mb;
	struct buf b;
	struct err err;

	(void)state;
	put("two", TWO);
	mb = open_mbox("two");
	assert_int_equal(mb->n, 2);
	/* "Subject: one\n\nbody one\nFrom me is not a From_ line\n" */
	assert_int_equal(mb->msgs[0].vsize, 14 + 2 + 10 + 29);
	assert_int_equal(mb->msgs[1].vsize, 14 + 2 + 10);
	assert_int_equal(mb->total_vsize, 55 + 26);
	buf_init(&b, 0);
	assert_int_equal(mailbox_msg_read(mb, 1, &b, &err), 0);
	assert_string_equal(b.data, "Subject: two\n\nbody two\n");
	buf_free(&b);
	mailbox_free(mb);
}

static void
test_uids_are_written_and_kept(void **state)
{
	struct mailbox *mb;
	uint32_t uv;
	struct buf b;
	struct err err;

	(void)state;
	put("uids", TWO);
	mb = open_mbox("uids");
	assert_int_equal(mb->msgs[0].uid, 1);
	assert_int_equal(mb->msgs[1].uid, 2);
	assert_int_equal(mb->uidnext, 3);
	uv = mb->uidvalidity;
	mailbox_free(mb);
	assert_non_null(strstr(get("uids"), "X-IMAPbase: "));
	assert_non_null(strstr(get("uids"), " 0000000002\nX-UID: 1\n"));
	assert_non_null(strstr(get("uids"), "X-UID: 2\nStatus: O\n"));
	mb = open_mbox("uids");
	assert_int_equal(mb->uidvalidity, uv);
	assert_int_equal(mb->msgs[1].uid, 2);
	/* hidden from clients, and not counted */
	assert_int_equal(mb->msgs[1].vsize, 26);
	buf_init(&b, 0);
	assert_int_equal(mailbox_msg_read(mb, 0, &b, &err), 0);
	assert_null(strstr(b.data, "X-UID"));
	assert_null(strstr(b.data, "X-IMAPbase"));
	assert_null(strstr(b.data, "Status"));
	buf_free(&b);
	mailbox_free(mb);
}

static void
test_dovecot_headers_are_respected(void **state)
{
	struct mailbox *mb;
	struct buf u;

	(void)state;
	put("dc",
	    "From a@b Wed Nov 22 20:11:21 2026\n"
	    "Subject: x\n"
	    "X-IMAPbase: 1795378281 0000000040 $Label1\n"
	    "X-UID: 35\n"
	    "Status: RO\n"
	    "X-Status: AF\n"
	    "\n"
	    "x\n"
	    "\n"
	    "From a@b Wed Nov 22 20:11:22 2026\n"
	    "X-UID: 39\n"
	    "\n"
	    "y\n");
	mb = open_mbox("dc");
	assert_int_equal(mb->uidvalidity, 1795378281u);
	assert_int_equal(mb->uidnext, 41);
	assert_int_equal(mb->msgs[0].uid, 35);
	assert_int_equal(mb->msgs[0].flags, MSG_SEEN | MSG_OLD |
	    MSG_ANSWERED | MSG_FLAGGED);
	assert_int_equal(mb->msgs[1].uid, 39);
	buf_init(&u, 0);
	assert_int_equal(mailbox_uidl(mb, 0, "%08Xu%08Xv", &u), 0);
	assert_string_equal(u.data, "000000236b034c69");
	buf_reset(&u);
	assert_int_equal(mailbox_uidl(mb, 1, "%u.%v", &u), 0);
	assert_string_equal(u.data, "39.1795378281");
	buf_free(&u);
	mailbox_free(mb);
	/* nothing to assign: the file is untouched */
	assert_non_null(strstr(get("dc"), "X-Status: AF\n"));
}

static void
test_rewrite_keeps_a_missing_final_newline_missing(void **state)
{
	struct mailbox *mb;
	const char *text;

	(void)state;
	/* dovecot: the LF before From_ and one LF at EOF are separators */
	put("nonl", "From a@b Wed Nov 22 20:11:21 2026\nSubject: x\n\nfirst"
	    "\nFrom a@b Wed Nov 22 20:11:22 2026\nSubject: y\n\nlast");
	mb = open_mbox("nonl");
	assert_int_equal(mb->n, 2);
	assert_int_equal(mb->msgs[0].vsize, 12 + 2 + 5);
	assert_int_equal(mb->msgs[1].vsize, 12 + 2 + 4);
	mailbox_free(mb);
	text = get("nonl");
	assert_non_null(strstr(text, "\n\nfirst\nFrom a@b"));
	assert_int_equal(strcmp(text + strlen(text) - 6, "\nlast\n"), 0);
	mb = open_mbox("nonl");
	assert_int_equal(mb->msgs[0].vsize, 12 + 2 + 5);
	assert_int_equal(mb->msgs[1].vsize, 12 + 2 + 4);
	mailbox_free(mb);
}

static void
test_forged_uid_gets_a_new_one(void **state)
{
	struct mailbox *mb;

	(void)state;
	put("forged",
	    "From a@b Wed Nov 22 20:11:21 2026\n"
	    "X-IMAPbase: 100 0000000003\n"
	    "X-UID: 1\n"
	    "\n"
	    "x\n"
	    "\n"
	    "From evil@b Wed Nov 22 20:11:22 2026\n"
	    "X-UID: 4000000000\n"
	    "\n"
	    "y\n"
	    "\n"
	    "From a@b Wed Nov 22 20:11:23 2026\n"
	    "X-UID: 2\n"
	    "\n"
	    "z\n");
	mb = open_mbox("forged");
	assert_int_equal(mb->n, 3);
	assert_int_equal(mb->msgs[0].uid, 1);
	assert_int_equal(mb->msgs[1].uid, 4);
	assert_int_equal(mb->msgs[2].uid, 5);
	assert_int_equal(mb->uidvalidity, 100);
	mailbox_free(mb);
}

static void
test_expunge_keeps_others_and_uidvalidity(void **state)
{
	struct mailbox *mb;
	struct err err;
	uint32_t uv;

	(void)state;
	put("exp", TWO);
	mb = open_mbox("exp");
	uv = mb->uidvalidity;
	mb->msgs[0].expunge = 1;
	mb->msgs[1].set_flags = MSG_SEEN;
	assert_int_equal(mailbox_commit(mb, &err), 0);
	assert_int_equal(mb->n, 1);
	assert_int_equal(mb->msgs[0].uid, 2);
	mailbox_free(mb);
	assert_null(strstr(get("exp"), "Subject: one"));
	assert_non_null(strstr(get("exp"), "X-UID: 2\nStatus: RO\n"));
	mb = open_mbox("exp");
	assert_int_equal(mb->uidvalidity, uv);
	assert_int_equal(mb->uidnext, 3);
	mb->msgs[0].expunge = 1;
	assert_int_equal(mailbox_commit(mb, &err), 0);
	assert_int_equal(mb->n, 0);
	mailbox_free(mb);
	/* empty, but UIDVALIDITY and UIDNEXT survive in a pseudo message */
	assert_non_null(strstr(get("exp"), "FOLDER INTERNAL DATA"));
	mb = open_mbox("exp");
	assert_int_equal(mb->n, 0);
	assert_int_equal(mb->uidvalidity, uv);
	assert_int_equal(mb->uidnext, 3);
	mailbox_free(mb);
}

static void
test_appended_message_after_open_survives_commit(void **state)
{
	struct mailbox *mb;
	struct err err;
	FILE *f;

	(void)state;
	put("app", TWO);
	mb = open_mbox("app");
	mb->msgs[0].expunge = 1;
	f = fopen(path_of("app"), "a");
	assert_non_null(f);
	fputs("From late@x Fri Nov 24 10:00:00 2026\nSubject: late\n\n"
	    "late\n\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(mailbox_commit(mb, &err), 0);
	assert_int_equal(mb->n, 2);
	assert_int_equal(mb->msgs[1].uid, 3);
	mailbox_free(mb);
	assert_non_null(strstr(get("app"), "Subject: late"));
}

static void
test_reads_follow_another_sessions_rewrite(void **state)
{
	struct mailbox *a, *b;
	struct buf t;
	struct err err;

	(void)state;
	put("two_sessions", TWO);
	mailbox_free(open_mbox("two_sessions"));	/* UIDs written */
	a = open_mbox("two_sessions");
	b = open_mbox("two_sessions");
	b->msgs[0].expunge = 1;
	assert_int_equal(mailbox_commit(b, &err), 0);
	mailbox_free(b);
	buf_init(&t, 0);
	assert_int_equal(mailbox_msg_read(a, 1, &t, &err), 0);
	assert_string_equal(t.data, "Subject: two\n\nbody two\n");
	buf_reset(&t);
	assert_int_equal(mailbox_msg_read(a, 0, &t, &err), -1);
	assert_int_equal(err.kind, ERR_NOINPUT);
	buf_free(&t);
	mailbox_free(a);
}

static void
test_missing_mbox_is_empty_and_junk_is_refused(void **state)
{
	struct mailbox *mb;
	struct err err;

	(void)state;
	mb = open_mbox("none");
	assert_int_equal(mb->n, 0);
	mailbox_free(mb);
	put("junk", "Subject: not an mbox\n\n");
	assert_null(mailbox_open(MAILBOX_MBOX, path_of("junk"), NULL, &err));
	assert_int_equal(err.kind, ERR_DATAERR);
}

static void
test_fifo_and_hard_link_are_refused(void **state)
{
	struct err err;

	(void)state;
	assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
	assert_null(mailbox_open(MAILBOX_MBOX, path_of("fifo"), NULL, &err));
	assert_int_equal(err.kind, ERR_NOPERM);
	put("linked", TWO);
	{
		char *a = xstrdup(path_of("linked"));

		assert_int_equal(link(a, path_of("linked2")), 0);
		free(a);
	}
	assert_null(mailbox_open(MAILBOX_MBOX, path_of("linked"), NULL,
	    &err));
	assert_int_equal(err.kind, ERR_NOPERM);
	assert_int_equal(symlink("two", path_of("symlinked")), 0);
	assert_null(mailbox_open(MAILBOX_MBOX, path_of("symlinked"), NULL,
	    &err));
}

static void
test_seen_flags_alone_do_not_rewrite_the_mbox(void **state)
{
	struct mailbox *mb;
	struct err err;
	struct stat a, b;

	(void)state;
	put("lazy", TWO);
	mailbox_free(open_mbox("lazy"));	/* UIDs written */
	assert_int_equal(stat(path_of("lazy"), &a), 0);
	mb = open_mbox("lazy");
	mb->msgs[0].set_flags = MSG_SEEN;
	assert_int_equal(mailbox_commit(mb, &err), 0);
	mailbox_free(mb);
	assert_int_equal(stat(path_of("lazy"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
}

/* A delivery-style writer (write locks, append, unlock) racing with
 * expunges: every appended message survives exactly once. */
static void
test_appends_during_expunges_are_never_lost(void **state)
{
	struct mailbox *mb;
	struct err err;
	pid_t pid;
	int i, status, expunged = 0;
	char *path = xstrdup(path_of("race"));

	(void)state;
	put("race", TWO);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mbox_lock_cfg cfg;

		mbox_lock_cfg_default(&cfg);
		for (i = 0; i < 50; i++) {
			struct mbox_lock l;
			char msg[128];
			int fd = -1;

			for (;;) {
				struct stat a, b;

				fd = open(path, O_WRONLY | O_APPEND);
				if (fd == -1 || mbox_lock_take(path, fd, 1,
				    &cfg, &l, &err) == -1)
					_exit(1);
				/* the file may have been replaced meanwhile */
				if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
				    a.st_ino == b.st_ino)
					break;
				mbox_lock_release(&l);
				close(fd);
			}
			snprintf(msg, sizeof(msg), "From d@x Fri Nov 24 "
			    "10:00:00 2026\nSubject: race %d\n\nbody\n\n", i);
			if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg))
				_exit(2);
			mbox_lock_release(&l);
			close(fd);
		}
		_exit(0);
	}
	for (i = 0; i < 30; i++) {
		mb = mailbox_open(MAILBOX_MBOX, path, NULL, &err);
		assert_non_null(mb);
		if (mb->n > 0) {
			mb->msgs[0].expunge = 1;
			assert_int_equal(mailbox_commit(mb, &err), 0);
			expunged++;
		}
		mailbox_free(mb);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	mb = mailbox_open(MAILBOX_MBOX, path, NULL, &err);
	assert_non_null(mb);
	assert_int_equal(mb->n, 2 + 50 - expunged);
	for (i = 1; i < (int)mb->n; i++)
		assert_true(mb->msgs[i].uid > mb->msgs[i - 1].uid);
	mailbox_free(mb);
	free(path);
}

static void
test_lock_timeout_is_a_tempfail(void **state)
{
	struct mbox_lock_cfg cfg;
	struct mailbox *mb;
	struct err err;

	(void)state;
	put("locked", TWO);
	put("locked.lock", "1\n");	/* fresh dotlock held by someone */
	mbox_lock_cfg_default(&cfg);
	cfg.timeout_secs = 1;
	mb = mailbox_open(MAILBOX_MBOX, path_of("locked"), &cfg, &err);
	assert_null(mb);
	assert_int_equal(err.kind, ERR_TEMPFAIL);
	(void)unlink(path_of("locked.lock"));
}

/* A write lock on a file another session renamed away excludes no one:
 * the taker is told to open the path again, and holds nothing (no
 * dotlock left behind). */
static void
test_lock_on_a_replaced_file_says_open_again(void **state)
{
	struct mbox_lock_cfg cfg;
	struct mbox_lock l;
	struct stat st;
	struct err err;
	char *path = xstrdup(path_of("moved"));
	int fd;

	(void)state;
	put("moved", TWO);
	put("moved.new", TWO);
	fd = open(path, O_RDWR);
	assert_true(fd != -1);
	assert_int_equal(rename(path_of("moved.new"), path), 0);
	mbox_lock_cfg_default(&cfg);
	err_clear(&err);
	assert_int_equal(mbox_lock_take(path, fd, 1, &cfg, &l, &err), 1);
	assert_int_equal(stat(path_of("moved.lock"), &st), -1);
	(void)close(fd);
	fd = open(path, O_RDWR);
	assert_int_equal(mbox_lock_take(path, fd, 1, &cfg, &l, &err), 0);
	assert_int_equal(stat(path_of("moved.lock"), &st), 0);
	mbox_lock_release(&l);
	(void)close(fd);
	free(path);
}

/* A child holds the fcntl lock for hold_ms; returns its pid once held. */
static pid_t
hold_fcntl(const char *path, int hold_ms)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock fl;
		struct timespec ts = { hold_ms / 1000,
		    (long)(hold_ms % 1000) * 1000000L };
		int fd = open(path, O_RDWR);

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fd == -1 || fcntl(fd, F_SETLK, &fl) == -1)
			_exit(1);
		(void)write(p[1], "x", 1);
		(void)nanosleep(&ts, NULL);
		_exit(0);
	}
	(void)close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	(void)close(p[0]);
	return pid;
}

/* fcntl waits sleep in the kernel until the holder lets go (or the
 * timeout), and leave the caller's SIGALRM handler and timer alone. */
static void
test_fcntl_wait_wakes_at_release_and_times_out(void **state)
{
	struct mbox_lock_cfg cfg;
	struct mbox_lock l;
	struct sigaction sa;
	struct itimerval it;
	struct timespec t0, t1;
	struct err err;
	char *path = xstrdup(path_of("held"));
	int fd, status;
	pid_t pid;
	double dt;

	(void)state;
	put("held", TWO);
	mbox_lock_cfg_default(&cfg);
	cfg.nwrite = 1;			/* fcntl alone */
	cfg.timeout_secs = 1;
	fd = open(path, O_RDWR);
	assert_true(fd != -1);

	pid = hold_fcntl(path, 4000);
	err_clear(&err);
	assert_int_equal(mbox_lock_take(path, fd, 1, &cfg, &l, &err), -1);
	assert_int_equal(err.kind, ERR_TEMPFAIL);
	assert_int_equal(sigaction(SIGALRM, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
	assert_int_equal(getitimer(ITIMER_REAL, &it), 0);
	assert_int_equal(it.it_value.tv_sec, 0);
	assert_int_equal(it.it_value.tv_usec, 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	cfg.timeout_secs = 30;
	pid = hold_fcntl(path, 300);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(mbox_lock_take(path, fd, 1, &cfg, &l, &err), 0);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(dt >= 0.2 && dt < 20);
	mbox_lock_release(&l);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	(void)close(fd);
	free(path);
}

static void
test_many_messages_parse_in_linear_time(void **state)
{
	struct mailbox *mb;
	FILE *f;
	clock_t t;
	int i;

	(void)state;
	f = fopen(path_of("big"), "w");
	assert_non_null(f);
	for (i = 0; i < 20000; i++)
		fprintf(f, "From a@b Wed Nov 22 20:11:21 2026\nSubject: %d\n"
		    "\nline\nline\n\n", i);
	assert_int_equal(fclose(f), 0);
	t = clock();
	mb = open_mbox("big");
	assert_int_equal(mb->n, 20000);
	assert_int_equal(mb->msgs[19999].uid, 20000);
	mailbox_free(mb);
	mb = open_mbox("big");
	mailbox_free(mb);
	assert_true((double)(clock() - t) / CLOCKS_PER_SEC < 5.0);
}

static void
test_lock_methods_parse(void **state)
{
	enum mbox_lock_method m[MBOX_LOCK_MAX];
	struct err err;
	size_t n;

	(void)state;
	assert_int_equal(mbox_lock_parse("fcntl dotlock", m, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(m[0], MBOX_LOCK_FCNTL);
	assert_int_equal(m[1], MBOX_LOCK_DOTLOCK);
	assert_int_equal(mbox_lock_parse("lockf", m, &n, &err), -1);
}

static void
test_mail_location_expands(void **state)
{
	struct mail_location loc;
	struct err err;

	(void)state;
	assert_int_equal(mail_location_parse("mbox:~/mail:INBOX=/var/mail/%u",
	    "joe", "/home/joe", &loc, &err), 0);
	assert_int_equal(loc.format, MAILBOX_MBOX);
	assert_string_equal(loc.root, "/home/joe/mail");
	assert_string_equal(loc.inbox, "/var/mail/joe");
	mail_location_free(&loc);
	assert_int_equal(mail_location_parse("maildir:%h/Maildir", "joe",
	    "/home/joe", &loc, &err), 0);
	assert_int_equal(loc.format, MAILBOX_MAILDIR);
	assert_string_equal(loc.inbox, "/home/joe/Maildir");
	mail_location_free(&loc);
	assert_int_equal(mail_location_parse("sdbox:~/x", "joe", "/h", &loc,
	    &err), -1);
}

static void
test_maildir_uidlist_is_dovecots(void **state)
{
	struct mailbox *mb;
	struct err err;
	char *md;
	uint32_t uv;

	(void)state;
	md = xstrdup(path_of("Maildir"));
	mb = mailbox_open(MAILBOX_MAILDIR, md, NULL, &err);
	assert_non_null(mb);
	assert_int_equal(mb->n, 0);
	mailbox_free(mb);
	put("Maildir/new/1700000000.M1P1.host,S=20,W=22", "Subject: a\n\nbody\n");
	put("Maildir/cur/1700000001.M2P1.host:2,S", "Subject: b\n\nxx\n");
	put("Maildir/new/1700000002.M3P1.host", "Subject: c\n\nyyy\n");
	mb = mailbox_open(MAILBOX_MAILDIR, md, NULL, &err);
	assert_non_null(mb);
	assert_int_equal(mb->n, 3);
	assert_int_equal(mb->msgs[0].uid, 1);
	assert_int_equal(mb->msgs[0].vsize, 22);
	assert_int_equal(mb->msgs[1].flags, MSG_SEEN | MSG_OLD);
	assert_int_equal(mb->msgs[2].vsize, 19);
	uv = mb->uidvalidity;
	mailbox_free(mb);
	/* a name without ,W= gets its size in the uidlist, as dovecot's W */
	assert_non_null(strstr(get("Maildir/dovecot-uidlist"),
	    "\n2 W18 :1700000001.M2P1.host\n"));
	assert_non_null(strstr(get("Maildir/dovecot-uidlist"),
	    "\n1 :1700000000.M1P1.host,S=20,W=22\n"));
	assert_int_equal(strncmp(get("Maildir/dovecot-uidlist"), "3 V", 3),
	    0);
	mb = mailbox_open(MAILBOX_MAILDIR, md, NULL, &err);
	assert_int_equal(mb->uidvalidity, uv);
	assert_int_equal(mb->msgs[1].vsize, 18);	/* from the uidlist */
	mb->msgs[0].expunge = 1;
	mb->msgs[2].set_flags = MSG_SEEN;
	assert_int_equal(mailbox_commit(mb, &err), 0);
	assert_int_equal(mb->n, 2);
	assert_int_equal(mb->msgs[0].uid, 2);
	assert_int_equal(mb->msgs[1].uid, 3);
	assert_string_equal(mb->msgs[1].name,
	    "cur/1700000002.M3P1.host:2,S");
	mailbox_free(mb);
	put("Maildir/new/1700000009.M9P1.host", "Subject: d\n\n");
	mb = mailbox_open(MAILBOX_MAILDIR, md, NULL, &err);
	assert_int_equal(mb->n, 3);
	assert_int_equal(mb->msgs[2].uid, 4);
	mailbox_free(mb);
	free(md);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_line_needs_a_date),
		cmocka_unit_test(test_split_and_sizes_count_crlf),
		cmocka_unit_test(test_uids_are_written_and_kept),
		cmocka_unit_test(test_dovecot_headers_are_respected),
		cmocka_unit_test(test_rewrite_keeps_a_missing_final_newline_missing),
		cmocka_unit_test(test_forged_uid_gets_a_new_one),
		cmocka_unit_test(test_expunge_keeps_others_and_uidvalidity),
		cmocka_unit_test(test_appended_message_after_open_survives_commit),
		cmocka_unit_test(test_reads_follow_another_sessions_rewrite),
		cmocka_unit_test(test_missing_mbox_is_empty_and_junk_is_refused),
		cmocka_unit_test(test_fifo_and_hard_link_are_refused),
		cmocka_unit_test(test_seen_flags_alone_do_not_rewrite_the_mbox),
		cmocka_unit_test(test_appends_during_expunges_are_never_lost),
		cmocka_unit_test(test_lock_timeout_is_a_tempfail),
		cmocka_unit_test(test_lock_on_a_replaced_file_says_open_again),
		cmocka_unit_test(test_fcntl_wait_wakes_at_release_and_times_out),
		cmocka_unit_test(test_many_messages_parse_in_linear_time),
		cmocka_unit_test(test_lock_methods_parse),
		cmocka_unit_test(test_mail_location_expands),
		cmocka_unit_test(test_maildir_uidlist_is_dovecots),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
