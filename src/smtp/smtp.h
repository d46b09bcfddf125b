/*
 * smtp.h -- SMTP protocol pieces the server (src/smtpd) and the client
 * (src/deliver) share: command line and ESMTP parameter parsing, the
 * DATA phase reader (un-dot-stuffing, end of data, smuggling defence),
 * the header section parser, reply wording and parsing, and client-side
 * dot-stuffing.  No I/O here: parsers make typed values from bytes the
 * caller has read, formatters append to a struct buf.
 */
#ifndef SMTP_SMTP_H
#define SMTP_SMTP_H

#include <stddef.h>

#include "lib/buf.h"

/* ---- command lines (smtp_cmd.c) ---- */

enum smtp_verb {
	SMTP_UNKNOWN,
	SMTP_HELO,
	SMTP_EHLO,
	SMTP_MAIL,
	SMTP_RCPT,
	SMTP_DATA,
	SMTP_BDAT,
	SMTP_RSET,
	SMTP_NOOP,
	SMTP_QUIT,
	SMTP_VRFY,
	SMTP_EXPN,
	SMTP_HELP,
	SMTP_VERB,
	SMTP_ETRN,
	SMTP_STARTTLS,
	SMTP_AUTH,
	SMTP_ONEX,
	SMTP_XUSR
};

struct smtp_cmd {
	enum smtp_verb	 verb;
	char		*word;	/* the verb as typed */
	char		*arg;	/* rest after the verb and spaces, "" if none */
};

/*
 * Splits a command line in place (line without CRLF, NUL-terminated, len
 * given; a NUL byte inside the line -> SMTP_UNKNOWN with word set).
 * Leading white space is skipped; the word ends at white space, which
 * is overwritten with a NUL.  Verb matched case-insensitively.
 */
void	 smtp_cmd_parse(char *line, size_t len, struct smtp_cmd *out);
/* The verb in upper case ("MAIL"); "" for SMTP_UNKNOWN. */
const char *smtp_verb_name(enum smtp_verb);
/*
 * 1 if word is one of the verbs sendmail answers with "502 5.5.1 Command
 * not implemented" (TURN, SEND, SAML, SOML), else 0.  They parse as
 * SMTP_UNKNOWN.
 */
int	 smtp_verb_not_implemented(const char *word);

/*
 * For MAIL/RCPT: arg must be "FROM:"/"TO:" (case-insensitive, spaces
 * allowed before and after the colon as sendmail's skipword allows);
 * keyword is "FROM" or "TO" (a trailing ':' in it is ignored).  Returns
 * a pointer into arg to the text after the colon and following spaces,
 * or NULL when the keyword/colon is missing (the caller replies
 * `501 5.5.2 Syntax error in parameters scanning "FROM"`).  An empty
 * remainder is returned as "" (caller decides).  arg is not modified.
 */
char	*smtp_skip_keyword(char *arg, const char *keyword);

/* ---- ESMTP parameters (smtp_param.c) ---- */

struct smtp_param {
	char	*key;
	char	*value;		/* NULL if no '=' */
};

/*
 * Splits "K=V K2 K3=V3" in place on spaces and tabs (the first '=' of a
 * word separates key and value); at most max params; -1 if more than
 * max (caller: "501 5.5.4 Too many parameters" or similar).  Keys and
 * values point into s; *n is the number found (max on -1).
 */
int	 smtp_params_split(char *s, struct smtp_param *out, size_t max,
	    size_t *n);
/* 1 if key is an RFC 5321 esmtp-keyword: ALNUM *(ALNUM / "-"). */
int	 smtp_param_key_ok(const char *key);
/*
 * xtext (RFC 3461 section 4): decodes "+2B" etc. in place; -1 on bad
 * xtext (bad hex, '+' not followed by 2 upper-case hex digits, chars
 * outside 33..126 or '=', or "+00", which would cut the C string).
 */
int	 smtp_xtext_decode(char *s);
/* Appends s xtext-encoded to out; -1 if out is full. */
int	 smtp_xtext_encode(const char *s, struct buf *out);

