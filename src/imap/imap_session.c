/*
 * imap_session.c -- the IMAP4rev1 state machine (RFC 3501) with the
 * replies dovecot 2.3 gives: bytes in, commands parsed by imap_parse.c,
 * a table of { verb, states, handler }, replies into s->out.  It owns
 * the login phase (LOGIN, AUTHENTICATE PLAIN/LOGIN with SASL-IR,
 * STARTTLS), IDLE, SELECT/EXAMINE and the client's view of the selected
 * mailbox (s->known: sequence numbers, flags, \Recent), which refresh
 * keeps in step with the storage by UID.  Other commands live in
 * imap_fetch.c, imap_search.c and imap_folder.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap_int.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define BAD_MAX_NOTAUTH	3
#define BAD_MAX_AUTH	20

#define ST_N	(1u << IMAP_NOTAUTH)
#define ST_A	(1u << IMAP_AUTH)
#define ST_S	(1u << IMAP_SELECTED)

#define SYSFLAGS (MSG_SEEN | MSG_ANSWERED | MSG_FLAGGED | MSG_DELETED | \
	MSG_DRAFT)

/* ---- replies */

void
imap_reply(struct imap_session *s, const char *fmt, ...)
{
	va_list ap;

	(void)buf_adds(&s->out, "* ");
	va_start(ap, fmt);
	(void)buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	(void)buf_add(&s->out, "\r\n", 2);
}

void
imap_tagged(struct imap_session *s, const char *tag, const char *fmt, ...)
{
	va_list ap;

	(void)buf_printf(&s->out, "%s ", tag ? tag : "*");
	va_start(ap, fmt);
	(void)buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	(void)buf_add(&s->out, "\r\n", 2);
}

static void
set_state(struct imap_session *s, enum imap_state st)
{
	if (s->state != st)
		log_plain(LOG_DEBUG, "imap: state %d -> %d", s->state, st);
	s->state = st;
}

void
imap_capability(const struct imap_session *s, struct buf *out)
{
	(void)buf_adds(out, "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE");
	if (s->state != IMAP_NOTAUTH) {
		/* dovecot's order, without what we lack */
		(void)buf_adds(out, " SORT SORT=DISPLAY THREAD=REFERENCES "
		    "THREAD=ORDEREDSUBJECT MULTIAPPEND UNSELECT CHILDREN "
		    "NAMESPACE UIDPLUS ESEARCH MOVE STATUS=SIZE LITERAL+ "
		    "SPECIAL-USE");
		return;
	}
	(void)buf_adds(out, " LITERAL+");
	if (s->cfg->ssl != 0 && !s->tls)
		(void)buf_adds(out, " STARTTLS");
	if (!s->tls && !s->secured && (s->cfg->disable_plaintext_auth ||
	    s->cfg->ssl == 2))
		(void)buf_adds(out, " LOGINDISABLED");
	else {
		struct strarr w = { 0 };
		size_t i;

		str_split(s->cfg->mechanisms, " ,\t", &w);
		for (i = 0; i < w.n; i++)
			buf_printf(out, " AUTH=%s", w.v[i]);
		strarr_free(&w);
	}
}

void
imap_session_init(struct imap_session *s, const struct imap_cfg *cfg,
    int tls, int secured)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->tls = tls;
	s->secured = secured || tls;
	s->state = IMAP_NOTAUTH;
	imap_limits_default(&s->lim, 0);
	buf_init(&s->in, 0);
	buf_init(&s->out, 0);
}

static void
unselect(struct imap_session *s)
{
	mailbox_free(s->mb);
	s->mb = NULL;
	free(s->mbname);
	s->mbname = NULL;
	free(s->known);
	s->known = NULL;
	s->nknown = s->capknown = 0;
	s->dirty = 0;
	if (s->state == IMAP_SELECTED)
		set_state(s, IMAP_AUTH);
}

void
imap_session_free(struct imap_session *s)
{
	if (s == NULL)
		return;
	unselect(s);
	buf_free(&s->in);
	buf_free(&s->out);
	free(s->auth_tag);
	free(s->auth_mech);
	free(s->auth_user);
	free(s->idle_tag);
	free(s->user);
	free(s->method);
	if (s->have_loc)
		mail_location_free(&s->loc);
}

void
imap_session_greet(struct imap_session *s)
{
	struct buf c;

	buf_init(&c, 0);
	imap_capability(s, &c);
	imap_reply(s, "OK [CAPABILITY %s] %s", c.data, s->cfg->greeting);
	buf_free(&c);
}

/* ---- the selected mailbox's view */

unsigned
imap_cur_flags(const struct mailbox_msg *m)
{
	return ((m->flags | m->set_flags) & ~m->clr_flags) & SYSFLAGS;
}

uint32_t
imap_cur_kw(const struct mailbox_msg *m)
{
	return (m->kw | m->set_kw) & ~m->clr_kw;
}

void
imap_flags_out(struct imap_session *s, struct buf *b, unsigned f,
    uint32_t kw, int recent)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} names[] = {
		{ MSG_ANSWERED, "\\Answered" }, { MSG_FLAGGED, "\\Flagged" },
		{ MSG_DELETED, "\\Deleted" }, { MSG_SEEN, "\\Seen" },
		{ MSG_DRAFT, "\\Draft" }
	};
	size_t i, n = 0;

	(void)buf_addc(b, '(');
	for (i = 0; i < 5; i++)
		if (f & names[i].bit)
			buf_printf(b, "%s%s", n++ ? " " : "", names[i].name);
	if (recent)
		buf_printf(b, "%s\\Recent", n++ ? " " : "");
	for (i = 0; s->mb != NULL && i < s->mb->nkw; i++)
		if (kw & ((uint32_t)1 << i))
			buf_printf(b, "%s%s", n++ ? " " : "", s->mb->kw[i]);
	(void)buf_addc(b, ')');
}

