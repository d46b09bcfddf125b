/*
 * cf.h -- a loaded sendmail.cf: macros, classes, options, rulesets,
 * mailers and maps, the rewriting engine over them, and the address
 * test mode (-bt) and verification (-bv) built on it.
 */
#ifndef CF_CF_H
#define CF_CF_H

#include <stdio.h>
#include "lib/err.h"

struct cf;

struct cf	*cf_new(void);
void		 cf_free(struct cf *);

/*
 * Reads a configuration file.  Problems are reported as
 * "FILE: line N: reason" on the message stream and counted;
 * returns -1 only when the file cannot be read at all.
 */
int		 cf_read(struct cf *, const char *path, struct err *);
/* The same from memory; `name` is used in messages (fuzzing, tests). */
void		 cf_read_buffer(struct cf *, const char *name,
		    const char *text, size_t len);
int		 cf_nerrors(const struct cf *);
/* Reading hit an error sendmail stops at; exit with cf_exitstat(). */
int		 cf_fatal(const struct cf *);
/* After reading: a local mailer must exist (said in every mode). */
int		 cf_check_mailer(struct cf *);
/* Modes that use the queue need QueueDirectory (else status 78). */
int		 cf_check_queue(struct cf *);
/* -bC: UseMSP as root, the queue folders, HostStatusDirectory. */
int		 cf_check_queue_dirs(struct cf *);
/* The sysexits status errors so far call for (0 if none). */
int		 cf_exitstat(const struct cf *);
/* Where messages for the user go (stdout in -bt/-bv). */
void		 cf_set_output(struct cf *, FILE *);

/* Sets host identity macros ($w $j $m $k) and class w; -d0.1 output. */
/* trace: where -d0.4 lists the names found (NULL: nowhere) */
void		 cf_ident_init(struct cf *, FILE *trace);
/* After reading: $w becomes the short name, interfaces join class w. */
void		 cf_ident_finish(struct cf *);
void		 cf_ident_print(struct cf *, FILE *);

/* Command-line options: -O Name=value, -o x value, -M / -D macros. */
int		 cf_option_set(struct cf *, const char *name_value);
int		 cf_option_short(struct cf *, int c, const char *value);
void		 cf_macro_define(struct cf *, const char *name, const char *v);
/* An option's value as set by the cf or the command line, or NULL. */
const char	*cf_option_value(struct cf *, const char *name);
/*
 * The cf's map files (K lines of file classes and the AliasFile
 * databases) opened now, for a process about to give up root;
 * cf_maps_changed: 1 when one of them has since been rebuilt (map.h,
 * map_set_open_files and map_set_changed).
 */
void		 cf_maps_preopen(struct cf *);
int		 cf_maps_changed(struct cf *);
/*
 * A time value ("1h30m", "90"): seconds, a bare number counting in unit
 * ('s', 'm', 'h', 'd', 'w'); 0 for NULL or "", -1 when it does not parse.
 */
long		 cf_time_value(const char *v, int unit);
/* A time option in seconds (a bare number: seconds); def when it is
 * unset, does not parse or is not positive. */
long		 cf_time_option(struct cf *, const char *name, long def);
/* LogLevel (sendmail's default 9): how much goes to syslog. */
long		 cf_log_level(struct cf *);
const char	*cf_macro_value(struct cf *, const char *name);

/* Modes. */
int		 cf_testmode(struct cf *, FILE *in, FILE *out);
int		 cf_verify(struct cf *, char **addrs, int verbose, FILE *out);
/*
 * -bi: rebuilds the database of every rebuildable AliasFile (hash,
 * btree, implicit) from its text, as sendmail 8.17 does: messages and
 * the "N aliases, longest L bytes, T bytes total" line on out, the
 * syslog lines, and a sysexits status (70 after a syntax error).  Each
 * database is written under a temporary name, synced and renamed over
 * <file>.db, so readers never see a half-built one.
 */
int		 cf_newaliases(struct cf *, FILE *out);

/*
 * Sessions (SMTP, submission).  Errors the cf reports while a session
 * runs go to the hook instead of the message stream, with the reply
 * code and enhanced status code the cf gave (e.g. "550 5.7.1 Relaying
 * denied", or a bare text), and the address they are about (`to`, may
 * be NULL).
 */
enum { CF_ERR_USER, CF_ERR_SYS, CF_ERR_NOTE };
typedef void	 cf_errfn(void *arg, int kind, const char *to,
		    const char *text);
void		 cf_set_errfn(struct cf *, cf_errfn *, void *arg);
/* The hook in place, so that a caller can put it back after its own. */
void		 cf_get_errfn(struct cf *, cf_errfn **, void **arg);

/* An envelope address through rulesets 3 and 0. */
struct cf_resolved {
	char	*mailer;	/* "error" for $#error */
	char	*host;
	char	*user;
	int	 bad;		/* an error was reported */
	int	 tempfail;	/* a 4xx $#error or a map tempfail */
	int	 local;		/* the mailer has F=l */
	int	 aliasable;	/* F=A */
};
/*
 * Parses the address at s up to `delim` (' ' after MAIL FROM:), sets
 * *end to the bytes it used, resolves it; -1 when an error was said.
 */
int		 cf_addr_resolve(struct cf *, const char *s, int isrcpt,
		    int delim, size_t *end, struct cf_resolved *);
