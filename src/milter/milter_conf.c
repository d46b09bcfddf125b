/*
 * milter_conf.c -- a filter's X line as a typed value: its name, the
 * socket (S=inet:port@host, inet6:port@host, local:/path, unix:/path),
 * what to do when it fails (F=R reject, F=T tempfail, else carry on
 * without it) and the timeouts T=C:..;S:..;R:..;E:.. with sendmail's
 * defaults (5m, 10s, 10s, 5m).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "milter.h"
#include "lib/str.h"
#include "lib/xalloc.h"

/* "5m", "10s", "300" (seconds): -1 when it is not a time. */
static long
conf_time(const char *p, size_t n)
{
	long v = 0, mult = 1;
	size_t i = 0;

	if (n == 0)
		return -1;
	while (i < n && isdigit((unsigned char)p[i])) {
		if (v > 100000000)
			return -1;
		v = v * 10 + (p[i] - '0');
		i++;
	}
	if (i == 0)
		return -1;
	if (i < n) {
		switch (p[i]) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return -1;
		}
		if (i + 1 != n)
			return -1;
	}
	return v * mult;
}

static int
conf_timeouts(struct milter_conf *c, const char *v, struct err *err)
{
	const char *p = v, *end;
	size_t n;
	long t;

	while (*p != '\0') {
		end = p + strcspn(p, ";");
		n = (size_t)(end - p);
		if (n < 2 || p[1] != ':' || (t = conf_time(p + 2, n - 2)) < 0)
			return err_set(err, ERR_CONFIG, "Milter %s: invalid "
			    "timeout %.*s", c->name, (int)n, p);
		switch (p[0]) {
		case 'C': c->to_conn = t; break;
		case 'S': c->to_send = t; break;
		case 'R': c->to_read = t; break;
		case 'E': c->to_eom = t; break;
		default:
			return err_set(err, ERR_CONFIG, "Milter %s: invalid "
			    "timeout %.*s", c->name, (int)n, p);
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int
conf_socket(struct milter_conf *c, const char *v, struct err *err)
{
	const char *colon = strchr(v, ':'), *at;
	char *end;
	unsigned long port;

	c->socket = xstrdup(v);
	if (colon == NULL || str_ncasecmp(v, "local:", 6) == 0 ||
	    str_ncasecmp(v, "unix:", 5) == 0) {
		c->family = 'L';
		c->path = xstrdup(colon != NULL ? colon + 1 : v);
		if (c->path[0] != '/')
			return err_set(err, ERR_CONFIG, "Milter %s: local "
			    "socket name %s must be an absolute path",
			    c->name, c->path);
		return 0;
	}
	if (str_ncasecmp(v, "inet:", 5) == 0)
		c->family = '4';
	else if (str_ncasecmp(v, "inet6:", 6) == 0)
		c->family = '6';
	else
		return err_set(err, ERR_CONFIG, "Milter %s: unknown socket "
		    "type %.*s", c->name, (int)(colon - v), v);
	port = strtoul(colon + 1, &end, 10);
	at = strchr(colon + 1, '@');
	if (end == colon + 1 || port == 0 || port > 65535 ||
	    (*end != '@' && *end != '\0'))
		return err_set(err, ERR_CONFIG, "Milter %s: invalid port "
		    "number %s", c->name, colon + 1);
	c->port = (unsigned)port;
	c->host = xstrdup(at != NULL && at[1] != '\0' ? at + 1 :
	    c->family == '6' ? "::1" : "127.0.0.1");
	return 0;
}

int
milter_conf_parse(const char *line, struct milter_conf *c, struct err *err)
{
	struct strarr f = { 0 };
	size_t i;
	char *v;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->to_conn = 300;
	c->to_send = 10;
	c->to_read = 10;
	c->to_eom = 300;
	str_split(line, ",", &f);
	for (i = 0; i < f.n; i++) {
		v = f.v[i];
		while (isspace((unsigned char)*v))
			v++;
		str_rtrim(v);
		if (i == 0) {
			if (*v == '\0')
				break;
			c->name = xstrdup(v);
			continue;
		}
		if (*v == '\0')
			continue;
		if (v[1] != '=') {
			rc = err_set(err, ERR_CONFIG, "Milter %s: unknown "
			    "filter equate %s", c->name, v);
			break;
		}
		switch (v[0]) {
		case 'S':
			rc = conf_socket(c, v + 2, err);
			break;
		case 'F':
			if (strchr(v + 2, 'R') != NULL)
				c->fail = MILTER_FAIL_REJECT;
			else if (strchr(v + 2, 'T') != NULL)
				c->fail = MILTER_FAIL_TEMPFAIL;
			break;
		case 'T':
			rc = conf_timeouts(c, v + 2, err);
			break;
		default:
			rc = err_set(err, ERR_CONFIG, "Milter %s: unknown "
			    "filter equate %s", c->name, v);
			break;
		}
		if (rc == -1)
			break;
	}
	strarr_free(&f);
	if (rc == 0 && c->name == NULL)
		rc = err_set(err, ERR_CONFIG, "Milter: missing filter name");
	if (rc == 0 && c->socket == NULL)
		rc = err_set(err, ERR_CONFIG, "Milter %s: missing socket "
		    "(S=) equate", c->name);
	if (rc == -1)
		milter_conf_free(c);
	return rc;
}

void
milter_conf_free(struct milter_conf *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->socket);
	free(c->path);
	free(c->host);
	memset(c, 0, sizeof(*c));
}
