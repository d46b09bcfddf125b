/*
 * deliver_sep.c -- the SMTP mailers without root (doc/privsep.md).
 * With privilege separation on (MAILSYS_PRIVSEP=1), a queue run that
 * is root hands each SMTP delivery to a child that gives root up for
 * DefaultUser before it looks up a host or connects: the df is already
 * open and the qf locked by the parent, the child reads the body
 * through the inherited descriptor.  Its outcome (each recipient's
 * status, DSN code, texts; the relay; its statistics) comes back over
 * a pipe and is decoded strictly (dlv_sep_decode) by the parent, which
 * rewrites the qf and logs as before.  The maps and the client TLS
 * context are opened in the parent first, while root may read them.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "deliver.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/wire.h"
#include "lib/xalloc.h"
#include "stats/stats.h"

#define NONE	WIRE_NONE	/* a NULL string on the wire */

int
dlv_privsep(void)
{
	const char *v = getenv("MAILSYS_PRIVSEP");

	return v != NULL && strcmp(v, "1") == 0;
}

#define put32	wire_put32
#define putstr(b, s)	wire_putstr(b, s, DLV_SEP_STRMAX, 0)

void
dlv_sep_encode(const struct dlv_rcpt *r, size_t n, const char *relay,
    const unsigned char *stats, size_t slen, struct buf *out)
{
	size_t i;

	put32(out, (uint32_t)n);
	for (i = 0; i < n; i++) {
		put32(out, (uint32_t)r[i].status);
		(void)buf_add(out, r[i].dsn, sizeof(r[i].dsn));
		putstr(out, r[i].text);
		putstr(out, r[i].rmta);
		putstr(out, r[i].reply);
	}
	putstr(out, relay);
	put32(out, (uint32_t)slen);
	(void)buf_add(out, stats, slen);
}

struct rd {
	const unsigned char	*p;
	size_t			 left;
};

static int
get32(struct rd *d, uint32_t *v)
{
	if (d->left < sizeof(*v))
		return -1;
	memcpy(v, d->p, sizeof(*v));
	d->p += sizeof(*v);
	d->left -= sizeof(*v);
	return 0;
}

/* A string without NUL bytes, or NULL; -1 when malformed. */
static int
getstr(struct rd *d, char **out)
{
	uint32_t n;

	*out = NULL;
	if (get32(d, &n) == -1)
		return -1;
	if (n == NONE)
		return 0;
	if (n > DLV_SEP_STRMAX || n > d->left || memchr(d->p, '\0', n))
		return -1;
	*out = xmalloc((size_t)n + 1);
	memcpy(*out, d->p, n);
	(*out)[n] = '\0';
	d->p += n;
	d->left -= n;
	return 0;
}

/* "2.0.0", "5.1.10" ... or empty: digits and dots, terminated. */
static int
dsn_ok(const char *dsn, size_t size)
{
	size_t i;

	for (i = 0; i < size && dsn[i] != '\0'; i++)
		if (!((dsn[i] >= '0' && dsn[i] <= '9') || dsn[i] == '.'))
			return 0;
	return i < size;
}

int
dlv_sep_decode(const void *p, size_t len, struct dlv_rcpt *r, size_t n,
    char **relay_out, unsigned char *stats, size_t *slen_out)
{
	struct rd d;
	uint32_t v, st;
	size_t i;

	d.p = p;
	d.left = len;
	*relay_out = NULL;
	*slen_out = 0;
	for (i = 0; i < n; i++)
		r[i].text = r[i].rmta = r[i].reply = NULL;
	if (get32(&d, &v) == -1 || v != n)
		return -1;
	for (i = 0; i < n; i++) {
		if (get32(&d, &st) == -1 || st > 255 ||
		    d.left < sizeof(r[i].dsn))
			goto bad;
		r[i].status = (int)st;
		memcpy(r[i].dsn, d.p, sizeof(r[i].dsn));
		d.p += sizeof(r[i].dsn);
		d.left -= sizeof(r[i].dsn);
		if (!dsn_ok(r[i].dsn, sizeof(r[i].dsn)) ||
		    getstr(&d, &r[i].text) == -1 ||
		    getstr(&d, &r[i].rmta) == -1 ||
		    getstr(&d, &r[i].reply) == -1)
			goto bad;
	}
	if (getstr(&d, relay_out) == -1 || get32(&d, &v) == -1 ||
	    (v != 0 && v != STATS_SIZE) || v != d.left)
		goto bad;
	memcpy(stats, d.p, v);
	*slen_out = v;
	return 0;
bad:
	for (i = 0; i < n; i++) {
		free(r[i].text);
		free(r[i].rmta);
		free(r[i].reply);
		r[i].text = r[i].rmta = r[i].reply = NULL;
	}
	free(*relay_out);
	*relay_out = NULL;
	return -1;
}

