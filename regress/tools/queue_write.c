/*
 * queue_write.c -- a driver for src/queue's writer, used by
 * regress/diff/queue_write_diff.py and for measuring it: parses a qf
 * text file (strictly), then commits it with a body file as new
 * message(s) in a queue directory and prints each queue id.
 *
 *   queue_write [-HW] [-m mode] [-p pathidx] [-n count] [-i id]
 *               [-c chunk] QUEUEDIR QFFILE DFFILE
 *
 * -H holds the queue folders open (queue_dirs_hold) as a server does;
 * -W keeps the (last) qf open and locked after the commit until stdin
 * reaches end of file, as a delivery agent in the same process would;
 * -n repeats with fresh ids and prints messages/s on stderr; -i uses
 * the given id instead of a fresh one; -c writes the body in pieces of
 * that many bytes.  Exit 0, or 75 with the writer's error.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue/queue.h"

static int
slurp(const char *path, struct buf *b)
{
	char tmp[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd == -1)
		return -1;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		if (buf_add(b, tmp, (size_t)n) == -1)
			break;
	(void)close(fd);
	return n == 0 ? 0 : -1;
}

/* Commits one message; *keep_out gets the open tx when keep_out. */
static int
one(const struct queue_dirs *d, size_t pathidx, int mode, const char *id,
    struct queue_idgen *g, const struct qf *qf, const struct buf *body,
    size_t chunk, char id_out[QUEUE_ID_MAX], struct queue_tx **keep_out,
    struct err *err)
{
	struct queue_tx *tx;
	size_t off;
	int r;

	if (id != NULL) {
		r = queue_tx_begin(&tx, d, pathidx, id, mode, err);
		if (r == 1)
			return err_set(err, ERR_CANTCREAT, "df%s exists", id);
		snprintf(id_out, QUEUE_ID_MAX, "%s", id);
	} else
		r = queue_tx_begin_new(&tx, d, pathidx, g, (long)getpid(),
		    mode, id_out, err);
	if (r != 0)
		return -1;
	for (off = 0; off < body->len; off += chunk) {
		size_t n = body->len - off < chunk ? body->len - off : chunk;

		if (queue_tx_write(tx, body->data + off, n, err) == -1) {
			queue_tx_abort(tx);
			return -1;
		}
	}
	if (queue_tx_commit(tx, qf, err) == -1) {
		queue_tx_abort(tx);
		return -1;
	}
	if (keep_out != NULL)
		*keep_out = tx;
	else
		queue_tx_close(tx);
	return 0;
}

int
main(int argc, char **argv)
{
	struct queue_dirs dirs;
	struct queue_idgen g;
	struct qf_limits lim;
	struct qf qf;
	struct buf text, body;
	struct err err;
	struct timespec t0, t1;
	char id[QUEUE_ID_MAX];
	const char *fixed = NULL;
	long count = 1, i;
	size_t pathidx = 0, chunk = 0;
	struct queue_tx *kept = NULL;
	int mode = 0640, hold = 0, wait_eof = 0, c;
	double secs;

	while ((c = getopt(argc, argv, "HWc:i:m:n:p:")) != -1) {
		switch (c) {
		case 'H':
			hold = 1;
			break;
		case 'W':
			wait_eof = 1;
			break;
		case 'c':
			chunk = strtoul(optarg, NULL, 10);
			break;
		case 'i':
			fixed = optarg;
			break;
		case 'm':
			mode = (int)strtol(optarg, NULL, 8);
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'p':
			pathidx = strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 3)
		goto usage;
	err_clear(&err);
	buf_init(&text, 0);
	buf_init(&body, 0);
	if (slurp(argv[optind + 1], &text) == -1 ||
	    slurp(argv[optind + 2], &body) == -1) {
		fprintf(stderr, "queue_write: cannot read input: %s\n",
		    strerror(errno));
		return 66;
	}
	if (chunk == 0)
		chunk = body.len ? body.len : 1;
	queue_qf_limits_default(&lim);
	if (queue_qf_parse(text.data ? text.data : "", text.len, &lim, &qf,
	    &err) != QF_OK) {
		fprintf(stderr, "queue_write: %s: %s\n", argv[optind + 1],
		    err.msg);
		return 65;
	}
	if (queue_dirs_open(argv[optind], &dirs, &err) == -1 ||
	    (hold && queue_dirs_hold(&dirs, &err) == -1)) {
		fprintf(stderr, "queue_write: %s\n", err.msg);
		return 78;
	}
	queue_id_init(&g, (unsigned)time(NULL) ^ (unsigned)getpid());
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		queue_tx_close(kept);
		kept = NULL;
		if (one(&dirs, pathidx, mode, fixed, &g, &qf, &body, chunk, id,
		    wait_eof ? &kept : NULL, &err) == -1) {
			fprintf(stderr, "queue_write: %s\n", err.msg);
			return 75;
		}
		if (count == 1)
			printf("%s\n", id);
	}
	if (kept != NULL) {
		char b[512];

		(void)fflush(stdout);
		while (read(0, b, sizeof(b)) > 0)
			;
		queue_tx_close(kept);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (count > 1)
		fprintf(stderr, "%ld messages in %.3f s: %.0f messages/s\n",
		    count, secs, (double)count / secs);
	queue_qf_free(&qf);
	queue_dirs_free(&dirs);
	buf_free(&text);
	buf_free(&body);
	return 0;
usage:
	fprintf(stderr, "usage: queue_write [-HW] [-m mode] [-p pathidx] "
	    "[-n count] [-i id] [-c chunk] QUEUEDIR QFFILE DFFILE\n");
	return 64;
}
