/*
 * map.h -- the one interface to every map class (K lines of sendmail.cf,
 * alias files, makemap/editmap/praliases).  A struct map_set holds the
 * maps of one configuration; each struct map is one declared map.
 *
 * A lookup answers FOUND with the final value (after -a, -m and %n
 * substitution), NOTFOUND, or TEMPFAIL with a reason.  A map that could
 * not be opened and is not optional (-o) answers TEMPFAIL, never NOTFOUND.
 */
#ifndef MAP_MAP_H
#define MAP_MAP_H

#include <stddef.h>
#include "../lib/buf.h"
#include "../lib/err.h"

enum map_result {
	MAP_FOUND,
	MAP_NOTFOUND,
	MAP_TEMPFAIL
};

/* map flags (struct map.flags), named after the K-line switches */
#define MF_OPTIONAL	0x00001	/* -o: a missing file is not an error */
#define MF_INCLUDENUL	0x00002	/* -N: keys include the trailing NUL */
#define MF_NONUL	0x00004	/* -O: keys never include the NUL */
#define MF_NOFOLDCASE	0x00008	/* -f: do not lowercase keys */
#define MF_MATCHONLY	0x00010	/* -m: return the key, not the value */
#define MF_NODEFER	0x00020	/* -D: no lookup in deferred mode */
#define MF_TEMPNOTFOUND	0x00040	/* -t: tempfail counts as not found */
#define MF_KEEPQUOTES	0x00080	/* -q: do not dequote the key */
#define MF_APPENDDUP	0x00100	/* -A: merge duplicate keys (aliases) */
#define MF_ALIAS	0x00200	/* used as an alias file */
#define MF_OPEN		0x00400	/* opened successfully */
#define MF_OPENTRIED	0x00800	/* open attempted (result in MF_OPEN) */
#define MF_WRITABLE	0x01000	/* opened for writing (makemap) */
#define MF_REGEX_NOT	0x02000	/* regex -n */
#define MF_REGEX_BASIC	0x04000	/* regex -b */
#define MF_TRYNUL	0x08000	/* adaptive: still trying both NUL forms */
#define MF_OPENFAILED	0x10000	/* open tried and failed (see open_err) */

/*
 * The byte sendmail puts between regex substrings when no -d is given:
 * its internal code of the $| operator.  The rewrite engine turns it
 * back into its own $| token.
 */
#define MAP_OPDELIM	'\233'

/* map_class.flags */
#define MAPCLASS_FOLDKEY	0x01	/* lowercase keys unless -f */
#define MAPCLASS_ALIASOK	0x02	/* usable as AliasFile */
#define MAPCLASS_REBUILD	0x04	/* can be rebuilt by newaliases */
#define MAPCLASS_RAWARGS	0x08	/* consumes $@ args itself (arith,
					   macro): no %n substitution */
#define MAPCLASS_NOFILE		0x10	/* takes no file name argument */
#define MAPCLASS_SPACEDARGS	0x20	/* "-R A": the values of -R, -B,
					   -r and -Z may follow after white
					   space (dns) */

/*
 * What a configuration lends its maps: macros for the macro map and %
 * expansion, and the other maps for sequence and switch.  Any member
 * may be NULL.
 */
struct map_env {
	void		*arg;
	const char	*(*macro_get)(void *arg, const char *name);
	/* name without braces: "client_addr", or one letter "x" */
	void		 (*macro_set)(void *arg, const char *name,
			    const char *value);	/* value NULL: undefine */
	int		 (*in_class)(void *arg, const char *cls,
			    const char *word);
	/* a note for the user, e.g. "host: Name server timeout" */
	void		 (*message)(void *arg, const char *text);
	/*
	 * an error sendmail reports with syserr (said like a message, and
	 * the run's exit status becomes 70), e.g. a switch's unknown
	 * member map; NULL: said through message
	 */
	void		 (*syserr)(void *arg, const char *text);
};

struct map_set;