#define SMTP_NOTIFY_SUCCESS	0x01
#define SMTP_NOTIFY_FAILURE	0x02
#define SMTP_NOTIFY_DELAY	0x04
#define SMTP_NOTIFY_NEVER	0x08
/*
 * RFC 3461 NOTIFY: NEVER alone, or a comma list of SUCCESS, FAILURE,
 * DELAY (case-insensitive, repeats allowed) -> SMTP_NOTIFY_* bits;
 * -1 invalid (empty, empty element, unknown word, NEVER with others).
 */
int	 smtp_notify_parse(const char *s, unsigned *bits);

/* ---- the DATA phase reader (smtp_data.c) ---- */

struct smtp_data;

enum smtp_data_status {
	SMTP_DATA_MORE,		/* all bytes consumed, end not seen yet */
	SMTP_DATA_END,		/* <CRLF>.<CRLF> seen; rest not consumed */
	SMTP_DATA_ERROR		/* smtp_data_error() says why; stop reading */
};

/* flags given to the line callback */
#define SMTP_LINE_CONT		0x01	/* longer than maxline: this piece is
					   continued by the next call */
#define SMTP_LINE_NUL		0x02	/* the piece holds a NUL byte */
#define SMTP_LINE_BARE_LF	0x04	/* ended by a bare LF (SMTP_DATA_LF_OK) */
#define SMTP_LINE_BARE_CR	0x08	/* holds a bare CR (SMTP_DATA_CR_OK) */
#define SMTP_LINE_NO_EOL	0x10	/* the message ended without CRLF
					   (smtp_data_finish) */

/* policy flags for smtp_data_set_flags(); default 0 = strict */
#define SMTP_DATA_LF_OK		0x01	/* bare LF ends a line, never the data */
#define SMTP_DATA_CR_OK		0x02	/* bare CR is kept as a data byte */
#define SMTP_DATA_RAW		0x04	/* BDAT: no dot-unstuffing and no end
					   marker; smtp_data_finish() ends */

#define SMTP_DATA_MAXLINE_DEFAULT	2048	/* maxline 0 */

/*
 * A reader for one DATA phase (reusable with smtp_data_reset()).  Lines
 * are given to line_cb without their terminator and after the leading
 * dot of a stuffed line is removed; `line` points into the fed bytes or
 * an internal buffer and is valid only during the call.  A line longer
 * than maxline comes in pieces of maxline bytes, all but the last with
 * SMTP_LINE_CONT.  A non-zero return from line_cb makes the reader drop
 * the rest of the message but keep reading to its end, so the session
 * stays in step; smtp_data_cb_result() gives that value afterwards.
 */
struct smtp_data *smtp_data_new(size_t maxline,
	    int (*line_cb)(void *arg, const char *line, size_t len, int flags),
	    void *arg);
/* SMTP_DATA_* policy bits; default strict (bare CR or LF is an error). */
void	 smtp_data_set_flags(struct smtp_data *, unsigned flags);
/*
 * Feeds n bytes; *used says how many were consumed (bytes after the
 * end-of-data marker are NOT consumed: they are the next pipelined
 * command).  After END or ERROR further feeds consume nothing.
 */
enum smtp_data_status smtp_data_feed(struct smtp_data *, const char *p,
	    size_t n, size_t *used);
/*
 * BDAT LAST (SMTP_DATA_RAW): the message ends here; a last line without
 * CRLF is given with SMTP_LINE_NO_EOL.  SMTP_DATA_END, or ERROR for a
 * trailing bare CR under the strict policy.
 */
enum smtp_data_status smtp_data_finish(struct smtp_data *);
/* Why SMTP_DATA_ERROR, as a reply line ("421 4.5.0 Bare linefeed ..."). */
const char *smtp_data_error(struct smtp_data *);
/* The first non-zero line_cb result, 0 if none. */
int	 smtp_data_cb_result(struct smtp_data *);
/* Message bytes seen (after unstuffing, with CRLF counted as 2). */
size_t	 smtp_data_bytes(struct smtp_data *);
/* NUL bytes seen (RejectNUL: "554 5.6.1 NUL byte not allowed"). */
size_t	 smtp_data_nuls(struct smtp_data *);
/* Ready for the next message, same settings. */
void	 smtp_data_reset(struct smtp_data *);
void	 smtp_data_free(struct smtp_data *);

