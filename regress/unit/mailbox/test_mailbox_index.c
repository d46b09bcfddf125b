/*
 * test_mailbox_index.c -- mailboxd's own index (mailboxd-index): a load
 * through it equals a parse of the mailbox; an index that matches the
 * files is used without parsing; a broken, truncated or foreign index
 * is rebuilt; an mbox that grew at its end keeps the indexed part and
 * parses the tail, a change inside it means a full parse; a Maildir
 * change means a full load; the decoder refuses every flipped byte and
 * values out of order.  Mailboxes live in a private temporary folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mailbox/mailbox_int.h"
#include "lib/xalloc.h"
#include "tmpdir.h"

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make("test_mbindex");
}

/* Waits until the file's stamps are older than the clock's tick, so the
 * index may record them. */
static void
settle(const char *name)
{
	struct mailbox_fstamp f;
	struct stat st;
	int i;

	for (i = 0; i < 300; i++) {
		assert_int_equal(stat(path_of(name), &st), 0);
		mailbox_fstamp_of(&st, &f);
		if (mailbox_fstamp_settled(&f, 1))
			return;
		(void)usleep(10000);
	}
	fail_msg("%s never settled", name);
}

#define THREE \
	"From alice@example.com Wed Nov 22 20:11:21 2026\n" \
	"Subject: one\n" \
	"X-Keywords: $Label1 work\n" \
	"\n" \
	"body one\n" \
	"\n" \
	"From bob@example.com  Thu Nov 23 09:00:00 2026\n" \
	"Subject: two\n" \
	"Status: RO\n" \
	"X-Status: AF\n" \
	"\n" \
	"body two\r\n" \
	"\n" \
	"From carol@example.com Fri Nov 24 10:00:00 2026\n" \
	"Subject: three\n" \
	"Status: O\n" \
	"\n" \
	"body three\n" \
	"\n"

#define MORE \
	"From dave@example.com Sat Nov 25 11:00:00 2026\n" \
	"Subject: four\n" \
	"\n" \
	"body four\n" \
	"\n"

static struct mailbox *
open_with(enum mailbox_format fmt, const char *name, const char *index)
{
	struct err err;
	struct mailbox *mb;

	err_clear(&err);
	mb = mailbox_open_index(fmt, path_of(name),
	    index ? path_of(index) : NULL, NULL, &err);
	if (mb == NULL)
		fail_msg("open %s: %s", name, err.msg);
	return mb;
}

/* Every field a load fills, compared. */
static void
assert_same(const struct mailbox *a, const struct mailbox *b)
{
	size_t i;

	assert_int_equal(a->uidvalidity, b->uidvalidity);
	assert_int_equal(a->uidnext, b->uidnext);
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->total_vsize, b->total_vsize);
	assert_int_equal(a->has_pseudo, b->has_pseudo);
	assert_int_equal(a->base_next_off, b->base_next_off);
	assert_int_equal(a->base_next_len, b->base_next_len);
	assert_int_equal(a->nkw, b->nkw);
	for (i = 0; i < a->nkw; i++)
		assert_string_equal(a->kw[i], b->kw[i]);
	assert_int_equal(a->imapbase_kw == NULL, b->imapbase_kw == NULL);
	if (a->imapbase_kw != NULL)
		assert_string_equal(a->imapbase_kw, b->imapbase_kw);
	for (i = 0; i < a->n; i++) {
		const struct mailbox_msg *x = &a->msgs[i], *y = &b->msgs[i];

		assert_int_equal(x->uid, y->uid);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->kw, y->kw);
		assert_int_equal(x->vsize, y->vsize);
		assert_int_equal(x->from_off, y->from_off);
		assert_int_equal(x->hdr_off, y->hdr_off);
		assert_int_equal(x->body_off, y->body_off);
		assert_int_equal(x->end_off, y->end_off);
		assert_int_equal(x->received, y->received);
		assert_int_equal(x->in_new, y->in_new);
		assert_int_equal(x->name == NULL, y->name == NULL);
		if (x->name != NULL)
			assert_string_equal(x->name, y->name);
	}
}

/* Rewrites the index with msgs[idx] carrying flag as well, keeping its
 * stamps: a load that shows the flag took the index. */