struct map {
	char			*name;
	const struct map_class	*cls;
	struct map_set		*set;
	unsigned		 flags;
	char			*file;		/* first non-flag argument */
	char			*args;		/* the K line after the class */
	char			*append;	/* -a */
	char			*tempappend;	/* -T */
	char			 spacesub;	/* -S, 0: none */
	char			 coldelim;	/* -z, 0: whitespace */
	int			 keycol;	/* -k (text) */
	int			 valcol;	/* -v (text) */
	char			*keyname;	/* -k (user, ldap ...) */
	char			*valname;	/* -v (user, ldap ...) */
	int			 open_mode;	/* O_RDONLY or O_RDWR|O_CREAT */
	struct err		 open_err;	/* why the open failed */
	void			*priv;		/* the class's state */
	void			*pstate;	/* what the class's parse()
						   made (freed by parse_free) */
	char			*rest;		/* the K line from `file` on:
						   regex pattern, program and
						   sequence arguments */
};

struct map_class {
	const char	*name;
	unsigned	 flags;
	/* Parses the class-specific arguments (after common flags). */
	int		(*parse)(struct map *, int argc, char **argv,
			    struct err *);
	int		(*open)(struct map *, int mode, struct err *);
	/*
	 * Looks key up.  FOUND: the raw value in val_out (the generic layer
	 * applies -m, -a and %n).  args/nargs are the $@ arguments.
	 */
	enum map_result	(*lookup)(struct map *, const char *key,
			    const char *const *args, size_t nargs,
			    struct buf *val_out, int *stat_out, struct err *);
	int		(*store)(struct map *, const char *key,
			    const char *val, struct err *);
	/* Iterates every key/value (praliases, makemap -u); may be NULL. */
	int		(*walk)(struct map *, int (*fn)(void *, const char *,
			    const char *), void *arg, struct err *);
	void		(*close)(struct map *);
	/* Frees m->pstate when the declaration goes; may be NULL. */
	void		(*parse_free)(struct map *);
};

/* The set of maps of one configuration. */
struct map_set	*map_set_new(const struct map_env *);
void		 map_set_free(struct map_set *);
const struct map_env *map_set_env(const struct map_set *);
/* Reads the service switch file (NULL or missing: sendmail's defaults). */
void		 map_set_service_switch(struct map_set *, const char *path);
/* The sources of a service ("hosts": "files", "dns"), in order. */
struct strarr;
void		 map_set_service(struct map_set *, const char *service,
		    struct strarr *out);

/*
 * DontBlameSendmail names that the map file checks honour; the other
 * names are accepted by map_dontblame_parse() and ignored here.
 */
#define MAP_DBS_MAPINUNSAFEDIRPATH	0x01
#define MAP_DBS_LINKEDMAPINWRITABLEDIR	0x02
#define MAP_DBS_GROUPWRITABLEDIRPATHSAFE 0x04
#define MAP_DBS_TRUSTSTICKYBIT		0x08
#define MAP_DBS_WRITEMAPTOHARDLINK	0x10
#define MAP_DBS_WRITEMAPTOSYMLINK	0x20

/*
 * Parses a DontBlameSendmail value ("MapInUnsafeDirPath,
 * GroupWritableDirPathSafe") into MAP_DBS_ flags; "Safe" clears what
 * came before.  -1 with sendmail's message for an unknown name (the
 * known names are still applied).
 */
int		 map_dontblame_parse(const char *value, unsigned *flags_out,
		    struct err *);
/*
 * Turns on sendmail's file checks for the set's maps (sendmail always
 * does them; a set never told, as makemap's or a test's, does none),
 * with the DontBlameSendmail exceptions in flags (MAP_DBS_, 0: none).
 */
void		 map_set_dontblame(struct map_set *, unsigned flags);
/* TrustedUser's uid: its files are as good as root's (-1: none). */
void		 map_set_trusted_uid(struct map_set *, long uid);
/*
 * The LDAPDefaultSpec option: flags every ldap map takes unless its K
 * line gives them (-h -p -H -b -s -d -M -P -l -Z -w -r -R -n -V -c).
 * May be called before or after the K lines; the spec is applied when
 * a map opens.  NULL clears it.
 */
