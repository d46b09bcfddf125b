/*
 * testfilter.c -- a mail filter over Debian's libmilter for the milter
 * tests (built by the test with gcc -lmilter into its tmp folder).
 * What it does at each step comes from the command line, one word per
 * action, "stage:action[:arg...]":
 *
 *   connect|helo|mail|rcpt|data|header|eoh|body|eom|unknown
 *     : continue | accept | reject | tempfail | discard | skip
 *     : reply:CODE:XCODE:LINE[:LINE...]   (smfi_setmlreply)
 *     : progress:N   (N progress reports a second apart, then continue)
 *     : sleep:N      (seconds, before answering)
 *     : exit         (the process ends: the MTA sees the socket close)
 *     : if:TEXT      (the following actions of this stage only when the
 *                     step's argument contains TEXT; "if:" ends it)
 *   eom only (before the final answer):
 *     addhdr:NAME:VALUE  chghdr:NAME:INDEX:VALUE  inshdr:INDEX:NAME:VALUE
 *     addrcpt:ADDR  addrcptpar:ADDR:ARGS  delrcpt:ADDR  chgfrom:ADDR[:ARGS]
 *     replbody:TEXT (\n in TEXT is a line break)  quarantine:REASON
 *
 * Options: -p SOCKET (libmilter's conn spec), -l LOGFILE (every step
 * the filter sees, one line each), -m STAGE=MACROS (smfi_setsymlist),
 * -P HEX (the protocol steps to ask for, of those offered).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static char **acts;
static int nacts;
static FILE *logf;
static unsigned long want_pflags;
static int have_pflags;
static char *symlist[8];

static void
logline(const char *fmt, const char *a, const char *b)
{
	if (logf == NULL)
		return;
	fprintf(logf, fmt, a ? a : "", b ? b : "");
	fputc('\n', logf);
	fflush(logf);
}

/* field i (from 0) of "a:b:c" into out; the last field takes the rest */
static int
field(const char *s, int i, int last, char *out, size_t size)
{
	const char *p = s, *e;
	size_t n;

	while (i-- > 0) {
		if ((p = strchr(p, ':')) == NULL)
			return -1;
		p++;
	}
	e = last ? p + strlen(p) : p + strcspn(p, ":");
	n = (size_t)(e - p);
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static void
unescape(char *s)
{
	char *d = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*d++ = '\r';
			*d++ = '\n';
			s++;
		} else
			*d++ = *s;
	}
	*d = '\0';
}

static void
eom_action(SMFICTX *ctx, const char *a)
{
	char x[4096], y[4096], z[4096];

	if (strncmp(a, "addhdr:", 7) == 0) {
		field(a, 1, 0, x, sizeof(x));
		field(a, 2, 1, y, sizeof(y));
		smfi_addheader(ctx, x, y);
	} else if (strncmp(a, "chghdr:", 7) == 0) {
		field(a, 1, 0, x, sizeof(x));
		field(a, 2, 0, z, sizeof(z));
		field(a, 3, 1, y, sizeof(y));
		smfi_chgheader(ctx, x, atoi(z), y[0] ? y : NULL);
	} else if (strncmp(a, "inshdr:", 7) == 0) {
		field(a, 1, 0, z, sizeof(z));
		field(a, 2, 0, x, sizeof(x));
		field(a, 3, 1, y, sizeof(y));
		smfi_insheader(ctx, atoi(z), x, y);
	} else if (strncmp(a, "addrcpt:", 8) == 0) {
		field(a, 1, 1, x, sizeof(x));
		smfi_addrcpt(ctx, x);
	} else if (strncmp(a, "addrcptpar:", 11) == 0) {
		field(a, 1, 0, x, sizeof(x));
		field(a, 2, 1, y, sizeof(y));
		smfi_addrcpt_par(ctx, x, y);
	} else if (strncmp(a, "delrcpt:", 8) == 0) {
		field(a, 1, 1, x, sizeof(x));
		smfi_delrcpt(ctx, x);
	} else if (strncmp(a, "chgfrom:", 8) == 0) {
		field(a, 1, 0, x, sizeof(x));
		if (field(a, 2, 1, y, sizeof(y)) == 0)
			smfi_chgfrom(ctx, x, y);
		else
			smfi_chgfrom(ctx, x, NULL);
	} else if (strncmp(a, "replbody:", 9) == 0) {
		field(a, 1, 1, x, sizeof(x));
		unescape(x);
		smfi_replacebody(ctx, (unsigned char *)x, (int)strlen(x));
	} else if (strncmp(a, "quarantine:", 11) == 0) {
		field(a, 1, 1, x, sizeof(x));
		smfi_quarantine(ctx, x);
	}
}

