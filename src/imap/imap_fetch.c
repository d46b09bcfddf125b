/*
 * imap_fetch.c -- FETCH and STORE (and their UID forms): fetch items
 * parsed into a list first (FLAGS, UID, INTERNALDATE, RFC822.SIZE,
 * ENVELOPE, BODY, BODYSTRUCTURE, BODY[section]<partial>, BODY.PEEK,
 * RFC822, RFC822.HEADER, RFC822.TEXT, PREVIEW and its older forms
 * SNIPPET (FUZZY) and PREVIEW (FUZZY), and the ALL/FAST/FULL macros),
 * then answered message by message; a message's text is read only when
 * an item needs it.  STORE changes flags and keywords in the session's
 * view; Maildir renames at once, mbox writes at the next checkpoint.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define SYSFLAGS (MSG_SEEN | MSG_ANSWERED | MSG_FLAGGED | MSG_DELETED | \
	MSG_DRAFT)

enum fkind {
	F_FLAGS, F_UID, F_MODSEQ, F_INTERNALDATE, F_SIZE, F_ENVELOPE, F_BODY,
	F_BODYSTRUCTURE, F_SECTION, F_RFC822, F_RFC822_HEADER, F_RFC822_TEXT,
	F_PREVIEW, F_PREVIEW_FUZZY, F_SNIPPET, F_BINARY, F_BINARY_SIZE,
	F_SAVEDATE
};

struct fitem {
	enum fkind	 kind;
	int		 peek;
	char		*section;	/* between the brackets, as sent */
	char		*part;		/* "1.2" before HEADER.FIELDS */
	int		 fields, fields_not;
	struct strarr	 names;
	int		 partial;
	uint32_t	 off, len;
};

struct fetch {
	struct fitem	*v;
	size_t		 n;
	int		 need_text;
	int		 sets_seen;
	int		 has_flags, has_uid, has_modseq, has_date;
	uint64_t	 changedsince;	/* 0: none */
};

static void
fetch_free(struct fetch *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].section);
		free(f->v[i].part);
		strarr_free(&f->v[i].names);
	}
	free(f->v);
}

static struct fitem *
add(struct fetch *f, enum fkind k)
{
	f->v = xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	memset(&f->v[f->n], 0, sizeof(f->v[0]));
	f->v[f->n].kind = k;
	if (k == F_FLAGS)
		f->has_flags = 1;
	if (k == F_UID)
		f->has_uid = 1;
	if (k == F_INTERNALDATE)
		f->has_date = 1;
	if (k >= F_ENVELOPE && k != F_SAVEDATE)
		f->need_text = 1;
	return &f->v[f->n++];
}

/* "HEADER.FIELDS (A B)" names into it->names; -1 on junk. */
static int
field_names(const char *p, struct fitem *it)
{
	while (*p == ' ')
		p++;
	if (*p++ != '(')
		return -1;
	for (;;) {
		const char *s;

		while (*p == ' ')
			p++;
		if (*p == ')')
			return it->names.n > 0 && p[1] == '\0' ? 0 : -1;
		if (*p == '"') {
			s = ++p;
			while (*p && *p != '"')
				p++;
			if (*p != '"')
				return -1;
			strarr_pushn(&it->names, s, (size_t)(p - s));
			p++;
			continue;
		}
		s = p;
		while (*p && *p != ' ' && *p != ')')
			p++;
		if (p == s)
			return -1;
		strarr_pushn(&it->names, s, (size_t)(p - s));
	}
}

/* "BODY[...]<o.n>" or "BODY.PEEK[...]" (the atom after BODY). */
static int
parse_section(const char *a, struct fitem *it)
{
	const char *open = strchr(a, '['), *close, *p, *kw;
	char *sec;

	if (open == NULL || (close = strrchr(open, ']')) == NULL)
		return -1;
	sec = xstrndup(open + 1, (size_t)(close - open - 1));
	it->section = sec;
	/* the part number */
	for (p = sec; (*p >= '0' && *p <= '9') || *p == '.'; p++)
		if (*p == '.' && (p[1] < '0' || p[1] > '9'))
			break;
	it->part = xstrndup(sec, (size_t)(p - sec));
	kw = *p == '.' ? p + 1 : p;
	if (p > sec && *p != '\0' && *p != '.')
		return -1;
	if (str_has_prefix_nocase(kw, "HEADER.FIELDS.NOT") &&
	    (kw[17] == ' ' || kw[17] == '(')) {
		it->fields = it->fields_not = 1;
		if (field_names(kw + 17, it) == -1)
			return -1;
	} else if (str_has_prefix_nocase(kw, "HEADER.FIELDS") &&
	    (kw[13] == ' ' || kw[13] == '(')) {
		it->fields = 1;
		if (field_names(kw + 13, it) == -1)
			return -1;
	} else if (*kw != '\0' && str_casecmp(kw, "HEADER") != 0 &&
	    str_casecmp(kw, "TEXT") != 0 && str_casecmp(kw, "MIME") != 0)
		return -1;
	if (str_casecmp(kw, "MIME") == 0 && p == sec)
		return -1;
	/* the partial */
	p = close + 1;
	if (*p == '<') {
		char *end;
		unsigned long long o, n;

		/* <offset> alone or <offset.size>, as dovecot takes them */
		o = strtoull(p + 1, &end, 10);
		if (end == p + 1 || (*end != '.' && *end != '>') ||
		    o > UINT32_MAX || p[1] < '0' || p[1] > '9')
			return -1;
		n = UINT32_MAX;
		if (*end == '.') {
			const char *d = end + 1;

			n = strtoull(d, &end, 10);
			if (end == d || *d < '0' || *d > '9' || n > UINT32_MAX)
				return -1;
		}
		if (*end != '>' || end[1] != '\0')
			return -1;
		it->partial = 1;
		it->off = (uint32_t)o;
		it->len = (uint32_t)n;
	} else if (*p != '\0')
		return -1;
	return 0;
}