void		 map_set_ldap_default(struct map_set *, const char *spec);
const char	*map_set_ldap_default_get(const struct map_set *);

/*
 * sendmail's safefile() for a map file as the running user: 0 when it
 * may be used, else an errno or internal code with the reason in err
 * as sendmail words it ("World writable directory", "Symbolic links
 * not allowed", "No such file or directory").  dbs: MAP_DBS_ flags.
 */
int		 map_file_safe(const char *path, unsigned dbs, int forwrite,
		    struct err *);
/*
 * The same with the set's DontBlameSendmail and TrustedUser, and the
 * whole message sendmail's map open gives: `hash map "h": unsafe map
 * file /x.db: World writable directory` (or `missing map file`).
 */
int		 map_file_check(struct map *, const char *path, int forwrite,
		    struct err *);

/*
 * Declares a map from a K line: name, class and the rest of the line.
 * Unknown or unavailable classes fail with the reason sendmail gives
 * ("class dbm not available").  Does not open the map.
 */
struct map	*map_declare(struct map_set *, const char *name,
		    const char *cls, const char *args, struct err *);
/*
 * Map names are case-insensitive, as in sendmail; declaring a name again
 * reuses the same struct map (pointers stay valid) with the new line.
 */
struct map	*map_find(struct map_set *, const char *name);
const struct map_class *map_class_find(const char *name);
/* Calls fn for every declared map, in declaration order. */
void		 map_foreach(struct map_set *, void (*fn)(struct map *, void *),
		    void *);

/*
 * Opens a map if not yet tried; 0 or -1 with the reason (also kept in
 * open_err, and given again by later calls without a new attempt).
 * The reason is worded as sendmail's syserr: `hash map "h": missing map
 * file /x.db: No such file or directory`.  Sendmail prints it once, on
 * the first use: a caller that wants the same checks MF_OPENTRIED first.
 */
int		 map_open(struct map *, int mode, struct err *);
void		 map_close(struct map *);
/*
 * After trying the open: 1 when lookups reach the map (it opened, or it
 * failed and is not -o, so lookups answer TEMPFAIL); 0 for an optional
 * map that failed to open (-bt /map says `Map named "x" not open`).
 */
int		 map_available(struct map *);

/*
 * For a process that gives up root after reading its cf: opens every
 * map of a file class (hash, btree, text) now, while the files are
 * readable.  One that fails is left untried, to fail and be worded at
 * its first use as before.  map_set_changed: 1 when a hash or btree
 * file open here has been replaced on disk since (makemap renames a new
 * one over it), which such a process may not be able to open.
 */
void		 map_set_open_files(struct map_set *);
int		 map_set_changed(struct map_set *);

/*
 * The full lookup of a $( map key $@ args $) operator: opens on first
 * use, folds case, handles -o, -t, -T, -m, -a and %0..%9 in the value.
 * *stat_out gets the sysexits-style status sendmail shows (0 found,
 * 68 not found for most classes, 75 temporary failure ...).
 *
 * As sendmail 8.17 does (checked against it):
 * - NOTFOUND keeps the class's status: hash, btree, regex, dequote
 *   give 0, text, null and sequence 68, user 67, arpa 65 on junk.
 * - TEMPFAIL with -t becomes NOTFOUND; *stat_out stays 75 (what -bt
 *   /map prints), but the rewrite uses the default and sets no status.
 * - TEMPFAIL with -T: the result stays TEMPFAIL (the ruleset status is
 *   75) but val_out holds key + the -T string, which the rewrite puts
 *   in place of the lookup (`a<TMPF>`); without -T val_out is empty.
 * - -m gives the key as passed (not lowercased) plus -a, without %n.
 * - %0 is the key as passed, %n a missing argument is empty, %% is %,
 *   % before anything else stays as it is.
 * - -S (struct map.spacesub) is for the caller that joins the key's
 *   tokens; map_lookup does not use it.
 */
enum map_result	 map_lookup(struct map *, const char *key,
		    const char *const *args, size_t nargs,
		    struct buf *val_out, int *stat_out, struct err *);

