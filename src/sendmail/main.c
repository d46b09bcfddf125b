/*
 * main.c -- the sendmail front end: flags in (sendmail's getopt string
 * and invocation names), the configuration read, the mode run, an exit
 * status out.  Modes live in src/cf (-bt, -bv); the daemon, queue and
 * delivery modes come with their own folders.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "msg/msg.h"
#include "cf/cf.h"
#include "cf/version.h"
#include "queue/queue.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "modes.h"
#include "stats/stats.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_UNAVAILABLE	69
#define EX_OSFILE	72
#define EX_NOPERM	77
#define EX_CONFIG	78

#define DEFAULT_CF	"/etc/mail/sendmail.cf"
#define SUBMIT_CF	"/etc/mail/submit.cf"	/* the MSP's, if present */

static const char compiled_with[] =
	" Compiled with: DNSMAP LOG MAP_REGEX NAMED_BIND NETINET NETINET6\n"
	"\t\tNETUNIX NEWDB=5.3 PIPELINING SCANF SOCKETMAP USERDB\n";

struct opts {
	const char	*argv0;
	int		 usage_errors;	/* said on stdout; exit 64 */
	int		 have_from;	/* -f / -r seen */
	int		 have_ret;	/* -R seen */
	int		 debug_seen;	/* a -d came first (for -D) */
	int		 quarantine;	/* -Q given */
	int		 mode;		/* the letter after -b */
	const char	*cffile;
	const char	*tag;		/* -L */
	int		 verbose;
	int		 debug01;	/* -d0.1 or more */
	int		 debug04;	/* -d0.4: how the host name was found */
	struct {
		char	*name_value;
		int	 shortname;	/* for -o */
	}		 setopts[64];
	int		 nsetopts;
	char		*macros[64];	/* -M "xvalue" / "{name}value" */
	int		 nmacros;
	char		*qargs[64];	/* -q values: filters for -bp */
	int		 nqargs;
	struct submit_opts sub;		/* -t -i -f -F -N -R -V -B -A -p */
	int		 cf_given;	/* -C */
	int		 noalias;	/* -n */
};

static void
usage_illegal(const struct opts *o, int c)
{
	(void)fprintf(stderr, "%s: illegal option -- %c\n", o->argv0, c);
	exit(EX_USAGE);
}

/* A usage problem: said at once, the run ends with 64 (see main). */
static void
usage_error(struct opts *o, const char *msg, const char *arg)
{
	if (arg != NULL)
		(void)printf("%s (%s)\n", msg, arg);
	else
		(void)printf("%s\n", msg);
	o->usage_errors++;
}

/* -N never | success,failure,delay */
static int
dsn_notify_ok(const char *v)
{
	char *copy = strdup(v), *w, *save = NULL;
	int ok = copy != NULL;

	if (ok && str_casecmp(copy, "never") == 0) {
		free(copy);
		return 1;
	}
	for (w = ok ? strtok_r(copy, ",", &save) : NULL; w != NULL;
	    w = strtok_r(NULL, ",", &save))
		if (str_casecmp(w, "success") != 0 &&
		    str_casecmp(w, "failure") != 0 &&
		    str_casecmp(w, "delay") != 0)
			ok = 0;
	free(copy);
	return ok;
}

/* -d list: only 0.N (version and identity) changes our output yet */
static void
debug_flags(struct opts *o, const char *arg)
{
	const char *p = arg;
	char *end;
	long cat, lvl;

	while (*p != '\0') {
		cat = strtol(p, &end, 10);
		if (end == p)
			return;
		lvl = 1;
		if (*end == '-')
			(void)strtol(end + 1, &end, 10);
		if (*end == '.')
			lvl = strtol(end + 1, &end, 10);
		if (cat == 0 && lvl >= 1)
			o->debug01 = 1;
		if (cat == 0 && lvl >= 4)
			o->debug04 = 1;
		p = *end == ',' ? end + 1 : end;
		if (*end != ',')
			return;
	}
}

