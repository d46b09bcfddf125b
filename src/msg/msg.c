/*
 * msg.c -- the envelope of a message being received: sender,
 * recipients with their DSN records, the macros the qf keeps, and the
 * qf record it all becomes.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "msg.h"
#include "lib/log.h"
#include "lib/str.h"
#include "smtp/smtp.h"
#include "lib/xalloc.h"

void
msg_init(struct msg *m)
{
	memset(m, 0, sizeof(*m));
}

static void
rcpt_free(struct msg_rcpt *r)
{
	free(r->addr);
	free(r->orcpt);
	free(r->final);
	free(r->mailer);
	free(r->host);
	free(r->user);
	free(r->ctl);
	free(r->owner);
	free(r);
}

/* Removes the recipient given as addr ("<a@b>" or "a@b"); 0: none. */
int
msg_del_rcpt(struct msg *m, const char *addr)
{
	const struct msg_rcpt *r;
	size_t i, n = strlen(addr), rn;
	const char *a;

	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
		addr++;
		n -= 2;
	}
	for (i = 0; i < m->rcpts.n; i++) {
		r = m->rcpts.v[i];
		a = r->addr;
		rn = strlen(a);
		if (rn >= 2 && a[0] == '<' && a[rn - 1] == '>') {
			a++;
			rn -= 2;
		}
		if (rn != n || str_ncasecmp(a, addr, n) != 0)
			continue;
		rcpt_free(m->rcpts.v[i]);
		memmove(&m->rcpts.v[i], &m->rcpts.v[i + 1], (m->rcpts.n - i -
		    1) * sizeof(m->rcpts.v[0]));
		m->rcpts.n--;
		return 1;
	}
	return 0;
}

static void
hdr_free(struct msg_hdr *h)
{
	free(h->name);
	free(h->value);
	free(h->cond);
	free(h);
}

void
msg_reset(struct msg *m)
{
	size_t i;

	for (i = 0; i < m->rcpts.n; i++)
		rcpt_free(m->rcpts.v[i]);
	ptrarr_free(&m->rcpts);
	for (i = 0; i < m->hdrs.n; i++)
		hdr_free(m->hdrs.v[i]);
	ptrarr_free(&m->hdrs);
	strarr_free(&m->macros);
	free(m->sender);
	free(m->bodytype);
	free(m->envid);
	free(m->auth);
	free(m->message);
	free(m->quarantine);
	msg_init(m);
}

void
msg_free(struct msg *m)
{
	msg_reset(m);
}

