/*
 * imap.h -- the IMAP side of mailboxd.  So far: the command parser
 * (RFC 3501 tags, atoms, quoted strings, literals {n} and LITERAL+ {n+},
 * parenthesised lists, BODY[...] section atoms) and sequence sets, as
 * typed values made without I/O and under limits the caller sets.
 */
#ifndef IMAP_IMAP_H
#define IMAP_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

enum imap_arg_type {
	IMAP_ARG_ATOM,		/* also NIL and BODY[...]<...> */
	IMAP_ARG_QUOTED,
	IMAP_ARG_LITERAL,
	IMAP_ARG_LIST
};

struct imap_arg {
	enum imap_arg_type	 type;
	char			*str;		/* NUL-terminated copy; a
						   literal may hold NULs */
	size_t			 len;
	struct imap_arg		*list;		/* IMAP_ARG_LIST */
	size_t			 nlist;
};

struct imap_cmd {
	char		*tag;
	char		*name;		/* as sent; compare without case */
	struct imap_arg	*args;
	size_t		 nargs;
};

struct imap_limits {
	size_t	 max_line;	/* bytes outside literals (64k) */
	size_t	 max_literal;	/* one literal's size */
	size_t	 max_depth;	/* list nesting */
	size_t	 max_args;	/* arguments in all lists together */
};

/* imap_max_line_length's default and sane caps for the rest */
void	imap_limits_default(struct imap_limits *, int authenticated);

enum imap_parse {
	IMAP_PARSE_OK,		/* a whole command; *used_out bytes */
	IMAP_PARSE_NEED_MORE,	/* no CRLF yet, or a literal is short */
	IMAP_PARSE_LITERAL,	/* a synchronising literal was announced:
				   send "+ " once for *lit_off_out, then
				   read more */
	IMAP_PARSE_BAD,		/* syntax error; *used_out skips the line */
	IMAP_PARSE_TOO_BIG	/* a limit was passed */
};

/*
 * Parses one command from buf[0..len), which holds everything received
 * for it so far.  On OK, cmd_out is filled (free with imap_cmd_free) and
 * *used_out is the bytes it took.  On NEED_MORE/LITERAL, *lit_off_out is
 * the offset just after the announced literal's CRLF (or 0).  On BAD and
 * TOO_BIG, *used_out is the end of the offending line when it is known
 * (0: not yet), and err says why; cmd_out->tag is set if it was read.
 */
enum imap_parse imap_cmd_parse(const char *buf, size_t len,
	    const struct imap_limits *, struct imap_cmd *cmd_out,
	    size_t *used_out, size_t *lit_off_out, struct err *);
void	imap_cmd_free(struct imap_cmd *);

/* A sequence set: ranges in the order given, "*" as 0 (a number is
 * never 0).  Never expanded into numbers. */
struct imap_range {
	uint32_t	 lo, hi;	/* lo <= hi when neither is "*" */
};

struct imap_seqset {
	struct imap_range	*v;
	size_t			 n;
};

/* -1 on 0, numbers above 4294967295, empty items or junk. */
int	imap_seqset_parse(const char *, size_t, struct imap_seqset *out);
void	imap_seqset_free(struct imap_seqset *);
/* n is in the set, with "*" meaning max. */
int	imap_seqset_has(const struct imap_seqset *, uint32_t n, uint32_t max);

#endif
