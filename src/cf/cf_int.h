/*
 * cf_int.h -- the inside of struct cf, shared by the files of src/cf.
 */
#ifndef CF_CF_INT_H
#define CF_CF_INT_H

#include <stdio.h>

#include "addr/addr.h"
#include "cf.h"
#include "lib/arr.h"
#include "lib/buf.h"
#include "map/map.h"

#define CF_MAXRWSETS	200	/* rulesets 0..199 */
#define CF_MAXRULERECURSION 50	/* nested $> calls */
#define CF_MAXRULETRIES 1000000	/* rules tried in one top-level call */
#define CF_MAXSUBR	100	/* $> calls in one rewrite */
#define CF_MAXMAILERS	25
#define CF_MAXMACROID	0377
#define CF_FIRSTLONGID	0240	/* named macros/classes get ids from here */
#define CF_MAX_MAP_ARGS	10
#define CF_MAXKEY	1024

/* special rulesets by number */
#define RS_PARSE	0
#define RS_SENDER	1
#define RS_RECIPIENT	2
#define RS_CANON	3
#define RS_FINAL	4
#define RS_LOCALADDR	5

struct cf_rule {
	struct addr_tokens	 lhs;
	struct addr_tokens	 rhs;
	int			 line;
	/* the literal LHS tokens as bits: the input must have them all */
	unsigned long long	 need;
	struct cf_rule		*next;
};

/* A ruleset's rules as an array (cf_rewrite.c), made on first use. */
struct cf_rsvec {
	int			  built;
	size_t			  n;
	unsigned long long	 *need;	/* each rule's need bits */
	struct cf_rule		**rule;
};
void	cf_rsvec_drop(struct cf_rsvec *);

/*
 * A word of any class, as sendmail's symbol table holds it: one entry
 * per word (matched without case), with a bit per class it is in.
 * $=X lists words in the order of that table's hash buckets.
 */
struct cf_word {
	char		*name;		/* as first entered */
	char		*key;		/* lowercased */
	unsigned	 bucket;	/* sendmail's stab bucket */
	unsigned long	 seq;		/* entry order */
	unsigned char	 bits[(CF_MAXMACROID + 1) / 8];
};

struct cf_words {
	struct cf_word	**slot;		/* open addressing on key */
	size_t		  cap, n;
	size_t		  maxlen;	/* longest word */
	unsigned long	  nextseq;
};

struct cf_mailer {
	char		*name;
	int		 num;
	char		*path;		/* P= */
	unsigned char	 flags[256];	/* F= as a set */
	int		 se_rwset, sh_rwset;	/* S= env/hdr, -1 none */
	int		 re_rwset, rh_rwset;	/* R= env/hdr */
	char		*eol;		/* E= */
	struct strarr	 argv;		/* A= */
	long		 maxsize;	/* M= */
	long		 maxmsgs;	/* m= */
	long		 maxrcpt;	/* r= */
	long		 linelimit;	/* L= */
	char		*execdir;	/* D= */
	char		*user;		/* U= as written */
	long		 uid, gid;
	long		 nice;
	char		*charset;	/* C= */
	char		*mtatype, *addrtype, *diagtype;	/* T= */
	long		 wait;		/* W= */
	char		*qgrp;		/* Q= */
	char		*rootdir;	/* /= */
};

struct cf_option_desc {
	const char	*name;
	int		 shortname;	/* 0: none */
	int		 safe;		/* settable from the command line */
};

struct cf_header {
	char		*name;
	char		*value;		/* with metasymbols */
	char		*flags;		/* H?flags? */
	char		*macro;		/* H?${m}? */
};

struct cf {
	FILE			*out;		/* messages to the user */
	int			 noalias;	/* -n: no alias lookups */
	const char		*file;		/* being read */
	int			 line;
	int			 nerrors;
	int			 level;		/* V line: ConfigLevel */
	char			*vendor;

	char			*macro[CF_MAXMACROID + 1];
	char			*macname[CF_MAXMACROID + 1];
	int			 nextmacid;
	struct cf_words		 words;

	struct cf_rule		*rules[CF_MAXRWSETS];
	struct cf_rule		**ruletail[CF_MAXRWSETS];
	struct cf_rsvec		 rsvec[CF_MAXRWSETS];
	char			*rsname[CF_MAXRWSETS];
	int			*rshash;	/* name -> number + 1, lazy */
	int			 nextruleset;
	int			 cur_rwset;	/* the S being read, -1 none */

	struct cf_mailer	*mailer[CF_MAXMAILERS];
	int			 nmailers;

