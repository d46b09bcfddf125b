/*
 * test_mbox_inplace.c -- mbox changes written without a whole rewrite:
 * flags over padded storage headers, expunges as a tail rewritten
 * through a journal, a dead writer's journal finished by the next one
 * (also after a delivery appended), the journal parser, and reloads that
 * read only the storage headers of messages that did not move.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "mailbox/mailbox_int.h"
#include "tmpdir.h"

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make("test_mbox_inplace");
}

static char *
get(const char *name, size_t *len_out)
{
	return get_len(name, len_out);
}

static ino_t
ino_of(const char *name)
{
	struct stat st;

	assert_int_equal(stat(path_of(name), &st), 0);
	return st.st_ino;
}

#define THREE \
	"From alice@example.com Wed Nov 22 20:11:21 2026\n" \
	"Subject: one\n" \
	"\n" \
	"body one\n" \
	"\n" \
	"From bob@example.com Thu Nov 23 09:00:00 2026\n" \
	"Subject: two\n" \
	"\n" \
	"body two\n" \
	"\n" \
	"From carol@example.com Thu Nov 23 10:00:00 2026\n" \
	"Subject: three\n" \
	"\n" \
	"body three\n" \
	"\n"

static struct mailbox *
open_mbox(const char *name)
{
	struct mailbox *mb = open_mbox_or_fail(name);

	mb->write_flags = 1;	/* as IMAP sessions commit */
	return mb;
}

static void
commit(struct mailbox *mb)
{
	struct err err;

	err_clear(&err);
	if (mailbox_commit(mb, &err) == -1)
		fail_msg("commit: %s", err.msg);
}

static void
test_written_headers_are_padded_for_later_flags(void **state)
{
	char want[128];

	(void)state;
	put("pad", THREE);
	mailbox_free(open_mbox("pad"));
	/* dovecot's 50 spaces after X-Keywords */
	(void)snprintf(want, sizeof(want), "X-UID: 2\nStatus: O\n"
	    "X-Keywords:%50s\n\nbody two", "");
	assert_non_null(strstr(get("pad", NULL), want));
}

static void
test_store_writes_flags_in_place(void **state)
{
	struct mailbox *mb;
	size_t before, after;
	ino_t ino;

	(void)state;
	put("store", THREE);
	mailbox_free(open_mbox("store"));
	ino = ino_of("store");
	(void)get("store", &before);
	mb = open_mbox("store");
	mb->msgs[1].set_flags = MSG_FLAGGED | MSG_DELETED | MSG_SEEN;
	commit(mb);
	assert_int_equal(mb->msgs[1].flags & (MSG_FLAGGED | MSG_DELETED),
	    MSG_FLAGGED | MSG_DELETED);
	mailbox_free(mb);
	(void)get("store", &after);
	assert_int_equal(ino_of("store"), ino);
	assert_int_equal(before, after);
	assert_non_null(strstr(get("store", NULL), "X-UID: 2\nStatus: RO\n"
	    "X-Status: FD\nX-Keywords: "));
	mb = open_mbox("store");
	assert_int_equal(mb->msgs[1].flags, MSG_SEEN | MSG_OLD | MSG_FLAGGED |
	    MSG_DELETED);
	assert_int_equal(mb->msgs[0].flags, MSG_OLD);
	mailbox_free(mb);
}

