/*
 * map_socket.c -- the "socket" map class: sendmail's socketmap protocol.
 * `Ksock socket inet:PORT@HOST` (or inet6:, local:/path, unix:/path)
 * connects on open; each lookup sends the netstring "<len>:<map> <key>,"
 * and reads one netstring back: "OK value", "NOTFOUND", "TEMP reason",
 * "TIMEOUT reason" or "PERM reason".  -d sets the reply timeout in
 * seconds (default 30).  A broken connection is closed and opened again
 * on the next lookup.  Owns the connection and the netstring codec.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

#define SOCK_TIMEOUT	30		/* seconds, sendmail's default */

void
netstring_init(struct netstring *ns, size_t max)
{
	memset(ns, 0, sizeof(*ns));
	ns->max = max;
	buf_init(&ns->data, max + 1);
}

void
netstring_reset(struct netstring *ns)
{
	ns->state = NS_LEN;
	ns->len = 0;
	ns->ndigits = 0;
	buf_reset(&ns->data);
}

void
netstring_free(struct netstring *ns)
{
	if (ns == NULL)
		return;
	buf_free(&ns->data);
}

/*
 * Feeds len bytes; *used_out says how many were taken (all of them
 * unless the netstring completed or failed first).  The errors word
 * what sendmail's socket_map_lookup says for the same reply.
 */
enum ns_result
netstring_feed(struct netstring *ns, const char *p, size_t len,
    size_t *used_out, struct err *err)
{
	size_t i = 0, n;
	int c;

	*used_out = 0;
	while (i < len) {
		c = (unsigned char)p[i];
		switch (ns->state) {
		case NS_LEN:
			if (c >= '0' && c <= '9' && ns->ndigits < 9) {
				ns->len = ns->len * 10 + (size_t)(c - '0');
				ns->ndigits++;
				i++;
				break;
			}
			if (ns->ndigits == 0) {
				ns->state = NS_ERROR;
				*used_out = i;
				err_set(err, ERR_PROTOCOL, "failed to read "
				    "length parameter of reply");
				return NS_FAIL;
			}
			if (ns->len > ns->max) {
				ns->state = NS_ERROR;
				*used_out = i;
				err_set(err, ERR_PROTOCOL, "reply too long: %zu",
				    ns->len);
				return NS_FAIL;
			}
			if (c != ':') {
				ns->state = NS_ERROR;
				*used_out = i;
				err_set(err, ERR_PROTOCOL, "missing ':' in "
				    "reply");
				return NS_FAIL;
			}
			i++;
			ns->state = ns->len > 0 ? NS_DATA : NS_COMMA;
			break;
		case NS_DATA:
			n = ns->len - ns->data.len;
			if (n > len - i)
				n = len - i;
			if (buf_add(&ns->data, p + i, n) == -1) {
				ns->state = NS_ERROR;
				*used_out = i;
				err_set(err, ERR_PROTOCOL, "reply too long: %zu",
				    ns->len);
				return NS_FAIL;
			}
			i += n;
			if (ns->data.len == ns->len)
				ns->state = NS_COMMA;
			break;
		case NS_COMMA:
			*used_out = i + 1;
			if (c != ',') {
				ns->state = NS_ERROR;
				err_set(err, ERR_PROTOCOL, "missing ',' in "
				    "reply");
				return NS_FAIL;
			}
			ns->state = NS_DONE;
			(void)buf_cstr(&ns->data);
			return NS_OK;
		case NS_DONE:
		case NS_ERROR:
			*used_out = i;
			return ns->state == NS_DONE ? NS_OK : NS_FAIL;
		}
	}
	*used_out = i;
	return NS_MORE;
}

int
netstring_encode(struct buf *out, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b != NULL ? strlen(b) : 0;
	size_t n = b != NULL ? xadd(xadd(la, lb), 1) : la;

	if (buf_printf(out, "%zu:", n) == -1 || buf_add(out, a, la) == -1)
		return -1;
	if (b != NULL && (buf_addc(out, ' ') == -1 ||
	    buf_add(out, b, lb) == -1))
		return -1;
	return buf_addc(out, ',');
}

enum sock_status
sock_reply_parse(const char *reply, size_t len, const char **val_out)
{
	const char *sp;
	size_t wl;

	if (len == 0) {
		*val_out = "";
		return SOCK_PROTOCOL;
	}
	sp = memchr(reply, ' ', len);
	wl = sp != NULL ? (size_t)(sp - reply) : len;
	*val_out = sp != NULL ? sp + 1 : reply + len;
	if (wl == 2 && memcmp(reply, "OK", 2) == 0)
		return SOCK_OK;
	if (wl == 8 && memcmp(reply, "NOTFOUND", 8) == 0)
		return SOCK_NOTFOUND;
	if ((wl == 4 && memcmp(reply, "TEMP", 4) == 0) ||
	    (wl == 7 && memcmp(reply, "TIMEOUT", 7) == 0))
		return SOCK_TEMP;
	if (wl == 4 && memcmp(reply, "PERM", 4) == 0)
		return SOCK_PERM;
	return SOCK_PROTOCOL;
}