/*
 * Writes key/value (newaliases): 0 a new key, 1 the key was there (the
 * value replaced it, or with -A was joined to it as "new,old"), -1 error.
 */
int		 map_store(struct map *, const char *key, const char *val,
		    struct err *);

/*
 * makemap's input lines (map_line.c), without I/O.  sendmail's makemap
 * reads its input with fgets() into 1024 bytes: a longer line arrives as
 * pieces of at most 1023 bytes, each but the last "too long" (the last
 * is then parsed as a line of its own).  map_line_split() cuts data into
 * those pieces; map_line_parse() makes one piece a typed value.
 */
#define MAP_LINE_PIECE	1023	/* sendmail's fgets limit, minus the NUL */

struct map_line_opts {
	int		 sep;		/* -t: key/value separator, 0: spaces */
	int		 comment;	/* -D: comment character ('#') */
	int		 foldcase;	/* lowercase ASCII in the key (no -f) */
	int		 allowempty;	/* -e: an empty value is fine */
	size_t		 piece;		/* MAP_LINE_PIECE (0: same) */
};

enum map_line_kind {
	MAP_LINE_ENTRY,		/* key and value */
	MAP_LINE_SKIP,		/* blank line or comment */
	MAP_LINE_TOO_LONG,	/* a piece without its newline */
	MAP_LINE_LEADING_SPACE,	/* starts with white space (no -t) */
	MAP_LINE_NO_RHS		/* key without value (no -e) */
};

struct map_line {
	enum map_line_kind kind;
	struct buf	 key;	/* folded per opts; init with buf_init */
	const char	*val;	/* points into the parsed line */
	size_t		 vallen;
};

/*
 * The next piece of data[0..len): 1 with its length (newline included)
 * in *piece_out and *nl_out set when it ends in a newline; 0 when more
 * data is needed (only when !at_eof).  At EOF the rest is one piece.
 */
int		 map_line_split(const char *data, size_t len, int at_eof,
		    size_t piece, size_t *piece_out, int *nl_out);
/*
 * Parses one piece (as map_line_split cut it, newline included or not).
 * last: no data follows it (sendmail's feof after the read).  Returns
 * out->kind; out->key is replaced, out->val points into line.
 */
enum map_line_kind map_line_parse(const char *line, size_t len, int last,
		    const struct map_line_opts *, struct map_line *out);

/*
 * Direct access to a Berkeley DB hash/btree file by path, for makemap
 * and editmap (map_db.c): raw keys and values with lengths, no case
 * folding and no NUL guessing.  Paths are used as given (no ".db").
 */
/* Berkeley DB cache for building a map (makemap, newaliases). */
#define MAP_DB_BUILD_CACHE	(8U * 1024 * 1024)

enum map_db_type {
	MAP_DB_HASH,
	MAP_DB_BTREE
};

struct map_db_opts {
	enum map_db_type type;
	int		 readonly;
	int		 create;	/* create if missing (an empty file is new) */
	int		 dups;		/* -d: allow duplicate keys */
	size_t		 cachesize;	/* 0: Berkeley DB's default */
	unsigned	 pagesize;	/* 0: Berkeley DB's default */
	int		 mode;		/* for a created file */
};

struct map_db;

/* NULL with err (wording "<reason>", e.g. strerror) on failure. */
struct map_db	*map_db_open(const char *path, const struct map_db_opts *,
		    struct err *);
/* 0 stored, 1 the key exists (when !replace and !dups), -1 error */
int		 map_db_put(struct map_db *, const void *key, size_t klen,
		    const void *val, size_t vlen, int replace, struct err *);
/* 0 found (value in val_out, raw), 1 not found, -1 error */
int		 map_db_get(struct map_db *, const void *key, size_t klen,
		    struct buf *val_out, struct err *);
/* 0 deleted, 1 not found, -1 error */
int		 map_db_del(struct map_db *, const void *key, size_t klen,
		    struct err *);
/* Every entry in file order; fn returning non-zero stops the walk. */
int		 map_db_walk(struct map_db *, int (*fn)(void *, const char *,
		    size_t, const char *, size_t), void *arg, struct err *);