static void
parse_args(struct opts *o, int argc, char **argv, int *optind_out)
{
	int c;

	opterr = 0;
	while ((c = getopt(argc, argv,
	    "A:B:b:C:cD:d:e:F:f:Gh:IiL:M:mN:nO:o:p:Q:q:R:r:sTtUV:vX:")) !=
	    -1) {
		switch (c) {
		case 'b':
			if (optarg[0] == '\0' || optarg[1] != '\0' ||
			    strchr("mastvCdDhHiIpPOsz", optarg[0]) == NULL) {
				(void)printf("Invalid operation mode %c\n",
				    optarg[0]);
				exit(EX_USAGE);
			}
			o->mode = optarg[0];
			break;
		case 'C':
			o->cffile = optarg;
			o->cf_given = 1;
			break;
		case 'A':
			if (strcmp(optarg, "c") != 0 && strcmp(optarg, "m")
			    != 0)
				usage_error(o, "Invalid -A argument", optarg);
			o->sub.use_cf = optarg[0];
			break;
		case 't':
			o->sub.tflag = 1;
			break;
		case 'i':
			o->sub.iflag = 1;
			break;
		case 'F':
			o->sub.fullname = optarg;
			break;
		case 'V':
			o->sub.envid = optarg;
			break;
		case 'B':
			o->sub.bodytype = optarg;
			break;
		case 'p':
			o->sub.proto = optarg;
			break;
		case 'd':
			debug_flags(o, optarg);
			o->debug_seen = 1;
			break;
		case 'D':
			if (o->debug_seen)
				usage_error(o, "-D file must be before -d",
				    NULL);
			break;
		case 'f':
		case 'r':
			if (o->have_from++)
				usage_error(o, "More than one \"from\" person",
				    NULL);
			o->sub.from = optarg;
			break;
		case 'h':
			if (!isdigit((unsigned char)optarg[0]) ||
			    strspn(optarg, "0123456789") != strlen(optarg))
				usage_error(o, "Bad hop count", optarg);
			break;
		case 'N':
			if (!dsn_notify_ok(optarg))
				usage_error(o, "Invalid -N argument", NULL);
			o->sub.notify = optarg;
			break;
		case 'R':
			if (o->have_ret++)
				usage_error(o, "Duplicate -R flag", NULL);
			else if (str_casecmp(optarg, "hdrs") != 0 &&
			    str_casecmp(optarg, "full") != 0)
				usage_error(o, "Invalid -R value", NULL);
			o->sub.ret = optarg;
			break;
		case 'Q':
			if (strcmp(optarg, ".") == 0)
				usage_error(o, "Can not use -Q.", NULL);
			o->quarantine = 1;
			break;
		case 'L':
			o->tag = optarg;
			break;
		case 'O':
			if (o->nsetopts < 64) {
				o->setopts[o->nsetopts].name_value = optarg;
				o->setopts[o->nsetopts++].shortname = 0;
			}
			break;
		case 'o':
			if (o->nsetopts < 64) {
				o->setopts[o->nsetopts].name_value = optarg;
				o->setopts[o->nsetopts++].shortname = 1;
			}
			break;
		case 'M':
			if (o->nmacros < 64)
				o->macros[o->nmacros++] = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'm':	/* the old spelling of -om */
			if (o->nsetopts < 64) {
				o->setopts[o->nsetopts].name_value = "m";
				o->setopts[o->nsetopts++].shortname = 1;
			}
			break;
		case 'n':
			o->noalias = 1;
			break;
		case 'q':
			if (o->nqargs < 64)
				o->qargs[o->nqargs++] = optarg;
			break;
		case '?':
			usage_illegal(o, optopt);
			break;
		default:
			/* accepted; used by modes that arrive later */
			break;
		}
	}
	*optind_out = optind;
}

/*
 * The interval of a -q value: "1h", "30m", "p" (persistent: a run
 * each second), "p5m"; 0 for a one-time run or a filter ("", "f",
 * "Rhost", "I1234").
 */
static long
queue_interval(const char *q)
{
	long t;

	if (*q == 'p')
		return q[1] == '\0' ? 1 : (t = cf_time_value(q + 1, 'm')) >
		    0 ? t : 1;
	if (*q < '0' || *q > '9')
		return 0;
	t = cf_time_value(q, 'm');
	return t > 0 ? t : 0;
}