static long
find_uid(const struct mailbox *mb, uint32_t uid)
{
	size_t lo = 0, hi = mb->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mb->msgs[mid].uid == uid)
			return (long)mid;
		if (mb->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

long
imap_msg_index(struct imap_session *s, size_t seq)
{
	if (seq == 0 || seq > s->nknown || s->mb == NULL)
		return -1;
	return find_uid(s->mb, s->known[seq - 1].uid);
}

static void
known_push(struct imap_known **v, size_t *n, size_t *cap,
    const struct imap_known *k)
{
	if (*n == *cap) {
		*cap = *cap ? xmul(*cap, 2) : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = *k;
}

/* A commit or reload may renumber the mailbox's keywords (another
 * session added some meanwhile): the client's view follows by name. */
static int
keep_keywords(struct imap_session *s, int reload, struct err *err)
{
	char *old[MAILBOX_KW_MAX];
	int map[MAILBOX_KW_MAX];
	size_t nold = s->mb->nkw, i, b;
	int rc, same = 1;

	for (i = 0; i < nold; i++)
		old[i] = xstrdup(s->mb->kw[i]);
	rc = reload ? mailbox_reload(s->mb, err) :
	    mailbox_commit(s->mb, err);
	for (i = 0; i < nold; i++) {
		map[i] = mailbox_kw_index(s->mb, old[i], 0);
		same &= map[i] == (int)i;
		free(old[i]);
	}
	for (i = 0; !same && i < s->nknown; i++) {
		uint32_t out = 0;

		for (b = 0; b < nold; b++)
			if ((s->known[i].kw & ((uint32_t)1 << b)) && map[b] >= 0)
				out |= (uint32_t)1 << map[b];
		s->known[i].kw = out;
	}
	if (!same)
		s->nkw_told = 0;	/* FLAGS again */
	return rc;
}

/* \Recent belongs to one session: a small file beside the mailbox
 * (dovecot keeps first_recent_uid in its index) holds the first UID no
 * session has claimed yet; claiming moves it to UIDNEXT.  Returns the
 * previous value (messages from there on are ours), 0 when there is no
 * such file to use (then Status: O / new/ decide). */
uint32_t
imap_recent_first(struct imap_session *s, struct mailbox *mb,
    const char *name, int claim)
{
	struct buf p;
	char num[64];
	ssize_t n;
	uint32_t first = 0;
	int fd;

	buf_init(&p, 0);
	if (mb->format == MAILBOX_MAILDIR)
		buf_printf(&p, "%s", mb->path);
	else {
		const char *c;

		buf_printf(&p, "%s/.imap", s->loc.index ? s->loc.index :
		    s->loc.root);
		(void)mkdir(p.data, 0700);
		(void)buf_addc(&p, '/');
		for (c = name; *c; c++) {
			if (*c == s->sep) {
				(void)mkdir(p.data, 0700);
				(void)buf_addc(&p, '/');
			} else
				(void)buf_addc(&p, *c);
		}
		(void)mkdir(p.data, 0700);
	}
	(void)buf_adds(&p, "/mailboxd-recent");
	fd = open(p.data, (claim ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	buf_free(&p);
	if (fd == -1)
		return 0;
	if (flock(fd, claim ? LOCK_EX : LOCK_SH) == 0) {
		char *end;
		uint32_t uv;

		n = pread(fd, num, sizeof(num) - 1, 0);
		num[n > 0 ? n : 0] = '\0';
		/* "<uidvalidity> <first recent uid>" */
		uv = (uint32_t)strtoul(num, &end, 10);
		first = (uint32_t)strtoul(end, NULL, 10);
		if (uv != mb->uidvalidity)
			first = 0;
		/* a new file: Status: O and new/ decided until now */
		if (claim && (first == 0 || mb->uidnext > first)) {
			n = snprintf(num, sizeof(num), "%" PRIu32 " %" PRIu32
			    "\n", mb->uidvalidity, mb->uidnext);
			if (pwrite(fd, num, (size_t)n, 0) == n)
				(void)ftruncate(fd, n);
		}
	}
	(void)close(fd);
	return first;
}

/* Compares the client's view with the storage by UID and reports the
 * difference: EXPUNGE (when allowed; else the message stays as a ghost
 * the client can still name), FETCH FLAGS, EXISTS and RECENT. */
static void
diff(struct imap_session *s, int allow_expunge)
{
	struct imap_known *nv = NULL;
	size_t nn = 0, ncap = 0, i = 0, j = 0, added = 0, recent = 0;
	size_t claimed = 0;
	uint32_t first = 0;
	int claimed_now = 0;
	const struct mailbox *mb = s->mb;
	struct buf b;

	s->reloaded = 0;
	imap_announce_keywords(s);
	buf_init(&b, 0);
	while (i < s->nknown || j < mb->n) {
		struct imap_known k;

		if (i < s->nknown && (j == mb->n ||
		    s->known[i].uid < mb->msgs[j].uid)) {
			if (allow_expunge)
				imap_reply(s, "%zu EXPUNGE", nn + 1);
			else
				known_push(&nv, &nn, &ncap, &s->known[i]);
			i++;
			continue;
		}
		if (i < s->nknown && s->known[i].uid == mb->msgs[j].uid) {
			k = s->known[i];
			if (k.flags != imap_cur_flags(&mb->msgs[j]) ||
			    k.kw != imap_cur_kw(&mb->msgs[j])) {
				k.flags = imap_cur_flags(&mb->msgs[j]);
				k.kw = imap_cur_kw(&mb->msgs[j]);
				buf_reset(&b);
				imap_flags_out(s, &b, k.flags, k.kw, k.recent);
				imap_reply(s, "%zu FETCH (UID %" PRIu32
				    " FLAGS %s)", nn + 1, k.uid, b.data);
			}
			known_push(&nv, &nn, &ncap, &k);
			i++;
			j++;
			continue;
		}
		/* a message the client does not know yet */
		if (nn == 0 || mb->msgs[j].uid > nv[nn - 1].uid) {
			k.uid = mb->msgs[j].uid;
			k.flags = imap_cur_flags(&mb->msgs[j]);
			k.kw = imap_cur_kw(&mb->msgs[j]);
			/* new to the session: \Recent here, old for the
			 * others (unless someone else claimed it first) */
			if (!claimed_now) {
				first = imap_recent_first(s, s->mb, s->mbname, 1);
				claimed_now = 1;
			}
			k.recent = first > 0 ? mb->msgs[j].uid >= first :
			    !(mb->msgs[j].flags & MSG_OLD);
			if (k.recent && !s->readonly) {
				mb->msgs[j].set_flags |= MSG_OLD;
				claimed++;
			}
			recent += k.recent != 0;
			known_push(&nv, &nn, &ncap, &k);
			added++;
		}
		j++;
	}
	free(s->known);
	s->known = nv;
	s->nknown = nn;
	s->capknown = ncap;
	if (added > 0 || (allow_expunge && i > 0 && nn != i)) {
		imap_reply(s, "%zu EXISTS", nn);
		recent = 0;
		for (i = 0; i < nn; i++)
			recent += s->known[i].recent != 0;
		imap_reply(s, "%zu RECENT", recent);
	}
	buf_free(&b);
	if (claimed > 0 && mb->format == MAILBOX_MAILDIR) {
		/* others see them as old now: Status: O, or cur/ */
		struct err err;

		err_clear(&err);
		if (keep_keywords(s, 0, &err) == -1)
			log_plain(LOG_ERR, "imap(%s): %s: %s", s->user,
			    s->mbname, err.msg);
	}
}

int
imap_commit(struct imap_session *s, const char *tag)
{
	struct err err;
	size_t i;
	int todo = s->dirty;

	if (s->mb == NULL || s->readonly)
		return 0;
	for (i = 0; i < s->mb->n && !todo; i++)
		todo = s->mb->msgs[i].expunge;
	if (!todo)
		return 0;
	err_clear(&err);
	if (keep_keywords(s, 0, &err) == -1) {
		log_plain(LOG_ERR, "imap(%s): %s: %s", s->user, s->mbname,
		    err.msg);
		if (tag != NULL)
			imap_tagged(s, tag, "NO [SERVERBUG] Internal error "
			    "occurred. Refer to server log for more "
			    "information.");
		return -1;
	}
	s->dirty = 0;
	s->reloaded = 1;
	return 0;
}

void
imap_refresh(struct imap_session *s, int allow_expunge)
{
	struct err err;
	size_t i;
	int expunges = 0;

	if (s->mb == NULL)
		return;
	for (i = 0; i < s->mb->n && !expunges; i++)
		expunges = s->mb->msgs[i].expunge;
	if (!expunges && !s->reloaded && !mailbox_changed(s->mb)) {
		/* nothing new; ghosts can go now */
		if (allow_expunge && s->nknown > 0)
			for (i = 0; i < s->nknown; i++)
				if (find_uid(s->mb, s->known[i].uid) < 0) {
					diff(s, 1);
					break;
				}
		return;
	}
	if (s->dirty && imap_commit(s, NULL) == -1)
		return;
	err_clear(&err);
	if (mailbox_changed(s->mb) && keep_keywords(s, 1, &err) == -1) {
		log_plain(LOG_ERR, "imap(%s): %s: %s", s->user, s->mbname,
		    err.msg);
		return;
	}
	diff(s, allow_expunge);
}

/* ---- sequence sets */

static int
range_cmp(const void *a, const void *b)
{
	const struct imap_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* First known index (0-based) with uid >= u. */
static size_t
known_lower(const struct imap_session *s, uint32_t u)
{
	size_t lo = 0, hi = s->nknown;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->known[mid].uid < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
imap_set_resolve(struct imap_session *s, const char *tag, const char *set,
    int uid, struct imap_seqset *out)
{
	struct imap_seqset in;
	size_t i, n = 0;

	out->v = NULL;
	out->n = 0;
	if (imap_seqset_parse(set, strlen(set), &in) == -1) {
		imap_tagged(s, tag, "BAD Error in IMAP command: Invalid "
		    "messageset");
		return -1;
	}
	out->v = xreallocarray(NULL, in.n ? in.n : 1, sizeof(*out->v));
	for (i = 0; i < in.n; i++) {
		uint32_t lo = in.v[i].lo, hi = in.v[i].hi, t;

		if (uid) {
			uint32_t max = s->nknown ?
			    s->known[s->nknown - 1].uid : 0;
			size_t a, b;

			lo = lo == 0 ? max : lo;
			hi = hi == 0 ? max : hi;
			if (lo > hi) {
				t = lo;
				lo = hi;
				hi = t;
			}
			a = known_lower(s, lo);
			b = hi == UINT32_MAX ? s->nknown : known_lower(s,
			    hi + 1);
			if (a >= b)
				continue;
			out->v[n].lo = (uint32_t)a + 1;
			out->v[n++].hi = (uint32_t)b;
		} else {
			lo = lo == 0 ? (uint32_t)s->nknown : lo;
			hi = hi == 0 ? (uint32_t)s->nknown : hi;
			if (lo > hi) {
				t = lo;
				lo = hi;
				hi = t;
			}
			if (lo == 0 || hi > s->nknown) {
				imap_seqset_free(&in);
				imap_seqset_free(out);
				imap_tagged(s, tag, "BAD Error in IMAP "
				    "command: Invalid messageset");
				return -1;
			}
			out->v[n].lo = lo;
			out->v[n++].hi = hi;
		}
	}
	imap_seqset_free(&in);
	/* sorted, overlaps merged: each message once, in order */
	if (n > 1)
		qsort(out->v, n, sizeof(*out->v), range_cmp);
	out->n = 0;
	for (i = 0; i < n; i++) {
		if (out->n > 0 && out->v[i].lo <= out->v[out->n - 1].hi + 1) {
			if (out->v[i].hi > out->v[out->n - 1].hi)
				out->v[out->n - 1].hi = out->v[i].hi;
		} else
			out->v[out->n++] = out->v[i];
	}
	return 0;
}

/* ---- small parsers */

int
imap_flag_parse(const char *name, unsigned *flag_out)
{
	static const struct {
		const char	*name;
		unsigned	 bit;
	} f[] = {
		{ "\\Seen", MSG_SEEN }, { "\\Answered", MSG_ANSWERED },
		{ "\\Flagged", MSG_FLAGGED }, { "\\Deleted", MSG_DELETED },
		{ "\\Draft", MSG_DRAFT }
	};
	size_t i;
	const char *p;

	*flag_out = 0;
	if (name[0] == '\\') {
		for (i = 0; i < 5; i++)
			if (str_casecmp(name, f[i].name) == 0) {
				*flag_out = f[i].bit;
				return 1;
			}
		return -1;	/* \Recent and unknown system flags */
	}
	if (*name == '\0')
		return -1;
	for (p = name; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("(){%*\"\\]", *p) != NULL)
			return -1;
	return 0;
}

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
	"Oct", "Nov", "Dec"
};

/* "1-Feb-1994" */
int
imap_date_parse(const char *s, time_t *out)
{
	struct tm tm;
	int d, y, m;
	char mon[4];

	if (sscanf(s, "%2d-%3c-%4d", &d, mon, &y) != 3)
		return -1;
	mon[3] = '\0';
	for (m = 0; m < 12; m++)
		if (str_casecmp(mon, months[m]) == 0)
			break;
	if (m == 12 || d < 1 || d > 31 || y < 1900)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = d;
	tm.tm_mon = m;
	tm.tm_year = y - 1900;
	*out = timegm(&tm);
	return 0;
}

/* " 1-Feb-1994 21:52:25 -0800" */
int
imap_datetime_parse(const char *s, time_t *out)
{
	int H, M, S, zone;
	char sign;
	const char *sp;
	time_t day;

	while (*s == ' ')
		s++;
	if (imap_date_parse(s, &day) == -1 ||
	    (sp = strchr(s, ' ')) == NULL)
		return -1;
	if (sscanf(sp, " %2d:%2d:%2d %c%4d", &H, &M, &S, &sign, &zone) != 5 ||
	    (sign != '+' && sign != '-') || H > 23 || M > 59 || S > 60)
		return -1;
	zone = (zone / 100) * 3600 + (zone % 100) * 60;
	*out = day + H * 3600 + M * 60 + S - (sign == '-' ? -zone : zone);
	return 0;
}

void
imap_datetime_out(struct buf *b, time_t t)
{
	struct tm tm;

	(void)gmtime_r(&t, &tm);
	buf_printf(b, "\"%02d-%s-%04d %02d:%02d:%02d +0000\"", tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

const char *
imap_arg_string(const struct imap_arg *a)
{
	if (a->type == IMAP_ARG_LIST)
		return NULL;
	if (a->type == IMAP_ARG_LITERAL && memchr(a->str, '\0', a->len))
		return NULL;
	return a->str;
}

/* ---- not authenticated */

static void
cmd_capability(struct imap_session *s, struct imap_cmd *c)
{
	struct buf b;

	buf_init(&b, 0);
	imap_capability(s, &b);
	imap_reply(s, "CAPABILITY %s", b.data);
	buf_free(&b);
	imap_tagged(s, c->tag, s->state == IMAP_NOTAUTH ?
	    "OK Pre-login capabilities listed, post-login capabilities "
	    "have more." : "OK Capability completed.");
}

static void
cmd_noop(struct imap_session *s, struct imap_cmd *c)
{
	if (s->dirty)
		(void)imap_commit(s, NULL);
	imap_refresh(s, 1);
	imap_tagged(s, c->tag, "OK NOOP completed.");
}

static void
cmd_check(struct imap_session *s, struct imap_cmd *c)
{
	if (imap_commit(s, c->tag) == -1)
		return;
	imap_refresh(s, 1);
	imap_tagged(s, c->tag, "OK Check completed.");
}

static void
cmd_logout(struct imap_session *s, struct imap_cmd *c)
{
	(void)imap_commit(s, NULL);
	imap_reply(s, "BYE Logging out");
	imap_tagged(s, c->tag, "OK Logout completed.");
	unselect(s);
	set_state(s, IMAP_LOGOUT);
}

static void
cmd_id(struct imap_session *s, struct imap_cmd *c)
{
	imap_reply(s, "ID (\"name\" \"mailboxd\")");
	imap_tagged(s, c->tag, "OK ID completed.");
}

static void
cmd_starttls(struct imap_session *s, struct imap_cmd *c)
{
	if (s->tls) {
		imap_tagged(s, c->tag, "BAD TLS is already active.");
		return;
	}
	if (s->cfg->ssl == 0) {
		imap_tagged(s, c->tag, "BAD TLS support isn't enabled.");
		return;
	}
	imap_tagged(s, c->tag, "OK Begin TLS negotiation now.");
	s->want_tls = 1;
}

void
imap_session_tls_started(struct imap_session *s)
{
	s->want_tls = 0;
	s->tls = 1;
	s->secured = 1;
	buf_reset(&s->in);	/* nothing pipelined before TLS counts */
}

static int
plaintext_ok(const struct imap_session *s)
{
	if (s->tls || s->secured)
		return 1;
	return !s->cfg->disable_plaintext_auth && s->cfg->ssl != 2;
}

static int
mech_enabled(const struct imap_session *s, const char *mech)
{
	struct strarr w = { 0 };
	size_t i;
	int on = 0;

	str_split(s->cfg->mechanisms, " ,\t", &w);
	for (i = 0; i < w.n; i++)
		if (str_casecmp(w.v[i], mech) == 0)
			on = 1;
	strarr_free(&w);
	return on;
}

static void
do_login(struct imap_session *s, const char *tag, const char *user,
    const char *pass, const char *method)
{
	struct mail_location loc;
	char *name = NULL;
	enum imap_login r;
	struct buf b;

	memset(&loc, 0, sizeof(loc));
	r = s->cfg->login(s->cfg->ctx, user, pass, method, &name, &loc);
	switch (r) {
	case IMAP_LOGIN_OK:
		s->user = name;
		s->method = xstrdup(method);
		s->loc = loc;
		s->have_loc = 1;
		s->sep = s->cfg->sep ? s->cfg->sep :
		    (loc.format == MAILBOX_MBOX ? '/' : '.');
		set_state(s, IMAP_AUTH);
		imap_limits_default(&s->lim, 1);
		if (s->cfg->max_literal > 0)
			s->lim.max_literal = s->cfg->max_literal;
		s->bad = 0;
		imap_autocreate(s);
		buf_init(&b, 0);
		imap_capability(s, &b);
		imap_tagged(s, tag, "OK [CAPABILITY %s] Logged in", b.data);
		buf_free(&b);
		return;
	case IMAP_LOGIN_FAILED:
		imap_tagged(s, tag, "NO [AUTHENTICATIONFAILED] Authentication "
		    "failed.");
		break;
	case IMAP_LOGIN_TEMPFAIL:
		imap_tagged(s, tag, "NO [UNAVAILABLE] Temporary authentication "
		    "failure.");
		break;
	case IMAP_LOGIN_MAILBOX:
		imap_tagged(s, tag, "NO [SERVERBUG] Internal error occurred. "
		    "Refer to server log for more information.");
		break;
	}
	free(name);
}

static void
privacy_refused(struct imap_session *s, const char *tag)
{
	imap_tagged(s, tag, "NO [PRIVACYREQUIRED] Plaintext authentication "
	    "disallowed on non-secure (SSL/TLS) connections.");
}

static void
cmd_login(struct imap_session *s, struct imap_cmd *c)
{
	const char *user, *pass;

	if (c->nargs != 2 || (user = imap_arg_string(&c->args[0])) == NULL ||
	    (pass = imap_arg_string(&c->args[1])) == NULL) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command LOGIN: "
		    "Invalid arguments.");
		return;
	}
	if (!plaintext_ok(s)) {
		imap_reply(s, "BAD [ALERT] Plaintext authentication not "
		    "allowed without SSL/TLS, but your client did it anyway. "
		    "If anyone was listening, the password was exposed.");
		privacy_refused(s, c->tag);
		return;
	}
	do_login(s, c->tag, user, pass, "PLAIN");
}

static void
auth_done(struct imap_session *s)
{
	free(s->auth_tag);
	free(s->auth_mech);
	free(s->auth_user);
	s->auth_tag = s->auth_mech = s->auth_user = NULL;
	s->auth_step = 0;
}

/* One SASL response (base64, or "*" to cancel). */
static void
auth_response(struct imap_session *s, const char *line, size_t len)
{
	struct buf dec;
	char *tag = s->auth_tag;

	if (len == 1 && line[0] == '*') {
		imap_tagged(s, tag, "BAD Authentication aborted by client.");
		auth_done(s);
		return;
	}
	buf_init(&dec, 8192);
	if ((len == 1 && line[0] == '=') ? 0 :
	    base64_decode(line, len, &dec) == -1) {
		imap_tagged(s, tag, "BAD Invalid base64 data in continued "
		    "response");
		buf_free(&dec);
		auth_done(s);
		return;
	}
	if (str_casecmp(s->auth_mech, "PLAIN") == 0) {
		/* authzid NUL authcid NUL passwd */
		const char *a = dec.data ? dec.data : "";
		const char *u = memchr(a, '\0', dec.len);
		const char *p = u ? memchr(u + 1, '\0',
		    dec.len - (size_t)(u + 1 - a)) : NULL;

		if (u == NULL || p == NULL || (u > a && (size_t)(u - a) !=
		    (size_t)(p - u - 1)) || (u > a && memcmp(a, u + 1,
		    (size_t)(u - a)) != 0)) {
			imap_tagged(s, tag, "NO [AUTHENTICATIONFAILED] "
			    "Authentication failed.");
		} else {
			char *pass = xstrndup(p + 1,
			    dec.len - (size_t)(p + 1 - a));
			char *user = xstrdup(u + 1);

			do_login(s, tag, user, pass, "PLAIN");
			free(user);
			free(pass);
		}
		auth_done(s);
	} else if (s->auth_step == 0) {
		/* LOGIN: the user name, then the password */
		s->auth_user = xstrndup(dec.data ? dec.data : "", dec.len);
		s->auth_step = 1;
		(void)buf_adds(&s->out, "+ UGFzc3dvcmQ6\r\n");
	} else {
		char *pass = xstrndup(dec.data ? dec.data : "", dec.len);

		do_login(s, tag, s->auth_user, pass, "LOGIN");
		free(pass);
		auth_done(s);
	}
	buf_free(&dec);
}

static void
cmd_authenticate(struct imap_session *s, struct imap_cmd *c)
{
	const char *mech;

	if (c->nargs < 1 || c->nargs > 2 ||
	    c->args[0].type != IMAP_ARG_ATOM) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command "
		    "AUTHENTICATE: Invalid arguments.");
		return;
	}
	mech = c->args[0].str;
	if ((str_casecmp(mech, "PLAIN") != 0 &&
	    str_casecmp(mech, "LOGIN") != 0) || !mech_enabled(s, mech)) {
		imap_tagged(s, c->tag, "NO Unsupported authentication "
		    "mechanism.");
		return;
	}
	if (!plaintext_ok(s)) {
		privacy_refused(s, c->tag);
		return;
	}
	s->auth_tag = xstrdup(c->tag);
	s->auth_mech = xstrdup(mech);
	s->auth_step = 0;
	if (c->nargs == 2) {
		const char *ir = imap_arg_string(&c->args[1]);

		if (ir == NULL) {
			imap_tagged(s, c->tag, "BAD Invalid initial response");
			auth_done(s);
			return;
		}
		auth_response(s, ir, strlen(ir));
		return;
	}
	(void)buf_adds(&s->out, str_casecmp(mech, "LOGIN") == 0 ?
	    "+ VXNlcm5hbWU6\r\n" : "+ \r\n");
}

/* ---- authenticated */

static void
cmd_enable(struct imap_session *s, struct imap_cmd *c)
{
	/* nothing we can enable yet (CONDSTORE, QRESYNC, UTF8=ACCEPT) */
	imap_reply(s, "ENABLED");
	imap_tagged(s, c->tag, "OK Enabled.");
}

static void
cmd_namespace(struct imap_session *s, struct imap_cmd *c)
{
	imap_reply(s, "NAMESPACE ((\"\" \"%s%c\")) NIL NIL",
	    s->sep == '\\' || s->sep == '"' ? "\\" : "", s->sep);
	imap_tagged(s, c->tag, "OK Namespace completed.");
}

static void
flags_line(struct imap_session *s, struct buf *b, int perm)
{
	size_t i;

	(void)buf_adds(b, "(\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (i = 0; i < s->mb->nkw; i++)
		buf_printf(b, " %s", s->mb->kw[i]);
	if (perm)
		(void)buf_adds(b, " \\*");
	(void)buf_addc(b, ')');
}

void
imap_announce_keywords(struct imap_session *s)
{
	struct buf b;

	if (s->mb == NULL || s->mb->nkw <= s->nkw_told)
		return;
	buf_init(&b, 0);
	flags_line(s, &b, 0);
	imap_reply(s, "FLAGS %s", b.data);
	buf_reset(&b);
	if (!s->readonly) {
		flags_line(s, &b, 1);
		imap_reply(s, "OK [PERMANENTFLAGS %s] Flags permitted.",
		    b.data);
	}
	buf_free(&b);
	s->nkw_told = s->mb->nkw;
}

static void
select_common(struct imap_session *s, struct imap_cmd *c, int readonly)
{
	struct mailbox *mb;
	struct buf path, b;
	struct err err;
	struct stat st;
	const char *name;
	size_t i, recent = 0, unseen = 0;
	uint32_t first;

	if (c->nargs != 1 || (name = imap_arg_string(&c->args[0])) == NULL) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %s: "
		    "Invalid arguments.", c->name);
		return;
	}
	if (s->mb != NULL) {
		(void)imap_commit(s, NULL);
		unselect(s);
	}
	buf_init(&path, 0);
	if (imap_mailbox_path(s, c->tag, name, &path) == -1) {
		buf_free(&path);
		return;
	}
	if (!mailbox_is_inbox(name) && (stat(path.data, &st) == -1 ||
	    (s->loc.format == MAILBOX_MBOX && !S_ISREG(st.st_mode)) ||
	    (s->loc.format == MAILBOX_MAILDIR && !S_ISDIR(st.st_mode)))) {
		if (stat(path.data, &st) == 0)
			imap_tagged(s, c->tag, "NO Mailbox isn't selectable");
		else
			imap_tagged(s, c->tag, "NO [NONEXISTENT] Mailbox "
			    "doesn't exist: %s", name);
		buf_free(&path);
		return;
	}
	err_clear(&err);
	mb = mailbox_open(s->loc.format, path.data, s->cfg->locks, &err);
	buf_free(&path);
	if (mb == NULL) {
		log_plain(LOG_ERR, "imap(%s): %s: %s", s->user, name, err.msg);
		imap_tagged(s, c->tag, "NO [SERVERBUG] Internal error "
		    "occurred. Refer to server log for more information.");
		return;
	}
	mb->write_flags = 1;
	s->mb = mb;
	s->mbname = xstrdup(mailbox_is_inbox(name) ? "INBOX" : name);
	s->readonly = readonly;
	set_state(s, IMAP_SELECTED);
	first = readonly ? 0 : imap_recent_first(s, s->mb, s->mbname, 1);
	for (i = 0; i < mb->n; i++) {
		struct imap_known k;

		k.uid = mb->msgs[i].uid;
		k.flags = imap_cur_flags(&mb->msgs[i]);
		k.kw = imap_cur_kw(&mb->msgs[i]);
		k.recent = first > 0 ? k.uid >= first :
		    !(mb->msgs[i].flags & MSG_OLD);
		recent += k.recent != 0;
		if (unseen == 0 && !(k.flags & MSG_SEEN))
			unseen = i + 1;
		known_push(&s->known, &s->nknown, &s->capknown, &k);
		/* \Recent is ours now: others see these as old */
		if (k.recent && !readonly)
			mb->msgs[i].set_flags |= MSG_OLD;
	}
	if (recent > 0 && !readonly && mb->format == MAILBOX_MAILDIR &&
	    mailbox_commit(mb, &err) == -1)
		log_plain(LOG_ERR, "imap(%s): %s: %s", s->user, name, err.msg);
	s->nkw_told = mb->nkw;
	buf_init(&b, 0);
	flags_line(s, &b, 0);
	imap_reply(s, "FLAGS %s", b.data);
	buf_reset(&b);
	if (readonly)
		imap_reply(s, "OK [PERMANENTFLAGS ()] Read-only mailbox.");
	else {
		flags_line(s, &b, 1);
		imap_reply(s, "OK [PERMANENTFLAGS %s] Flags permitted.",
		    b.data);
	}
	buf_free(&b);
	imap_reply(s, "%zu EXISTS", s->nknown);
	imap_reply(s, "%zu RECENT", recent);
	if (unseen > 0)
		imap_reply(s, "OK [UNSEEN %zu] First unseen.", unseen);
	imap_reply(s, "OK [UIDVALIDITY %" PRIu32 "] UIDs valid",
	    mb->uidvalidity);
	imap_reply(s, "OK [UIDNEXT %" PRIu32 "] Predicted next UID",
	    mb->uidnext);
	imap_tagged(s, c->tag, readonly ? "OK [READ-ONLY] Examine completed." :
	    "OK [READ-WRITE] Select completed.");
}

static void
cmd_select(struct imap_session *s, struct imap_cmd *c)
{
	select_common(s, c, 0);
}

static void
cmd_examine(struct imap_session *s, struct imap_cmd *c)
{
	select_common(s, c, 1);
}

static void
cmd_idle(struct imap_session *s, struct imap_cmd *c)
{
	if (s->dirty)
		(void)imap_commit(s, NULL);
	imap_refresh(s, 1);
	s->idle_tag = xstrdup(c->tag);
	(void)buf_adds(&s->out, "+ idling\r\n");
}

void
imap_session_tick(struct imap_session *s)
{
	if (s->idle_tag != NULL && s->state == IMAP_SELECTED)
		imap_refresh(s, 1);
}

/* ---- selected */

/* Marks \Deleted messages (in set, when given) for expunge. */
static int
expunge(struct imap_session *s, const char *tag,
    const struct imap_seqset *set)
{
	size_t i, r;

	if (s->readonly)
		return 0;
	if (set == NULL) {
		for (i = 0; i < s->mb->n; i++)
			if (imap_cur_flags(&s->mb->msgs[i]) & MSG_DELETED)
				s->mb->msgs[i].expunge = 1;
	} else
		for (r = 0; r < set->n; r++)
			for (i = set->v[r].lo; i <= set->v[r].hi; i++) {
				long x = imap_msg_index(s, i);

				if (x >= 0 && (imap_cur_flags(&s->mb->msgs[x]) &
				    MSG_DELETED))
					s->mb->msgs[x].expunge = 1;
			}
	return imap_commit(s, tag);
}

static void
cmd_close(struct imap_session *s, struct imap_cmd *c)
{
	if (expunge(s, c->tag, NULL) == -1)
		return;
	unselect(s);
	imap_tagged(s, c->tag, "OK Close completed.");
}

static void
cmd_unselect(struct imap_session *s, struct imap_cmd *c)
{
	(void)imap_commit(s, NULL);
	unselect(s);
	imap_tagged(s, c->tag, "OK Unselect completed.");
}

static void
cmd_expunge(struct imap_session *s, struct imap_cmd *c)
{
	if (s->readonly) {
		imap_tagged(s, c->tag, "NO Mailbox is read-only.");
		return;
	}
	if (expunge(s, c->tag, NULL) == -1)
		return;
	imap_refresh(s, 1);
	imap_tagged(s, c->tag, "OK Expunge completed.");
}

static void
cmd_uid(struct imap_session *s, struct imap_cmd *c)
{
	struct imap_cmd sub;
	const char *verb;

	if (c->nargs < 1 || c->args[0].type != IMAP_ARG_ATOM) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command UID: "
		    "Invalid arguments.");
		return;
	}
	verb = c->args[0].str;
	sub = *c;
	sub.name = c->args[0].str;
	sub.args = c->args + 1;
	sub.nargs = c->nargs - 1;
	if (str_casecmp(verb, "FETCH") == 0)
		imap_cmd_fetch(s, &sub, 1);
	else if (str_casecmp(verb, "STORE") == 0)
		imap_cmd_store(s, &sub, 1);
	else if (str_casecmp(verb, "SEARCH") == 0)
		imap_cmd_search(s, &sub, 1);
	else if (str_casecmp(verb, "SORT") == 0)
		imap_cmd_sort(s, &sub, 1);
	else if (str_casecmp(verb, "THREAD") == 0)
		imap_cmd_thread(s, &sub, 1);
	else if (str_casecmp(verb, "COPY") == 0)
		imap_cmd_copy(s, &sub, 1, 0);
	else if (str_casecmp(verb, "MOVE") == 0)
		imap_cmd_copy(s, &sub, 1, 1);
	else if (str_casecmp(verb, "EXPUNGE") == 0) {
		struct imap_seqset set;

		if (s->readonly) {
			imap_tagged(s, c->tag, "NO Mailbox is read-only.");
			return;
		}
		if (sub.nargs != 1 || sub.args[0].type != IMAP_ARG_ATOM) {
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "UID EXPUNGE: Invalid arguments.");
			return;
		}
		if (imap_set_resolve(s, c->tag, sub.args[0].str, 1,
		    &set) == -1)
			return;
		if (expunge(s, c->tag, &set) == 0) {
			imap_refresh(s, 1);
			imap_tagged(s, c->tag, "OK Expunge completed.");
		}
		imap_seqset_free(&set);
	} else
		imap_tagged(s, c->tag, "BAD Error in IMAP command UID: "
		    "Unknown command %s", verb);
}