/* The answer at stage for the step's argument arg. */
static sfsistat
run(SMFICTX *ctx, const char *stage, const char *arg)
{
	size_t n = strlen(stage);
	int i, on = 1;
	char x[4096], c[16], e[16], l[5][512];

	for (i = 0; i < nacts; i++) {
		const char *a = acts[i];

		if (strncmp(a, stage, n) != 0 || a[n] != ':')
			continue;
		a += n + 1;
		if (strncmp(a, "if:", 3) == 0) {
			on = a[3] == '\0' || (arg != NULL &&
			    strstr(arg, a + 3) != NULL);
			continue;
		}
		if (!on)
			continue;
		if (strcmp(a, "continue") == 0)
			return SMFIS_CONTINUE;
		if (strcmp(a, "accept") == 0)
			return SMFIS_ACCEPT;
		if (strcmp(a, "reject") == 0)
			return SMFIS_REJECT;
		if (strcmp(a, "tempfail") == 0)
			return SMFIS_TEMPFAIL;
		if (strcmp(a, "discard") == 0)
			return SMFIS_DISCARD;
		if (strcmp(a, "skip") == 0)
			return SMFIS_SKIP;
		if (strcmp(a, "exit") == 0)
			_exit(0);
		if (strncmp(a, "sleep:", 6) == 0) {
			sleep((unsigned)atoi(a + 6));
			continue;
		}
		if (strncmp(a, "progress:", 9) == 0) {
			int k;

			for (k = atoi(a + 9); k > 0; k--) {
				sleep(1);
				smfi_progress(ctx);
			}
			continue;
		}
		if (strncmp(a, "reply:", 6) == 0) {
			int k;

			field(a, 1, 0, c, sizeof(c));
			field(a, 2, 0, e, sizeof(e));
			for (k = 0; k < 5; k++)
				if (field(a, 3 + k, 0, l[k], sizeof(l[k])) != 0)
					break;
			if (k <= 1)
				smfi_setreply(ctx, c, e, k ? l[0] : NULL);
			else
				smfi_setmlreply(ctx, c, e, l[0], l[1],
				    k > 2 ? l[2] : NULL, k > 3 ? l[3] : NULL,
				    NULL);
			/* libmilter sends the code with the matching verdict */
			return c[0] == '5' ? SMFIS_REJECT : SMFIS_TEMPFAIL;
		}
		(void)snprintf(x, sizeof(x), "%s", a);
		eom_action(ctx, x);
	}
	return SMFIS_CONTINUE;
}

static void
log_macros(SMFICTX *ctx, const char *stage)
{
	static const char *names[] = { "j", "_", "{daemon_name}", "i",
	    "{mail_addr}", "{rcpt_addr}", "{msg_id}", "{if_addr}", NULL };
	char *v;
	int i;

	for (i = 0; names[i] != NULL; i++)
		if ((v = smfi_getsymval(ctx, (char *)names[i])) != NULL) {
			if (logf != NULL)
				fprintf(logf, "macro %s %s=%s\n", stage,
				    names[i], v);
		}
	if (logf != NULL)
		fflush(logf);
}

static sfsistat
t_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	logline("connect %s%s", host, NULL);
	log_macros(ctx, "connect");
	return run(ctx, "connect", host);
}

static sfsistat
t_helo(SMFICTX *ctx, char *helo)
{
	logline("helo %s%s", helo, NULL);
	return run(ctx, "helo", helo);
}

/* MAIL and RCPT: the words joined, logged, then the stage's actions. */
static sfsistat
envelope(SMFICTX *ctx, const char *stage, char **argv)
{
	char all[4096] = "";
	int i;

	for (i = 0; argv[i] != NULL; i++) {
		strncat(all, i ? " " : "", sizeof(all) - strlen(all) - 1);
		strncat(all, argv[i], sizeof(all) - strlen(all) - 1);
	}
	if (logf != NULL)
		fprintf(logf, "%s %s\n", stage, all);
	log_macros(ctx, stage);
	return run(ctx, stage, all);
}