static void
test_expunge_rewrites_only_the_tail(void **state)
{
	struct mailbox *mb;
	char head[512];
	size_t cut;
	ino_t ino;

	(void)state;
	put("tail", THREE);
	mailbox_free(open_mbox("tail"));
	ino = ino_of("tail");
	mb = open_mbox("tail");
	cut = (size_t)mb->msgs[1].from_off;
	assert_true(cut < sizeof(head));
	memcpy(head, get("tail", NULL), cut);
	mb->msgs[1].expunge = 1;
	mb->msgs[2].set_flags = MSG_ANSWERED;
	commit(mb);
	assert_int_equal(mb->n, 2);
	assert_int_equal(mb->msgs[1].uid, 3);
	assert_int_equal(mb->msgs[1].flags & MSG_ANSWERED, MSG_ANSWERED);
	mailbox_free(mb);
	assert_int_equal(ino_of("tail"), ino);
	assert_memory_equal(get("tail", NULL), head, cut);
	assert_null(strstr(get("tail", NULL), "Subject: two"));
	assert_non_null(strstr(get("tail", NULL), "X-UID: 3\nStatus: O\n"
	    "X-Status: A\n"));
	assert_int_equal(access(path_of(".tail.tail"), F_OK), -1);
	mb = open_mbox("tail");
	assert_int_equal(mb->n, 2);
	assert_int_equal(mb->msgs[0].uid, 1);
	assert_int_equal(mb->msgs[1].uid, 3);
	assert_int_equal(mb->uidnext, 4);
	mailbox_free(mb);
}

static void
test_first_message_expunge_moves_imapbase(void **state)
{
	struct mailbox *mb;
	uint32_t uv;

	(void)state;
	put("first", THREE);
	mb = open_mbox("first");
	uv = mb->uidvalidity;
	mb->msgs[0].expunge = 1;
	commit(mb);
	mailbox_free(mb);
	assert_null(strstr(get("first", NULL), "Subject: one"));
	mb = open_mbox("first");
	assert_int_equal(mb->uidvalidity, uv);
	assert_int_equal(mb->uidnext, 4);
	assert_int_equal(mb->msgs[0].uid, 2);
	mailbox_free(mb);
}

static void
test_new_keyword_name_reaches_imapbase(void **state)
{
	struct mailbox *mb;
	int k;

	(void)state;
	put("kw", THREE);
	mb = open_mbox("kw");
	k = mailbox_kw_index(mb, "Junk", 1);
	assert_true(k >= 0);
	mb->msgs[2].set_kw = (uint32_t)1 << k;
	commit(mb);
	mailbox_free(mb);
	assert_non_null(strstr(get("kw", NULL), " 0000000003 Junk\n"));
	mb = open_mbox("kw");
	k = mailbox_kw_index(mb, "Junk", 0);
	assert_true(k >= 0);
	assert_int_equal(mb->msgs[2].kw, (uint32_t)1 << k);
	mailbox_free(mb);
}

static void
test_headers_without_room_still_get_their_flags(void **state)
{
	struct mailbox *mb;

	(void)state;
	/* as an older writer left them: no X-Keywords padding */
	put("tight",
	    "From a@b Wed Nov 22 20:11:21 2026\n"
	    "X-IMAPbase: 100 0000000002\n"
	    "X-UID: 1\n"
	    "Status: O\n"
	    "\n"
	    "x\n"
	    "\n"
	    "From a@b Wed Nov 22 20:11:22 2026\n"
	    "X-UID: 2\n"
	    "Status: O\n"
	    "\n"
	    "y\n"
	    "\n");
	mb = open_mbox("tight");
	mb->msgs[1].set_flags = MSG_FLAGGED | MSG_ANSWERED | MSG_DRAFT;
	commit(mb);
	mailbox_free(mb);
	mb = open_mbox("tight");
	assert_int_equal(mb->uidvalidity, 100);
	assert_int_equal(mb->msgs[1].uid, 2);
	assert_int_equal(mb->msgs[1].flags, MSG_OLD | MSG_FLAGGED |
	    MSG_ANSWERED | MSG_DRAFT);
	mailbox_free(mb);
}

/* The journal of "expunge message 2 of 3", as a writer leaves it before
 * it touches the mbox; the new tail is message 3's bytes. */