static void
fetch_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_fetch(s, c, 0);
}

static void
store_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_store(s, c, 0);
}

static void
search_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_search(s, c, 0);
}

static void
sort_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_sort(s, c, 0);
}

static void
thread_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_thread(s, c, 0);
}

static void
copy_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_copy(s, c, 0, 0);
}

static void
move_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_copy(s, c, 0, 1);
}

static void
list_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_list(s, c, 0);
}

static void
lsub_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_list(s, c, 1);
}

static void
subscribe_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_subscribe(s, c, 1);
}

static void
unsubscribe_cmd(struct imap_session *s, struct imap_cmd *c)
{
	imap_cmd_subscribe(s, c, 0);
}

/* ---- the table */

static const struct {
	const char	*name;
	unsigned	 states;
	int		 expunge_ok;	/* may report expunges after it */
	void		(*fn)(struct imap_session *, struct imap_cmd *);
} cmds[] = {
	{ "CAPABILITY", ST_N | ST_A | ST_S, 1, cmd_capability },
	{ "NOOP", ST_N | ST_A | ST_S, 1, cmd_noop },
	{ "LOGOUT", ST_N | ST_A | ST_S, 1, cmd_logout },
	{ "ID", ST_N | ST_A | ST_S, 1, cmd_id },
	{ "STARTTLS", ST_N, 1, cmd_starttls },
	{ "LOGIN", ST_N, 1, cmd_login },
	{ "AUTHENTICATE", ST_N, 1, cmd_authenticate },
	{ "ENABLE", ST_A | ST_S, 1, cmd_enable },
	{ "NAMESPACE", ST_A | ST_S, 1, cmd_namespace },
	{ "SELECT", ST_A | ST_S, 1, cmd_select },
	{ "EXAMINE", ST_A | ST_S, 1, cmd_examine },
	{ "CREATE", ST_A | ST_S, 1, imap_cmd_create },
	{ "DELETE", ST_A | ST_S, 1, imap_cmd_delete },
	{ "RENAME", ST_A | ST_S, 1, imap_cmd_rename },
	{ "SUBSCRIBE", ST_A | ST_S, 1, subscribe_cmd },
	{ "UNSUBSCRIBE", ST_A | ST_S, 1, unsubscribe_cmd },
	{ "LIST", ST_A | ST_S, 1, list_cmd },
	{ "LSUB", ST_A | ST_S, 1, lsub_cmd },
	{ "STATUS", ST_A | ST_S, 1, imap_cmd_status },
	{ "APPEND", ST_A | ST_S, 1, imap_cmd_append },
	{ "IDLE", ST_A | ST_S, 1, cmd_idle },
	{ "CHECK", ST_S, 1, cmd_check },
	{ "CLOSE", ST_S, 1, cmd_close },
	{ "UNSELECT", ST_S, 1, cmd_unselect },
	{ "EXPUNGE", ST_S, 1, cmd_expunge },
	{ "SEARCH", ST_S, 0, search_cmd },
	{ "SORT", ST_S, 0, sort_cmd },
	{ "THREAD", ST_S, 0, thread_cmd },
	{ "FETCH", ST_S, 0, fetch_cmd },
	{ "STORE", ST_S, 0, store_cmd },
	{ "COPY", ST_S, 0, copy_cmd },
	{ "MOVE", ST_S, 1, move_cmd },
	{ "UID", ST_S, 1, cmd_uid },
};

