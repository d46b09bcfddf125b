/*
 * imap_int.h -- what the files of src/imap share: the MIME view of a
 * message (imap_msg.c), reply helpers and the selected mailbox's view
 * (imap_session.c), and the command handlers that live in imap_fetch.c,
 * imap_search.c and imap_folder.c.
 */
#ifndef IMAP_IMAP_INT_H
#define IMAP_IMAP_INT_H

#include <time.h>

#include "imap.h"
#include "lib/arr.h"
#include "lib/buf.h"

/* ---- imap_msg.c */

struct imap_part {
	size_t		 hdr, hdr_len;	/* header block with its blank line */
	size_t		 body, body_len;
	size_t		 lines;
	char		*type, *subtype;
	char		*params;	/* ("a" "b" ...) or NULL */
	int		 has_ct;
	int		 multipart;
	struct imap_part *kids;
	size_t		 nkids;
	struct imap_part *msg;		/* message/rfc822 inside */
};

struct imap_msg {
	struct buf	 text;		/* CRLF line ends */
	struct imap_part root;
	int		 parsed;
};

void	imap_msg_init(struct imap_msg *, const char *raw, size_t len);
void	imap_msg_free(struct imap_msg *);
void	imap_msg_parse(struct imap_msg *);
/* 1 and the unfolded, trimmed value of the first field name */
int	imap_hdr_get(const char *h, size_t len, const char *name,
	    struct buf *out);
/* fn for each header field: its name and the whole field with its
 * continuation lines (no final CRLF); fn's 1 stops the walk */
int	imap_hdr_each(const char *h, size_t len, int (*fn)(void *,
	    const char *name, size_t nlen, const char *field, size_t flen),
	    void *arg);
/* 1 when some field name contains needle (in imap_casemap form) with
 * its encoded words decoded; addr: also in the "Name <mailbox@host>"
 * form of its addresses */
int	imap_hdr_search(const char *h, size_t len, const char *name,
	    const char *needle, int addr);
void	imap_hdr_filter(const char *h, size_t len, const struct strarr *,
	    int not, struct buf *out);
void	imap_envelope(struct buf *out, const char *h, size_t len);
/* an address list: mode 0 IMAP ((name adl mailbox host) ...) or NIL,
 * 1 "name <mailbox@host>, ...", 2 the first address as name NUL
 * mailbox NUL host NUL */
void	imap_addr_list(struct buf *, const char *v, size_t len, int mode);
/* a hex digit's value, -1 for any other character */
int	imap_hexval(char c);
/* RFC 2047 encoded words decoded (bytes as sent, no charset change) */
void	imap_decode_words(const char *in, struct buf *out);
/* the same in UTF-8: encoded words from their charsets, other bytes
 * as UTF-8 (U+FFFD where they are not) */
void	imap_decode_words_utf8(const char *in, struct buf *out);
/* the first address of a header value (group names are addresses) */
void	imap_addr_first(const char *v, size_t len, struct buf *name,
	    struct buf *mbox, struct buf *host);
void	imap_bodystructure(struct buf *out, struct imap_msg *, int ext);
/* spec: "", "1.2", "HEADER", "1.TEXT", "2.MIME" ...; -1 no such part */
int	imap_section(struct imap_msg *, const char *spec, struct buf *out);
/* part: "" or "1.2" (a message/rfc822 part) */
int	imap_section_fields(struct imap_msg *, const char *part,
	    const struct strarr *names, int not, struct buf *out);
/* NIL, "quoted" or a {literal} */
void	imap_str_out(struct buf *, const char *, size_t);
void	imap_cstr_out(struct buf *, const char *);

/* the part "1.2" names (spec moved past the digits and a dot before
 * what follows), or NULL */
const struct imap_part *imap_part_find(const struct imap_msg *,
	    const char **spec);

/* ---- imap_binary.c: BINARY (RFC 3516) */

enum imap_bin {
	IMAP_BIN_OK,
	IMAP_BIN_NOPART,	/* no such part: empty */
	IMAP_BIN_UNKNOWN_CTE,	/* NO [UNKNOWN-CTE] */
	IMAP_BIN_INVALID,	/* base64/quoted-printable that is not */
	IMAP_BIN_BROKEN		/* the encoded data stops half-way */
};

/* 1 when BINARY[spec] is decoded ([], [1.2], [TEXT], [1.TEXT]); the
 * other sections are sent as BODY[] sends them */
int	imap_binary_decodes(const char *spec);
/* BINARY[spec] appended to out; *binary_out: something was decoded or
 * holds NULs (a literal8 answer) */