static sfsistat
t_mail(SMFICTX *ctx, char **argv)
{
	return envelope(ctx, "mail", argv);
}

static sfsistat
t_rcpt(SMFICTX *ctx, char **argv)
{
	return envelope(ctx, "rcpt", argv);
}

static sfsistat
t_data(SMFICTX *ctx)
{
	logline("data%s%s", NULL, NULL);
	return run(ctx, "data", NULL);
}

static sfsistat
t_unknown(SMFICTX *ctx, const char *cmd)
{
	logline("unknown %s%s", cmd, NULL);
	return run(ctx, "unknown", cmd);
}

static sfsistat
t_header(SMFICTX *ctx, char *name, char *value)
{
	if (logf != NULL)
		fprintf(logf, "header %s: %s\n", name, value);
	return run(ctx, "header", name);
}

static sfsistat
t_eoh(SMFICTX *ctx)
{
	logline("eoh%s%s", NULL, NULL);
	return run(ctx, "eoh", NULL);
}

static sfsistat
t_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	size_t i;

	if (logf != NULL) {
		fprintf(logf, "body %zu ", n);
		for (i = 0; i < n; i++)
			fprintf(logf, p[i] == '\r' ? "\\r" : p[i] == '\n' ?
			    "\\n" : "%c", p[i]);
		fputc('\n', logf);
		fflush(logf);
	}
	return run(ctx, "body", NULL);
}

static sfsistat
t_eom(SMFICTX *ctx)
{
	logline("eom%s%s", NULL, NULL);
	log_macros(ctx, "eom");
	return run(ctx, "eom", NULL);
}

static sfsistat
t_abort(SMFICTX *ctx)
{
	logline("abort%s%s", NULL, NULL);
	return SMFIS_CONTINUE;
}

static sfsistat
t_close(SMFICTX *ctx)
{
	logline("close%s%s", NULL, NULL);
	return SMFIS_CONTINUE;
}

static sfsistat
t_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	int i;

	for (i = 0; i < 8; i++)
		if (symlist[i] != NULL)
			smfi_setsymlist(ctx, i, symlist[i]);
	if (!have_pflags)
		return SMFIS_ALL_OPTS;
	*pf0 = f0;
	*pf1 = f1 & want_pflags;
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc d;
	const char *sock = NULL;
	int c;

	while ((c = getopt(argc, argv, "p:l:m:P:")) != -1) {
		switch (c) {
		case 'p':
			sock = optarg;
			break;
		case 'l':
			logf = fopen(optarg, "a");
			break;
		case 'm':
			if (optarg[0] >= '0' && optarg[0] <= '7' &&
			    optarg[1] == '=')
				symlist[optarg[0] - '0'] = optarg + 2;
			break;
		case 'P':
			want_pflags = strtoul(optarg, NULL, 16);
			have_pflags = 1;
			break;
		default:
			return 64;
		}
	}
	acts = argv + optind;
	nacts = argc - optind;
	memset(&d, 0, sizeof(d));
	d.xxfi_name = "testfilter";
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY |
	    SMFIF_ADDRCPT | SMFIF_ADDRCPT_PAR | SMFIF_DELRCPT |
	    SMFIF_QUARANTINE | SMFIF_CHGFROM | SMFIF_SETSYMLIST;
	d.xxfi_connect = t_connect;
	d.xxfi_helo = t_helo;
	d.xxfi_envfrom = t_mail;
	d.xxfi_envrcpt = t_rcpt;
	d.xxfi_header = t_header;
	d.xxfi_eoh = t_eoh;
	d.xxfi_body = t_body;
	d.xxfi_eom = t_eom;
	d.xxfi_abort = t_abort;
	d.xxfi_close = t_close;
	d.xxfi_unknown = t_unknown;
	d.xxfi_data = t_data;
	d.xxfi_negotiate = t_negotiate;
	if (sock == NULL || smfi_setconn((char *)sock) == MI_FAILURE ||
	    smfi_register(d) == MI_FAILURE || smfi_opensocket(1) ==
	    MI_FAILURE) {
		fprintf(stderr, "testfilter: cannot set up %s\n", sock);
		return 71;
	}
	printf("ready\n");
	fflush(stdout);
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