static void
bad_command(struct imap_session *s)
{
	if (++s->bad >= (s->state == IMAP_NOTAUTH ? BAD_MAX_NOTAUTH :
	    BAD_MAX_AUTH)) {
		imap_reply(s, "BYE Too many invalid IMAP commands.");
		unselect(s);
		set_state(s, IMAP_LOGOUT);
	}
}

static void
dispatch(struct imap_session *s, struct imap_cmd *c)
{
	size_t i, start;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (str_casecmp(cmds[i].name, c->name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		if (s->state == IMAP_NOTAUTH)
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "received by server.");
		else
			imap_tagged(s, c->tag, "BAD Error in IMAP command %s: "
			    "Unknown command.", c->name);
		bad_command(s);
		return;
	}
	if (!(cmds[i].states & (1u << s->state))) {
		if (s->state == IMAP_NOTAUTH)
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "received by server.");
		else if (s->state == IMAP_AUTH && (cmds[i].states & ST_S))
			imap_tagged(s, c->tag, "BAD No mailbox selected.");
		else
			imap_tagged(s, c->tag, "BAD Error in IMAP command %s: "
			    "Command not allowed in this state.", c->name);
		bad_command(s);
		return;
	}
	s->bad = 0;
	start = s->out.len;
	cmds[i].fn(s, c);
	/* flag changes are written when the command ends, so other
	 * sessions see them at once (there is no shared index) */
	if (s->dirty && s->idle_tag == NULL)
		(void)imap_commit(s, NULL);
	/* new mail and flag changes after every command, before its tagged
	 * reply (the last line), expunges only where sequence numbers
	 * cannot get confused (RFC 3501 7.4.1) */
	if (s->state == IMAP_SELECTED && s->idle_tag == NULL &&
	    s->auth_tag == NULL && s->out.len > start + 2) {
		int uid = str_casecmp(c->name, "UID") == 0;
		size_t last = s->out.len - 2;
		char *tail;

		while (last > start && !(s->out.data[last - 1] == '\n' &&
		    s->out.data[last - 2] == '\r'))
			last--;
		tail = xstrndup(s->out.data + last, s->out.len - last);
		buf_truncate(&s->out, last);
		imap_refresh(s, cmds[i].expunge_ok || uid);
		(void)buf_adds(&s->out, tail);
		free(tail);
	}
}