void
msg_set_sender(struct msg *m, const char *s)
{
	free(m->sender);
	m->sender = xstrdup(s);
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

struct msg_rcpt *
msg_add_rcpt(struct msg *m, const char *addr, const char *final,
    const char *mailer, const char *host, const char *user)
{
	struct msg_rcpt *r, *q;
	size_t i, at;

	for (i = 0; i < m->rcpts.n; i++) {
		q = m->rcpts.v[i];
		if (strcmp(nz(q->mailer), nz(mailer)) == 0 &&
		    str_casecmp(nz(q->host), nz(host)) == 0 &&
		    strcmp(nz(q->user), nz(user)) == 0)
			return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->addr = xstrdup(addr);
	r->final = final ? xstrdup(final) : NULL;
	r->mailer = xstrdup(nz(mailer));
	r->host = host ? xstrdup(host) : NULL;
	r->user = xstrdup(nz(user));
	ptrarr_push(&m->rcpts, r);
	/* after every recipient whose host sorts before or equal */
	for (at = m->rcpts.n - 1; at > 0; at--) {
		q = m->rcpts.v[at - 1];
		if (str_casecmp(nz(q->host), nz(host)) <= 0)
			break;
		m->rcpts.v[at] = q;
	}
	m->rcpts.v[at] = r;
	return r;
}

void
msg_macro(struct msg *m, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *pair = xmalloc(nl + vl + 2);

	memcpy(pair, name, nl + 1);
	memcpy(pair + nl + 1, value, vl + 1);
	strarr_pushn(&m->macros, pair, nl + vl + 1);
	free(pair);
}

long
msg_priority(const struct msg *m, struct cf *cf)
{
	long cfact = 1800, rfact = 30000;
	const char *v;

	if ((v = cf_option_value(cf, "ClassFactor")) != NULL)
		cfact = atol(v);
	if ((v = cf_option_value(cf, "RecipientFactor")) != NULL)
		rfact = atol(v);
	return (long)m->size - m->class * cfact + (long)msg_nrcpts(m) * rfact;
}

size_t
msg_nrcpts(const struct msg *m)
{
	return m->rcpts.n + m->nrefused;
}

void
msg_log_queued(const struct msg *m, struct cf *cf, int deferred)
{
	msg_log_queued_env(m, cf, deferred, m->id, NULL);
}

void
msg_log_queued_env(const struct msg *m, struct cf *cf, int deferred,
    const char *id, const char *owner)
{
	struct cf_mailer_info mi;
	long pri = msg_priority(m, cf);
	size_t i;
	int ipc;

	for (i = 0; i < m->rcpts.n; i++) {
		const struct msg_rcpt *r = m->rcpts.v[i];

		if (strcmp(r->owner ? r->owner : "", owner ? owner : "") != 0)
			continue;

		ipc = deferred && cf_mailer_info(cf, r->mailer, &mi) == 0 &&
		    mi.path != NULL && strcmp(mi.path, "[IPC]") == 0;
		log_msg(LOG_INFO, id, "to=%s, delay=00:00:00, mailer=%s, "
		    "pri=%ld, %sstat=queued", r->addr, r->mailer, pri,
		    ipc ? "dsn=4.4.3, " : "");
	}
}

void
msg_to_qf(const struct msg *m, struct cf *cf, struct qf *qf)
{
	size_t i, n;

	memset(qf, 0, sizeof(*qf));
	qf->version = QF_VERSION;
	qf->ctime = (long long)m->ctime;
	qf->has_ctime = 1;
	qf->priority = msg_priority(m, cf);
	qf->has_priority = 1;
	qf->flags = m->eflags;
	qf->bodytype = m->bodytype ? xstrdup(m->bodytype) : NULL;
	qf->sender = xstrdup(m->sender ? m->sender : "");
	qf->envid = m->envid ? xstrdup(m->envid) : NULL;
	qf->auth = m->auth ? xstrdup(m->auth) : NULL;
	qf->message = m->message ? xstrdup(m->message) : NULL;
	qf->quarantine = m->quarantine ? xstrdup(m->quarantine) : NULL;

	qf->macros = xcalloc(m->macros.n + 1, sizeof(*qf->macros));
	for (i = 0; i < m->macros.n; i++) {
		const char *name = m->macros.v[i];

		qf->macros[i].name = xstrdup(name);
		qf->macros[i].braced = strlen(name) != 1;
		qf->macros[i].value = xstrdup(name + strlen(name) + 1);
	}
	qf->nmacros = m->macros.n;

	qf->rcpts = xcalloc(m->rcpts.n + 1, sizeof(*qf->rcpts));
	for (i = 0; i < m->rcpts.n; i++) {
		const struct msg_rcpt *r = m->rcpts.v[i];

		qf->rcpts[i].flags = r->flags;
		qf->rcpts[i].addr = xstrdup(r->addr);
		qf->rcpts[i].orcpt = r->orcpt ? xstrdup(r->orcpt) : NULL;
		qf->rcpts[i].final = r->final ? xstrdup(r->final) : NULL;
		qf->rcpts[i].ctl = r->ctl ? xstrdup(r->ctl) : NULL;
	}
	qf->nrcpts = m->rcpts.n;

	qf->headers = xcalloc(m->hdrs.n + 1, sizeof(*qf->headers));
	for (i = n = 0; i < m->hdrs.n; i++) {
		const struct msg_hdr *h = m->hdrs.v[i];

		if (h->deleted)
			continue;
		qf->headers[n].cond = xstrdup(h->cond ? h->cond : "");
		qf->headers[n].name = xstrdup(h->name);
		qf->headers[n].value = xstrdup(h->value);
		n++;
	}
	qf->nheaders = n;
	qf->terminated = 1;
}

unsigned
msg_notify_flags(const char *v)
{
	unsigned bits = 0, f = QF_R_PRIMARY;

	if (v == NULL || smtp_notify_parse(v, &bits) == -1)
		return f | QF_R_FAILURE | QF_R_DELAY;
	f |= QF_R_NOTIFY;
	if (bits & SMTP_NOTIFY_SUCCESS)
		f |= QF_R_SUCCESS;
	if (bits & SMTP_NOTIFY_FAILURE)
		f |= QF_R_FAILURE;
	if (bits & SMTP_NOTIFY_DELAY)
		f |= QF_R_DELAY;
	return f;
}
