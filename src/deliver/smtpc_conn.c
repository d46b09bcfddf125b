/*
 * smtpc_conn.c -- one client connection above its socket: commands out
 * and whole replies in (each line also to the caller's transcript),
 * QUIT and close, sendmail's default timeouts, and the cache of open
 * connections (ConnectionCacheSize / ConnectionCacheTimeout) that lets
 * the next message to the same host skip connect, greeting and EHLO.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/smtpc.h"
#include "lib/xalloc.h"

#define IN_BUF_MAX	(1024 * 1024 + 16384)

int
smtpc_tmo(const struct smtpc_timeouts *t, enum smtpc_tmo which)
{
	/* sendmail's defaults (op.me); connect 0 is "the kernel's" there */
	static const int def[] = { 300, 300, 300, 600, 3600, 300, 3600,
	    3600, 300, 120 };
	const int v[] = { t->connect, t->initial, t->helo, t->mail, t->rcpt,
	    t->datainit, t->datablock, t->datafinal, t->rset, t->quit };

	return v[which] > 0 ? v[which] : def[which];
}

struct smtpc_conn *
smtpc_conn_new(const char *host, const char *key)
{
	struct smtpc_conn *c = xcalloc(1, sizeof(*c));

	c->fd = -1;
	c->host = xstrdup(host);
	c->key = xstrdup(key);
	buf_init(&c->in, IN_BUF_MAX);
	buf_init(&c->line, SMTPC_LINE_MAX + 2);
	return c;
}

static void
xscript(struct smtpc_conn *c, const char *dir, const char *line, size_t n)
{
	struct buf b;
	size_t i;
	unsigned char ch;

	if (c->p == NULL || c->p->xscript == NULL)
		return;
	buf_init(&b, 0);
	(void)buf_adds(&b, dir);
	for (i = 0; i < n; i++) {
		ch = (unsigned char)line[i];
		if (ch == '\r' && i + 1 == n)
			break;
		(void)buf_addc(&b, ch < 0x20 || ch == 0x7f ? ' ' : ch);
	}
	c->p->xscript(c->p->xscript_arg, buf_cstr(&b));
	buf_free(&b);
}

enum smtpc_ioerr
smtpc_conn_reply(struct smtpc_conn *c, struct smtpc_reply *r, int secs)
{
	long long deadline = smtpc_now_ms() + 1000LL * secs;
	enum smtpc_ioerr e;

	smtpc_reply_reset(r);
	for (;;) {
		e = smtpc_net_getline(c, deadline);
		if (e != SMTPC_IO_OK) {
			c->broken = 1;
			return e;
		}
		xscript(c, "<<< ", c->line.data, c->line.len);
		switch (smtpc_reply_feed(r, c->line.data, c->line.len)) {
		case SMTPC_REPLY_MORE:
			continue;
		case SMTPC_REPLY_DONE:
			if (r->code == 421)	/* the peer is closing */
				c->broken = 1;
			return SMTPC_IO_OK;
		case SMTPC_REPLY_ERROR:
			c->why = r->why;
			c->broken = 1;
			return SMTPC_IO_PROTO;
		}
	}
}

void
smtpc_conn_queue(struct smtpc_conn *c, struct buf *out, const char *line)
{
	xscript(c, ">>> ", line, strlen(line));
	if (buf_adds(out, line) == -1 || buf_add(out, "\r\n", 2) == -1)
		fatal("smtpc: command buffer full");
}

enum smtpc_ioerr
smtpc_conn_flush(struct smtpc_conn *c, struct buf *out, int secs)
{
	enum smtpc_ioerr e = SMTPC_IO_OK;

	if (out->len > 0)
		e = smtpc_net_write(c, out->data, out->len, secs);
	buf_reset(out);
	if (e != SMTPC_IO_OK)
		c->broken = 1;
	return e;
}

