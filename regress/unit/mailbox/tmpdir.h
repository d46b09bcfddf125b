/*
 * tmpdir.h -- what the mailbox unit tests share: a private temporary
 * folder per test file (made by the group setup, removed by teardown),
 * paths in it and small files written there.  Include after cmocka.h.
 */
#ifndef REGRESS_UNIT_MAILBOX_TMPDIR_H
#define REGRESS_UNIT_MAILBOX_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char dir[256];

/* /tmp/<name>.XXXXXX as dir; the group setup's result */
static inline int
tmpdir_make(const char *name)
{
	(void)snprintf(dir, sizeof(dir), "/tmp/%s.XXXXXX", name);
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static inline int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* dir/name, in one of four buffers that take turns */
static inline char *
path_of(const char *name)
{
	static char p[4][512];
	static int i;

	i = (i + 1) % 4;
	(void)snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

/* Writes text to dir/name, replacing it (mode "w") or after it ("a"). */
static inline void
put_mode(const char *name, const char *text, const char *mode)
{
	FILE *f = fopen(path_of(name), mode);

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static inline void
put(const char *name, const char *text)
{
	put_mode(name, text, "w");
}

/* dir/name's bytes (at most 64 KiB) in a static buffer, NUL-ended;
 * their count in *len_out when not NULL */
static inline char *
get_len(const char *name, size_t *len_out)
{
	static char data[1 << 16];
	FILE *f = fopen(path_of(name), "r");
	size_t n;

	assert_non_null(f);
	n = fread(data, 1, sizeof(data) - 1, f);
	data[n] = '\0';
	(void)fclose(f);
	if (len_out != NULL)
		*len_out = n;
	return data;
}

#ifdef MAILBOX_MAILBOX_H
/* dir/name opened as an mbox without an index; the test fails if not */
static inline struct mailbox *
open_mbox_or_fail(const char *name)
{
	struct err err;
	struct mailbox *mb;

	err_clear(&err);
	mb = mailbox_open(MAILBOX_MBOX, path_of(name), NULL, &err);
	if (mb == NULL)
		fail_msg("open: %s", err.msg);
	return mb;
}
#endif

#endif