static void
plant(enum mailbox_format fmt, const char *index, size_t idx,
    unsigned flag)
{
	struct mailbox_fstamp keys[MAILBOX_NSTAMP];
	struct mailbox mb;
	uint64_t fp;

	assert_int_equal(mailbox_index_read(path_of(index), fmt, &mb, keys,
	    &fp), 0);
	assert_true(idx < mb.n);
	mb.msgs[idx].flags |= flag;
	mailbox_index_write(path_of(index), &mb, keys, fp);
	mailbox_index_parts_free(&mb);
}

/* The spool with UIDs written, indexed once. */
static struct mailbox *
indexed_spool(void)
{
	struct mailbox *mb;

	put("spool", THREE);
	mailbox_free(open_with(MAILBOX_MBOX, "spool", NULL));
	settle("spool");
	(void)unlink(path_of("index"));
	mb = open_with(MAILBOX_MBOX, "spool", "index");
	assert_int_equal(access(path_of("index"), F_OK), 0);
	return mb;
}

static void
test_index_load_equals_a_parse(void **state)
{
	struct mailbox *plain, *ix, *again;
	struct buf b;
	struct err err;

	(void)state;
	ix = indexed_spool();
	plain = open_with(MAILBOX_MBOX, "spool", NULL);
	again = open_with(MAILBOX_MBOX, "spool", "index");
	assert_int_equal(plain->n, 3);
	assert_int_equal(plain->nkw, 2);
	assert_same(plain, ix);
	assert_same(plain, again);
	/* messages read through offsets that came from the index */
	buf_init(&b, 0);
	assert_int_equal(mailbox_msg_read(again, 1, &b, &err), 0);
	assert_string_equal(b.data, "Subject: two\n\nbody two\r\n");
	buf_free(&b);
	mailbox_free(plain);
	mailbox_free(ix);
	mailbox_free(again);
}

static void
test_matching_index_is_used_without_a_parse(void **state)
{
	struct mailbox *mb;

	(void)state;
	mailbox_free(indexed_spool());
	plant(MAILBOX_MBOX, "index", 0, MSG_DRAFT);
	mb = open_with(MAILBOX_MBOX, "spool", "index");
	assert_int_equal(mb->msgs[0].flags & MSG_DRAFT, MSG_DRAFT);
	mailbox_free(mb);
	/* deleting the index loses nothing: UIDs and flags are in the mbox */
	assert_int_equal(unlink(path_of("index")), 0);
	mb = open_with(MAILBOX_MBOX, "spool", "index");
	assert_int_equal(mb->msgs[0].flags & MSG_DRAFT, 0);
	assert_int_equal(mb->msgs[1].flags & MSG_ANSWERED, MSG_ANSWERED);
	assert_int_equal(mb->msgs[2].uid, 3);
	mailbox_free(mb);
}

/* Writes bytes over the index at off (len 0: truncate there). */
static void
damage(long off, const char *bytes, size_t len)
{
	FILE *f = fopen(path_of("index"), "r+");

	assert_non_null(f);
	if (len == 0)
		assert_int_equal(ftruncate(fileno(f), off), 0);
	else {
		assert_int_equal(fseek(f, off, off < 0 ? SEEK_END : SEEK_SET),
		    0);
		assert_int_equal(fwrite(bytes, 1, len, f), len);
	}
	assert_int_equal(fclose(f), 0);
}

