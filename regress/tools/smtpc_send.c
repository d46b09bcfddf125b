/*
 * smtpc_send.c -- a driver for src/deliver's SMTP client, used by
 * regress/proto/test_smtpc.py: hands one message to the hosts given
 * and prints each result as one JSON line.
 *
 *   smtpc_send [-v] [-H helo] [-p port] [-b bindaddr] [-f sender]
 *              [-s size] [-8] [-B bodytype] [-E envid] [-R FULL|HDRS]
 *              [-L linelimit] [-F flags] [-t name=secs,...] [-n count]
 *              [-c cachesize] [-k maxmsgs] [-m msgfile]
 *              host[,host...] rcpt[;notify[;orcpt]]...
 *
 * The message is msgfile (read through msg_fd, reopened for each
 * delivery) or stdin (read whole, then given through msg_read).  -n
 * delivers it count times through one connection cache of -c entries
 * (default 1 when count > 1).  -F letters: e ESMTP, 8 8BIT_OK,
 * k NO_LOOPCHECK, P NO_PIPELINING.  -v prints the transcript on stderr.
 * Exit: the last status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/smtpc.h"
#include "lib/arr.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "smtp/smtp.h"

struct mem {
	const char	*p;
	size_t		 len, off;
};

static ssize_t
mem_read(void *arg, char *buf, size_t n)
{
	struct mem *m = arg;

	/* small pieces, so lines cross read boundaries */
	if (n > 7)
		n = 7;
	if (n > m->len - m->off)
		n = m->len - m->off;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static void
xscript(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%s\n", line);
}

static void
json_str(const char *key, const char *s, int comma)
{
	const unsigned char *p;

	printf("\"%s\": ", key);
	if (s == NULL) {
		printf("null%s", comma ? ", " : "");
		return;
	}
	putchar('"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	printf("\"%s", comma ? ", " : "");
}

static void
print_result(const struct smtpc_result *res, const struct smtpc_params *p)
{
	size_t i;

	printf("{\"status\": %d, ", res->status);
	json_str("dsn", res->dsn, 1);
	json_str("stat", res->stat, 1);
	json_str("reply", res->reply, 1);
	json_str("msg", res->msg, 1);
	json_str("host", res->host, 1);
	json_str("addr", res->addr, 1);
	printf("\"maxsize\": %llu, \"flags\": %u, \"rcpts\": [",
	    res->maxsize, res->flags);
	for (i = 0; i < res->nrcpts; i++) {
		printf("%s{", i ? ", " : "");
		json_str("addr", p->rcpts[i].addr, 1);
		printf("\"status\": %d, \"code\": %d, ", res->rcpts[i].status,
		    res->rcpts[i].code);
		json_str("dsn", res->rcpts[i].dsn, 1);
		json_str("reply", res->rcpts[i].reply, 1);
		json_str("stat", res->rcpts[i].stat, 0);
		putchar('}');
	}
	printf("]}\n");
	fflush(stdout);
}

static int
set_timeout(struct smtpc_timeouts *t, const char *spec)
{
	static const char *names[] = { "connect", "initial", "helo", "mail",
	    "rcpt", "datainit", "datablock", "datafinal", "rset", "quit" };
	int *v[] = { &t->connect, &t->initial, &t->helo, &t->mail, &t->rcpt,
	    &t->datainit, &t->datablock, &t->datafinal, &t->rset, &t->quit };
	struct strarr parts = { 0 };
	size_t i, j, n;
	long secs;
	char *eq;
	int rc = 0;

	str_split(spec, ",", &parts);
	for (i = 0; i < parts.n && rc == 0; i++) {
		rc = -1;
		if ((eq = strchr(parts.v[i], '=')) == NULL)
			break;
		*eq = '\0';
		n = sizeof(names) / sizeof(names[0]);
		for (j = 0; j < n; j++)
			if (strcmp(names[j], parts.v[i]) == 0 &&
			    str_to_long(eq + 1, &secs) == 0) {
				*v[j] = (int)secs;
				rc = 0;
			}
	}
	strarr_free(&parts);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: smtpc_send [-v] [-H helo] [-p port] "
	    "[-b bind] [-f sender] [-s size] [-8] [-B body] [-E envid] "
	    "[-R FULL|HDRS] [-L limit] [-F flags] [-t name=secs,...] "
	    "[-n count] [-c cache] [-k maxmsgs] [-m msgfile] hosts rcpt...\n");
	exit(64);
}

static void
slurp_stdin(struct buf *b)
{
	char tmp[65536];
	ssize_t n;

	while ((n = read(0, tmp, sizeof(tmp))) > 0)
		if (buf_add(b, tmp, (size_t)n) == -1)
			break;
}

