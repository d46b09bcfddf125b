/*
 * cf_qgroup.c -- Q lines (queue groups: "Qname, P=path, F=flags, R=n,
 * I=interval, ..."), read with the complaints sendmail 8.17 makes about
 * them while reading a cf.  The raw lines are kept in cf->qgroups.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

/*
 * One field value from p up to an unquoted ','; double quotes are
 * dropped, a backslash keeps the next character.  Returns where the
 * next field starts.
 */
static const char *
qg_value(const char *p, struct buf *out)
{
	int quoted = 0;

	buf_reset(out);
	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			buf_addc(out, *++p);
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == ',' && !quoted)
			return p + 1;
		else
			buf_addc(out, *p);
	}
	return p;
}

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

/* Q line (without the 'Q'). */
void
cf_qgroup_line(struct cf *cf, const char *line)
{
	const char *p = line;
	char *name;
	struct buf v;
	int fcode, runners = 0, fork = 0;

	strarr_push(&cf->qgroups, line);
	while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p))
		p++;
	name = xstrndup(line, (size_t)(p - line));
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
			cf_syserr(cf, "queue %s: `=' expected", name);
			goto out;
		}
		p++;
		while (isspace((unsigned char)*p))
			p++;
		p = qg_value(p, &v);
		switch (fcode) {
		case 'F':
			if (strchr(buf_cstr(&v), 'f') != NULL)
				fork = 1;
			break;
		case 'R':
			runners = atoi(buf_cstr(&v));
			break;
		case 'I':
			qg_check_time(cf, buf_cstr(&v));
			break;
		case 'P': case 'N': case 'J': case 'r':
			break;
		default:
			cf_syserr(cf, "Q%s: unknown queue equate %c=", name,
			    fcode);
			break;
		}
	}
	if (runners > 1 && !fork)
		cf_message(cf, "Warning: Q=%s: R=%d: multiple queue runners "
		    "specified\n\tbut flag 'f' is not set", name, runners);
out:
	buf_free(&v);
	free(name);
}