struct sock_map {
	int		 fd;		/* -1: not connected */
	int		 timeout;	/* seconds */
	struct netstring ns;
	char		*rbuf;		/* bytes read past a reply */
	size_t		 rlen;
};

static int
sock_parse(struct map *m, int argc, char **argv, struct err *err)
{
	struct sock_map *sm;
	long n;
	int i;

	sm = xcalloc(1, sizeof(*sm));
	sm->fd = -1;
	sm->timeout = SOCK_TIMEOUT;
	for (i = 0; i < argc; i++) {
		if (argv[i][1] == 'd' && str_to_long(argv[i] + 2, &n) == 0 &&
		    n > 0 && n < 86400)
			sm->timeout = (int)n;
		else if (argv[i][1] != 'd') {
			err_set(err, ERR_CONFIG, "Illegal option %c map %s",
			    argv[i][1], m->name);
			break;
		}
	}
	m->pstate = sm;
	return 0;
}

static void
sock_parse_free(struct map *m)
{
	free(m->pstate);
	m->pstate = NULL;
}

/* Connects per m->file; the fd or -1 with sendmail's reason in err. */
static int
sock_connect(struct map *m, struct err *err)
{
	const char *spec = m->file, *colon, *at, *host;
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_un sun;
	struct stat st;
	char *port, *hbuf = NULL;
	size_t tl;
	int fd = -1, family = AF_UNIX, rc;

	colon = strchr(spec, ':');
	if (colon != NULL) {
		tl = (size_t)(colon - spec);
		if (tl == 0 || (tl == 4 && str_ncasecmp(spec, "unix", 4) ==
		    0) || (tl == 5 && str_ncasecmp(spec, "local", 5) == 0))
			family = AF_UNIX;
		else if (tl == 4 && str_ncasecmp(spec, "inet", 4) == 0)
			family = AF_INET;
		else if (tl == 5 && str_ncasecmp(spec, "inet6", 5) == 0)
			family = AF_INET6;
		else
			return err_set(err, ERR_CONFIG, "socket map \"%s\": "
			    "unknown socket type %.*s", m->name, (int)tl,
			    spec);
		spec = colon + 1;
	}
	if (family == AF_UNIX) {
		if (strlen(spec) >= sizeof(sun.sun_path))
			return err_set(err, ERR_CONFIG, "socket map \"%s\": "
			    "local socket name %s too long", m->name, spec);
		/* sendmail checks the socket file is there first */
		if (stat(spec, &st) == -1)
			return err_set(err, ERR_TEMPFAIL, "socket map \"%s\": "
			    "local socket name %s unsafe: %s", m->name, spec,
			    strerror(errno));
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, spec, strlen(spec));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			return err_sys(err, ERR_TEMPFAIL, "socket map \"%s\"",
			    m->name);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
			/* sendmail says nothing unless debugging */
			err_set(err, ERR_TEMPFAIL, "%s", "");
			(void)close(fd);
			return -1;
		}
		return fd;
	}
	at = strchr(spec, '@');
	if (at == NULL)
		return err_set(err, ERR_CONFIG, "socket map \"%s\": bad "
		    "address %s (expected port@host)", m->name, spec);
	port = xstrndup(spec, (size_t)(at - spec));
	host = at + 1;
	if (host[0] == '[') {
		const char *e = strchr(host, ']');

		if (e == NULL) {
			free(port);
			return err_set(err, ERR_CONFIG, "socket map \"%s\": "
			    "Invalid numeric domain spec \"%s\"", m->name,
			    host);
		}
		hbuf = xstrndup(host + 1, (size_t)(e - host - 1));
		host = hbuf;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		err_set(err, ERR_TEMPFAIL, "socket map \"%s\": Unknown host "
		    "name %s", m->name, host);
		free(port);
		free(hbuf);
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		(void)close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)		/* sendmail says nothing unless debugging */
		err_set(err, ERR_TEMPFAIL, "%s", "");
	free(port);
	free(hbuf);
	return fd;
}