enum imap_bin imap_binary_section(struct imap_msg *, const char *spec,
	    struct buf *out, int *binary_out);
/* APPEND's literal8: parts with "Content-Transfer-Encoding: binary"
 * turned into base64, header lines with CRLF */
void	imap_binary_convert(const char *, size_t, struct buf *out);

/* ---- imap_casemap.c: I18NLEVEL=1, i;unicode-casemap (RFC 5051) */

/* What SEARCH's TEXT, BODY and HEADER keys look in, as dovecot 2.3
 * does, in imap_casemap form, chunks ending in a NUL (a key never spans
 * two): hdrs holds every header field of every part and message
 * ("Name: value", encoded words decoded), bodies each leaf part's body
 * (transfer encoding undone, charset turned into UTF-8); parts of an
 * unknown encoding, preambles and epilogues are left out. */
struct imap_msgtext {
	struct buf	 hdrs;
	struct buf	 bodies;
};
void	imap_msgtext_make(struct imap_msg *, struct imap_msgtext *out);
void	imap_msgtext_free(struct imap_msgtext *);

/* in[0..n) in charset (NULL or "": UTF-8) as UTF-8 appended to out,
 * what cannot be read as U+FFFD; -1 (nothing appended) for a charset
 * we cannot convert */
int	imap_utf8_from(const char *charset, const char *in, size_t n,
	    struct buf *out);
/* 1 for the names of UTF-8 and US-ASCII */
int	imap_charset_utf8(const char *charset);
/* in[0..n) (UTF-8) in the form the comparator compares, appended */
void	imap_casemap(const char *in, size_t n, struct buf *out);
/* 1 when the casemapped hay[0..n) holds needle[0..m), itself casemapped */
int	imap_casemap_has(const char *hay, size_t n, const char *needle,
	    size_t m);
/* the length of a valid UTF-8 character at s, 0 when there is none */
size_t	imap_utf8_len(const unsigned char *s, size_t n);
void	imap_utf8_put(struct buf *, uint32_t c);

/* ---- imap_preview.c */

/* the value of param (lower case) in a Content-Type value, or "" */
void	imap_ct_param(const char *v, const char *param, struct buf *out);

/* FETCH PREVIEW's text (UTF-8, at most 200 characters) appended */
void	imap_preview(struct imap_msg *, struct buf *out);
/* a body's bytes with Content-Transfer-Encoding cte (NULL: none)
 * undone, appended; -1 when cte is not one we know */
int	imap_part_decode(const char *, size_t, const char *cte,
	    struct buf *out);

/* ---- imap_session.c */