/* ---- the header section (smtp_hdrs.c) ---- */

struct smtp_hdr {
	char	*name;		/* without the spaces before the colon */
	char	*value;		/* text after the colon, continuation lines
				   joined by "\n" with their white space */
	size_t	 rawlen;	/* bytes of its lines, each with one '\n' */
};

struct smtp_hdrs;

/* maxbytes: MaxHeadersLength (0 = unlimited). */
struct smtp_hdrs *smtp_hdrs_new(size_t maxbytes);
/*
 * Feeds one line as smtp_data gives it (flags: SMTP_LINE_CONT pieces are
 * joined).  Returns 0 still in headers, 1 this line is the first body
 * line or the blank separator (headers ended; *is_blank tells), -1
 * error (too large: text via smtp_hdrs_error, "552 5.6.0 Headers too
 * large (32768 max)").  After 1, further calls return 1 and do nothing.
 * A first line "From " is sendmail's UNIX From line: eaten (0), kept
 * for smtp_hdrs_ufrom().
 */
int	 smtp_hdrs_line(struct smtp_hdrs *, const char *line, size_t len,
	    int flags, int *is_blank);
/*
 * The whole first body line (pieces joined) after smtp_hdrs_line
 * returned 1 with *is_blank 0; NULL otherwise.
 */
const char *smtp_hdrs_body_line(struct smtp_hdrs *, size_t *len);
const char *smtp_hdrs_error(struct smtp_hdrs *);
size_t	 smtp_hdrs_count(struct smtp_hdrs *);
/* The i'th header in order; NULL past the end.  Owned by hdrs. */
const struct smtp_hdr *smtp_hdrs_get(struct smtp_hdrs *, size_t i);
/* The eaten "From ..." line, NULL if there was none. */
const char *smtp_hdrs_ufrom(struct smtp_hdrs *);
void	 smtp_hdrs_free(struct smtp_hdrs *);

/* ---- replies and dot-stuffing (smtp_reply.c) ---- */

/*
 * Appends one reply, possibly multi-line: text may contain '\n'; each
 * line gets "code-" except the last "code "; enh (e.g. "2.1.0", may be
 * NULL) is put after the code on every line.  Lines end in CRLF; a CR
 * in text is dropped.  -1 if code is not 200..599 or out is full.
 */
int	 smtp_reply_format(struct buf *out, int code, const char *enh,
	    const char *text);

/*
 * Parses one reply line from a server (client side), without CRLF: code
 * (3 digits, 2xx..5xx), more (1 for "code-"), the enhanced code when
 * the text starts with one whose class matches the code's first digit,
 * and text (into line, after the enhanced code and its space).  -1
 * malformed.  line need not be NUL-terminated; text runs to line+len.
 */
struct smtp_reply_line {
	int		 code;
	int		 more;
	char		 enh[16];	/* "" if none */
	const char	*text;
	size_t		 textlen;
};
int	 smtp_reply_line_parse(const char *line, size_t len,
	    struct smtp_reply_line *out);

/*
 * Appends line dot-stuffed plus CRLF.  A CR, LF or CRLF inside line is
 * sent as a line break (never bare) and the text after it is stuffed
 * too, so no later hop can see a bare CR/LF or an unstuffed ".".
 */
int	 smtp_dot_stuff_line(struct buf *out, const char *line, size_t len);

/* ---- SMTP AUTH (smtp_auth.c) ---- */

/*
 * "MECH [initial-response]" split in place; -1 when no mechanism is
 * given.  *initial_out is NULL when there is no response.
 */
int	 smtp_auth_split(char *arg, char **mech_out, char **initial_out);

enum smtp_sasl_resp {
	SMTP_SASL_DATA,		/* the decoded bytes were appended to out */
	SMTP_SASL_CANCEL,	/* "*": the client gives up */
	SMTP_SASL_BAD		/* not base64, or more than max bytes */
};
/*
 * One base64 line of a SASL exchange (without CRLF).  initial: the
 * AUTH command's own response, where "=" stands for an empty one and
 * "*" means nothing.  out is left as it was unless DATA.
 */
enum smtp_sasl_resp smtp_sasl_decode(const char *line, size_t len,
	    int initial, size_t max, struct buf *out);

#endif