static int
sock_open(struct map *m, int mode, struct err *err)
{
	struct sock_map *sm = m->pstate;

	if (mode != O_RDONLY)
		return err_set(err, ERR_CONFIG, "socket map \"%s\": map is "
		    "read-only", m->name);
	if (m->file == NULL || m->file[0] == '\0')
		return err_set(err, ERR_CONFIG, "socket map \"%s\": empty "
		    "or missing socket information", m->name);
	sm->fd = sock_connect(m, err);
	if (sm->fd == -1)
		return -1;
	netstring_init(&sm->ns, SOCKETMAP_MAXL);
	m->priv = sm;
	return 0;
}

static void
sock_disconnect(struct sock_map *sm)
{
	if (sm->fd != -1)
		(void)close(sm->fd);
	sm->fd = -1;
}

static void
sock_close(struct map *m)
{
	struct sock_map *sm = m->priv;

	if (sm == NULL)
		return;
	sock_disconnect(sm);
	netstring_free(&sm->ns);
	m->priv = NULL;
}

static int
sock_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Reads one reply netstring within the timeout: 0, or -1 with the
 * reason ("read timeout", "EOF", the codec's words) in err.
 */
static int
sock_read_reply(struct sock_map *sm, struct err *err)
{
	char chunk[4096];
	struct pollfd pfd;
	struct timespec start, now;
	enum ns_result r;
	size_t used;
	ssize_t n;
	long left;

	netstring_reset(&sm->ns);
	(void)clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		(void)clock_gettime(CLOCK_MONOTONIC, &now);
		left = (long)sm->timeout * 1000 -
		    ((long)(now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return err_set(err, ERR_TEMPFAIL, "read timeout");
		pfd.fd = sm->fd;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, (int)left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			return err_set(err, ERR_TEMPFAIL, "read timeout");
		if (n == -1)
			return err_sys(err, ERR_TEMPFAIL, "poll");
		n = recv(sm->fd, chunk, sizeof(chunk), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			return err_set(err, ERR_TEMPFAIL, "EOF");
		if (n == -1)
			return err_sys(err, ERR_TEMPFAIL, "read");
		r = netstring_feed(&sm->ns, chunk, (size_t)n, &used, err);
		if (r == NS_OK)
			return 0;	/* bytes past the reply: ignored */
		if (r == NS_FAIL)
			return -1;
	}
}

static enum map_result
sock_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct sock_map *sm = m->priv;
	struct buf req;
	const char *val;
	struct err why;
	int tries;

	buf_init(&req, MAP_VALMAX);
	if (netstring_encode(&req, m->name, key) == -1) {
		buf_free(&req);
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	}
	/* a connection the server closed is opened once more */
	for (tries = 0; tries < 2; tries++) {
		err_clear(&why);
		if (sm->fd == -1 && (sm->fd = sock_connect(m, &why)) == -1)
			break;
		if (sock_write_all(sm->fd, req.data, req.len) == -1) {
			err_set(&why, ERR_TEMPFAIL, "failed to send lookup "
			    "request");
			sock_disconnect(sm);
			continue;
		}
		if (sock_read_reply(sm, &why) == 0)
			break;
		sock_disconnect(sm);
		if (strcmp(why.msg, "EOF") != 0)
			break;
	}
	buf_free(&req);
	if (sm->fd == -1 || why.kind != ERR_NONE) {
		*stat_out = MAPST_TEMPFAIL;
		if (strcmp(why.msg, "EOF") == 0)
			err_clear(err);	/* sendmail only logs it */
		else
			/* as -bt shows sendmail's syserr: no reply code */
			err_set(err, ERR_TEMPFAIL, "socket_map_lookup(%s): %s",
			    m->name, why.msg);
		return MAP_TEMPFAIL;
	}
	switch (sock_reply_parse(sm->ns.data.data, sm->ns.data.len, &val)) {
	case SOCK_OK:
		if (buf_add(val_out, val, sm->ns.data.len -
		    (size_t)(val - sm->ns.data.data)) == -1) {
			*stat_out = MAPST_NOTFOUND;
			return MAP_NOTFOUND;
		}
		*stat_out = MAPST_OK;
		return MAP_FOUND;
	case SOCK_NOTFOUND:
		*stat_out = MAPST_NOTFOUND;
		return MAP_NOTFOUND;
	case SOCK_TEMP:
		*stat_out = MAPST_TEMPFAIL;
		return MAP_TEMPFAIL;
	case SOCK_PERM:
		*stat_out = MAPST_UNAVAILABLE;
		return MAP_NOTFOUND;
	default:
		*stat_out = MAPST_PROTOCOL;
		return MAP_NOTFOUND;
	}
}

const struct map_class map_class_socket = {
	"socket", MAPCLASS_FOLDKEY,
	sock_parse, sock_open, sock_lookup, NULL, NULL, sock_close,
	sock_parse_free
};