static void
test_corrupted_index_is_rebuilt(void **state)
{
	static const struct {
		long		 off;
		const char	*bytes;
		size_t		 len;
	} cases[] = {
		{ 0, "X", 1 },		/* magic */
		{ 8, "\x07", 1 },	/* version */
		{ 40, "\xff", 1 },	/* a stamp */
		{ 200, "\x01\x02", 2 },	/* the middle */
		{ -3, "zz", 2 },	/* the last record */
		{ 100, "", 0 },		/* torn */
		{ 0, "", 0 },		/* empty */
	};
	struct mailbox *plain, *mb, tmp;
	struct mailbox_fstamp keys[MAILBOX_NSTAMP];
	uint64_t fp;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mailbox_free(indexed_spool());
		plant(MAILBOX_MBOX, "index", 0, MSG_DRAFT);
		damage(cases[i].off, cases[i].bytes, cases[i].len);
		assert_int_equal(mailbox_index_read(path_of("index"),
		    MAILBOX_MBOX, &tmp, keys, &fp), -1);
		plain = open_with(MAILBOX_MBOX, "spool", NULL);
		mb = open_with(MAILBOX_MBOX, "spool", "index");
		assert_same(plain, mb);		/* no planted \Draft */
		/* and a sound index again */
		assert_int_equal(mailbox_index_read(path_of("index"),
		    MAILBOX_MBOX, &tmp, keys, &fp), 0);
		mailbox_index_parts_free(&tmp);
		mailbox_free(plain);
		mailbox_free(mb);
	}
	/* a Maildir index is no mbox index */
	mailbox_free(indexed_spool());
	assert_int_equal(mailbox_index_read(path_of("index"), MAILBOX_MAILDIR,
	    &tmp, keys, &fp), -1);
}

static void
test_append_parses_only_the_tail(void **state)
{
	struct mailbox *plain, *mb;
	struct err err;
	uint32_t uv, uid;

	(void)state;
	mailbox_free(indexed_spool());
	plant(MAILBOX_MBOX, "index", 0, MSG_DRAFT);
	/* APPEND: X-UID written, X-IMAPbase's digits bumped in place */
	assert_int_equal(mailbox_append(MAILBOX_MBOX, path_of("spool"), NULL,
	    "Subject: four\r\n\r\nbody four\r\n", 28, MSG_FLAGGED, NULL, 0,
	    0, &uv, &uid, &err), 0);
	assert_int_equal(uid, 4);
	mb = open_with(MAILBOX_MBOX, "spool", "index");
	plain = open_with(MAILBOX_MBOX, "spool", NULL);
	assert_int_equal(mb->n, 4);
	/* the old part came from the index, the new one from the file */
	assert_int_equal(mb->msgs[0].flags & MSG_DRAFT, MSG_DRAFT);
	mb->msgs[0].flags &= ~MSG_DRAFT;
	assert_same(plain, mb);
	assert_int_equal(mb->msgs[3].uid, 4);
	assert_int_equal(mb->uidnext, 5);
	mailbox_free(plain);
	mailbox_free(mb);
}

static void
test_delivery_without_uids_is_parsed_and_written(void **state)
{
	struct mailbox *plain, *mb;

	(void)state;
	mailbox_free(indexed_spool());
	plant(MAILBOX_MBOX, "index", 0, MSG_DRAFT);
	put_mode("spool", MORE, "a");	/* mail.local: no X-UID */
	mb = open_with(MAILBOX_MBOX, "spool", "index");
	plain = open_with(MAILBOX_MBOX, "spool", NULL);
	assert_int_equal(mb->n, 4);
	assert_int_equal(mb->msgs[3].uid, 4);
	assert_int_equal(mb->msgs[0].flags & MSG_DRAFT, 0);
	/* plain reads what the first wrote: the new UID is on disk; the
	 * first keeps the new message \Recent in memory */
	assert_int_equal(plain->msgs[3].flags, MSG_OLD);
	assert_int_equal(mb->msgs[3].flags, 0);
	mb->msgs[3].flags = MSG_OLD;
	assert_same(plain, mb);
	mailbox_free(plain);
	mailbox_free(mb);
}