static int
parse_item(struct fetch *f, const char *a)
{
	if (str_casecmp(a, "ALL") == 0 || str_casecmp(a, "FAST") == 0 ||
	    str_casecmp(a, "FULL") == 0) {
		add(f, F_FLAGS);
		add(f, F_INTERNALDATE);
		add(f, F_SIZE);
		if (str_casecmp(a, "FAST") != 0)
			add(f, F_ENVELOPE);
		if (str_casecmp(a, "FULL") == 0)
			add(f, F_BODY);
		return 0;
	}
	if (str_casecmp(a, "FLAGS") == 0)
		add(f, F_FLAGS);
	else if (str_casecmp(a, "MODSEQ") == 0) {
		add(f, F_MODSEQ);
		f->has_modseq = 1;
	}
	else if (str_casecmp(a, "UID") == 0)
		add(f, F_UID);
	else if (str_casecmp(a, "SAVEDATE") == 0)
		add(f, F_SAVEDATE);
	else if (str_casecmp(a, "INTERNALDATE") == 0)
		add(f, F_INTERNALDATE);
	else if (str_casecmp(a, "RFC822.SIZE") == 0)
		add(f, F_SIZE);
	else if (str_casecmp(a, "ENVELOPE") == 0)
		add(f, F_ENVELOPE);
	else if (str_casecmp(a, "BODY") == 0)
		add(f, F_BODY);
	else if (str_casecmp(a, "BODYSTRUCTURE") == 0)
		add(f, F_BODYSTRUCTURE);
	else if (str_casecmp(a, "RFC822") == 0) {
		add(f, F_RFC822);
		f->sets_seen = 1;
	} else if (str_casecmp(a, "RFC822.HEADER") == 0)
		add(f, F_RFC822_HEADER);
	else if (str_casecmp(a, "RFC822.TEXT") == 0) {
		add(f, F_RFC822_TEXT);
		f->sets_seen = 1;
	} else if (str_ncasecmp(a, "BODY[", 5) == 0 ||
	    str_ncasecmp(a, "BODY.PEEK[", 10) == 0) {
		struct fitem *it = add(f, F_SECTION);

		it->peek = a[4] == '.';
		if (!it->peek)
			f->sets_seen = 1;
		return parse_section(a, it);
	} else
		return -1;
	return 0;
}

/* BINARY[section]<partial>, BINARY.PEEK[...] and BINARY.SIZE[section]
 * (which ignores a partial, as dovecot does); -1 with why_out set to
 * dovecot's text. */
static int
binary_item(struct fetch *f, const char *a, const char **why_out)
{
	static char why[128];
	const char *p = a + 6, *close, *err = NULL;
	struct fitem *it;
	struct buf sec;
	int size = 0, peek = 0;

	if (str_ncasecmp(p, ".SIZE", 5) == 0)
		size = 1, p += 5;
	else if (str_ncasecmp(p, ".PEEK", 5) == 0)
		peek = 1, p += 5;
	if (*p != '[')
		err = "parameter: Missing '['";
	else if ((close = strrchr(p, ']')) == NULL)
		err = "parameter: Missing ']'";
	else if (!size && close[1] != '\0' && close[1] != '<')
		err = "parameter: Unexpected data after ']'";
	else if (!size && close[1] == '<' && (close[2] < '0' ||
	    close[2] > '9'))
		err = "parameter: Too big partial start";
	else if (!size && close[1] == '<' && strchr(close, '>') == NULL)
		err = "parameter: Missing '>' in partial";
	else if (!size && close[1] == '<' && strchr(close, '>')[1] != '\0')
		err = "parameter: Unexpected data after '>'";
	if (err != NULL) {
		if (snprintf(why, sizeof(why), "Invalid BINARY[..] %s.", err) <
		    (int)sizeof(why))
			*why_out = why;
		return -1;
	}
	it = add(f, size ? F_BINARY_SIZE : F_BINARY);
	it->peek = size || peek;
	if (!it->peek)
		f->sets_seen = 1;
	/* the section checked as BODY[] checks it, then the partial */
	buf_init(&sec, 0);
	(void)buf_add(&sec, p, (size_t)(close - p) + 1);
	if (parse_section(size ? buf_cstr(&sec) : p, it) == 0) {
		buf_free(&sec);
		return 0;
	}
	{
		struct fitem t;

		memset(&t, 0, sizeof(t));
		*why_out = parse_section(buf_cstr(&sec), &t) == 0 ?
		    "Invalid BINARY[..] parameter: Too big partial end." :
		    "Invalid BINARY[..] section.";
		free(t.section);
		free(t.part);
		strarr_free(&t.names);
	}
	buf_free(&sec);
	return -1;
}