	char			**opt;		/* values by cf_option index */
	struct ptrarr		 headers;	/* struct cf_header * */
	struct strarr		 prec_names;
	long			 prec_vals[32];
	struct strarr		 envvars;	/* E lines */
	struct cf_qgroup	*qgroups;	/* Q lines */
	size_t			 nqgroups;
	struct strarr		 milters;	/* X lines, raw */

	struct map_set		*maps;
	struct addr_toktab	 tok_ext;	/* external addresses */
	struct addr_toktab	 tok_int;	/* rule text, internal strings */
	struct addr_toktab	 tok_noc;	/* V>=9: parentheses are tokens */
	int			 tok_ready;

	int			 subrlevel;
	unsigned long		 rw_tries;	/* of this top-level rewrite */
	int			 rw_abort;	/* it went too deep: unwind */
	int			 testmode;	/* -bt: trace rewrite */
	int			 debug21;	/* -d21.N level */
	struct ptrarr		 arena;		/* chunks of one operation */
	size_t			 arena_used, arena_size, arena_first;
	struct ptrarr		 pvpool;	/* free workspaces */
	struct buf		 linebuf;	/* trace output being built */
	const char		*e_to;		/* address errors are about */
	int			 exitstat;	/* first error's sysexit */
	int			 fatal;		/* stop reading: exit exitstat */
	int			 tryflags;	/* /tryflags */
	int			 holderrs;	/* -bv: notes are not shown */
	int			 nusrerr;	/* user errors so far */
	const char		*rawline;	/* the cf line as written */
	struct cf_aliases	*aliases;	/* AliasFile sources */
	int			 spacesub;	/* BlankSub */
	cf_errfn		*errfn;		/* session: errors as replies */
	void			*errarg;
	unsigned long		 nmsgs;		/* messages of any kind so far */
	struct cf_memo		*memo;		/* newaliases: cf_memo.c */
	char			*memo_x;	/* the token being recorded */
};

/* cf.c */
void	cf_after_read(struct cf *);

/* cf_alias.c */
int	cf_alias_lookup(struct cf *, const char *name, struct buf *out,
	    int verbose);
void	cf_aliases_free(struct cf *);

/* cf_newaliases.c: a text alias file read as -bi reads it */
int	cf_aliases_read_text(struct cf *, const char *file, int fd,
	    int (*store)(void *, const char *, const char *, struct err *),
	    void *arg, long *naliases, long *longest, long *total);

/* cf_ident.c */
void	cf_bt_canon(struct cf *, const char *, FILE *);
void	cf_bt_mx(struct cf *, const char *, FILE *);
void	cf_bt_header(struct cf *, const char *, FILE *);