static void
test_change_before_the_end_means_a_full_parse(void **state)
{
	struct mailbox *plain, *mb;
	char *text;

	(void)state;
	mailbox_free(indexed_spool());
	plant(MAILBOX_MBOX, "index", 0, MSG_DRAFT);
	/* another program marks the last message read and a delivery
	 * follows: the file grew, but not only at its end */
	plain = open_with(MAILBOX_MBOX, "spool", NULL);
	mailbox_free(plain);
	{
		FILE *f = fopen(path_of("spool"), "r");
		char buf[4096];
		size_t n;
		char *at;

		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		(void)fclose(f);
		at = strstr(buf, "Subject: three\n");
		assert_non_null(at);
		text = xmalloc(n + 64);
		(void)snprintf(text, n + 64, "%.*sSubject: three!\n%s",
		    (int)(at - buf), buf, at + strlen("Subject: three\n"));
	}
	put("spool", text);
	free(text);
	mb = open_with(MAILBOX_MBOX, "spool", "index");
	plain = open_with(MAILBOX_MBOX, "spool", NULL);
	assert_int_equal(mb->msgs[0].flags & MSG_DRAFT, 0);
	assert_same(plain, mb);
	mailbox_free(plain);
	mailbox_free(mb);
	/* grown in place, same inode: the tail check notices */
	mailbox_free(indexed_spool());
	plant(MAILBOX_MBOX, "index", 0, MSG_DRAFT);
	{
		FILE *f = fopen(path_of("spool"), "r+");
		long end;

		assert_non_null(f);
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		end = ftell(f);
		/* "body three" -> "BODY three", then a message */
		assert_int_equal(fseek(f, end - 13, SEEK_SET), 0);
		assert_int_equal(fwrite("BODY", 1, 4, f), 4);
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		assert_int_equal(fputs(MORE, f) >= 0, 1);
		assert_int_equal(fclose(f), 0);
	}
	mb = open_with(MAILBOX_MBOX, "spool", "index");
	assert_int_equal(mb->n, 4);
	assert_int_equal(mb->msgs[0].flags & MSG_DRAFT, 0);
	mailbox_free(mb);
}

static void
test_maildir_index_follows_the_folders(void **state)
{
	struct mailbox *plain, *mb;
	struct err err;
	struct stat st;

	(void)state;
	(void)mkdir(path_of("Maildir"), 0700);
	mailbox_free(open_with(MAILBOX_MAILDIR, "Maildir", NULL));
	put("Maildir/new/1700000000.M1P1.host,S=20,W=22",
	    "Subject: a\n\nbody\n");
	put("Maildir/cur/1700000001.M2P1.host:2,SF", "Subject: b\n\nxx\n");
	mailbox_free(open_with(MAILBOX_MAILDIR, "Maildir", NULL));
	settle("Maildir/new");
	settle("Maildir/cur");
	settle("Maildir/dovecot-uidlist");
	mb = open_with(MAILBOX_MAILDIR, "Maildir", "Maildir/mailboxd-index");
	plain = open_with(MAILBOX_MAILDIR, "Maildir", NULL);
	assert_same(plain, mb);
	mailbox_free(mb);
	plant(MAILBOX_MAILDIR, "Maildir/mailboxd-index", 1, MSG_DRAFT);
	mb = open_with(MAILBOX_MAILDIR, "Maildir", "Maildir/mailboxd-index");
	assert_int_equal(mb->msgs[1].flags & MSG_DRAFT, MSG_DRAFT);
	assert_string_equal(mb->msgs[1].name, "cur/1700000001.M2P1.host:2,SF");
	mailbox_free(mb);
	/* a new file: the folder changed, a full load */
	put("Maildir/new/1700000009.M9P1.host", "Subject: c\n\n");
	mb = open_with(MAILBOX_MAILDIR, "Maildir", "Maildir/mailboxd-index");
	assert_int_equal(mb->n, 3);
	assert_int_equal(mb->msgs[1].flags & MSG_DRAFT, 0);
	assert_int_equal(mb->msgs[2].uid, 3);
	/* our own renames: the reload waits out the clock tick and
	 * records them, so the next open needs no scan */
	mb->msgs[2].set_flags = MSG_SEEN | MSG_OLD;
	assert_int_equal(mailbox_commit(mb, &err), 0);
	mailbox_free(mb);
	if (stat(path_of("Maildir/cur"), &st) == 0 && st.st_mtim.tv_nsec != 0) {
		plant(MAILBOX_MAILDIR, "Maildir/mailboxd-index", 2, MSG_DRAFT);
		mb = open_with(MAILBOX_MAILDIR, "Maildir",
		    "Maildir/mailboxd-index");
		assert_int_equal(mb->msgs[2].flags, MSG_SEEN | MSG_OLD |
		    MSG_DRAFT);
		assert_string_equal(mb->msgs[2].name,
		    "cur/1700000009.M9P1.host:2,S");
		mailbox_free(mb);
	}
	mailbox_free(plain);
}

