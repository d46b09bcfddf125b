/*
 * test_queue_write.c -- the queue writer: a committed message is a df
 * with the body and a locked qf with queue_qf_format's text, in the
 * flat and the qf/ df/ layouts, with the given mode; an existing df id
 * answers 1; abort and every injected failure (file size limit, a tf
 * held by another process, a tf name taken by a folder) leave no file
 * behind, and queue_tx_failure says which file and call failed; folders held open serve many messages; a qf rewrite and a
 * removal do what delivery needs.
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "queue/queue.h"

static const char qf_text[] =
    "V8\n"
    "T1795374094\n"
    "K0\n"
    "N0\n"
    "P30024\n"
    "B8BITMIME\n"
    "F8dns\n"
    "$_root@localhost\n"
    "${daemon_flags}c u\n"
    "Ssender@example.com\n"
    "Zmyenvid123\n"
    "Asender@example.com\n"
    "Qrfc822;orig@example.com\n"
    "RPNSD:joe@example.com\n"
    "RPFD:bob@example.com\n"
    "H?P?Return-Path: <\201g>\n"
    "H??Received: (from root@localhost)\n"
    "\tby vm.example.test id 6AMJ1Yhs015956\n"
    "H??Subject: test\n"
    ".\n";

#define ID	"6AMJ1Yhs015956"

static char top[256];

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	(void)snprintf(top, sizeof(top), "%s/qwrite.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	(void)umask(022);
	return mkdtemp(top) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void
mkd(const char *rel)
{
	char p[512];

	(void)snprintf(p, sizeof(p), "%s/%s", top, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void
open_dirs(const char *rel, struct queue_dirs *d)
{
	struct err err;
	char p[512];

	(void)snprintf(p, sizeof(p), "%s/%s", top, rel);
	assert_int_equal(queue_dirs_open(p, d, &err), 0);
}

static void
parse(struct qf *qf)
{
	struct qf_limits lim;
	struct err err;

	queue_qf_limits_default(&lim);
	assert_int_equal(queue_qf_parse(qf_text, sizeof(qf_text) - 1, &lim, qf,
	    &err), QF_OK);
}

/* The file's bytes (NUL-terminated), or NULL if it does not exist. */
static char *
slurp(const char *rel, size_t *len_out, mode_t *mode_out)
{
	char p[512];
	struct stat st;
	char *data;
	ssize_t n;
	int fd;

	(void)snprintf(p, sizeof(p), "%s/%s", top, rel);
	if ((fd = open(p, O_RDONLY)) == -1)
		return NULL;
	assert_int_equal(fstat(fd, &st), 0);
	data = malloc((size_t)st.st_size + 1);
	assert_non_null(data);
	n = read(fd, data, (size_t)st.st_size);
	assert_int_equal(n, st.st_size);
	data[n] = '\0';
	(void)close(fd);
	if (len_out != NULL)
		*len_out = (size_t)n;
	if (mode_out != NULL)
		*mode_out = st.st_mode & 07777;
	return data;
}

/* Creates the file rel (mode 0600) and returns it open for writing. */
static int
create(const char *rel)
{
	char p[512];
	int fd;

	(void)snprintf(p, sizeof(p), "%s/%s", top, rel);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	return fd;
}

static int
exists(const char *rel)
{
	char p[512];
	struct stat st;

	(void)snprintf(p, sizeof(p), "%s/%s", top, rel);
	return lstat(p, &st) == 0;
}

/* Number of entries of a folder, "." and ".." not counted. */
static int
entries(const char *rel)
{
	char p[512];
	DIR *dp;
	struct dirent *de;
	int n = 0;

	(void)snprintf(p, sizeof(p), "%s/%s", top, rel);
	dp = opendir(p);
	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	(void)closedir(dp);
	return n;
}

/*
 * Whether another process sees the file locked: 1 by flock, 2 by
 * fcntl, 3 both (a child asks, so our own fcntl lock is visible).
 */