static void
journal_for_expunge(const char *name, struct buf *tail, size_t *from_out,
    size_t *oldlen_out)
{
	struct mailbox *mb = open_mbox(name);
	struct mbox_journal j;
	struct stat st;
	struct err err;
	const char *text;
	size_t len;

	text = get(name, &len);
	assert_int_equal(stat(path_of(name), &st), 0);
	buf_reset(tail);
	(void)buf_add(tail, text + mb->msgs[2].from_off,
	    len - (size_t)mb->msgs[2].from_off);
	memset(&j, 0, sizeof(j));
	j.dev = (uint64_t)st.st_dev;
	j.ino = (uint64_t)st.st_ino;
	j.from = (uint64_t)mb->msgs[1].from_off;
	j.oldlen = len;
	j.newlen = j.from + tail->len;
	j.lefthash = mailbox_index_hash(text + j.newlen, len - j.newlen, 0);
	j.tail = tail->data;
	j.tail_len = tail->len;
	err_clear(&err);
	assert_int_equal(mbox_journal_write(path_of(name), -1, &j, &err), 0);
	*from_out = (size_t)j.from;
	*oldlen_out = len;
	mailbox_free(mb);
}

static void
pwrite_at(const char *name, const void *p, size_t n, size_t off)
{
	int fd = open(path_of(name), O_WRONLY);

	assert_true(fd != -1);
	assert_int_equal(pwrite(fd, p, n, (off_t)off), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

#define LATE "From late@x Fri Nov 24 10:00:00 2026\nSubject: late\n\nlate\n\n"

static void
check_recovered(const char *name)
{
	struct mailbox *mb = open_mbox(name);

	assert_int_equal(mb->n, 3);
	assert_int_equal(mb->msgs[0].uid, 1);
	assert_int_equal(mb->msgs[1].uid, 3);
	assert_int_equal(mb->msgs[2].uid, 4);
	mailbox_free(mb);
	assert_null(strstr(get(name, NULL), "Subject: two"));
	assert_non_null(strstr(get(name, NULL), "Subject: three"));
	assert_non_null(strstr(get(name, NULL), "Subject: late"));
	assert_int_equal(access(path_of(".crash1.tail"), F_OK), -1);
	assert_int_equal(access(path_of(".crash2.tail"), F_OK), -1);
}

static void
test_dead_writers_journal_is_finished_keeping_a_delivery(void **state)
{
	struct buf tail;
	size_t from, oldlen;

	(void)state;
	buf_init(&tail, 0);
	/* died half way through the tail, then mail.local appended */
	put("crash1", THREE);
	mailbox_free(open_mbox("crash1"));
	journal_for_expunge("crash1", &tail, &from, &oldlen);
	pwrite_at("crash1", tail.data, tail.len / 2, from);
	put_mode("crash1", LATE, "a");
	check_recovered("crash1");
	/* died after cutting the file, then mail.local appended */
	put("crash2", THREE);
	mailbox_free(open_mbox("crash2"));
	journal_for_expunge("crash2", &tail, &from, &oldlen);
	pwrite_at("crash2", tail.data, tail.len, from);
	assert_int_equal(truncate(path_of("crash2"), (off_t)(from +
	    tail.len)), 0);
	put_mode("crash2", LATE, "a");
	check_recovered("crash2");
	buf_free(&tail);
}

static void
test_unfinished_journal_is_dropped(void **state)
{
	struct buf tail;
	size_t from, oldlen, len;
	char before[4096];
	const char *text;
	int fd;

	(void)state;
	buf_init(&tail, 0);
	put("torn", THREE);
	mailbox_free(open_mbox("torn"));
	text = get("torn", &len);
	assert_true(len < sizeof(before));
	memcpy(before, text, len);
	journal_for_expunge("torn", &tail, &from, &oldlen);
	/* the writer died while writing the journal: the mbox is whole */
	fd = open(path_of(".torn.tail"), O_WRONLY);
	assert_true(fd != -1);
	assert_int_equal(ftruncate(fd, 60), 0);
	assert_int_equal(close(fd), 0);
	mailbox_free(open_mbox("torn"));
	assert_int_equal(access(path_of(".torn.tail"), F_OK), -1);
	assert_memory_equal(get("torn", NULL), before, len);
	buf_free(&tail);
}

static void
test_delivered_messages_get_their_uids_in_place(void **state)
{
	struct mailbox *mb;
	char head[512], *digits;
	size_t cut;
	ino_t ino;

	(void)state;
	put("deliv", THREE);
	mailbox_free(open_mbox("deliv"));
	ino = ino_of("deliv");
	cut = strlen(get("deliv", NULL));
	assert_true(cut + 1 < sizeof(head));
	memcpy(head, get("deliv", NULL), cut);
	/* as mail.local appends: no X-UID, no Status */
	put_mode("deliv", LATE, "a");
	put_mode("deliv", LATE, "a");
	mb = open_mbox("deliv");
	assert_int_equal(mb->n, 5);
	assert_int_equal(mb->msgs[3].uid, 4);
	assert_int_equal(mb->msgs[4].uid, 5);
	mailbox_free(mb);
	assert_int_equal(ino_of("deliv"), ino);
	/* only X-IMAPbase's digits changed before the new messages */
	head[cut] = '\0';
	digits = strstr(head, " 0000000003\n");
	assert_non_null(digits);
	digits[10] = '5';
	assert_memory_equal(get("deliv", NULL), head, cut);
	assert_non_null(strstr(get("deliv", NULL), "Subject: late\n"
	    "X-UID: 5\nStatus: O\nX-Keywords: "));
	mb = open_mbox("deliv");
	assert_int_equal(mb->n, 5);
	assert_int_equal(mb->msgs[4].uid, 5);
	assert_int_equal(mb->uidnext, 6);
	mailbox_free(mb);
}

/* The journal of giving the last message (LATE, appended without
 * headers) its storage headers: the tail grows. */
static void
journal_for_growth(const char *name, struct buf *tail, size_t *from_out,
    size_t *oldlen_out)
{
	struct mbox_journal j;
	struct stat st;
	struct err err;
	const char *text;
	size_t len, from;

	/* not opened: that would give LATE its headers now */
	text = get(name, &len);
	from = len - strlen(LATE);
	assert_int_equal(strcmp(text + from, LATE), 0);
	buf_reset(tail);
	(void)buf_adds(tail, "From late@x Fri Nov 24 10:00:00 2026\n"
	    "Subject: late\nX-UID: 4\nStatus: O\nX-Keywords:    \n\n"
	    "late\n\n");
	assert_int_equal(stat(path_of(name), &st), 0);
	memset(&j, 0, sizeof(j));
	j.dev = (uint64_t)st.st_dev;
	j.ino = (uint64_t)st.st_ino;
	j.from = from;
	j.oldlen = len;
	j.newlen = from + tail->len;
	j.lefthash = mailbox_index_hash(text + from, len - from, 0);
	j.tail = tail->data;
	j.tail_len = tail->len;
	err_clear(&err);
	assert_int_equal(mbox_journal_write(path_of(name), -1, &j, &err), 0);
	*from_out = from;
	*oldlen_out = len;
}

static void
check_grown(const char *name)
{
	struct mailbox *mb = open_mbox(name);

	assert_int_equal(mb->n, 5);
	assert_int_equal(mb->msgs[3].uid, 4);
	assert_int_equal(mb->msgs[4].uid, 5);
	mailbox_free(mb);
	assert_non_null(strstr(get(name, NULL), "Subject: late\nX-UID: 4\n"));
	assert_non_null(strstr(get(name, NULL), "Subject: later\n"));
}

#define LATER "From later@x Fri Nov 24 11:00:00 2026\nSubject: later\n\n" \
	"later\n\n"

static void
test_dead_writers_growing_tail_is_finished_keeping_a_delivery(void **s)
{
	struct buf tail;
	size_t from, oldlen;

	(void)s;
	buf_init(&tail, 0);
	/* died before extending the file; then a delivery */
	put("grow1", THREE);
	mailbox_free(open_mbox("grow1"));
	put_mode("grow1", LATE, "a");
	journal_for_growth("grow1", &tail, &from, &oldlen);
	put_mode("grow1", LATER, "a");
	check_grown("grow1");
	/* died half way through the tail after extending; a delivery */
	put("grow2", THREE);
	mailbox_free(open_mbox("grow2"));
	put_mode("grow2", LATE, "a");
	journal_for_growth("grow2", &tail, &from, &oldlen);
	assert_int_equal(truncate(path_of("grow2"), (off_t)(from +
	    tail.len)), 0);
	pwrite_at("grow2", tail.data, tail.len / 2, from);
	put_mode("grow2", LATER, "a");
	check_grown("grow2");
	assert_int_equal(access(path_of(".grow1.tail"), F_OK), -1);
	assert_int_equal(access(path_of(".grow2.tail"), F_OK), -1);
	buf_free(&tail);
}

static void
test_journal_parse_wants_all_of_it(void **state)
{
	struct mbox_journal j, got;
	struct buf b;
	size_t i;

	(void)state;
	memset(&j, 0, sizeof(j));
	j.dev = 2049;
	j.ino = 77;
	j.from = 100;
	j.oldlen = 300;
	j.newlen = 110;
	j.lefthash = 0x0123456789abcdefULL;
	j.tail = "From x Wed";
	j.tail_len = 10;
	buf_init(&b, 0);
	mbox_journal_format(&b, &j);
	(void)buf_add(&b, j.tail, j.tail_len);
	assert_int_equal(mbox_journal_parse(b.data, b.len, &got), 0);
	assert_int_equal(got.ino, 77);
	assert_int_equal(got.lefthash, j.lefthash);
	assert_int_equal(got.tail_len, 10);
	assert_memory_equal(got.tail, "From x Wed", 10);
	/* every shorter prefix, one byte at a time, is refused */
	for (i = 0; i < b.len; i++)
		assert_int_equal(mbox_journal_parse(b.data, i, &got), -1);
	b.data[b.len - 1] ^= 1;
	assert_int_equal(mbox_journal_parse(b.data, b.len, &got), -1);
	buf_free(&b);
}

static void
test_reload_follows_another_sessions_in_place_changes(void **state)
{
	struct mailbox *a, *b;
	struct err err;

	(void)state;
	put("two", THREE);
	a = open_mbox("two");
	b = open_mbox("two");
	a->msgs[2].set_flags = MSG_SEEN;
	commit(a);
	assert_true(mailbox_changed(b));
	err_clear(&err);
	assert_int_equal(mailbox_reload(b, &err), 0);
	assert_int_equal(b->msgs[2].flags & MSG_SEEN, MSG_SEEN);
	a->msgs[1].expunge = 1;
	commit(a);
	put_mode("two", LATE, "a");
	assert_int_equal(mailbox_reload(b, &err), 0);
	assert_int_equal(b->n, 3);
	assert_int_equal(b->msgs[1].uid, 3);
	assert_int_equal(b->msgs[1].flags & MSG_SEEN, MSG_SEEN);
	assert_int_equal(b->msgs[2].uid, 4);
	mailbox_free(a);
	mailbox_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_written_headers_are_padded_for_later_flags),
		cmocka_unit_test(test_store_writes_flags_in_place),
		cmocka_unit_test(test_expunge_rewrites_only_the_tail),
		cmocka_unit_test(test_first_message_expunge_moves_imapbase),
		cmocka_unit_test(test_new_keyword_name_reaches_imapbase),
		cmocka_unit_test(
		    test_headers_without_room_still_get_their_flags),
		cmocka_unit_test(
		    test_dead_writers_journal_is_finished_keeping_a_delivery),
		cmocka_unit_test(test_unfinished_journal_is_dropped),
		cmocka_unit_test(
		    test_delivered_messages_get_their_uids_in_place),
		cmocka_unit_test(
		    test_dead_writers_growing_tail_is_finished_keeping_a_delivery),
		cmocka_unit_test(test_journal_parse_wants_all_of_it),
		cmocka_unit_test(
		    test_reload_follows_another_sessions_in_place_changes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