/* The file descriptor under the handle (for locks), -1 if none. */
int		 map_db_fd(struct map_db *);
/* Flushes and closes; -1 if anything failed.  NULL is fine. */
int		 map_db_close(struct map_db *, struct err *);

/*
 * What makemap and editmap share (map_tool.c): the map types they know,
 * the file of a map name, sendmail's checks on it, and the one setting
 * they read from sendmail.cf.
 */
enum map_tool_type {
	MAP_TOOL_HASH,
	MAP_TOOL_BTREE,
	MAP_TOOL_IMPLICIT,	/* hash, as for sendmail without dbm */
	MAP_TOOL_DBM,		/* known, not compiled in */
	MAP_TOOL_CDB,		/* known, not compiled in */
	MAP_TOOL_UNKNOWN
};

enum map_tool_type map_tool_type(const char *name);
/* "hash\nbtree\nimplicit\n" (-l) and "hash:db ..." (-x). */
const char	*map_tool_types(int with_ext);
/* The file: name + ".db" unless it ends in ".db"; caller frees. */
char		*map_tool_path(const char *name);
/*
 * Reads TrustedUser from a sendmail.cf: 0 (value in *tuser_out, NULL
 * when unset; caller frees), -1 when the file can't be read (errno).
 */
int		 map_tool_readcf(const char *cf, char **tuser_out);
/*
 * sendmail's checks on a map file it writes: -1 with the reason
 * ("Symbolic links not allowed", "Hard links not allowed") in err;
 * world-writable folders above it are reported by warn(arg, dir).
 */
int		 map_tool_check(const char *path, int skip_links,
		    void (*warn)(void *, const char *), void *arg,
		    struct err *);

/*
 * aliases(5) text (map_aliases.c): a parser without I/O that turns the
 * bytes of an alias file into logical lines as sendmail 8.17 reads them
 * (continuations joined, comments skipped, line numbers counted) and
 * splits each at its first ':'.  Feed bytes, then take lines until
 * MAP_ALIAS_MORE; after map_alias_parser_eof() the last ones come and
 * then MAP_ALIAS_END.  Works fed one byte at a time.
 */
#define MAP_ALIAS_LINEMAX	8191	/* sendmail's BUFSIZ - 1 */

enum map_alias_kind {
	MAP_ALIAS_ENTRY,		/* name: value */
	MAP_ALIAS_ERR_TOO_LONG,		/* "alias line too long" */
	MAP_ALIAS_ERR_SPACE,		/* "Non-continuation line starts
					   with space" */
	MAP_ALIAS_ERR_NOCOLON		/* "missing colon" */
};

enum map_alias_next {
	MAP_ALIAS_ENT,			/* an entry in *ent */
	MAP_ALIAS_ERROR,		/* a typed error in *ent */
	MAP_ALIAS_MORE,			/* feed more (or call _eof) */
	MAP_ALIAS_END			/* all input read */
};

/* One logical line; its strings live until the next call. */
struct map_alias_ent {
	enum map_alias_kind	 kind;
	unsigned long		 lineno;	/* of its last physical line */
	const char		*line;		/* joined, no newline */
	size_t			 len;
	size_t			 colon;		/* offset of the first ':' */
	const char		*rhs;		/* after ':' and white space */
	size_t			 rhslen;
	int			 rhs_blank;	/* "missing value for alias" */
};

struct map_alias_parser;

/* linemax 0: MAP_ALIAS_LINEMAX */
struct map_alias_parser *map_alias_parser_new(size_t linemax);
void		 map_alias_parser_free(struct map_alias_parser *);
void		 map_alias_parser_feed(struct map_alias_parser *,
		    const void *, size_t);
void		 map_alias_parser_eof(struct map_alias_parser *);
enum map_alias_next map_alias_parser_next(struct map_alias_parser *,
		    struct map_alias_ent *ent_out);
/* Physical lines read so far. */
unsigned long	 map_alias_parser_lineno(const struct map_alias_parser *);
/* sendmail's words for an error kind. */
const char	*map_alias_strerror(enum map_alias_kind);

#endif