static void
apply_command_line(struct cf *cf, struct opts *o)
{
	int i;

	if (o->noalias)
		cf_set_noalias(cf, 1);
	for (i = 0; i < o->nsetopts; i++) {
		const char *nv = o->setopts[i].name_value;

		/* MeToo from the command line goes with the message */
		if (o->setopts[i].shortname ? nv[0] == 'm' :
		    str_ncasecmp(nv, "MeToo", 5) == 0 && (nv[5] == '\0' ||
		    nv[5] == '=' || nv[5] == ' '))
			o->sub.metoo_given = 1;
		if (o->setopts[i].shortname)
			(void)cf_option_short(cf,
			    (unsigned char)o->setopts[i].name_value[0],
			    o->setopts[i].name_value + 1);
		else
			(void)cf_option_set(cf, o->setopts[i].name_value);
	}
	for (i = 0; i < o->nmacros; i++) {
		const char *m = o->macros[i];
		char name[256];
		const char *val;

		if (m[0] == '{') {
			const char *close = strchr(m, '}');

			if (close == NULL || (size_t)(close - m) >=
			    sizeof(name))
				continue;
			memcpy(name, m, (size_t)(close - m) + 1);
			name[close - m + 1] = '\0';
			val = close + 1;
		} else {
			name[0] = m[0];
			name[1] = '\0';
			val = m[0] ? m + 1 : m;
		}
		cf_macro_define(cf, name, val);
	}
}

/* sendmail works from the queue directory; it must be reachable */
static int
queue_chdir(struct cf *cf)
{
	const char *q = cf_option_value(cf, "QueueDirectory");

	if (q == NULL || chdir(q) == 0)
		return 0;
	(void)printf("can not chdir(%s/): %s\n", q, strerror(errno));
	return -1;
}

static long
cf_long(struct cf *cf, const char *name, long def)
{
	const char *v = cf_option_value(cf, name);

	return v != NULL && *v != '\0' ? strtol(v, NULL, 10) : def;
}

/* Whether gid is ours, as real or supplementary group. */
static int
in_group(gid_t gid)
{
	gid_t *groups;
	int n, i, found;

	if (getgid() == gid)
		return 1;
	n = getgroups(0, NULL);
	if (n <= 0)
		return 0;
	groups = xreallocarray(NULL, (size_t)n, sizeof(*groups));
	n = getgroups(n, groups);
	for (i = 0, found = 0; i < n && !found; i++)
		found = groups[i] == gid;
	free(groups);
	return found;
}

/*
 * PrivacyOptions restrictmailq and restrictqrun for a caller other than
 * root: the queue is listed only to members of its folder's group, and
 * run only by its folder's owner.  EX_OK, or EX_NOPERM after saying so.
 */
static int
queue_permitted(struct cf *cf, int run)
{
	unsigned priv = smtpd_privacy(cf_option_value(cf, "PrivacyOptions"));
	const char *q = cf_option_value(cf, "QueueDirectory");
	char *dir, *slash;
	struct stat st;
	int ok;

	if (getuid() == 0 || q == NULL ||
	    !(priv & (run ? PRIV_RESTRICTQRUN : PRIV_RESTRICTMAILQ)))
		return EX_OK;
	dir = xstrdup(q);	/* "/var/spool/mqueue/q*": the folder */
	if ((slash = strrchr(dir, '/')) != NULL && strchr(slash, '*') != NULL)
		*slash = '\0';
	if (stat(dir, &st) == -1) {
		(void)printf("Cannot stat %s: %s\n", dir, strerror(errno));
		free(dir);
		return EX_NOPERM;
	}
	free(dir);
	ok = run ? st.st_uid == getuid() : in_group(st.st_gid);
	if (ok)
		return EX_OK;
	(void)printf("%s\n", run ? "You do not have permission to process "
	    "the queue" : "You are not permitted to see the queue");
	return EX_NOPERM;
}

