/*
 * test_queue_remote.c -- the privileged queue writer (queue_remote.c)
 * in a child process over a socket pair: a message committed through it
 * is the df the client wrote and the qf text it sent, byte for byte,
 * with the writer's mode; an existing df answers 1; abort and a refused
 * qf (a controlling user, an alias flag, a df elsewhere) leave nothing;
 * the writer acts only on the df of the client's current message;
 * request headers with a bad op, path, queue id or length are refused
 * by the parser; the writer ends when the client closes its end.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

static const char qf_head[] =
    "V8\n"
    "T1795374094\n"
    "K0\n"
    "N0\n"
    "P30024\n"
    "F8s\n"
    "$_root@localhost\n"
    "Ssender@example.com\n";
static const char qf_tail[] =
    "H??Subject: test\n"
    ".\n";

#define ID	"6AMJ1Yhs015956"
#define BODY	"hello\nworld\n"

static char top[256];
static pid_t writer;
static struct queue_dirs cd;	/* the client's, remote */

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");
	char q[300];
	struct err err;
	int sv[2];

	(void)state;
	(void)snprintf(top, sizeof(top), "%s/qremote.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	(void)umask(022);
	if (mkdtemp(top) == NULL)
		return -1;
	(void)snprintf(q, sizeof(q), "%s/q", top);
	if (mkdir(q, 0700) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	writer = fork();
	if (writer == 0) {
		struct queue_dirs sd;

		(void)close(sv[0]);
		if (queue_dirs_open(q, &sd, &err) == -1 ||
		    queue_dirs_hold(&sd, &err) == -1)
			_exit(2);
		_exit(queue_remote_serve(&sd, sv[1], 0640, NULL) == 0 ? 0 : 1);
	}
	(void)close(sv[1]);
	if (writer == -1 || queue_dirs_open(q, &cd, &err) == -1)
		return -1;
	queue_dirs_remote(&cd, sv[0]);
	return 0;
}

/* Closes the client's end; the writer's exit status. */
static int
stop_writer(void)
{
	int st;

	if (cd.remote_fd != -1)
		(void)close(cd.remote_fd);
	cd.remote_fd = -1;
	if (waitpid(writer, &st, 0) != writer || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	(void)stop_writer();
	queue_dirs_free(&cd);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

/* The bytes of q/name (NUL-terminated) and its mode, or NULL. */
static char *
slurp(const char *name, mode_t *mode_out)
{
	char p[512], *data = calloc(1, 65536);
	struct stat st;
	FILE *f;
	size_t n;

	(void)snprintf(p, sizeof(p), "%s/q/%s", top, name);
	assert_non_null(data);
	if (stat(p, &st) == -1 || (f = fopen(p, "r")) == NULL) {
		free(data);
		return NULL;
	}
	n = fread(data, 1, 65535, f);
	assert_int_equal(n, (size_t)st.st_size);
	(void)fclose(f);
	*mode_out = st.st_mode & 07777;
	return data;
}

static int
entries(void)
{
	char p[512];
	DIR *dp;
	struct dirent *de;
	int n = 0;

	(void)snprintf(p, sizeof(p), "%s/q", top);
	dp = opendir(p);
	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	(void)closedir(dp);
	return n;
}

/* The qf text with rcpts between head and tail, parsed into qf. */
static void
make_qf(const char *rcpts, struct qf *qf, char *text, size_t size)
{
	struct qf_limits lim;
	struct err err;

	(void)snprintf(text, size, "%s%s%s", qf_head, rcpts, qf_tail);
	queue_qf_limits_default(&lim);
	assert_int_equal(queue_qf_parse(text, strlen(text), &lim, qf, &err),
	    QF_OK);
}

static void
test_commit_writes_what_the_client_sent(void **state)
{
	struct queue_tx *tx;
	struct err err;
	struct qf qf;
	struct buf want;
	char text[1024], *got;
	mode_t mode;

	(void)state;
	make_qf("RPFD:bob@example.com\n", &qf, text, sizeof(text));
	assert_int_equal(queue_tx_begin(&tx, &cd, 0, ID, 0600, &err), 0);
	assert_int_equal(queue_tx_write(tx, BODY, strlen(BODY), &err), 0);
	assert_int_equal(queue_tx_commit(tx, &qf, &err), 0);
	queue_tx_close(tx);
	got = slurp("df" ID, &mode);
	assert_non_null(got);
	assert_string_equal(got, BODY);
	assert_int_equal(mode, 0640);	/* the writer's, not the client's */
	free(got);
	buf_init(&want, 0);
	assert_int_equal(queue_qf_format(&qf, &want, &err), 0);
	got = slurp("qf" ID, &mode);
	assert_non_null(got);
	assert_int_equal(strlen(got), want.len);
	assert_memory_equal(got, want.data, want.len);
	free(got);
	buf_free(&want);
	assert_int_equal(entries(), 2);		/* no tf left */
	queue_qf_free(&qf);
	assert_int_equal(stop_writer(), 0);
}

static void
test_existing_df_answers_1(void **state)
{
	struct queue_tx *tx;
	struct err err;
	char p[512];
	int fd;

	(void)state;
	(void)snprintf(p, sizeof(p), "%s/q/df%s", top, ID);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	(void)close(fd);
	assert_int_equal(queue_tx_begin(&tx, &cd, 0, ID, 0600, &err), 1);
	assert_null(tx);
}

static void
test_abort_leaves_nothing(void **state)
{
	struct queue_tx *tx;
	struct err err;

	(void)state;
	assert_int_equal(queue_tx_begin(&tx, &cd, 0, ID, 0600, &err), 0);
	assert_int_equal(queue_tx_write(tx, BODY, strlen(BODY), &err), 0);
	assert_int_equal(queue_tx_flush(tx, &err), 0);
	assert_int_equal(entries(), 1);
	queue_tx_abort(tx);
	assert_int_equal(entries(), 0);
}

static void
refused(const char *rcpts)
{
	struct queue_tx *tx;
	struct err err;
	struct qf qf;
	char text[1024];

	make_qf(rcpts, &qf, text, sizeof(text));
	assert_int_equal(queue_tx_begin(&tx, &cd, 0, ID, 0600, &err), 0);
	assert_int_equal(queue_tx_write(tx, BODY, strlen(BODY), &err), 0);
	assert_int_equal(queue_tx_commit(tx, &qf, &err), -1);
	assert_non_null(strstr(err.msg, "queue writer"));
	queue_tx_abort(tx);
	queue_qf_free(&qf);
	assert_int_equal(entries(), 0);
}

static void
test_trusted_records_are_refused(void **state)
{
	(void)state;
	refused("Croot\nRPFD:|/bin/sh -c x\n");
	refused("RPA:bob@example.com\n");
	refused("RPY:bob@example.com\n");
	refused("d/tmp\nRPFD:bob@example.com\n");
	/* an empty C line (no controlling user) is fine */
	{
		struct queue_tx *tx;
		struct err err;
		struct qf qf;
		char text[1024];

		make_qf("C\nRPFD:bob@example.com\n", &qf, text, sizeof(text));
		assert_int_equal(queue_tx_begin(&tx, &cd, 0, ID, 0600, &err),
		    0);
		assert_int_equal(queue_tx_commit(tx, &qf, &err), 0);
		queue_tx_close(tx);
		queue_qf_free(&qf);
		assert_int_equal(entries(), 2);
	}
}

static void
test_only_the_current_message_is_acted_on(void **state)
{
	struct queue_tx *tx, *tx2;
	struct err err;

	(void)state;
	assert_int_equal(queue_tx_begin(&tx, &cd, 0, ID, 0600, &err), 0);
	queue_tx_close(tx);		/* neither committed nor aborted */
	/* the next message: the writer forgets (removes) the first df */
	assert_int_equal(queue_tx_begin(&tx2, &cd, 0, "6AMJ1Yhs015957", 0600,
	    &err), 0);
	assert_int_equal(entries(), 1);
	/* a qf of the first message is no longer its to remove */
	assert_int_equal(queue_remove(&cd, 0, ID, &err), -1);
	queue_tx_abort(tx2);
	assert_int_equal(entries(), 0);
}

static void
test_parser_refuses_bad_headers(void **state)
{
	unsigned char b[16 + 2 * QUEUE_ID_MAX];
	struct queue_remote_req q;
	struct err err;
	uint32_t v[4];

	(void)state;
	memset(b, 0, sizeof(b));
	v[0] = QR_CREATE;
	v[1] = 0;
	v[2] = 0;
	v[3] = 0;
	memcpy(b, v, sizeof(v));
	memcpy(b + 16, ID, strlen(ID));
	assert_int_equal(queue_remote_req_parse(b, sizeof(b), 1, &q, &err), 0);
	assert_string_equal(q.id, ID);
	assert_int_equal(queue_remote_req_parse(b, sizeof(b) - 1, 1, &q,
	    &err), -1);
	/* path out of range */
	assert_int_equal(queue_remote_req_parse(b, sizeof(b), 0, &q, &err),
	    -1);
	/* an id with a slash or dots */
	memcpy(b + 16, "../../etc/x", 11);
	assert_int_equal(queue_remote_req_parse(b, sizeof(b), 1, &q, &err),
	    -1);
	/* an unterminated id */
	memset(b + 16, 'A', QUEUE_ID_MAX);
	assert_int_equal(queue_remote_req_parse(b, sizeof(b), 1, &q, &err),
	    -1);
	memset(b + 16, 0, QUEUE_ID_MAX);
	memcpy(b + 16, ID, strlen(ID));
	/* data where none belongs, a qf without bytes or too large */
	v[3] = 1;
	memcpy(b, v, sizeof(v));
	assert_int_equal(queue_remote_req_parse(b, sizeof(b), 1, &q, &err),
	    -1);
	v[0] = QR_COMMIT;
	v[3] = 0;
	memcpy(b, v, sizeof(v));
	assert_int_equal(queue_remote_req_parse(b, sizeof(b), 1, &q, &err),
	    -1);
	v[3] = QR_QF_MAX + 1;
	memcpy(b, v, sizeof(v));
	assert_int_equal(queue_remote_req_parse(b, sizeof(b), 1, &q, &err),
	    -1);
	v[0] = QR_NOPS;
	v[3] = 0;
	memcpy(b, v, sizeof(v));
	assert_int_equal(queue_remote_req_parse(b, sizeof(b), 1, &q, &err),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_commit_writes_what_the_client_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_df_answers_1,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_leaves_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_trusted_records_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_only_the_current_message_is_acted_on, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_parser_refuses_bad_headers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