/* One line of input (auth continuation or IDLE's DONE); 0 when none is
 * complete yet. */
static int
take_line(struct imap_session *s, char **line_out, size_t *len_out)
{
	char *nl = memchr(s->in.data, '\n', s->in.len);
	size_t n;

	if (nl == NULL)
		return 0;
	n = (size_t)(nl - s->in.data);
	*line_out = xstrndup(s->in.data, n > 0 && nl[-1] == '\r' ? n - 1 : n);
	*len_out = strlen(*line_out);
	memmove(s->in.data, nl + 1, s->in.len - n - 1);
	buf_truncate(&s->in, s->in.len - n - 1);
	return 1;
}

static void
consume(struct imap_session *s, size_t n)
{
	memmove(s->in.data, s->in.data + n, s->in.len - n);
	buf_truncate(&s->in, s->in.len - n);
}

void
imap_session_input(struct imap_session *s, const char *p, size_t n)
{
	if (buf_add(&s->in, p, n) == -1) {
		imap_reply(s, "BYE Input buffer full, aborting");
		set_state(s, IMAP_LOGOUT);
		return;
	}
	while (s->state != IMAP_LOGOUT && s->in.len > 0 && !s->want_tls) {
		struct imap_cmd cmd;
		struct err err;
		size_t used, lit;
		enum imap_parse r;

		if (s->idle_tag != NULL || s->auth_tag != NULL) {
			char *line;
			size_t len;

			if (s->in.len > 65536 && memchr(s->in.data, '\n',
			    s->in.len) == NULL) {
				imap_reply(s, "BYE Line too long");
				set_state(s, IMAP_LOGOUT);
				return;
			}
			if (!take_line(s, &line, &len))
				return;
			if (s->auth_tag != NULL)
				auth_response(s, line, len);
			else {
				char *tag = s->idle_tag;

				s->idle_tag = NULL;
				if (str_casecmp(line, "DONE") == 0) {
					imap_refresh(s, 1);
					imap_tagged(s, tag,
					    "OK Idle completed.");
				} else
					imap_tagged(s, tag,
					    "BAD Expected DONE.");
				free(tag);
			}
			free(line);
			continue;
		}
		err_clear(&err);
		r = imap_cmd_parse(s->in.data, s->in.len, &s->lim, &cmd,
		    &used, &lit, &err);
		switch (r) {
		case IMAP_PARSE_OK:
			consume(s, used);
			s->lit_acked = 0;
			dispatch(s, &cmd);
			imap_cmd_free(&cmd);
			continue;
		case IMAP_PARSE_NEED_MORE:
			imap_cmd_free(&cmd);
			return;
		case IMAP_PARSE_LITERAL:
			imap_cmd_free(&cmd);
			if (lit != s->lit_acked) {
				(void)buf_adds(&s->out, "+ OK\r\n");
				s->lit_acked = lit;
			}
			return;
		case IMAP_PARSE_BAD:
		case IMAP_PARSE_TOO_BIG:
			if (used == 0 && r == IMAP_PARSE_BAD) {
				imap_cmd_free(&cmd);
				if (s->in.len > s->lim.max_line) {
					imap_reply(s, "BYE Line too long");
					set_state(s, IMAP_LOGOUT);
				}
				return;	/* the rest of the line first */
			}
			imap_tagged(s, cmd.tag, r == IMAP_PARSE_TOO_BIG &&
			    lit != 0 ? "NO [TOOBIG] %s" : "BAD %s", err.msg);
			imap_cmd_free(&cmd);
			if (used == 0) {
				imap_reply(s, "BYE Too long argument.");
				set_state(s, IMAP_LOGOUT);
				return;
			}
			consume(s, used);
			s->lit_acked = 0;
			bad_command(s);
			continue;
		}
	}
}

void
imap_session_close(struct imap_session *s)
{
	(void)imap_commit(s, NULL);
	unselect(s);
}