enum smtpc_ioerr
smtpc_conn_cmd(struct smtpc_conn *c, const char *line, int secs)
{
	struct buf out;
	enum smtpc_ioerr e;

	buf_init(&out, 0);
	smtpc_conn_queue(c, &out, line);
	e = smtpc_conn_flush(c, &out, secs);
	buf_free(&out);
	return e;
}

void
smtpc_conn_close(struct smtpc_conn *c, int quit)
{
	struct smtpc_reply r;
	struct smtpc_timeouts none;
	int secs;

	if (c == NULL)
		return;
	if (quit && !c->broken && c->fd != -1) {
		memset(&none, 0, sizeof(none));
		secs = smtpc_tmo(c->p != NULL ? &c->p->to : &none,
		    SMTPC_TO_QUIT);
		smtpc_reply_init(&r);
		if (smtpc_conn_cmd(c, "QUIT", secs) == SMTPC_IO_OK)
			(void)smtpc_conn_reply(c, &r, secs);
		smtpc_reply_free(&r);
	}
	tls_io_end(&c->io);
	if (c->fd != -1)
		(void)close(c->fd);
	free(c->host);
	free(c->key);
	buf_free(&c->in);
	buf_free(&c->line);
	free(c);
}

/* ---- the cache ---- */

struct smtpc_cache {
	struct smtpc_conn	**v;	/* oldest first */
	size_t			  n, max;
	int			  idle_secs;
	unsigned		  max_msgs;
};

struct smtpc_cache *
smtpc_cache_new(size_t max, int idle_secs, unsigned max_msgs)
{
	struct smtpc_cache *k = xcalloc(1, sizeof(*k));

	k->max = max;
	k->idle_secs = idle_secs > 0 ? idle_secs : 300;
	k->max_msgs = max_msgs;
	if (max > 0)
		k->v = xreallocarray(NULL, max, sizeof(*k->v));
	return k;
}

size_t
smtpc_cache_count(const struct smtpc_cache *k)
{
	return k != NULL ? k->n : 0;
}

static void
cache_drop(struct smtpc_cache *k, size_t i, int quit)
{
	struct smtpc_conn *c = k->v[i];

	memmove(k->v + i, k->v + i + 1, (k->n - i - 1) * sizeof(*k->v));
	k->n--;
	c->p = NULL;		/* the call that used it is over */
	smtpc_conn_close(c, quit);
}

static int
cache_stale(const struct smtpc_cache *k, const struct smtpc_conn *c)
{
	return smtpc_now_ms() - c->lastuse > 1000LL * k->idle_secs;
}

struct smtpc_conn *
smtpc_cache_take(struct smtpc_cache *k, const char *key)
{
	struct smtpc_conn *c;
	size_t i;

	if (k == NULL)
		return NULL;
	for (i = 0; i < k->n; i++) {
		c = k->v[i];
		if (strcmp(c->key, key) != 0)
			continue;
		if (cache_stale(k, c)) {
			cache_drop(k, i, 1);
			return NULL;
		}
		memmove(k->v + i, k->v + i + 1,
		    (k->n - i - 1) * sizeof(*k->v));
		k->n--;
		return c;
	}
	return NULL;
}

void
smtpc_cache_put(struct smtpc_cache *k, struct smtpc_conn *c)
{
	c->lastuse = smtpc_now_ms();
	if (k == NULL || k->max == 0 || c->broken || c->fd == -1 ||
	    (k->max_msgs > 0 && c->nmsgs >= k->max_msgs)) {
		smtpc_conn_close(c, 1);
		return;
	}
	if (k->n == k->max)
		cache_drop(k, 0, 1);
	c->p = NULL;
	k->v[k->n++] = c;
}

void
smtpc_cache_expire(struct smtpc_cache *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = k->n; i > 0; i--)
		if (cache_stale(k, k->v[i - 1]))
			cache_drop(k, i - 1, 1);
}

void
smtpc_cache_free(struct smtpc_cache *k)
{
	if (k == NULL)
		return;
	while (k->n > 0)
		cache_drop(k, k->n - 1, 1);
	free(k->v);
	free(k);
}