int
dlv_become_default_user(struct cf *cf)
{
	uid_t uid, ru, eu, su;
	gid_t gid, rg, eg, sg;

	dlv_default_ids(cf, &uid, &gid);
	if (uid == 0 || gid == 0) {
		errno = EPERM;
		return -1;
	}
	if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
	    setuid(uid) == -1 || getresuid(&ru, &eu, &su) == -1 ||
	    getresgid(&rg, &eg, &sg) == -1)
		return -1;
	/* every id is the new one, and root cannot be had back */
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid || setuid(0) != -1) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static void __attribute__((noreturn))
child(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, const unsigned *rflags, struct dlv_rcpt *r,
    size_t n, int fd)
{
	unsigned char stats[STATS_SIZE];
	char *relay = NULL;
	struct buf out;

	if (dlv_become_default_user(dm->cf) == -1) {
		log_msg(LOG_ERR, dm->id, "SYSERR(root): cannot drop "
		    "privileges for SMTP delivery: %s", strerror(errno));
		_exit(71);
	}
	/* no connection outlives this child: it QUITs when done */
	dlv_smtp_cache_close();
	dlv_smtp(dm, m, sender, rflags, r, n, &relay);
	buf_init(&out, 0);
	dlv_sep_encode(r, n, relay, stats, stats_take_pending(stats) ?
	    sizeof(stats) : 0, &out);
	_exit(fdio_write_all(fd, out.data, out.len) == 0 ? 0 : 74);
}

/* Everything the child wrote, up to its end; -1 when too much. */
static int
read_result(int fd, size_t n, struct buf *out)
{
	char chunk[8192];
	ssize_t got;
	/* n recipients' three texts, the relay, the statistics */
	size_t max = (n * 3 + 1) * (DLV_SEP_STRMAX + 4) + n * 24 + 8 +
	    STATS_SIZE;

	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			return got == 0 ? 0 : -1;
		if (out->len + (size_t)got > max ||
		    buf_add(out, chunk, (size_t)got) == -1)
			return -1;
	}
}

static void
defer_all(struct dlv_rcpt *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		r[i].status = 75;	/* EX_TEMPFAIL */
		(void)snprintf(r[i].dsn, sizeof(r[i].dsn), "4.3.0");
		free(r[i].text);
		r[i].text = xstrdup("Deferred: delivery process failed");
	}
}

void
dlv_smtp_sep(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, const unsigned *rflags, struct dlv_rcpt *r,
    size_t n, char **relay)
{
	static int preloaded;
	unsigned char stats[STATS_SIZE];
	struct buf res;
	size_t slen, i;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int p[2], rc;

	*relay = NULL;
	dlv_default_ids(dm->cf, &uid, &gid);
	if (!dlv_privsep() || geteuid() != 0 || uid == 0 || gid == 0) {
		dlv_smtp(dm, m, sender, rflags, r, n, relay);
		return;
	}
	if (!preloaded) {
		preloaded = 1;
		cf_maps_preopen(dm->cf);
		dlv_tls_preload(dm->cf);
	}
	buf_init(&res, 0);
	/* a process that caches connections has one client for all */
	if (dlv_smtp_cache_on()) {
		rc = dlv_sep_client_deliver(dm, m, sender, rflags, r, n, &res);
		goto decode;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		defer_all(r, n);
		return;
	}
	if ((pid = fork()) == -1) {
		(void)close(p[0]);
		(void)close(p[1]);
		defer_all(r, n);
		return;
	}
	if (pid == 0) {
		(void)close(p[0]);
		child(dm, m, sender, rflags, r, n, p[1]);
	}
	(void)close(p[1]);
	rc = read_result(p[0], n, &res);
	(void)close(p[0]);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
decode:
	for (i = 0; i < n; i++)
		free(r[i].text);
	if (rc == -1 || dlv_sep_decode(res.data, res.len, r, n, relay, stats,
	    &slen) == -1) {
		for (i = 0; i < n; i++)
			r[i].text = NULL;
		log_msg(LOG_ERR, dm->id, "SYSERR(root): SMTP delivery "
		    "process gave no result");
		defer_all(r, n);
	} else if (slen > 0)
		(void)stats_add_pending(stats, slen);
	buf_free(&res);
}
