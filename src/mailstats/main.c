/*
 * main.c -- mailstats: prints the statistics file sendmail keeps
 * (StatusFile) in sendmail 8.17's layout, the one munin and cacti parse:
 *
 *   mailstats [-C cffile] [-c] [-P] [-f stfile] [-o] [-p]
 *
 * -C names the cf (default /etc/mail/sendmail.cf, -c the submit.cf) that
 * gives the mailer names and the file; -f names the file; -o leaves the
 * names out; -P is program mode (epochs, no K, no rule); -p is -P and
 * then empties the file.  Exit codes and messages are sendmail's.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "stats/stats.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_NOINPUT	66
#define EX_SOFTWARE	70
#define EX_OSERR	71
#define EX_OSFILE	72
#define EX_CONFIG	78

#define SENDMAIL_CF	"/etc/mail/sendmail.cf"
#define SUBMIT_CF	"/etc/mail/submit.cf"

static void
usage(void)
{
	(void)fputs("usage: mailstats [-C cffile] [-c] [-P] [-f stfile] "
	    "[-o] [-p]\n", stderr);
	exit(EX_USAGE);
}

static void
fail(const char *what, int code)
{
	(void)fprintf(stderr, "mailstats: %s: %s\n", what, strerror(errno));
	exit(code);
}

/* The whole cf into b; exits as mailstats does when it cannot. */
static void
read_cf(const char *path, struct buf *b)
{
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		fail(path, EX_NOINPUT);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			fail(path, EX_NOINPUT);
		if (buf_add(b, chunk, (size_t)n) == -1) {
			errno = ENOMEM;
			fail(path, EX_NOINPUT);
		}
	}
	(void)close(fd);
}

/* Up to STATS_SIZE bytes of the file; the count. */
static size_t
read_stats(int fd, const char *path, unsigned char *p)
{
	size_t got = 0;
	ssize_t n;

	while (got < STATS_SIZE) {
		n = read(fd, p + got, STATS_SIZE - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			fail(path, EX_NOINPUT);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static void
load(const char *path, struct stats *s)
{
	unsigned char p[STATS_SIZE];
	size_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), version;

	if (fd == -1)
		fail(path, EX_NOINPUT);
	n = read_stats(fd, path, p);
	if (n == 0) {
		/* being written right now, perhaps: look once more */
		(void)sleep(1);
		n = read_stats(fd, path, p);
	}
	(void)close(fd);
	switch (stats_decode(p, n, s, &version)) {
	case STATS_OK:
		return;
	case STATS_EMPTY:
		s->itime = (int64_t)time(NULL);
		return;
	case STATS_BADMAGIC:
		(void)fprintf(stderr, "mailstats: incorrect magic number in "
		    "%s\n", path);
		exit(EX_OSERR);
	case STATS_BADVERSION:
		(void)fprintf(stderr, "mailstats version (%d) incompatible "
		    "with %s version (%d)\n", STATS_VERSION, path, version);
		exit(EX_OSERR);
	case STATS_BADSIZE:
		(void)fputs("mailstats: file size changed.\n", stderr);
		exit(EX_OSERR);
	}
}

static void
print(const struct stats *s, const struct stats_cf *cf, int names,
    int progmode)
{
	int64_t t[7] = { 0 };
	time_t it = (time_t)s->itime;
	const char *k = progmode ? "" : "K";
	int i, j;

	if (progmode)
		(void)printf("%" PRId64 " %ld\n", s->itime, (long)time(NULL));
	else {
		char *c = ctime(&it);

		(void)printf("Statistics from %s", c != NULL ? c : "\n");
		(void)printf(" M   msgsfr  bytes_from   msgsto    bytes_to  "
		    "msgsrej msgsdis msgsqur%s\n", names ? "  Mailer" : "");
	}
	for (i = 0; i < STATS_MAILERS; i++) {
		const int64_t v[7] = { s->nf[i], s->bf[i], s->nt[i], s->bt[i],
		    s->nr[i], s->nd[i], s->nq[i] };

		if (!(v[0] || v[2] || v[6] || v[4] || v[5]))
			continue;
		(void)printf("%2d %8" PRId64 " %10" PRId64 "%s %8" PRId64
		    " %10" PRId64 "%s   %6" PRId64 "  %6" PRId64 "  %6" PRId64,
		    i, v[0], v[1], k, v[2], v[3], k, v[4], v[5], v[6]);
		if (names)
			(void)printf("  %s", cf->names[i]);
		(void)printf("\n");
		for (j = 0; j < 7; j++)
			t[j] += v[j];
	}
	if (!progmode)
		(void)printf("================================================"
		    "=====================\n");
	(void)printf(" T %8" PRId64 " %10" PRId64 "%s %8" PRId64 " %10"
	    PRId64 "%s   %6" PRId64 "  %6" PRId64 "  %6" PRId64 "\n",
	    t[0], t[1], k, t[2], t[3], k, t[4], t[5], t[6]);
	if (progmode)
		(void)printf(" C %8" PRId64 " %8" PRId64 " %6" PRId64 "\n",
		    s->cf, s->ct, s->cr);
	else
		(void)printf(" C %8" PRId64 " %10s  %8" PRId64 " %10s    %6"
		    PRId64 "\n", s->cf, "", s->ct, "", s->cr);
}

int
main(int argc, char **argv)
{
	const char *cfile = SENDMAIL_CF, *sfile = NULL;
	struct stats_cf cf;
	struct stats s;
	struct buf text;
	int ch, names = 1, progmode = 0, trunc = 0, fd;

	while ((ch = getopt(argc, argv, "cC:f:opP")) != -1) {
		switch (ch) {
		case 'c':
			cfile = SUBMIT_CF;
			break;
		case 'C':
			cfile = optarg;
			break;
		case 'f':
			sfile = optarg;
			break;
		case 'o':
			names = 0;
			break;
		case 'p':
			trunc = 1;
			progmode = 1;
			break;
		case 'P':
			progmode = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	buf_init(&text, 0);
	read_cf(cfile, &text);
	switch (stats_cf_scan(text.data ? text.data : "", text.len, &cf)) {
	case STATS_CF_TOOMANY:
		(void)fprintf(stderr, "Too many mailers defined, %d max.\n",
		    STATS_MAILERS);
		exit(EX_SOFTWARE);
	case STATS_CF_LONGPATH:
		(void)fprintf(stderr, "StatusFile filename too long: "
		    "%.30s...\n", cf.statusfile);
		exit(EX_CONFIG);
	case STATS_CF_OK:
		break;
	}
	buf_free(&text);
	if (sfile == NULL)
		sfile = cf.statusfile;
	if (sfile == NULL) {
		(void)fputs("mailstats: no statistics file located\n", stderr);
		exit(EX_OSFILE);
	}

	/* -p: held locked from the read to the truncation, so no count a
	 * sendmail adds in between is lost */
	fd = trunc ? open(sfile, O_RDWR | O_CLOEXEC) : -1;
	if (fd != -1)
		while (flock(fd, LOCK_EX) == -1 && errno == EINTR)
			continue;
	load(sfile, &s);
	print(&s, &cf, names, progmode);
	if (fd != -1) {
		(void)fflush(stdout);
		if (ftruncate(fd, 0) == -1)
			fail(sfile, EX_OSERR);
		(void)close(fd);
	}
	stats_cf_free(&cf);
	if (fflush(stdout) == EOF)
		return EX_OSERR;
	return EX_OK;
}