/* -bp / mailq: the listing of every queue directory */
static int
print_queue(struct cf *cf, const struct opts *o)
{
	struct queue_list_opts lo;
	struct queue_dirs dirs;
	struct err err;
	const char *q = cf_option_value(cf, "QueueDirectory");
	double la[1];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	if (q == NULL) {
		(void)cf_check_queue(cf);
		return EX_CONFIG;
	}
	memset(&lo, 0, sizeof(lo));
	for (i = 0; i < o->nqargs; i++)
		(void)queue_list_filter(&lo, o->qargs[i]);	/* else -q1h */
	lo.verbose = o->verbose;
	lo.max_run = cf_long(cf, "MaxQueueRunSize", 0);
	lo.min_age = cf_time_value(cf_option_value(cf, "MinQueueAge"), 'm');
	lo.max_age = cf_time_value(cf_option_value(cf, "MaxQueueAge"), 'm');
	lo.queue_la = cf_long(cf, "QueueLA", 8 * (ncpu > 0 ? ncpu : 1));
	lo.queue_factor = cf_long(cf, "QueueFactor", 600000);
	lo.load = getloadavg(la, 1) == 1 ? (int)(la[0] + 0.5) : 0;
	lo.now = time(NULL);
	if (msg_qdirs_open(cf, &dirs, &err) == -1) {
		(void)printf("%s\n", err.msg);
		queue_list_opts_free(&lo);
		return EX_CONFIG;
	}
	(void)queue_list(&dirs, &lo, stdout);
	queue_dirs_free(&dirs);
	queue_list_opts_free(&lo);
	return EX_OK;
}

/* -bh / hoststat lists, -bH / purgestat expires the host status
 * directory; silent without one. */
static int
host_status(struct cf *cf, int purge, int verbose)
{
	char *dir = hoststat_dir(cf);
	long maxage = cf_time_value(cf_option_value(cf, "Timeout.hoststatus"),
	    'm');

	if (dir == NULL)
		return EX_OK;
	if (purge)
		hoststat_purge(dir, maxage > 0 ? maxage : 30 * 60,
		    (long long)time(NULL));
	else
		hoststat_print(dir, verbose, (long long)time(NULL), stdout);
	free(dir);
	return EX_OK;
}

/*
 * The flags sendmail accepts without their value, rewritten before
 * getopt sees them: bare -q is one queue run (-q0), bare -d is -d0-99.1,
 * bare -C reads sendmail.cf from the current folder.  Stops at "--".
 */
