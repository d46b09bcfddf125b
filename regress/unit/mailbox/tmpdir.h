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

#endif
