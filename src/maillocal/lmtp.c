/*
 * lmtp.c -- mail.local -l: LMTP (RFC 2033) on stdin and stdout with
 * mail.local's replies.  Commands are read as lines of at most 4094
 * bytes; after DATA every accepted recipient gets one reply of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "maillocal/maillocal.h"
#include "mailbox/mbox_deliver.h"
#include "lib/arr.h"
#include "lib/xalloc.h"

#define MAILER_DAEMON	"MAILER-DAEMON"

/*
 * The address inside <...> of a MAIL or RCPT argument: a source route
 * (@a,@b:) is skipped, backslashes and quoted strings are taken as they
 * stand, and for a recipient the local part ends at '+' (a detail) and
 * the domain is left out.  The closing '>' may be followed by a space
 * and parameters only.  "<>" is MAILER-DAEMON.  NULL on bad syntax.
 */
static char *
parse_path(const char *arg, int rcpt)
{
	const char *p = arg, *start;
	size_t cut = (size_t)-1;
	char *out;

	if (*p++ != '<')
		return NULL;
	while (*p == '@') {
		p += strcspn(p, ",:");
		if (*p == '\0')
			return NULL;
		p++;
	}
	start = p;
	for (; *p != '\0' && *p != '@' && *p != '>'; p++) {
		if (*p == '\\') {
			if (*++p == '\0')
				return NULL;
		} else if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++)
				if (*p == '\\' && *++p == '\0')
					return NULL;
			if (*p == '\0' || p[1] == '\0')
				return NULL;
		}
		if (*p == '+' && rcpt && cut == (size_t)-1)
			cut = (size_t)(p - start);
	}
	if (*p == '@') {
		if (rcpt && cut == (size_t)-1)
			cut = (size_t)(p - start);
		p += strcspn(p, ">");
	}
	if (*p != '>' || (p[1] != '\0' && p[1] != ' '))
		return NULL;
	if (cut == (size_t)-1)
		cut = (size_t)(p - start);
	if (cut == 0)
		return xstrdup(MAILER_DAEMON);
	out = xmalloc(cut + 1);
	memcpy(out, start, cut);
	out[cut] = '\0';
	return out;
}

struct session {
	struct ml	*ml;
	char		 host[256];
	char		*sender;
	struct strarr	 rcpts;
	int		 lhlo;
};

static void
reset(struct session *s)
{
	free(s->sender);
	s->sender = NULL;
	strarr_free(&s->rcpts);
	memset(&s->rcpts, 0, sizeof(s->rcpts));
}

static void
data(struct session *s)
{
	struct buf msg, img;
	size_t i;

	if (s->rcpts.n == 0) {
		ml_fail(s->ml, ML_PERM, "503 5.5.1", "No recipients");
		return;
	}
	printf("354 Go ahead\r\n");
	(void)fflush(stdout);
	buf_init(&msg, 0);
	buf_init(&img, 0);
	if (ml_read_message(s->ml, &msg) == -1)
		ml_exit(EX_OK);	/* the client went away: nothing delivered */
	if (mbox_format_message(&img, s->sender, time(NULL), msg.data,
	    msg.len, 0) == -1) {
		for (i = 0; i < s->rcpts.n; i++)
			ml_fail(s->ml, ML_TEMP, "451 4.3.0",
			    "Memory exhausted");
	} else
		for (i = 0; i < s->rcpts.n; i++)
			ml_deliver(s->ml, img.data, img.len, s->rcpts.v[i]);
	buf_free(&msg);
	buf_free(&img);
	reset(s);
}

static void
rcpt(struct session *s, const char *arg)
{
	char *who;

	if (s->sender == NULL) {
		ml_fail(s->ml, ML_PERM, "503 5.5.1", "Need MAIL command");
		return;
	}
	if (strncasecmp(arg, "to:", 3) != 0 ||
	    (who = parse_path(arg + 3, 1)) == NULL) {
		ml_fail(s->ml, ML_PERM, "501 5.5.4",
		    "Syntax error in parameters");
		return;
	}
	switch (ml_lookup(s->ml, who, NULL)) {
	case 0:
		strarr_push(&s->rcpts, who);
		printf("250 2.1.5 Ok\r\n");
		break;
	case EX_NOUSER:
		printf("550 5.1.1 User unknown\r\n");
		break;
	case EX_TEMPFAIL:
		printf("451 4.3.0 User database failure; retry later\r\n");
		break;
	default:
		printf("550 5.3.0 User database failure\r\n");
		break;
	}
	free(who);
}

/* One command line (CR LF taken off); 1 after QUIT. */
static int
command(struct session *s, const char *line)
{
	if (strcasecmp(line, "data") == 0)
		data(s);
	else if (strncasecmp(line, "lhlo ", 5) == 0) {
		if (s->lhlo) {
			ml_fail(s->ml, ML_PERM, "503", "%s Duplicate LHLO",
			    s->host);
			return 0;
		}
		s->lhlo = 1;
		printf("250-%s\r\n", s->host);
		if (s->ml->eightbit)
			printf("250-8BITMIME\r\n");
		printf("250-ENHANCEDSTATUSCODES\r\n250 PIPELINING\r\n");
	} else if (strncasecmp(line, "mail ", 5) == 0) {
		if (s->sender != NULL)
			ml_fail(s->ml, ML_PERM, "503 5.5.1",
			    "Nested MAIL command");
		else if (strncasecmp(line + 5, "from:", 5) != 0 ||
		    (s->sender = parse_path(line + 10, 0)) == NULL)
			ml_fail(s->ml, ML_PERM, "501 5.5.4",
			    "Syntax error in parameters");
		else
			printf("250 2.5.0 Ok\r\n");
	} else if (strncasecmp(line, "rcpt ", 5) == 0)
		rcpt(s, line + 5);
	else if (strcasecmp(line, "noop") == 0)
		printf("250 2.0.0 Ok\r\n");
	else if (strcasecmp(line, "rset") == 0) {
		printf("250 2.0.0 Ok\r\n");
		reset(s);
	} else if (strncasecmp(line, "vrfy ", 5) == 0)
		printf("252 2.3.3 Try RCPT to attempt delivery\r\n");
	else if (strcasecmp(line, "quit") == 0) {
		printf("221 2.0.0 Bye\r\n");
		return 1;
	} else
		ml_fail(s->ml, ML_PERM, "500 5.5.2", "Syntax error");
	return 0;
}

void
ml_lmtp(struct ml *ml)
{
	struct session s;
	char line[4096];

	memset(&s, 0, sizeof(s));
	s.ml = ml;
	if (gethostname(s.host, sizeof(s.host) - 1) == -1 ||
	    s.host[0] == '\0')
		(void)snprintf(s.host, sizeof(s.host), "localhost");
	printf("220 %s LMTP ready\r\n", s.host);
	for (;;) {
		size_t n;

		(void)fflush(stdout);
		if (fgets(line, sizeof(line) - 1, stdin) == NULL)
			break;
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (command(&s, line))
			break;
	}
	(void)fflush(stdout);
	reset(&s);
	ml_exit(EX_OK);
}