/* PREVIEW or SNIPPET with its modifier list, if mods is one: LAZY
 * (RFC 8970: the preview may be left out; ours is always made) and
 * FUZZY (the draft's form, answered in it).  why_out: dovecot's BAD
 * text. */
static int
parse_preview(struct fetch *f, const char *a, const struct imap_arg *mods,
    const char **why_out)
{
	static char why[160];
	int snippet = str_casecmp(a, "SNIPPET") == 0, fuzzy = snippet;
	size_t i;

	if (mods != NULL && mods->nlist == 0) {
		*why_out = "FETCH list contains non-atoms.";
		return -1;
	}
	for (i = 0; mods != NULL && i < mods->nlist; i++) {
		const char *m = imap_arg_string(&mods->list[i]);

		if (m != NULL && str_casecmp(m, "LAZY") == 0)
			continue;
		if (m != NULL && str_casecmp(m, "FUZZY") == 0) {
			fuzzy = 1;
			continue;
		}
		if (m != NULL && snprintf(why, sizeof(why), "'%s' is not a "
		    "supported PREVIEW modifier.", m) < (int)sizeof(why))
			*why_out = why;
		return -1;
	}
	add(f, snippet ? F_SNIPPET : fuzzy ? F_PREVIEW_FUZZY : F_PREVIEW);
	return 0;
}

/* The items argument (an atom or a list) into f; -1 with why_out set
 * to dovecot's text when it has its own. */
static int
parse_items(struct fetch *f, const struct imap_arg *items,
    const char **why_out)
{
	const struct imap_arg *v = items;
	size_t i, n = 1;

	*why_out = "Invalid fetch items.";
	if (items->type == IMAP_ARG_LIST) {
		v = items->list;
		n = items->nlist;
		if (n == 0)
			return -1;
	}
	for (i = 0; i < n; i++) {
		if (v[i].type != IMAP_ARG_ATOM)
			return -1;
		if (str_casecmp(v[i].str, "PREVIEW") == 0 ||
		    str_casecmp(v[i].str, "SNIPPET") == 0) {
			const struct imap_arg *mods = NULL;

			if (i + 1 < n && v[i + 1].type == IMAP_ARG_LIST)
				mods = &v[++i];
			if (parse_preview(f, v[i - (mods != NULL)].str, mods,
			    why_out) == -1)
				return -1;
			continue;
		}
		if (str_ncasecmp(v[i].str, "BINARY", 6) == 0) {
			if (binary_item(f, v[i].str, why_out) == -1)
				return -1;
			continue;
		}
		if (parse_item(f, v[i].str) == -1)
			return -1;
	}
	return 0;
}

int
imap_fetch_items_check(const struct imap_arg *items)
{
	struct fetch f;
	const char *why;
	int r;

	memset(&f, 0, sizeof(f));
	r = parse_items(&f, items, &why);
	fetch_free(&f);
	return r;
}

/* One section's bytes, partial applied, as "NAME {n}\r\n...": a NUL
 * (APPEND's literal8 may store them) as 0x80, as dovecot sends it
 * where BINARY is not asked for. */
static void
section_out(struct buf *out, struct imap_msg *msg, const struct fitem *it,
    const char *name)
{
	struct buf b;
	size_t off = 0, len, i;
	int ok;

	buf_init(&b, 0);
	if (it->fields)
		ok = imap_section_fields(msg, it->part, &it->names,
		    it->fields_not, &b) == 0;
	else
		ok = imap_section(msg, it->kind == F_RFC822 ? "" :
		    it->kind == F_RFC822_HEADER ? "HEADER" :
		    it->kind == F_RFC822_TEXT ? "TEXT" : it->section, &b) == 0;
	len = ok ? b.len : 0;
	for (i = 0; i < len; i++)
		if (b.data[i] == '\0')
			b.data[i] = (char)0x80;
	if (it->partial) {
		off = it->off < len ? it->off : len;
		len = len - off < it->len ? len - off : it->len;
		buf_printf(out, "%s<%" PRIu32 ">", name, it->off);
	} else
		(void)buf_adds(out, name);
	if (!ok && it->kind == F_SECTION)
		(void)buf_adds(out, " NIL");
	else {
		buf_printf(out, " {%zu}\r\n", len);
		(void)buf_add(out, b.data ? b.data + off : "", len);
	}
	buf_free(&b);
}

