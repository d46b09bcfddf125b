/*
 * cf_qgroup.c -- Q lines (queue groups: "Qname, P=path, F=flags, R=n,
 * I=interval, ..."), read with the complaints sendmail 8.17 makes about
 * them while reading a cf, and the queue folders -bC checks.  The
 * groups are kept as typed values (struct cf_qgroup) in cf->qgroups.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_int.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

/* A time such as "1h30m": complains of a unit that is not s m h d w. */
static void
qg_check_time(struct cf *cf, const char *v)
{
	while (*v != '\0') {
		while (isdigit((unsigned char)*v) || *v == '-' || *v == '+')
			v++;
		if (*v == '\0')
			break;
		if (strchr("smhdw", *v) == NULL)
			cf_usrerr(cf, NULL, "Invalid time unit `%c'", *v);
		v++;
	}
}

/*
 * Reads one Q line into *g (name "" when it has none) and complains as
 * sendmail does while reading a cf.
 */
static void
qg_parse(struct cf *cf, const char *line, struct cf_qgroup *g)
{
	const char *p = line;
	struct buf v;
	int fcode;

	memset(g, 0, sizeof(*g));
	while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p))
		p++;
	g->name = xstrndup(line, (size_t)(p - line));
	if (*p != '\0')
		p++;
	buf_init(&v, 0);
	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		fcode = (unsigned char)*p;
		while (*p != '\0' && *p != '=' && *p != ',')
			p++;
		if (*p != '=') {
			cf_syserr(cf, "queue %s: `=' expected", g->name);
			goto out;
		}
		p++;
		while (isspace((unsigned char)*p))
			p++;
		p = cf_munch(p, ',', &v);
		switch (fcode) {
		case 'P':
			free(g->path);
			g->path = xstrdup(buf_cstr(&v));
			break;
		case 'F':
			g->fork = strchr(buf_cstr(&v), 'f') != NULL;
			break;
		case 'R': g->runners = atoi(buf_cstr(&v)); break;
		case 'N': g->nice = atoi(buf_cstr(&v)); break;
		case 'r': g->maxrcpt = atol(buf_cstr(&v)); break;
		case 'J': g->jobs = atol(buf_cstr(&v)); break;
		case 'I':
			qg_check_time(cf, buf_cstr(&v));
			g->interval = cf_time_value(buf_cstr(&v), 'm');
			if (g->interval < 0)
				g->interval = 0;
			break;
		default:
			cf_syserr(cf, "Q%s: unknown queue equate %c=",
			    g->name, fcode);
			break;
		}
	}
	if (g->path == NULL && cf_opt(cf, "QueueDirectory") == NULL) {
		/* the group would live in the queue folder, not known yet */
		cf_syserr(cf, "QueueDir must be defined before queue groups");
		goto out;
	}
	if (g->runners > 1 && !g->fork)
		cf_message(cf, "Warning: Q=%s: R=%d: multiple queue runners "
		    "specified\n\tbut flag 'f' is not set", g->name,
		    g->runners);
out:
	buf_free(&v);
}

/* Q line (without the 'Q'); one without a name is not kept. */
void
cf_qgroup_line(struct cf *cf, const char *line)
{
	struct cf_qgroup g;

	qg_parse(cf, line, &g);
	if (g.name[0] == '\0') {
		free(g.name);
		free(g.path);
		return;
	}
	cf->qgroups = xreallocarray(cf->qgroups, cf->nqgroups + 1,
	    sizeof(*cf->qgroups));
	cf->qgroups[cf->nqgroups++] = g;
}

void
cf_qgroups_free(struct cf *cf)
{
	size_t i;

	for (i = 0; i < cf->nqgroups; i++) {
		free(cf->qgroups[i].name);
		free(cf->qgroups[i].path);
	}
	free(cf->qgroups);
	cf->qgroups = NULL;
	cf->nqgroups = 0;
}

/* A queue group's folder must be there (wildcard paths are not looked
 * at); 0 or -1 after sendmail's message. */
static int
qg_check_dir(const char *path)
{
	DIR *d;

	if (strpbrk(path, "*?[") != NULL)
		return 0;
	if (path[0] != '/') {
		(void)printf("QueuePath %s not absolute\n", path);
		return -1;
	}
	if ((d = opendir(path)) == NULL) {
		(void)printf("can not opendir(%s): %s\n", path,
		    strerror(errno));
		return -1;
	}
	(void)closedir(d);
	return 0;
}

int
cf_check_queue_dirs(struct cf *cf)
{
	const char *q = cf_opt(cf, "QueueDirectory");
	const char *msp = cf_opt(cf, "UseMSP");
	const char *hs = cf_opt(cf, "HostStatusDirectory");
	const char *mqueue = NULL;
	struct stat st;
	size_t i;
	int bad = 0;

	if (msp != NULL && (msp[0] == '\0' || strchr("tTyY", msp[0])) &&
	    (geteuid() == 0 || getuid() == 0)) {
		(void)printf("Mail submission program must have RunAsUser "
		    "set to non root user\n");
		cf->exitstat = 78;	/* EX_CONFIG */
		return -1;
	}
	if (q == NULL)
		return 0;
	if (chdir(q) == -1) {
		int e = errno;

		(void)printf("can not chdir(%s/): %s\n", q, strerror(e));
		(void)fflush(stdout);
		if (e == EACCES)
			(void)fprintf(stderr, "Program mode requires special "
			    "privileges, e.g., root or TrustedUser.\n");
		bad = 1;
	} else {
		/* the default group "mqueue" first, then the others */
		for (i = 0; i < cf->nqgroups; i++)
			if (strcmp(cf->qgroups[i].name, "mqueue") == 0 &&
			    cf->qgroups[i].path != NULL)
				mqueue = cf->qgroups[i].path;
		if (mqueue != NULL && qg_check_dir(mqueue) == -1)
			bad = 1;
		for (i = 0; i < cf->nqgroups; i++)
			if (strcmp(cf->qgroups[i].name, "mqueue") != 0 &&
			    cf->qgroups[i].path != NULL &&
			    qg_check_dir(cf->qgroups[i].path) == -1)
				bad = 1;
	}
	if (hs != NULL && hs[0] != '\0') {
		int e = stat(hs, &st) == -1 ? errno :
		    !S_ISDIR(st.st_mode) ? ENOTDIR : 0;

		if (e != 0)
			(void)printf("Warning: Cannot use HostStatusDirectory "
			    "= %s: %s\n", hs, strerror(e));
	}
	(void)fflush(stdout);
	if (bad) {
		cf->exitstat = 78;	/* EX_CONFIG */
		return -1;
	}
	return 0;
}