/* a log line through the caller's logger (cfg->log) */
void	imap_log(struct imap_session *, int prio, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	imap_reply(struct imap_session *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	imap_tagged(struct imap_session *, const char *tag, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* the flag list "(\Seen $kw)" of a known message */
void	imap_flags_out(struct imap_session *, struct buf *, unsigned flags,
	    uint32_t kw, int recent);
/* the message of known sequence number seq (1-based), or -1 when it
 * was expunged by someone else */
long	imap_msg_index(struct imap_session *, size_t seq);
/* the client-visible flags of mailbox message idx */
unsigned imap_cur_flags(const struct mailbox_msg *);
uint32_t imap_cur_kw(const struct mailbox_msg *);
/* CONDSTORE on, with HIGHESTMODSEQ when a mailbox is selected */
void	imap_condstore_on(struct imap_session *);
/* where mailboxd keeps a per-mailbox state file: in the Maildir, or
 * under the mbox index folder (~/mail/.imap/NAME/) */
void	imap_state_path(struct imap_session *, const struct mailbox *,
	    const char *name, const char *file, struct buf *out);
/* that state file opened (created when write) and flocked, shared or
 * exclusive; -1 when it cannot be */
int	imap_state_open(struct imap_session *, const struct mailbox *,
	    const char *name, const char *file, int write);
/* ---- imap_modseq.c: CONDSTORE mod-sequences in mailboxd-modseq */
struct imap_modseq;
/* the store of mailbox mb (named name); its HIGHESTMODSEQ */
uint64_t imap_modseq_highest(struct imap_session *, const struct mailbox *,
	    const char *name);
/* the selected mailbox's store read again; the modseq of uid */
void	imap_modseq_load(struct imap_session *);
uint64_t imap_modseq_of(const struct imap_session *, uint32_t uid);
/* the selected mailbox's HIGHESTMODSEQ read without the lock (0 when
 * the file is unreadable or half written, 1 when there is none) */
uint64_t imap_modseq_peek(struct imap_session *);
/* gives uids[0..n) a new modseq (expunged: drops them) and returns it */
uint64_t imap_modseq_bump(struct imap_session *, const struct mailbox *,
	    const char *name, const uint32_t *uids, size_t n, int expunged);
void	imap_modseq_free(struct imap_session *);
/* The publication lock of the store of the mailbox at mbpath (named
 * name), held until imap_modseq_unlock: shared around reading the
 * storage and the store, exclusive around writing flags or messages and
 * their mod-sequences (see imap_modseq.c).  Taken before any mailbox
 * lock; the store functions above use it while it is held. */
int	imap_modseq_lock(struct imap_session *, const char *mbpath,
	    const char *name, int write);
void	imap_modseq_unlock(struct imap_session *);
/* QRESYNC: the UIDs (in uids, when given) expunged after modseq, as a
 * set into out (empty when none) */
void	imap_vanished_since(const struct imap_session *, uint64_t modseq,
	    const struct imap_seqset *uids, struct buf *out);
/* the first UID no session has taken as \Recent (claim: take the rest
 * now); 0 when unknown */
uint32_t imap_recent_first(struct imap_session *, struct mailbox *,
	    const char *name, int claim);
/* FLAGS and PERMANENTFLAGS again when the mailbox has new keywords */
void	imap_announce_keywords(struct imap_session *);
/* reports changes to the client (EXPUNGE only when allowed) */
void	imap_refresh(struct imap_session *, int allow_expunge);
/* writes pending flag changes; -1 with a NO reply given */
int	imap_commit(struct imap_session *, const char *tag);
/* imap_commit, and a new mod-sequence for uids[0..n) (their flags
 * changed), under one exclusive publication lock; *modseq_out is 0
 * when none was given */
int	imap_publish(struct imap_session *, const char *tag,
	    const uint32_t *uids, size_t n, uint64_t *modseq_out);
/* after imap_publish: the known messages seqs[0..n) whose stored flags
 * took in another session's change as well are marked early, so that
 * the next refresh reports those flags without a mod-sequence more */
void	imap_known_early(struct imap_session *, const size_t *seqs,
	    size_t n);
/* a sequence set argument into known indexes [lo, hi] pairs; -1 with a
 * BAD reply given */
int	imap_set_resolve(struct imap_session *, const char *tag,
	    const char *set, int uid, struct imap_seqset *out);
/* IMAP flag name into MSG_* bits; 0 when it is a keyword; -1 invalid */
int	imap_flag_parse(const char *name, unsigned *flag_out);
int	imap_date_parse(const char *s, time_t *out);
int	imap_datetime_parse(const char *s, time_t *out);
void	imap_datetime_out(struct buf *, time_t);
/* the mailbox name argument: "INBOX" for any case of it */
const char *imap_arg_string(const struct imap_arg *);

/* SEARCH keys (after CHARSET) into the ascending sequence numbers that
 * match (free them); -1 with a reply given */
int	imap_search_run(struct imap_session *, const char *tag,
	    const char *verb, const struct imap_arg *, size_t,
	    size_t **seqs_out, size_t *n_out, int *modseq_out);
/* the same with the string keys in charset (SORT's, THREAD's) */
int	imap_search_run_cs(struct imap_session *, const char *tag,
	    const char *verb, const char *charset, const struct imap_arg *,
	    size_t, size_t **seqs_out, size_t *n_out, int *modseq_out);
/* 1 when SEARCH, SORT and THREAD take keys in charset cs; else they
 * answer this (dovecot's words) */
int	imap_charset_known(const char *cs);
#define IMAP_BADCHARSET	"NO [BADCHARSET] Unknown charset."

/* imap_sort.c: a Date: value as UTC (-1 unreadable); RFC 5256's base
 * subject, upper case (reply_out: a re:/fwd: was removed) */
int64_t	imap_rfc822_date(const char *);
char	*imap_base_subject(const char *, int *reply_out);

/* "1:3,5" of ascending numbers */
void	imap_set_out(struct buf *, const uint32_t *, size_t);

/* RETURN (MIN MAX COUNT ALL SAVE) of SEARCH and SORT (ESEARCH, ESORT,
 * SEARCHRES): the options as bits, args and nargs moved past them; 0
 * when there is no RETURN, -1 after a BAD reply. */
#define IMAP_RET_MIN	0x01
#define IMAP_RET_MAX	0x02
#define IMAP_RET_COUNT	0x04
#define IMAP_RET_ALL	0x08
#define IMAP_RET_SAVE	0x10
#define IMAP_RET_UPDATE	0x20		/* CONTEXT=SEARCH */
#define IMAP_RET_PARTIAL 0x40		/* range in s->ret_partial */
#define IMAP_RET_GIVEN	0x80
int	imap_return_opts(struct imap_session *, const char *tag,
	    const char *verb, const struct imap_arg **args, size_t *nargs,
	    unsigned *ret_out);
/* "* ESEARCH (TAG t) [UID] MIN MAX COUNT ALL" of v, in its order (MIN
 * is v[0], MAX the last: a SEARCH's are ascending, a SORT's sorted) */
void	imap_esearch_out(struct buf *, const char *tag, int uid, unsigned ret,
	    const uint32_t *v, size_t n);
/* SEARCHRES: $ becomes uids (or, for SAVE with MIN/MAX alone, *min and
 * *max) when ret has SAVE */
void	imap_ret_save(struct imap_session *, unsigned ret,
	    const uint32_t *uids, size_t n, const uint32_t *min,
	    const uint32_t *max);
/* $ (the saved UIDs, sorted here); NULL/0 empties it */
void	imap_saved_set(struct imap_session *, const uint32_t *, size_t);

/* imap_session.c */
void	imap_set_state(struct imap_session *, enum imap_state);
void	imap_unselect(struct imap_session *);
/* imap_view.c */
void	imap_known_push(struct imap_known **, size_t *n, size_t *cap,
	    const struct imap_known *);
/* "(\Answered ... $kw [\*])" for FLAGS and PERMANENTFLAGS */
void	imap_flags_line(struct imap_session *, struct buf *, int perm);

/* ---- imap_savedate.c: SAVEDATE (RFC 8514) */
struct imap_savedate;
/* the save date of mailbox message x of the selected mailbox (0: its
 * file is gone); *supported_out: FETCH shows it (not in mbox) */
time_t	imap_savedate_get(struct imap_session *, size_t x,
	    int *supported_out);
/* at a command's end: the dates given out are kept */
void	imap_savedate_done(struct imap_session *);
/* messages uids just stored in mb (named name) were saved now */
void	imap_savedate_new(struct imap_session *, const struct mailbox *mb,
	    const char *name, const uint32_t *uids, size_t n);

/* ---- imap_context.c: CONTEXT=SEARCH (RFC 5267) */
struct imap_ctxsearch;
/* a SEARCH RETURN (UPDATE) under tag: its keys and the UIDs it found
 * (ascending); -1 with "* NO [NOUPDATE tag]" sent when there are too
 * many */
int	imap_ctx_keep(struct imap_session *, const char *tag, int uid,
	    const struct imap_arg *args, size_t nargs, const uint32_t *uids,
	    size_t n);
int	imap_ctx_has(struct imap_session *, const char *tag);
/* after a command: ESEARCH ADDTO/REMOVEFROM for what changed */
void	imap_ctx_notify(struct imap_session *);
/* before EXPUNGE replies: REMOVEFROM for the UIDs gone (ascending) */
void	imap_ctx_gone(struct imap_session *, const uint32_t *gone,
	    size_t ngone);
void	imap_ctx_free(struct imap_session *);
void	imap_cmd_cancelupdate(struct imap_session *, struct imap_cmd *);
/* imap_esearch_out with RETURN (PARTIAL n:m) too */
void	imap_esearch_ret_out(struct buf *, const struct imap_session *,
	    const char *tag, int uid, unsigned ret, const uint32_t *v,
	    size_t n);
/* qsort's comparison of uint32_t */
int	imap_u32_cmp(const void *, const void *);
/* PARTIAL's "n:m" (either order, neither 0) into range; -1 broken */
int	imap_partial_parse(const char *, uint32_t range[2]);
/* " PARTIAL (n:m set)" of v[n-1 .. m-1], NIL when there are none */
void	imap_partial_out(struct buf *, const uint32_t range[2],
	    const uint32_t *v, size_t n);

/* ---- imap_url.c: IMAP URLs for CATENATE (URL-PARTIAL) */
#define IMAP_URL_MAX	8192

struct imap_url {
	char		*mailbox;	/* NULL: the selected one */
	uint32_t	 uidvalidity;	/* 0: not given */
	uint32_t	 uid;
	char		*section;	/* NULL: the whole message */
	int		 partial;
	uint32_t	 off, len;	/* len 0: to the end */
	char		 why[128];	/* a reason naming a piece of it */
};

/* url[0..len) into out (free with imap_url_free); -1 with *why
 * dovecot's reason (after "Invalid IMAP URL: ") and nothing to free */
int	imap_url_parse(const char *url, size_t len, struct imap_url *out,
	    const char **why);
void	imap_url_free(struct imap_url *);

/* ---- imap_catenate.c: APPEND's CATENATE (RFC 4469) */

/* the message CATENATE (parts) makes, into out; -1 with the tagged
 * answer given */
int	imap_catenate(struct imap_session *, const char *tag,
	    const struct imap_arg *parts, struct buf *out);
/* BODY[section]<partial> of msg as FETCH gives it, into out; -1 when
 * the section is not valid */
int	imap_fetch_section(struct imap_msg *, const char *section,
	    struct buf *out);

/* ---- handlers */
void	imap_cmd_select(struct imap_session *, struct imap_cmd *);
void	imap_cmd_examine(struct imap_session *, struct imap_cmd *);
void	imap_cmd_idle(struct imap_session *, struct imap_cmd *);
void	imap_cmd_close(struct imap_session *, struct imap_cmd *);
void	imap_cmd_unselect(struct imap_session *, struct imap_cmd *);
void	imap_cmd_expunge(struct imap_session *, struct imap_cmd *);
void	imap_cmd_uid(struct imap_session *, struct imap_cmd *);
void	imap_cmd_fetch_seq(struct imap_session *, struct imap_cmd *);
void	imap_cmd_store_seq(struct imap_session *, struct imap_cmd *);
void	imap_cmd_search_seq(struct imap_session *, struct imap_cmd *);
void	imap_cmd_sort_seq(struct imap_session *, struct imap_cmd *);
void	imap_cmd_thread_seq(struct imap_session *, struct imap_cmd *);
void	imap_cmd_copy_seq(struct imap_session *, struct imap_cmd *);
void	imap_cmd_move_seq(struct imap_session *, struct imap_cmd *);
void	imap_cmd_list_all(struct imap_session *, struct imap_cmd *);
void	imap_cmd_lsub(struct imap_session *, struct imap_cmd *);
void	imap_cmd_subscribe_on(struct imap_session *, struct imap_cmd *);
void	imap_cmd_unsubscribe(struct imap_session *, struct imap_cmd *);
void	imap_cmd_thread(struct imap_session *, struct imap_cmd *, int uid);
void	imap_cmd_sort(struct imap_session *, struct imap_cmd *, int uid);
void	imap_cmd_fetch(struct imap_session *, struct imap_cmd *, int uid);
void	imap_cmd_store(struct imap_session *, struct imap_cmd *, int uid);
void	imap_cmd_search(struct imap_session *, struct imap_cmd *, int uid);
void	imap_cmd_copy(struct imap_session *, struct imap_cmd *, int uid,
	    int move);
void	imap_cmd_list(struct imap_session *, struct imap_cmd *, int lsub);
void	imap_cmd_status(struct imap_session *, struct imap_cmd *);
void	imap_cmd_create(struct imap_session *, struct imap_cmd *);
void	imap_cmd_delete(struct imap_session *, struct imap_cmd *);
void	imap_cmd_rename(struct imap_session *, struct imap_cmd *);
void	imap_cmd_subscribe(struct imap_session *, struct imap_cmd *,
	    int on);
void	imap_cmd_append(struct imap_session *, struct imap_cmd *);
/* opens a mailbox by name for STATUS/COPY/APPEND; NULL with a reply */
int	imap_mailbox_path(struct imap_session *, const char *tag,
	    const char *name, struct buf *out);
/* a mailbox that can hold messages exists at path */
int	imap_selectable(struct imap_session *, const char *name,
	    const char *path);
/* one untagged STATUS; -1 with a tagged answer (tag not NULL) */
int	imap_status_reply(struct imap_session *, const char *tag,
	    const char *name, const struct imap_arg *items);
/* one "* LIST (flags) sep name" line: flags MAILBOX_* and these, use
 * a special-use flag or NULL, CHILDINFO, OLDNAME (NULL: none) */
#define IMAP_LIST_SUBSCRIBED	0x100
#define IMAP_LIST_NONEXISTENT	0x200
void	imap_list_line(struct imap_session *, const char *verb,
	    unsigned flags, const char *use, const char *name, int childinfo,
	    const char *oldname);
/* ---- imap_notify.c: NOTIFY (RFC 5465) */
void	imap_cmd_notify(struct imap_session *, struct imap_cmd *);
/* between commands and in IDLE: what changed, as NOTIFY asked */
void	imap_notify_tick(struct imap_session *);
void	imap_notify_free(struct imap_session *);
/* 0 when NOTIFY is in effect without events for the selected mailbox:
 * then nothing about it is sent, not even after NOOP (dovecot) */
int	imap_notify_selected(const struct imap_session *);
/* login-time: special-use folders with auto = create/subscribe */
void	imap_autocreate(struct imap_session *);

#endif