/* Items dovecot answers first (its "buffered" handlers); the rest
 * follow in the order asked. */
static int
buffered(enum fkind k)
{
	switch (k) {
	case F_FLAGS:
	case F_UID:
	case F_MODSEQ:
	case F_INTERNALDATE:
	case F_SIZE:
	case F_SAVEDATE:
	case F_PREVIEW:
	case F_PREVIEW_FUZZY:
	case F_SNIPPET:
		return 1;
	default:
		return 0;
	}
}

/* After the buffered items: FLAGS when this FETCH set \Seen, and
 * CONDSTORE's MODSEQ with FLAGS and CHANGEDSINCE; n counted on. */
static size_t
seen_flags(struct imap_session *s, const struct fetch *f,
    const struct imap_known *k, int seen_now, struct buf *b, size_t n)
{
	if (seen_now && !f->has_flags) {
		(void)buf_adds(b, n++ > 0 ? " FLAGS " : "FLAGS ");
		imap_flags_out(s, b, k->flags, k->kw, k->recent);
	}
	if (!f->has_modseq && (f->changedsince != 0 || (s->condstore &&
	    (f->has_flags || seen_now))))
		buf_printf(b, "%sMODSEQ (%" PRIu64 ")", n++ > 0 ? " " : "",
		    k->modseq);
	return n;
}

/* BINARY[section]<partial> or BINARY.SIZE[section] (the section named
 * in upper case, as dovecot names it); what imap_binary_section said. */
static enum imap_bin
binary_out(struct buf *out, struct imap_msg *msg, const struct fitem *it)
{
	struct buf b, name;
	enum imap_bin r = IMAP_BIN_OK;
	size_t off = 0, len, i;
	int binary = 0, got;

	buf_init(&name, 0);
	buf_printf(&name, "%s[%s]", it->kind == F_BINARY_SIZE ?
	    "BINARY.SIZE" : "BINARY", it->section);
	for (i = 0; i < name.len; i++)
		if (name.data[i] >= 'a' && name.data[i] <= 'z')
			name.data[i] = (char)(name.data[i] - 'a' + 'A');
	buf_init(&b, 0);
	if (!imap_binary_decodes(it->section)) {
		/* HEADER, MIME and the like: as BODY[] has them */
		if (it->kind == F_BINARY_SIZE) {
			got = it->fields ? imap_section_fields(msg, it->part,
			    &it->names, it->fields_not, &b) :
			    imap_section(msg, it->section, &b);
			buf_printf(out, "%s %zu", name.data, got == 0 ? b.len :
			    0);
		} else
			section_out(out, msg, it, name.data);
		goto done;
	}
	r = imap_binary_section(msg, it->section, &b, &binary);
	if (r == IMAP_BIN_NOPART)
		r = IMAP_BIN_OK;
	if (r != IMAP_BIN_OK)
		goto done;
	len = b.len;
	if (it->kind == F_BINARY_SIZE) {
		buf_printf(out, "%s %zu", name.data, len);
		goto done;
	}
	(void)buf_adds(out, name.data);
	if (it->partial) {
		off = it->off < len ? it->off : len;
		len = len - off < it->len ? len - off : it->len;
		buf_printf(out, "<%" PRIu32 ">", it->off);
	}
	buf_printf(out, " %s{%zu}\r\n", binary ? "~" : "", len);
	(void)buf_add(out, b.data ? b.data + off : "", len);
done:
	buf_free(&b);
	buf_free(&name);
	return r;
}