static void
test_decoder_refuses_flipped_bytes_and_disorder(void **state)
{
	struct mailbox_fstamp keys[MAILBOX_NSTAMP], got[MAILBOX_NSTAMP];
	struct mailbox *src, out;
	struct buf b;
	struct err err;
	uint64_t fp;
	size_t i;

	(void)state;
	src = indexed_spool();
	memset(keys, 0, sizeof(keys));
	keys[0].size = 10000;
	buf_init(&b, 0);
	assert_int_equal(mailbox_index_encode(src, keys, 7, &b), 0);
	memset(&out, 0, sizeof(out));
	assert_int_equal(mailbox_index_decode(b.data, b.len, MAILBOX_MBOX,
	    &out, got, &fp, &err), 0);
	assert_int_equal(fp, 7);
	assert_same(src, &out);
	mailbox_index_parts_free(&out);
	for (i = 0; i < b.len; i++) {
		b.data[i] ^= 0x20;
		memset(&out, 0, sizeof(out));
		assert_int_equal(mailbox_index_decode(b.data, b.len,
		    MAILBOX_MBOX, &out, got, &fp, &err), -1);
		assert_null(out.msgs);
		b.data[i] ^= 0x20;
	}
	/* sound checksums over unsound values */
	src->msgs[1].uid = src->msgs[0].uid;
	assert_int_equal(mailbox_index_encode(src, keys, 7, &b), 0);
	memset(&out, 0, sizeof(out));
	assert_int_equal(mailbox_index_decode(b.data, b.len, MAILBOX_MBOX,
	    &out, got, &fp, &err), -1);
	src->msgs[1].uid = src->msgs[0].uid + 1;
	keys[0].size = (uint64_t)src->msgs[2].end_off - 1;
	assert_int_equal(mailbox_index_encode(src, keys, 7, &b), 0);
	assert_int_equal(mailbox_index_decode(b.data, b.len, MAILBOX_MBOX,
	    &out, got, &fp, &err), -1);
	keys[0].size = 10000;
	src->msgs[0].kw = 1u << 5;	/* names only two keywords */
	assert_int_equal(mailbox_index_encode(src, keys, 7, &b), 0);
	assert_int_equal(mailbox_index_decode(b.data, b.len, MAILBOX_MBOX,
	    &out, got, &fp, &err), -1);
	buf_free(&b);
	mailbox_free(src);
}

static void
test_state_path_keeps_clear_of_dovecot(void **state)
{
	struct mail_location loc;
	struct buf b;
	struct err err;

	(void)state;
	assert_int_equal(mail_location_parse("mbox:~/mail:INBOX=/var/mail/%u",
	    "joe", dir, &loc, &err), 0);
	buf_init(&b, 0);
	assert_int_equal(mailbox_state_path(&loc, "/var/mail/joe", "INBOX",
	    '/', MAILBOX_INDEX_FILE, &b), 0);
	assert_string_equal(b.data, path_of("mail/.imap/INBOX/mailboxd-index"));
	assert_int_equal(mailbox_state_path(&loc, "x", "a/b", '/', "f", &b),
	    0);
	assert_string_equal(b.data, path_of("mail/.imap/a/b/f"));
	mail_location_free(&loc);
	assert_int_equal(mail_location_parse("maildir:~/Maildir", "joe", dir,
	    &loc, &err), 0);
	assert_int_equal(mailbox_state_path(&loc, "/m/.Sent", "Sent", '/',
	    MAILBOX_INDEX_FILE, &b), 0);
	assert_string_equal(b.data, "/m/.Sent/mailboxd-index");
	mail_location_free(&loc);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_load_equals_a_parse),
		cmocka_unit_test(test_matching_index_is_used_without_a_parse),
		cmocka_unit_test(test_corrupted_index_is_rebuilt),
		cmocka_unit_test(test_append_parses_only_the_tail),
		cmocka_unit_test(test_delivery_without_uids_is_parsed_and_written),
		cmocka_unit_test(test_change_before_the_end_means_a_full_parse),
		cmocka_unit_test(test_maildir_index_follows_the_folders),
		cmocka_unit_test(test_decoder_refuses_flipped_bytes_and_disorder),
		cmocka_unit_test(test_state_path_keeps_clear_of_dovecot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