static int
locked_by_other(const char *rel)
{
	char p[512];
	pid_t pid;
	int st;

	(void)snprintf(p, sizeof(p), "%s/%s", top, rel);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		struct flock fl;
		int fd = open(p, O_RDONLY), r = 0;

		if (fd == -1)
			_exit(100);
		if (flock(fd, LOCK_SH | LOCK_NB) == -1 &&
		    errno == EWOULDBLOCK)
			r |= 1;
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
			r |= 2;
		_exit(r);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
expect_qf(const char *rel, const struct qf *qf)
{
	struct buf want;
	struct err err;
	char *got;
	size_t len;

	buf_init(&want, 0);
	assert_int_equal(queue_qf_format(qf, &want, &err), 0);
	got = slurp(rel, &len, NULL);
	assert_non_null(got);
	assert_int_equal(len, want.len);
	assert_memory_equal(got, want.data, len);
	free(got);
	buf_free(&want);
}

/* Commits body as ID in queue rel (path 0); returns the open tx. */
static struct queue_tx *
commit(const char *rel, const char *body, size_t len, size_t chunk,
    int mode)
{
	struct queue_dirs d;
	struct queue_tx *tx;
	struct qf qf;
	struct err err;
	size_t off;

	open_dirs(rel, &d);
	parse(&qf);
	assert_int_equal(queue_tx_begin(&tx, &d, 0, ID, mode, &err), 0);
	assert_string_equal(queue_tx_id(tx), ID);
	for (off = 0; off < len; off += chunk)
		assert_int_equal(queue_tx_write(tx, body + off,
		    len - off < chunk ? len - off : chunk, &err), 0);
	assert_int_equal(queue_tx_size(tx), len);
	assert_int_equal(queue_tx_qf_fd(tx), -1);
	if (queue_tx_commit(tx, &qf, &err) != 0)
		fail_msg("commit: %s", err.msg);
	assert_true(queue_tx_qf_fd(tx) >= 0);
	queue_qf_free(&qf);
	queue_dirs_free(&d);
	return tx;
}

static void
test_commit_flat_writes_df_and_locked_qf(void **state)
{
	static const char body[] = "Hello\n\nworld\n";
	struct queue_tx *tx;
	struct qf qf;
	char *df;
	size_t len;
	mode_t mode;

	(void)state;
	mkd("q");
	tx = commit("q", body, sizeof(body) - 1, 3, 0640);
	assert_false(queue_tx_8bit(tx));
	/*
	 * both kinds of lock, as Debian's and CentOS's sendmail test; asked
	 * first, as this process's reads below drop its fcntl lock
	 */
	assert_int_equal(locked_by_other("q/qf" ID), 3);
	df = slurp("q/df" ID, &len, &mode);
	assert_non_null(df);
	assert_int_equal(len, sizeof(body) - 1);
	assert_memory_equal(df, body, len);
	assert_int_equal(mode, 0640);
	free(df);
	parse(&qf);
	expect_qf("q/qf" ID, &qf);
	queue_qf_free(&qf);
	free(slurp("q/qf" ID, NULL, &mode));
	assert_int_equal(mode, 0640);
	assert_false(exists("q/tf" ID));
	assert_int_equal(entries("q"), 2);
	assert_int_equal(locked_by_other("q/qf" ID), 1);
	queue_tx_close(tx);
	assert_int_equal(locked_by_other("q/qf" ID), 0);
	assert_int_equal(entries("q"), 2);
}

static void
test_commit_subdirectories_put_qf_and_df_apart(void **state)
{
	static const char body[] = "in sub\n";
	struct queue_tx *tx;
	struct queue_dirs d;
	struct buf p;
	char *df, want[600];

	(void)state;
	mkd("s");
	mkd("s/qf");
	mkd("s/df");
	tx = commit("s", body, sizeof(body) - 1, 100, 0640);
	queue_tx_close(tx);
	assert_true(exists("s/qf/qf" ID));
	assert_true(exists("s/df/df" ID));
	assert_int_equal(entries("s"), 2);
	assert_int_equal(entries("s/qf"), 1);
	df = slurp("s/df/df" ID, NULL, NULL);
	assert_string_equal(df, body);
	free(df);
	open_dirs("s", &d);
	buf_init(&p, 0);
	queue_dirs_path(&d, 0, 'x', &p);
	(void)snprintf(want, sizeof(want), "%s/s", top);
	assert_string_equal(buf_cstr(&p), want);
	buf_free(&p);
	queue_dirs_free(&d);
}

static void
test_commit_only_qf_subdirectory(void **state)
{
	struct queue_tx *tx;

	(void)state;
	mkd("o");
	mkd("o/qf");
	tx = commit("o", "x\n", 2, 2, 0640);
	queue_tx_close(tx);
	assert_true(exists("o/qf/qf" ID));
	assert_true(exists("o/df" ID));
}

static void
test_commit_multi_queue_second_path(void **state)
{
	struct queue_dirs d;
	struct queue_tx *tx;
	struct qf qf;
	struct err err;
	char p[512];
	size_t i;

	(void)state;
	mkd("mq");
	mkd("mq/q1");
	mkd("mq/q2");
	mkd("mq/q2/qf");
	mkd("mq/q2/df");
	(void)snprintf(p, sizeof(p), "%s/mq/q*", top);
	assert_int_equal(queue_dirs_open(p, &d, &err), 0);
	for (i = 0; i < d.npaths; i++)
		if (strcmp(d.paths[i].name, "q2") == 0)
			break;
	assert_true(i < d.npaths);
	parse(&qf);
	assert_int_equal(queue_tx_begin(&tx, &d, i, ID, 0640, &err), 0);
	assert_int_equal(queue_tx_write(tx, "b\n", 2, &err), 0);
	assert_int_equal(queue_tx_commit(tx, &qf, &err), 0);
	queue_tx_close(tx);
	assert_true(exists("mq/q2/qf/qf" ID));
	assert_true(exists("mq/q2/df/df" ID));
	assert_int_equal(entries("mq/q1"), 0);
	assert_int_equal(queue_tx_begin(&tx, &d, d.npaths, ID, 0640, &err),
	    -1);
	queue_qf_free(&qf);
	queue_dirs_free(&d);
}

/* Open file descriptors of this process. */
static int
open_fds(void)
{
	DIR *dp = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		n += de->d_name[0] != '.';
	(void)closedir(dp);
	return n - 1;		/* the DIR's own */
}

static void
test_held_folders_serve_every_message(void **state)
{
	static const char *const layouts[] = { "hf", "hs" };
	struct queue_dirs d;
	struct queue_tx *tx;
	struct qf qf;
	struct err err;
	char id[32];
	int before, i, k;

	(void)state;
	mkd("hf");
	mkd("hs");
	mkd("hs/qf");
	mkd("hs/df");
	parse(&qf);
	for (k = 0; k < 2; k++) {
		before = open_fds();
		open_dirs(layouts[k], &d);
		assert_int_equal(queue_dirs_hold(&d, &err), 0);
		assert_int_equal(queue_dirs_hold(&d, &err), 0);
		/* one folder, or the qf/ and df/ ones */
		assert_int_equal(open_fds(), before + 1 + k);
		for (i = 0; i < 3; i++) {
			(void)snprintf(id, sizeof(id), "%s%d", ID, i);
			assert_int_equal(queue_tx_begin(&tx, &d, 0, id, 0640,
			    &err), 0);
			assert_int_equal(queue_tx_write(tx, "b\n", 2, &err), 0);
			assert_int_equal(queue_tx_commit(tx, &qf, &err), 0);
			queue_tx_close(tx);
		}
		assert_int_equal(queue_tx_begin(&tx, &d, 0, ID "9", 0640,
		    &err), 0);
		queue_tx_abort(tx);
		assert_int_equal(open_fds(), before + 1 + k);
		queue_dirs_free(&d);
		assert_int_equal(open_fds(), before);
	}
	assert_int_equal(entries("hf"), 6);
	assert_int_equal(entries("hs/qf"), 3);
	assert_int_equal(entries("hs/df"), 3);
	queue_qf_free(&qf);
}

static void
test_mode_is_taken_as_given(void **state)
{
	struct queue_tx *tx;
	mode_t mode, old = umask(0);

	(void)state;
	mkd("m");
	tx = commit("m", "x\n", 2, 2, 0660);
	queue_tx_close(tx);
	(void)umask(old);
	free(slurp("m/df" ID, NULL, &mode));
	assert_int_equal(mode, 0660);
	free(slurp("m/qf" ID, NULL, &mode));
	assert_int_equal(mode, 0660);
}

static void
test_large_body_in_pieces_and_8bit(void **state)
{
	size_t len = 300 * 1024, i;
	char *body = malloc(len), *df;
	struct queue_tx *tx;
	size_t got;
	size_t chunks[] = { 1000, 70 * 1024, 200 * 1024 };
	char rel[32];

	(void)state;
	assert_non_null(body);
	for (i = 0; i < len; i++)
		body[i] = (char)('a' + i % 26);
	body[len - 10] = (char)0x81;
	for (i = 0; i < 3; i++) {
		(void)snprintf(rel, sizeof(rel), "big%zu", i);
		mkd(rel);
		tx = commit(rel, body, len, chunks[i], 0640);
		assert_true(queue_tx_8bit(tx));
		queue_tx_close(tx);
		(void)snprintf(rel, sizeof(rel), "big%zu/df" ID, i);
		df = slurp(rel, &got, NULL);
		assert_int_equal(got, len);
		assert_memory_equal(df, body, len);
		free(df);
	}
	free(body);
}

static void
test_existing_df_answers_1(void **state)
{
	struct queue_dirs d;
	struct queue_tx *tx = (struct queue_tx *)&tx;
	struct err err;
	int fd;

	(void)state;
	mkd("e");
	fd = create("e/df" ID);
	assert_int_equal(write(fd, "old", 3), 3);
	(void)close(fd);
	open_dirs("e", &d);
	assert_int_equal(queue_tx_begin(&tx, &d, 0, ID, 0640, &err), 1);
	assert_null(tx);
	/* untouched */
	{
		char *old = slurp("e/df" ID, NULL, NULL);

		assert_string_equal(old, "old");
		free(old);
	}
	assert_int_equal(entries("e"), 1);
	queue_dirs_free(&d);
}

static void
test_begin_new_skips_taken_ids(void **state)
{
	struct queue_dirs d;
	struct queue_idgen g, peek;
	struct queue_tx *tx;
	struct err err;
	char id[QUEUE_ID_MAX], taken[QUEUE_ID_MAX], p[64];

	(void)state;
	mkd("n");
	queue_id_init(&g, 7);
	peek = g;
	assert_int_equal(queue_id_next(&peek, time(NULL), (long)getpid(),
	    taken), 0);
	(void)snprintf(p, sizeof(p), "n/df%s", taken);
	(void)close(create(p));
	open_dirs("n", &d);
	assert_int_equal(queue_tx_begin_new(&tx, &d, 0, &g, (long)getpid(),
	    0640, id, &err), 0);
	assert_string_not_equal(id, taken);
	assert_string_equal(queue_tx_id(tx), id);
	queue_tx_abort(tx);
	assert_int_equal(entries("n"), 1);
	queue_dirs_free(&d);
}

static void
test_abort_leaves_nothing(void **state)
{
	struct queue_dirs d;
	struct queue_tx *tx;
	struct err err;
	char big[100000];

	(void)state;
	memset(big, 'x', sizeof(big));
	mkd("a");
	open_dirs("a", &d);
	assert_int_equal(queue_tx_begin(&tx, &d, 0, ID, 0640, &err), 0);
	assert_int_equal(queue_tx_write(tx, big, sizeof(big), &err), 0);
	assert_int_equal(entries("a"), 1);
	queue_tx_abort(tx);
	assert_int_equal(entries("a"), 0);
	queue_tx_abort(NULL);
	queue_tx_close(NULL);
	queue_dirs_free(&d);
}

/*
 * Commits with RLIMIT_FSIZE at limit (SIGXFSZ ignored): must fail, and
 * queue_tx_failure must name the file (kind) and say whether the body
 * had reached the df before (written).
 */
static void
commit_over_limit(const char *rel, size_t bodylen, rlim_t limit,
    const char *what, int kind, int written)
{
	struct queue_dirs d;
	struct queue_tx *tx;
	struct qf qf;
	struct err err;
	struct rlimit old, rl;
	char *body = malloc(bodylen);
	void (*osig)(int);
	const char *call = NULL;
	int in_commit = 0, e = 0, w = -1;

	assert_non_null(body);
	memset(body, 'b', bodylen);
	mkd(rel);
	open_dirs(rel, &d);
	parse(&qf);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	osig = signal(SIGXFSZ, SIG_IGN);
	rl = old;
	rl.rlim_cur = limit;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
	assert_int_equal(queue_tx_begin(&tx, &d, 0, ID, 0640, &err), 0);
	assert_int_equal(queue_tx_failure(tx, &call, &e, &w), 0);
	if (queue_tx_write(tx, body, bodylen, &err) == 0) {
		in_commit = 1;
		assert_int_equal(queue_tx_commit(tx, &qf, &err), -1);
	}
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	(void)signal(SIGXFSZ, osig);
	assert_int_equal(err.kind, ERR_TEMPFAIL);
	assert_non_null(strstr(err.msg, strerror(EFBIG)));
	assert_non_null(strstr(err.msg, what));
	assert_int_equal(queue_tx_failure(tx, &call, &e, &w), kind);
	assert_string_equal(call, "cannot write");
	assert_int_equal(e, EFBIG);
	assert_int_equal(w, written);
	/* after a failed commit a second one is refused */
	if (in_commit)
		assert_int_equal(queue_tx_commit(tx, &qf, &err), -1);
	queue_tx_abort(tx);
	assert_int_equal(entries(rel), 0);
	queue_qf_free(&qf);
	queue_dirs_free(&d);
	free(body);
}

static void
test_df_write_failure_leaves_nothing(void **state)
{
	(void)state;
	/* at commit (the body fits the buffer) and while writing */
	commit_over_limit("f1", 5000, 1000, "df" ID, 'd', 0);
	commit_over_limit("f2", 200000, 1000, "df" ID, 'd', 1);
}

static void
test_qf_write_failure_leaves_nothing(void **state)
{
	(void)state;
	/* the body fits under the limit, the qf text does not */
	commit_over_limit("f3", 100, 200, "tf" ID, 't', 0);
}

static void
test_tf_held_by_another_process_fails_cleanly(void **state)
{
	struct queue_dirs d;
	struct queue_tx *tx;
	struct qf qf;
	struct err err;
	int fd;

	(void)state;
	mkd("h");
	fd = create("h/tf" ID);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	open_dirs("h", &d);
	parse(&qf);
	assert_int_equal(queue_tx_begin(&tx, &d, 0, ID, 0640, &err), 0);
	assert_int_equal(queue_tx_write(tx, "x", 1, &err), 0);
	assert_int_equal(queue_tx_commit(tx, &qf, &err), -1);
	assert_int_equal(err.kind, ERR_TEMPFAIL);
	queue_tx_abort(tx);
	/* only the other process's tf */
	assert_int_equal(entries("h"), 1);
	assert_true(exists("h/tf" ID));
	(void)close(fd);

	/* unlocked, it is a crash's leftover and is replaced */
	assert_int_equal(queue_tx_begin(&tx, &d, 0, ID, 0640, &err), 0);
	assert_int_equal(queue_tx_commit(tx, &qf, &err), 0);
	queue_tx_close(tx);
	assert_int_equal(entries("h"), 2);
	assert_true(exists("h/qf" ID));
	queue_qf_free(&qf);
	queue_dirs_free(&d);
}

static void
test_tf_name_taken_by_folder_fails_cleanly(void **state)
{
	struct queue_dirs d;
	struct queue_tx *tx;
	struct qf qf;
	struct err err;

	(void)state;
	mkd("t");
	mkd("t/tf" ID);
	mkd("t/tf" ID "/x");
	open_dirs("t", &d);
	parse(&qf);
	assert_int_equal(queue_tx_begin(&tx, &d, 0, ID, 0640, &err), 0);
	assert_int_equal(queue_tx_commit(tx, &qf, &err), -1);
	assert_non_null(strstr(err.msg, "tf" ID));
	queue_tx_abort(tx);
	assert_int_equal(entries("t"), 1);
	queue_qf_free(&qf);
	queue_dirs_free(&d);
}

static void
test_rewrite_replaces_qf_and_hands_over_lock(void **state)
{
	struct queue_dirs d;
	struct queue_tx *tx;
	struct qf qf;
	struct err err;
	mode_t mode;
	int fd;

	(void)state;
	mkd("r");
	mkd("r/qf");
	tx = commit("r", "body\n", 5, 5, 0640);
	open_dirs("r", &d);
	parse(&qf);
	qf.ntries = 1;
	qf.dtime = 1795374200;
	free(qf.message);
	qf.message = strdup("Deferred: Connection refused");
	assert_int_equal(queue_qf_rewrite(&d, 0, ID, &qf, &fd, &err), 0);
	queue_tx_close(tx);
	assert_int_equal(locked_by_other("r/qf/qf" ID), 3);
	expect_qf("r/qf/qf" ID, &qf);
	assert_false(exists("r/qf/tf" ID));
	free(slurp("r/qf/qf" ID, NULL, &mode));
	assert_int_equal(mode, 0640);
	(void)close(fd);
	assert_int_equal(locked_by_other("r/qf/qf" ID), 0);
	assert_int_equal(queue_qf_rewrite(&d, 0, "bad/id", &qf, &fd, &err),
	    -1);
	queue_qf_free(&qf);
	queue_dirs_free(&d);
}

static void
test_remove_takes_qf_df_and_xf(void **state)
{
	struct queue_dirs d;
	struct queue_tx *tx;
	struct err err;

	(void)state;
	mkd("x");
	mkd("x/qf");
	mkd("x/df");
	mkd("x/xf");
	tx = commit("x", "body\n", 5, 5, 0640);
	(void)close(create("x/xf/xf" ID));
	open_dirs("x", &d);
	assert_int_equal(queue_remove(&d, 0, ID, &err), 0);
	queue_tx_close(tx);
	assert_int_equal(entries("x/qf"), 0);
	assert_int_equal(entries("x/df"), 0);
	assert_int_equal(entries("x/xf"), 0);
	/* already gone: fine */
	assert_int_equal(queue_remove(&d, 0, ID, &err), 0);
	queue_dirs_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_commit_flat_writes_df_and_locked_qf, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_commit_subdirectories_put_qf_and_df_apart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_commit_only_qf_subdirectory, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_commit_multi_queue_second_path, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_held_folders_serve_every_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_is_taken_as_given,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_large_body_in_pieces_and_8bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_df_answers_1,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_begin_new_skips_taken_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_leaves_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_df_write_failure_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_qf_write_failure_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tf_held_by_another_process_fails_cleanly, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_tf_name_taken_by_folder_fails_cleanly, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_rewrite_replaces_qf_and_hands_over_lock, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_remove_takes_qf_df_and_xf, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
