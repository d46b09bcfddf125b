/*
 * addr.h -- turning an address or a rule side into tokens the way
 * sendmail's prescan does: operator characters, quoted strings,
 * comments, angle brackets, backslashes, and the metasymbol bytes
 * (>= 0200) that rules are written in.
 *
 * Tokens are NUL-terminated strings; a token list is a NULL-terminated
 * vector.  The parser does no I/O: syntax errors come back as a message
 * ("Unbalanced '<'") for the caller to word.
 */
#ifndef ADDR_ADDR_H
#define ADDR_ADDR_H

#include <stddef.h>

/* metasymbol bytes, as in compiled rules (and leaked into qf files) */
#define META_MATCHZANY	0220	/* $* */
#define META_MATCHANY	0221	/* $+ */
#define META_MATCHONE	0222	/* $- */
#define META_MATCHCLASS	0223	/* $=X */
#define META_MATCHNCLASS 0224	/* $~X */
#define META_MATCHREPL	0225	/* $n */
#define META_CANONNET	0226	/* $# */
#define META_CANONHOST	0227	/* $@ */
#define META_CANONUSER	0230	/* $: */
#define META_CALLSUBR	0231	/* $> */
#define META_CONDIF	0232	/* $? */
#define META_CONDELSE	0233	/* $| */
#define META_CONDFI	0234	/* $. */
#define META_HOSTBEGIN	0235	/* $[ */
#define META_HOSTEND	0236	/* $] */
#define META_LOOKUPBEGIN 0205	/* $( */
#define META_LOOKUPEND	0206	/* $) */
#define META_MACROEXPAND 0201	/* $x */
#define META_MACRODEXPAND 0202	/* $&x */
#define META_NOCHAR	(-1)

/* character types of the tokeniser's state machine */
enum addr_ctype {
	ADDR_OPR, ADDR_ATM, ADDR_QST, ADDR_SPC, ADDR_ONE, ADDR_ILL
};

struct addr_toktab {
	unsigned char	type[256];
};

/* Limits sendmail applies: tokens per address, bytes per token list. */
#define ADDR_MAXATOM	1000
#define ADDR_MAXNAME	256
#define ADDR_PSBUFSIZE	(ADDR_MAXNAME + ADDR_MAXATOM)

/*
 * Table for external addresses: `ops` (OperatorChars) and "()<>,;" are
 * single-character tokens, parentheses start comments.
 */
void	addr_toktab_ext(struct addr_toktab *, const char *ops);
/* Table for rule text: metasymbol bytes are tokens of their own. */
void	addr_toktab_int(struct addr_toktab *, const char *ops);
/* As the internal table, but "(" and ")" are plain operators (V>=9). */
void	addr_toktab_nocomment(struct addr_toktab *, const char *ops);

struct addr_tokens {
	char	**v;		/* NULL-terminated token vector */
	size_t	  n;
	char	 *store;	/* token bytes; v points into it */
};

enum addr_scan {
	ADDR_SCAN_OK,		/* tokens in out (maybe none) */
	ADDR_SCAN_ERROR		/* syntax error: message in errmsg */
};

/*
 * Tokenises s up to `delim` (0: end of string; ',' for lists, '\t' for
 * rules).  Like sendmail, some syntax errors are reported but patched
 * (a missing '>' is supplied): then the result is still ADDR_SCAN_OK.  *end_out (may be NULL) gets the offset where scanning
 * stopped.  Each message goes to errfn (may be NULL) with its reply
 * code ("553 Unbalanced '<'"); the caller words it.
 */
enum addr_scan addr_prescan(const char *s, int delim,
		    const struct addr_toktab *, int ignore_errors,
		    struct addr_tokens *out, size_t *end_out,
		    void (*errfn)(void *, const char *), void *errarg);
void	addr_tokens_free(struct addr_tokens *);

/* Copies a vector of tokens into one owned list. */
void	addr_tokens_copy(struct addr_tokens *, char *const *v, size_t n);

#endif