/* cf_err.c */
/* "FILE: line N: " (name shortened as sendmail does) or "" */
void	cf_where(struct cf *, char *prefix, size_t size);
void	cf_syserr(struct cf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	cf_usrerr(struct cf *, const char *to, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* As cf_usrerr ("to... text"), but a notice: not counted as an error. */
void	cf_notice(struct cf *, const char *to, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	cf_message(struct cf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* cf_macro.c */
int	cf_macid(struct cf *, const char *p, const char **end_out);
int	cf_macid_find(struct cf *, const char *name);
int	cf_macid_find_braced(struct cf *, const char *p, const char **end_out);
const char *cf_macname(struct cf *, int id, char *tmp);
void	cf_macdefine(struct cf *, int id, const char *value);
const char *cf_macvalue(struct cf *, int id);
void	cf_translate_dollars(struct cf *, struct buf *);
void	cf_expand(struct cf *, const char *s, struct buf *out);

/* cf_class.c */
void	cf_class_add(struct cf *, int id, const char *word);
int	cf_class_has(struct cf *, int id, const char *word);
int	cf_class_has_suffix(struct cf *, int id, const char *suffix);
void	cf_class_print(struct cf *, int id, FILE *);
void	cf_words_free(struct cf_words *);
void	cf_fileclass(struct cf *, int id, const char *spec, int optional);

/* cf_option.c */
int	cf_option_index(const char *name);
int	cf_option_index_short(int c);
const char *cf_opt(struct cf *, const char *name);
void	cf_setoption_line(struct cf *, const char *line);
long	cf_opt_long(struct cf *, const char *name, long dflt);

/* cf_ruleset.c */
int	cf_rwset(struct cf *, const char *p, int enter, const char **end_out);
const char *cf_rwset_name(struct cf *, int n, char *tmp, size_t len);
void	cf_rule_add(struct cf *, const char *line);
void	cf_ruleset_start(struct cf *, const char *line);
void	cf_print_ruleset(struct cf *, int n, FILE *);

/* cf_qgroup.c */
void	cf_qgroup_line(struct cf *, const char *line);
void	cf_qgroups_free(struct cf *);

/* cf_mailer.c */
/* A field body up to an unquoted delim (M and Q lines); returns where
 * it stops, at delim or the end. */
const char *cf_munch(const char *p, int delim, struct buf *out);
void	cf_mailer_line(struct cf *, const char *line);
void	cf_mailer_builtins(struct cf *);
void	cf_mailers_free(struct cf *);
struct cf_mailer *cf_mailer_find(struct cf *, const char *name);
void	cf_mailer_print(struct cf *, struct cf_mailer *, FILE *);

/*
 * cf_token.c, cf_print.c, cf_rewrite.c: a workspace is a NULL-terminated vector of at most
 * ADDR_MAXATOM tokens; its strings belong to the rules or to cf->arena
 * (freed by cf_arena_reset() after each top-level operation).
 */
char	**cf_pvp_new(struct cf *);
void	 cf_pvp_free(struct cf *, char **);
char	*cf_arena_str(struct cf *, const char *, size_t);
void	cf_arena_reset(struct cf *);
/* Returns EX_OK (0), EX_TEMPFAIL (75), EX_CONFIG (78), EX_DATAERR ... */
int	cf_rewrite(struct cf *, char **pvp, int rwset, int reclevel,
	    int maxatom);
void	cf_printav(struct cf *, FILE *, char *const *);
void	cf_printav_buf(struct cf *, struct buf *, char *const *);
void	cf_put_macname(struct cf *, FILE *, int id);
void	cf_xputs(struct cf *, FILE *, const char *);
/* Joins tokens first..last (last NULL: to the end) into out. */
void	cf_cataddr(struct cf *, char *const *first, char *const *last,
	    struct buf *out, int spacesub, int external);
void	cf_tokens_prepare(struct cf *);
/* Bloom bits of one token, matched without case. */
unsigned long long cf_token_bits(const char *);
/* Tokenises s into pvp (arena strings); -1 on a fatal syntax error. */
int	cf_prescan(struct cf *, const char *s, int delim,
	    const struct addr_toktab *, char **pvp, size_t *end_out,
	    const char *to);

/*
 * cf_memo.c: newaliases' exact shortcut for one-atom names (see there).
 * The cf_memo_* hooks are called by the engine while cf->memo_x is set.
 */
void	cf_memo_enable(struct cf *);
void	cf_memo_free(struct cf *);
int	cf_memo_replay(struct cf *, char **pvp);
void	cf_memo_begin(struct cf *, char **pvp);
void	cf_memo_end(struct cf *, char **pvp, int status);
unsigned long cf_memo_replays(const struct cf *);
void	cf_memo_fail(struct cf *);
void	cf_memo_lit(struct cf *, const char *lit, int equal);
void	cf_memo_class(struct cf *, int id, char **first, char **last,
	    int member);
void	cf_memo_macro(struct cf *, int id, const char *value);
int	cf_memo_lookup(struct cf *, struct map *, char **key, int others,
	    const char *const *args, int nargs, enum map_result,
	    const char *value, int errs);
/* cf_rewrite.c: the tests the engine makes, for the memo's replay */
int	cf_class_phrase(struct cf *, int id, char **tokens,
	    struct buf *scratch);
void	cf_phrase_join(struct cf *, char **tokens, struct buf *out);
void	cf_lookup_key(struct cf *, struct map *, char **key_rvp,
	    struct buf *key);

/* cf_parse.c: an address resolved through rulesets 3 and 0 */
struct cf_addr {
	struct cf_mailer	*mailer;	/* NULL: error mailer */
	char			*host;
	char			*user;
	int			 queueup;	/* temporary failure */
	int			 bad;		/* $#error or no mailer */
};
#define RF_SENDERADDR	0x001
#define RF_HEADERADDR	0x002
#define RF_CANONICAL	0x004
#define RF_ADDDOMAIN	0x008

void	cf_buildaddr(struct cf *, char **tv, int flags, struct cf_addr *);
/* 0 parsed (see out->bad), -1 syntax error already reported */
int	cf_parseaddr(struct cf *, const char *addr, int flags, int delim,
	    size_t *end_out, struct cf_addr *out);
void	cf_addr_free(struct cf_addr *);
/* The address with its mailbox part replaced by $g; caller frees. */
char	*cf_crackaddr(struct cf *, const char *addr);
int	cf_invalidaddr(struct cf *, char *addr, int isrcpt);
/* /try: rulesets 3, 1|2, mailer S=|R=, 4; *stat_out gets EX_TEMPFAIL. */
char	*cf_remotename(struct cf *, const char *name, struct cf_mailer *,
	    int flags, int *stat_out);

#endif
