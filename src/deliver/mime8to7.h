/*
 * mime8to7.h -- 8-to-7-bit MIME conversion for a peer without 8BITMIME,
 * as sendmail 8.17 does it: when to convert (EightBitMode, mailer F=8,
 * the peer's EHLO, the message's MIME-Version and BODY=), and the
 * conversion itself (quoted-printable or base64 chosen per body part by
 * its share of 8-bit bytes, multipart and message/rfc822 entered, the
 * Content-Transfer-Encoding and X-MIME-Autoconverted headers written).
 * No I/O: a message in memory in, the converted message out.
 */
#ifndef DELIVER_MIME8TO7_H
#define DELIVER_MIME8TO7_H

#include <stddef.h>

#include "lib/buf.h"

/* EightBitMode as bits (sendmail's MM_*) */
#define MIME87_M_CVTMIME	0x1	/* may convert 8-bit MIME to 7 bits */
#define MIME87_M_PASS8BIT	0x2	/* pass 8-bit non-MIME mail as is */
#define MIME87_M_MIME8BIT	0x4	/* take 8-bit non-MIME mail as MIME */

/* EightBitMode's value (m/mime8, p/pass8, s/strict; NULL: unset, which
 * is pass8).  -1 for another letter. */
int	 mime87_mode(const char *value);

/* What the message is, from its headers (sendmail's EF_IS_MIME and
 * EF_DONT_MIME), given the qf's body type (BODY=, or NULL). */
#define MIME87_IS_MIME		0x1	/* MIME-Version:, or BODY=8BITMIME */
#define MIME87_DONT_MIME	0x2	/* an RFC 1049 Content-Type: no '/'
					   before the first ';' */
unsigned mime87_kind(int has_mime_version, const char *content_type,
	    const char *body_type);

enum mime87_action {
	MIME87_SEND,		/* as it is */
	MIME87_CONVERT,		/* through mime87_convert */
	MIME87_REFUSE		/* 5.6.3 "... does not support 8BITMIME" */
};

struct mime87_decision {
	unsigned	 mode;		/* mime87_mode() */
	unsigned	 kind;		/* mime87_kind() */
	int		 has8bit;	/* the qf's F8 */
	int		 mailer_8bit;	/* mailer F=8 */
	const char	*body_type;	/* the qf's B line, or NULL */
};

/* For a peer without 8BITMIME (nor 8BIT-OK in its greeting). */
enum mime87_action mime87_decide(const struct mime87_decision *);
/* MAIL's BODY= value for a peer with 8BITMIME, or NULL for none. */
const char *mime87_body_param(const struct mime87_decision *);

/* problems the conversion met and went past, as sendmail does */
#define MIME87_D_NOBOUNDARY	0x01	/* multipart without boundary= */
#define MIME87_D_LONGBOUNDARY	0x02	/* boundary over 127 bytes: cut */
#define MIME87_D_TOODEEP	0x04	/* nested deeper than MIME87_DEPTH */
#define MIME87_D_EMPTYPARAM	0x08	/* ";;" in a Content-Type */

#define MIME87_DEPTH		20	/* sendmail's MAXMIMENESTING */
#define MIME87_BOUNDARY_MAX	127

#define MIME87_F_ESCFROM	0x1	/* mailer F=E: "From " lines escaped */
#define MIME87_F_EBCDIC		0x2	/* mailer F=3: QP for EBCDIC too */
#define MIME87_F_WALK		0x4	/* no conversion: only multiparts
					   rewritten (preamble and epilogue
					   to 7 bits, boundary lines anew), as
					   sendmail's MaxMimeHeaderLength check
					   walks a message sent as it is */
#define MIME87_F_MARK8BIT	0x8	/* with WALK: add MIME-Version,
					   Content-Type and "8bit" where
					   missing (EightBitMode=mime8) */

struct mime87_opts {
	const char	*host;		/* $j, for X-MIME-Autoconverted */
	const char	*qid;		/* the queue id, likewise */
	const char	*charset;	/* DefaultCharSet; NULL: unknown-8bit */
	unsigned	 flags;		/* MIME87_F_* */
	/* Membership of word in the cf's class cls ('e' 7bit 8bit binary,
	 * 'n' multipart/signed, 's' rfc822, 'q' none); NULL: those. */
	int		(*in_class)(void *arg, int cls, const char *word);
	void		*class_arg;
};

/*
 * Converts msg (header lines, an empty line, the body; lines end in LF)
 * into out, lines ending in LF, not dot-stuffed.  diag_out gets the
 * MIME87_D_* met (the message is converted all the same).  -1 when out
 * reached its limit.
 */
int	 mime87_convert(const char *msg, size_t len,
	    const struct mime87_opts *, struct buf *out, unsigned *diag_out);

/* ------------------------------------------------------------------
 * Internals shared by the mime8to7*.c files and the unit tests.
 */

struct mime87_tok {
	const char	*s;
	size_t		 n;
};

/*
 * The header block of p starting at off: returns where its body starts
 * (past the empty line, or at the first line that is neither a field
 * nor a continuation) and sets end_out to where its fields end.
 */
size_t	 mime87_hdr_block(const char *p, size_t len, size_t off,
	    size_t *end_out);
/* The field at *off (continuations included, no last LF); *off moves
 * to the next one. */
void	 mime87_hdr_next(const char *p, size_t end, size_t *off,
	    const char **f_out, size_t *n_out);
/* 1 if the field is named name (any case). */
int	 mime87_hdr_is(const char *field, size_t n, const char *name);
/* The value (after the colon) of the first field named name in
 * p[start..end); 0 if none. */
int	 mime87_hdr_find(const char *p, size_t start, size_t end,
	    const char *name, const char **val_out, size_t *n_out);
/* Splits a MIME header value into at most max tokens; their number. */
size_t	 mime87_tokens(const char *s, size_t n, struct mime87_tok *,
	    size_t max);
int	 mime87_tok_is(const struct mime87_tok *, const char *word);
/* The token without its quotes and backslashes, NUL-ended, cut to
 * size - 1 bytes (*cut_out set then). */
void	 mime87_unquote(const struct mime87_tok *, char *out, size_t size,
	    int *cut_out);

/* One body part's bytes, encoded, appended as LF-ended lines; -1 when
 * out is full.  in_multipart: a last line is written even if empty. */
int	 mime87_qp(const char *p, size_t n, int in_multipart, unsigned flags,
	    struct buf *out);
int	 mime87_base64(const char *p, size_t n, struct buf *out);

#endif