/* One message's FETCH response; -1 when it could not be read. */
static int
fetch_one(struct imap_session *s, const struct fetch *f, size_t seq,
    int uid_cmd, int seen_now, enum imap_bin *binerr)
{
	long x = imap_msg_index(s, seq);
	struct imap_known *k = &s->known[seq - 1];
	struct imap_msg msg;
	struct mailbox_msg *m;
	struct buf b, raw;
	struct err err;
	size_t i, n = 0;
	time_t received = 0;
	size_t *order, nbuf = 0, at;

	if (x < 0)
		return -1;
	if (f->changedsince != 0 && k->modseq <= f->changedsince)
		return 0;
	m = &s->mb->msgs[x];
	if (f->has_date) {
		/* a Maildir file expunged meanwhile has no date left: the
		 * message is gone, not from 1970 */
		received = mailbox_msg_received(s->mb, (size_t)x);
		if (received == 0 && s->mb->format == MAILBOX_MAILDIR)
			return -1;
	}
	memset(&msg, 0, sizeof(msg));
	if (f->need_text) {
		buf_init(&raw, 0);
		err_clear(&err);
		if (mailbox_msg_read(s->mb, (size_t)x, &raw, &err) == -1) {
			buf_free(&raw);
			return -1;
		}
		imap_msg_init(&msg, raw.data ? raw.data : "", raw.len);
		buf_free(&raw);
	}
	buf_init(&b, 0);
	buf_printf(&b, "* %zu FETCH (", seq);
	if (uid_cmd && !f->has_uid) {
		buf_printf(&b, "UID %" PRIu32, k->uid);
		n++;
	}
	/* dovecot's order: its buffered items first, then the rest */
	order = xreallocarray(NULL, f->n + 1, sizeof(*order));
	for (i = 0; i < f->n; i++)
		if (buffered(f->v[i].kind))
			order[nbuf++] = i;
	for (i = 0, at = nbuf; i < f->n; i++)
		if (!buffered(f->v[i].kind))
			order[at++] = i;
	for (i = 0; i <= f->n && *binerr == IMAP_BIN_OK; i++) {
		const struct fitem *it;
		size_t mark;

		if (i == nbuf)
			n = seen_flags(s, f, k, seen_now, &b, n);
		if (i == f->n)
			break;
		it = &f->v[order[i]];
		mark = b.len;
		if (n++ > 0)
			(void)buf_addc(&b, ' ');
		switch (it->kind) {
		case F_FLAGS:
			(void)buf_adds(&b, "FLAGS ");
			imap_flags_out(s, &b, k->flags, k->kw, k->recent);
			break;
		case F_UID:
			buf_printf(&b, "UID %" PRIu32, k->uid);
			break;
		case F_MODSEQ:
			buf_printf(&b, "MODSEQ (%" PRIu64 ")", k->modseq);
			break;
		case F_INTERNALDATE:
			(void)buf_adds(&b, "INTERNALDATE ");
			imap_datetime_out(&b, received);
			break;
		case F_SIZE:
			buf_printf(&b, "RFC822.SIZE %" PRIu64, m->vsize);
			break;
		case F_ENVELOPE:
			imap_msg_parse(&msg);
			(void)buf_adds(&b, "ENVELOPE ");
			imap_envelope(&b, msg.text.data ? msg.text.data : "",
			    msg.root.hdr_len);
			break;
		case F_BODY:
		case F_BODYSTRUCTURE:
			(void)buf_adds(&b, it->kind == F_BODY ? "BODY " :
			    "BODYSTRUCTURE ");
			imap_bodystructure(&b, &msg, it->kind ==
			    F_BODYSTRUCTURE);
			break;
		case F_RFC822:
			section_out(&b, &msg, it, "RFC822");
			break;
		case F_RFC822_HEADER:
			section_out(&b, &msg, it, "RFC822.HEADER");
			break;
		case F_RFC822_TEXT:
			section_out(&b, &msg, it, "RFC822.TEXT");
			break;
		case F_PREVIEW:
		case F_PREVIEW_FUZZY:
		case F_SNIPPET: {
			struct buf p;

			buf_init(&p, 0);
			imap_preview(&msg, &p);
			(void)buf_adds(&b, it->kind == F_SNIPPET ?
			    "SNIPPET (FUZZY " : it->kind == F_PREVIEW_FUZZY ?
			    "PREVIEW (FUZZY " : "PREVIEW ");
			imap_str_out(&b, p.data ? p.data : "", p.len);
			if (it->kind != F_PREVIEW)
				(void)buf_addc(&b, ')');
			buf_free(&p);
			break;
		}
		case F_SAVEDATE: {
			int shown;
			time_t t = imap_savedate_get(s, (size_t)x, &shown);

			(void)buf_adds(&b, "SAVEDATE ");
			if (shown && t != 0)
				imap_datetime_out(&b, t);
			else
				(void)buf_adds(&b, "NIL");
			break;
		}
		case F_BINARY:
		case F_BINARY_SIZE:
			/* a part that does not decode ends the answer
			 * with what came before it (dovecot: the UID when
			 * nothing did) */
			if ((*binerr = binary_out(&b, &msg, it)) !=
			    IMAP_BIN_OK) {
				buf_truncate(&b, mark);
				if (n == 1)
					buf_printf(&b, "UID %" PRIu32, k->uid);
			}
			break;
		case F_SECTION: {
			struct buf name;

			buf_init(&name, 0);
			buf_printf(&name, "BODY[%s]", it->section);
			section_out(&b, &msg, it, name.data);
			buf_free(&name);
			break;
		}
		}
	}
	free(order);
	(void)buf_adds(&b, ")\r\n");
	(void)buf_add(&s->out, b.data, b.len);
	buf_free(&b);
	imap_msg_free(&msg);
	return *binerr == IMAP_BIN_OK ? 0 : -2;
}