int
main(int argc, char **argv)
{
	struct smtpc_params p;
	struct smtpc_result res;
	struct smtpc_cache *cache = NULL;
	struct strarr hosts = { 0 };
	struct smtpc_rcpt *rcpts;
	struct buf msg;
	struct mem m;
	const char *msgfile = NULL, *f;
	long count = 1, csize = -1, maxmsgs = 0, l;
	int ch, status = 0, i, n;
	unsigned notify;

	memset(&p, 0, sizeof(p));
	p.helo_name = "client.example.test";
	p.sender = "sender@example.test";
	p.msg_fd = -1;
	while ((ch = getopt(argc, argv, "vH:p:b:f:s:8B:E:R:L:F:t:n:c:k:m:"))
	    != -1) {
		switch (ch) {
		case 'v':
			p.xscript = xscript;
			break;
		case 'H':
			p.helo_name = optarg;
			break;
		case 'p':
			if (str_to_long(optarg, &l) == -1)
				usage();
			p.port = (int)l;
			break;
		case 'b':
			p.bind_addr = optarg;
			break;
		case 'f':
			p.sender = optarg;
			break;
		case 's':
			if (str_to_long(optarg, &l) == -1)
				usage();
			p.msg_size = (unsigned long long)l;
			break;
		case '8':
			p.body_8bit = 1;
			break;
		case 'B':
			p.body_type = optarg;
			break;
		case 'E':
			p.envid = optarg;
			break;
		case 'R':
			p.ret = strcmp(optarg, "HDRS") == 0 ? SMTPC_RET_HDRS :
			    SMTPC_RET_FULL;
			break;
		case 'L':
			if (str_to_long(optarg, &l) == -1)
				usage();
			p.line_limit = (size_t)l;
			break;
		case 'F':
			for (f = optarg; *f != '\0'; f++)
				p.flags |= *f == 'e' ? SMTPC_F_ESMTP :
				    *f == '8' ? SMTPC_F_8BIT_OK :
				    *f == 'k' ? SMTPC_F_NO_LOOPCHECK :
				    *f == 'P' ? SMTPC_F_NO_PIPELINING : 0;
			break;
		case 't':
			if (set_timeout(&p.to, optarg) == -1)
				usage();
			break;
		case 'n':
			if (str_to_long(optarg, &count) == -1 || count < 1)
				usage();
			break;
		case 'c':
			if (str_to_long(optarg, &csize) == -1)
				usage();
			break;
		case 'k':
			if (str_to_long(optarg, &maxmsgs) == -1)
				usage();
			break;
		case 'm':
			msgfile = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	/* -8 alone: the BODY= a caller would send with such a message */
	if (p.body_8bit && p.body_type == NULL)
		p.body_type = "8BITMIME";
	if (argc < 2)
		usage();
	str_split(argv[0], ",", &hosts);
	p.hosts = (const char *const *)hosts.v;
	rcpts = xcalloc((size_t)argc, sizeof(*rcpts));
	for (i = 1; i < argc; i++) {
		/* keep empty fields: split by hand */
		rcpts[i - 1].addr = argv[i];
		if ((f = strchr(argv[i], ';')) == NULL)
			continue;
		argv[i][f - argv[i]] = '\0';
		f++;
		if (*f != ';' && *f != '\0') {
			char *e = strchr(f, ';');

			if (e != NULL)
				*e = '\0';
			if (smtp_notify_parse(f, &notify) == -1)
				usage();
			rcpts[i - 1].notify = notify;
			f = e != NULL ? e + 1 : NULL;
		} else
			f = *f == ';' ? f + 1 : NULL;
		if (f != NULL && *f != '\0')
			rcpts[i - 1].orcpt = f;
	}
	p.rcpts = rcpts;
	p.nrcpts = (size_t)argc - 1;
	buf_init(&msg, 0);
	if (msgfile == NULL)
		slurp_stdin(&msg);
	if (csize < 0)
		csize = count > 1 ? 1 : 0;
	if (csize > 0)
		cache = smtpc_cache_new((size_t)csize, 300,
		    (unsigned)maxmsgs);
	for (n = 0; n < count; n++) {
		if (msgfile != NULL) {
			if ((p.msg_fd = open(msgfile, O_RDONLY)) == -1) {
				perror(msgfile);
				return 66;
			}
		} else {
			m.p = buf_cstr(&msg);
			m.len = msg.len;
			m.off = 0;
			p.msg_read = mem_read;
			p.msg_arg = &m;
		}
		status = smtpc_deliver(&p, cache, &res);
		print_result(&res, &p);
		smtpc_result_free(&res);
		if (p.msg_fd != -1)
			(void)close(p.msg_fd);
		p.msg_fd = -1;
	}
	smtpc_cache_free(cache);
	strarr_free(&hosts);
	buf_free(&msg);
	free(rcpts);
	return status;
}