static void
obsolete_flags(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0 || argv[i][0] != '-')
			break;
		if (strcmp(argv[i], "-q") == 0)
			argv[i] = (char *)"-q0";
		else if (strcmp(argv[i], "-d") == 0)
			argv[i] = (char *)"-d0-99.1";
		else if (strcmp(argv[i], "-C") == 0 && (i + 1 == argc ||
		    argv[i + 1][0] == '-'))
			argv[i] = (char *)"-Csendmail.cf";
		else if (argv[i][1] != '\0' && argv[i][2] == '\0' &&
		    strchr("ABbCDdeFfhLMNOopQqRrVX", argv[i][1]) != NULL)
			i++;	/* "-f addr": the value is the next word */
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct cf *cf;
	struct err err;
	const char *prog = basename(argv[0]);
	int first, rc;

	memset(&o, 0, sizeof(o));
	o.argv0 = argv[0];
	o.mode = 'm';
	if (strcmp(prog, "newaliases") == 0)
		o.mode = 'i';
	else if (strcmp(prog, "mailq") == 0)
		o.mode = 'p';
	else if (strcmp(prog, "hoststat") == 0)
		o.mode = 'h';
	else if (strcmp(prog, "purgestat") == 0)
		o.mode = 'H';
	else if (strcmp(prog, "smtpd") == 0)
		o.mode = 'd';
	obsolete_flags(argc, argv);
	parse_args(&o, argc, argv, &first);
	if (o.cffile == NULL) {
		/* submission goes through the MSP's cf when there is one;
		 * a queue run (-q) is the MTA's unless -Ac asks */
		o.cffile = DEFAULT_CF;
		if ((o.sub.use_cf == 'c' || (((o.mode == 'm' && o.nqargs ==
		    0) || o.mode == 's') && o.sub.use_cf != 'm')) &&
		    access(SUBMIT_CF, R_OK) == 0)
			o.cffile = SUBMIT_CF;
		/* mailq -Ac lists the MSP's queue */
		if (o.mode == 'p' && o.sub.use_cf == 'c')
			o.cffile = SUBMIT_CF;
	}
	/* without recipients the message is still read (and its from=
	 * logged) before "Recipient names must be specified": mode_submit */
	log_open(o.tag);

	if (o.debug01) {
		(void)printf("Version %s (%s %s)\n%s", MAILSYS_COMPAT_VERSION,
		    MAILSYS_NAME, MAILSYS_VERSION, compiled_with);
	}
	if (o.mode == 't' && o.quarantine)
		usage_error(&o, "Can not use -Q with -bt", NULL);
	if (o.mode == 'z') {
		(void)printf("Frozen configurations unsupported\n");
		return EX_USAGE;
	}
	/* test mode still runs; the exit status says what was wrong */
	if (o.usage_errors > 0 && o.mode != 't')
		return EX_USAGE;

	cf = cf_new();
	{
		char mode[2] = { (char)o.mode, '\0' };

		cf_macro_define(cf, "{opMode}", mode);
	}
	cf_ident_init(cf, o.debug04 ? stdout : NULL);
	if (cf_read(cf, o.cffile, &err) == -1) {
		char shortname[84];

		(void)printf("%s: line 0: cannot open: %s\n",
		    str_shorten(o.cffile, 83, shortname, sizeof(shortname)),
		    strerror(errno));
		cf_free(cf);
		return EX_OSFILE;
	}
	if (cf_fatal(cf)) {
		rc = cf_exitstat(cf);
		cf_free(cf);
		return rc;
	}
	apply_command_line(cf, &o);
	cf_ident_finish(cf);
	(void)cf_check_mailer(cf);
	if (o.debug01)
		cf_ident_print(cf, stdout);
	/* the modes that work in the queue directory need it to exist */
	if (o.mode == 'v' || o.mode == 'i' || o.mode == 'h' ||
	    o.mode == 'H') {
		if (cf_check_queue(cf) == -1 || queue_chdir(cf) == -1) {
			cf_free(cf);
			return EX_CONFIG;
		}
	}

	switch (o.mode) {
	case 't':
		rc = cf_testmode(cf, stdin, stdout);
		break;
	case 'C':
		if (cf_check_queue(cf) == 0 && drop_to_runasuser(cf) == 0)
			(void)cf_check_queue_dirs(cf);
		rc = cf_exitstat(cf);
		break;
	case 'v':
		if (first >= argc) {
			(void)printf("Recipient names must be specified\n");
			rc = EX_USAGE;
			break;
		}
		rc = cf_verify(cf, argv + first, o.verbose, stdout);
		break;
	case 'i':
		rc = cf_newaliases(cf, stdout);
		break;
	case 'p':
		rc = queue_permitted(cf, 0);
		if (rc == EX_OK)
			rc = print_queue(cf, &o);
		break;
	case 'h':
	case 'H':
		rc = host_status(cf, o.mode == 'H', o.verbose);
		break;
	case 's':
		rc = mode_bs(cf);
		break;
	case 'm':
		if (o.nqargs > 0) {
			/* sendmail -q, -qf: one run over the queue; -q1h,
			 * -qp: a daemon running it at that interval */
			long ivl = queue_interval(o.qargs[o.nqargs - 1]);

			rc = queue_permitted(cf, 1);
			if (rc == EX_OK && ivl > 0)
				rc = mode_queue_daemon(cf, argv, ivl);
			else if (rc == EX_OK)
				rc = mode_queue_run(cf, o.verbose, o.qargs,
				    o.nqargs);
			break;
		}
		if (o.sub.iflag)
			(void)cf_option_set(cf, "IgnoreDots=True");
		o.sub.verbose = o.verbose;
		rc = mode_submit(cf, &o.sub, argv + first, argc - first);
		break;
	case 'd':
	case 'D':
		rc = mode_bd(cf, argv, o.mode == 'D', o.nqargs > 0 ?
		    queue_interval(o.qargs[o.nqargs - 1]) : 0);
		break;
	default:
		(void)fprintf(stderr, "sendmail: operation mode -b%c is not "
		    "available in this release yet\n", o.mode);
		rc = EX_UNAVAILABLE;
		break;
	}
	(void)fflush(stdout);
	cf_free(cf);
	if (o.usage_errors > 0 && rc == EX_OK)
		rc = EX_USAGE;
	return rc;
}