void
imap_cmd_fetch(struct imap_session *s, struct imap_cmd *c, int uid)
{
	struct fetch f;
	struct imap_seqset set;
	uint32_t *seen_uid = NULL;
	size_t r, i, *seen_seq = NULL, nseen = 0, at = 0;
	int bad = 0, gone = 0, vanished = 0;
	enum imap_bin binerr = IMAP_BIN_OK;
	const char *why;

	memset(&f, 0, sizeof(f));
	if (c->nargs < 2 || c->nargs > 3 || c->args[0].type != IMAP_ARG_ATOM) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %sFETCH: "
		    "Invalid arguments.", uid ? "UID " : "");
		return;
	}
	/* FETCH set items (CHANGEDSINCE n [VANISHED]) */
	if (c->nargs == 3) {
		const struct imap_arg *mv = c->args[2].list;
		char *end = NULL;

		if (c->args[2].type == IMAP_ARG_LIST &&
		    (c->args[2].nlist == 2 || c->args[2].nlist == 3) &&
		    imap_arg_string(&mv[0]) != NULL &&
		    str_casecmp(mv[0].str, "CHANGEDSINCE") == 0 &&
		    imap_arg_string(&mv[1]) != NULL)
			f.changedsince = strtoull(mv[1].str, &end, 10);
		if (end != NULL && c->args[2].nlist == 3) {
			const char *w = imap_arg_string(&mv[2]);

			/* VANISHED: UID FETCH with QRESYNC only */
			if (w == NULL || str_casecmp(w, "VANISHED") != 0 ||
			    !uid || !s->qresync)
				end = NULL;
			else
				vanished = 1;
		}
		if (end == NULL || *end != '\0' || f.changedsince == 0) {
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "%sFETCH: Invalid modifier", uid ? "UID " : "");
			return;
		}
		imap_condstore_on(s);
	}
	bad = parse_items(&f, &c->args[1], &why) == -1;
	if (bad) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %sFETCH: "
		    "%s", uid ? "UID " : "", why);
		fetch_free(&f);
		return;
	}
	if (imap_set_resolve(s, c->tag, c->args[0].str, uid, &set) == -1) {
		fetch_free(&f);
		return;
	}
	if (f.has_modseq)
		imap_condstore_on(s);
	if (vanished) {
		struct imap_seqset want;
		struct buf b;

		buf_init(&b, 0);
		if (imap_seqset_parse(c->args[0].str, c->args[0].len,
		    &want) == 0) {
			imap_vanished_since(s, f.changedsince, &want, &b);
			imap_seqset_free(&want);
		}
		if (b.len > 0)
			imap_reply(s, "VANISHED (EARLIER) %s", b.data);
		buf_free(&b);
	}
	/* \Seen set by BODY[] and RFC822: first, so that the answers
	 * carry the new flags and mod-sequences */
	for (r = 0; f.sets_seen && !s->readonly && r < set.n; r++)
		for (i = set.v[r].lo; i <= set.v[r].hi; i++) {
			long x = imap_msg_index(s, i);
			struct imap_known *k = &s->known[i - 1];

			if (x < 0 || (k->flags & MSG_SEEN) || (f.changedsince &&
			    k->modseq <= f.changedsince))
				continue;
			s->mb->msgs[x].set_flags |= MSG_SEEN;
			s->mb->msgs[x].clr_flags &= ~MSG_SEEN;
			k->flags |= MSG_SEEN;
			s->dirty = 1;
			seen_uid = xreallocarray(seen_uid, nseen + 1,
			    sizeof(*seen_uid));
			seen_seq = xreallocarray(seen_seq, nseen + 1,
			    sizeof(*seen_seq));
			seen_uid[nseen] = k->uid;
			seen_seq[nseen++] = i;
		}
	if (nseen > 0) {
		uint64_t h;

		/* written now with their mod-sequence, as STORE does */
		(void)imap_publish(s, NULL, seen_uid, nseen, &h);
		for (i = 0; i < nseen && h != 0; i++)
			s->known[seen_seq[i] - 1].modseq = h;
		imap_known_early(s, seen_seq, nseen);
	}
	if (f.need_text) {
		struct err err;

		err_clear(&err);
		(void)mailbox_hold(s->mb, &err);
	}
	for (r = 0; r < set.n && binerr == IMAP_BIN_OK; r++)
		for (i = set.v[r].lo; i <= set.v[r].hi; i++) {
			int now = at < nseen && seen_seq[at] == i;
			int rc;

			at += now;
			rc = fetch_one(s, &f, i, uid, now, &binerr);
			if (rc == -1)
				gone = 1;
			if (rc == -2)
				break;
		}
	mailbox_release(s->mb);
	free(seen_uid);
	free(seen_seq);
	imap_seqset_free(&set);
	fetch_free(&f);
	if (binerr == IMAP_BIN_UNKNOWN_CTE)
		imap_tagged(s, c->tag, "NO [UNKNOWN-CTE] Unknown "
		    "Content-Transfer-Encoding.");
	else if (binerr == IMAP_BIN_INVALID)
		imap_tagged(s, c->tag, "NO [PARSE] Invalid data in MIME "
		    "part.");
	else if (binerr == IMAP_BIN_BROKEN) {
		/* dovecot: an internal error, which ends the session */
		char when[64];
		time_t now = time(NULL);
		struct tm tm;

		(void)localtime_r(&now, &tm);
		if (strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
			when[0] = '\0';
		imap_reply(s, "BYE FETCH failed: Internal error occurred. "
		    "Refer to server log for more information. [%s]", when);
		imap_log(s, LOG_ERR, "imap(%s): %s: FETCH: a message's "
		    "encoded part ends half-way", s->user, s->mbname);
		imap_unselect(s);
		imap_set_state(s, IMAP_LOGOUT);
	}
	else if (gone)
		imap_tagged(s, c->tag, "NO [EXPUNGEISSUED] Some of the "
		    "requested messages no longer exist.");
	else
		imap_tagged(s, c->tag, "OK Fetch completed.");
}