void		 cf_resolved_free(struct cf_resolved *);
/* Each item of a comma-separated address list, as written, to fn. */
void		 cf_addr_list(struct cf *, const char *list,
		    void (*fn)(void *arg, const char *item), void *arg);
/*
 * Ruleset 5 for a recipient whose mailer has F=5 (after aliasing, as
 * sendmail's maplocaluser): 1 and the new address in out (unless out
 * is NULL) when it sends it elsewhere, else 0.
 */
int		 cf_localaddr(struct cf *, const struct cf_resolved *,
		    struct cf_resolved *out);
/* 1 when the recipient may be accepted; 0 after "User unknown". */
int		 cf_rcpt_known(struct cf *, const struct cf_resolved *,
		    const char *to);

/* What sendmail knows about a header name (cf_header_flags). */
#define CF_H_RCPT	0x00000002
#define CF_H_RESENT	0x00000008
#define CF_H_FORCE	0x00000040
#define CF_H_TRACE	0x00000080
#define CF_H_FROM	0x00000100
#define CF_H_BCC	0x00004000
#define CF_H_BINDLATE	0x00020000
unsigned long	 cf_header_flags(const char *name);
/* An H line: its ?flags? or ?${macro}? condition (NULL when none). */
struct cf_hline {
	const char	*name;
	const char	*value;		/* metasymbols kept */
	const char	*flags;
	const char	*macro;
	const char	*check;		/* "H...: $>rs": the ruleset, or NULL */
	int		 check_raw;	/* $>+rs: comments kept */
};
int		 cf_header_default(struct cf *, size_t i, struct cf_hline *);
long		 cf_precedence(struct cf *, const char *value);
/* Expands $x, ${name} and $?x...$|...$. of s (metasymbols) into out. */
struct buf;
void		 cf_macro_expand(struct cf *, const char *s, struct buf *out);
/* "$j text" as written by a person into metasymbol form. */
void		 cf_macro_translate(struct cf *, const char *s, struct buf *out);

/* Whether word is in class cls ("t", "{name}"), case ignored. */
int		 cf_class_member(struct cf *, const char *cls, const char *word);
/* Delivery: a mailer's M line as facts (cf_deliver.c). */
struct cf_mailer_info {
	const char		*name;
	int			 num;		/* sendmail's mailer number */
	const char		*path;		/* P= ("[IPC]", "/usr/bin/...") */
	const char *const	*argv;		/* A=, metasymbols kept */
	size_t			 argc;
	const unsigned char	*flags;		/* F= as a set of 256 */
	const char		*eol;		/* E= */
	long			 maxsize;	/* M= */
	long			 maxrcpt;	/* r= */
	const char		*execdir;	/* D= */
	const char		*qgrp;		/* Q=, or NULL */
	long			 uid, gid;	/* U=, -1 unset */
};
int		 cf_mailer_info(struct cf *, const char *name,
		    struct cf_mailer_info *);
/* An address as the mailer sees it; header: as in a header (caller frees). */
char		*cf_mailer_addr(struct cf *, const char *mailer, const char *addr,
		    int sender, int header, int *tempfail);
/* The cf's E line i ("NAME=value", or "NAME": from the environment). */
const char	*cf_env_line(struct cf *, size_t i);
/* A Q line ("Qfast, P=/q/fast, R=2, I=5m") as typed values. */
struct cf_qgroup {
	char		*name;
	char		*path;		/* P=, NULL: QueueDirectory */
	int		 fork;		/* F=f */
	int		 nice;		/* N= */
	int		 runners;	/* R= */
	long		 interval;	/* I= in seconds (a bare number:
					   minutes) */
	long		 maxrcpt;	/* r= */
	long		 jobs;		/* J= */
};
/* The cf's queue groups, in the order of their Q lines. */
const struct cf_qgroup *cf_qgroups(struct cf *, size_t *n_out);
/* The cf's X line i without its 'X' ("name, S=..."), or NULL. */
const char	*cf_milter_line(struct cf *, size_t i);
/* 1 and the value in out when name is an alias, 0 not, -1 tempfail. */
int		 cf_alias(struct cf *, const char *name, struct buf *out);
/* -n: no name is looked up in the aliases (cf_alias answers 0). */
void		 cf_set_noalias(struct cf *, int);

/* The macros a qf keeps ({persistentMacros}), names without braces. */
void		 cf_macros_persistent(struct cf *, void (*fn)(void *arg,
		    const char *name, const char *value), void *arg);

enum cf_verdict { CF_ACCEPT, CF_REJECT, CF_TEMPFAIL, CF_DISCARD };
int		 cf_has_ruleset(struct cf *, const char *name);
/* Runs a policy ruleset over "arg1" or "arg1 $| arg2". */
enum cf_verdict	 cf_rscheck(struct cf *, const char *ruleset,
		    const char *arg1, const char *arg2, const char *to);
/* The same, with the word after $# in *value (caller frees; NULL none). */
enum cf_verdict	 cf_rscheck_value(struct cf *, const char *ruleset,
		    const char *arg1, const char *arg2, const char *to,
		    char **value);
/* The same with every word after $# in *words, blank separated (the
 * authinfo ruleset's "U:user" "P:secret" ...). */
enum cf_verdict	 cf_rscheck_words(struct cf *, const char *ruleset,
		    const char *arg1, char **words);

#endif