/* ---- STORE */

void
imap_cmd_store(struct imap_session *s, struct imap_cmd *c, int uid)
{
	const struct imap_arg *fl;
	struct imap_seqset set;
	const char *item;
	unsigned flags = 0;
	uint32_t kw = 0, *touched = NULL, *modified = NULL;
	size_t a = 1, nfl, i, r, ntouched = 0, nmodified = 0;
	size_t *seqs = NULL, *all = NULL, nall = 0;
	uint64_t unchangedsince = 0, h = 0;
	int mode, silent, has_unchanged = 0;

	/* STORE set (UNCHANGEDSINCE n) item flags */
	if (c->nargs >= 4 && c->args[1].type == IMAP_ARG_LIST) {
		const struct imap_arg *mv = c->args[1].list;
		char *end;

		if (c->args[1].nlist != 2 || imap_arg_string(&mv[0]) == NULL ||
		    str_casecmp(mv[0].str, "UNCHANGEDSINCE") != 0 ||
		    imap_arg_string(&mv[1]) == NULL) {
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "%sSTORE: Invalid modifier", uid ? "UID " : "");
			return;
		}
		unchangedsince = strtoull(mv[1].str, &end, 10);
		if (*end != '\0' || end == mv[1].str) {
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "%sSTORE: Invalid modseq", uid ? "UID " : "");
			return;
		}
		has_unchanged = 1;
		imap_condstore_on(s);
		a = 2;
	}
	/* args[a] is the item, args[a + 1..] the flags */
	if (c->nargs < a + 2 || c->args[0].type != IMAP_ARG_ATOM ||
	    c->args[a].type != IMAP_ARG_ATOM) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %sSTORE: "
		    "Invalid arguments.", uid ? "UID " : "");
		return;
	}
	item = c->args[a].str;
	fl = c->args + a + 1;
	nfl = c->nargs - a - 1;
	if (nfl == 1 && fl[0].type == IMAP_ARG_LIST) {
		nfl = fl[0].nlist;
		fl = fl[0].list;
	}
	mode = item[0] == '+' ? 1 : item[0] == '-' ? -1 : 0;
	if (mode != 0)
		item++;
	silent = str_casecmp(item, "FLAGS.SILENT") == 0;
	if (!silent && str_casecmp(item, "FLAGS") != 0) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %sSTORE: "
		    "Invalid arguments.", uid ? "UID " : "");
		return;
	}
	if (s->readonly) {
		imap_tagged(s, c->tag, "NO [CANNOT] Mailbox is read-only.");
		return;
	}
	for (i = 0; i < nfl; i++) {
		unsigned f;
		int k;

		if (fl[i].type != IMAP_ARG_ATOM ||
		    (k = imap_flag_parse(fl[i].str, &f)) == -1) {
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "STORE: Invalid system flag %s", fl[i].type ==
			    IMAP_ARG_ATOM ? fl[i].str : "");
			return;
		}
		if (k == 1) {
			flags |= f;
			continue;
		}
		if ((k = mailbox_kw_index(s->mb, fl[i].str, 1)) < 0) {
			imap_tagged(s, c->tag, "NO [LIMIT] Too many "
			    "keywords in this mailbox.");
			return;
		}
		kw |= (uint32_t)1 << k;
	}
	if (imap_set_resolve(s, c->tag, c->args[0].str, uid, &set) == -1)
		return;
	imap_announce_keywords(s);
	for (r = 0; r < set.n; r++)
		for (i = set.v[r].lo; i <= set.v[r].hi; i++) {
			long x = imap_msg_index(s, i);
			struct imap_known *k = &s->known[i - 1];
			struct mailbox_msg *m;
			unsigned nf;
			uint32_t nk;

			/* expunged by another session: skipped quietly,
			 * as dovecot does */
			if (x < 0)
				continue;
			m = &s->mb->msgs[x];
			if (has_unchanged && k->modseq > unchangedsince) {
				modified = xreallocarray(modified,
				    nmodified + 1, sizeof(*modified));
				modified[nmodified++] = uid ? k->uid :
				    (uint32_t)i;
				continue;
			}
			/* changes, not results: another session's changes
			 * to other flags survive the commit */
			if (mode == 0) {
				m->set_flags = (m->set_flags & MSG_OLD) | flags;
				m->clr_flags = ~flags & SYSFLAGS;
				m->set_kw = kw;
				m->clr_kw = ~kw;
			} else if (mode > 0) {
				m->set_flags |= flags;
				m->clr_flags &= ~flags;
				m->set_kw |= kw;
				m->clr_kw &= ~kw;
			} else {
				m->clr_flags |= flags;
				m->set_flags &= ~flags;
				m->clr_kw |= kw;
				m->set_kw &= ~kw;
			}
			nf = imap_cur_flags(m);
			nk = imap_cur_kw(m);
			if (nf != k->flags || nk != k->kw) {
				touched = xreallocarray(touched, ntouched + 1,
				    sizeof(*touched));
				seqs = xreallocarray(seqs, ntouched + 1,
				    sizeof(*seqs));
				seqs[ntouched] = i;
				touched[ntouched++] = k->uid;
			}
			all = xreallocarray(all, nall + 1, sizeof(*all));
			all[nall++] = i;
			k->flags = nf;
			k->kw = nk;
			s->dirty = 1;
		}
	imap_seqset_free(&set);
	/* the flags written with new mod-sequences for what changed, at
	 * once in both formats, so that other sessions never read one
	 * without the other */
	if (imap_publish(s, c->tag, touched, ntouched, &h) == -1) {
		free(touched);
		free(seqs);
		free(all);
		free(modified);
		return;
	}
	for (i = 0; i < ntouched && h != 0; i++)
		s->known[seqs[i] - 1].modseq = h;
	/* the answers carry the flags as stored, another session's change
	 * too; .SILENT leaves those to the next refresh.  As dovecot: no
	 * answer for a message whose flags stay as they were, MODSEQ
	 * first, and MODSEQ alone under .SILENT */
	if (silent)
		imap_known_early(s, all, nall);
	else
		imap_announce_keywords(s);	/* new ones among those */
	for (i = 0, r = 0; i < nall; i++) {
		struct imap_known *k = &s->known[all[i] - 1];
		long x = imap_msg_index(s, all[i]);
		int changed;
		struct buf b;

		while (r < ntouched && seqs[r] < all[i])
			r++;
		changed = r < ntouched && seqs[r] == all[i];
		if (x >= 0 && !silent && (imap_cur_flags(&s->mb->msgs[x]) !=
		    k->flags || imap_cur_kw(&s->mb->msgs[x]) != k->kw)) {
			k->flags = imap_cur_flags(&s->mb->msgs[x]);
			k->kw = imap_cur_kw(&s->mb->msgs[x]);
			changed = 1;
		}
		if (!changed || (silent && !s->condstore))
			continue;
		buf_init(&b, 0);
		if (uid)
			buf_printf(&b, "UID %" PRIu32 " ", k->uid);
		if (s->condstore)
			buf_printf(&b, "MODSEQ (%" PRIu64 ")%s", k->modseq,
			    silent ? "" : " ");
		if (!silent) {
			(void)buf_adds(&b, "FLAGS ");
			imap_flags_out(s, &b, k->flags, k->kw, k->recent);
		}
		imap_reply(s, "%zu FETCH (%s)", all[i], b.data);
		buf_free(&b);
	}
	free(touched);
	free(seqs);
	free(all);
	if (nmodified > 0) {
		struct buf b;

		buf_init(&b, 0);
		imap_set_out(&b, modified, nmodified);
		imap_tagged(s, c->tag, "OK [MODIFIED %s] Conditional store "
		    "failed.", b.data);
		buf_free(&b);
	} else
		imap_tagged(s, c->tag, "OK Store completed.");
	free(modified);
}

/* ---- for CATENATE's URLs */

int
imap_fetch_section(struct imap_msg *msg, const char *section,
    struct buf *out)
{
	struct fetch f;
	struct fitem *it;
	struct buf a, b;
	int rc = -1, r;

	memset(&f, 0, sizeof(f));
	buf_init(&a, 0);
	buf_init(&b, 0);
	buf_printf(&a, "BODY[%s]", section);
	it = add(&f, F_SECTION);
	if (strchr(section, ']') == NULL && parse_section(a.data, it) == 0) {
		r = it->fields ? imap_section_fields(msg, it->part, &it->names,
		    it->fields_not, &b) : imap_section(msg, it->section, &b);
		if (r == 0)
			(void)buf_add(out, b.data ? b.data : "", b.len);
		rc = 0;
	}
	buf_free(&a);
	buf_free(&b);
	fetch_free(&f);
	return rc;
}
