/*
 * err.h -- struct err: the reason a fallible call failed, filled by the
 * callee and worded for a log line or a reply by the caller.
 */
#ifndef LIB_ERR_H
#define LIB_ERR_H

#include <stdarg.h>

#define ERR_MSGMAX	512

/* sysexits(3) values the callers turn into exit codes and SMTP replies */
enum err_kind {
	ERR_NONE = 0,
	ERR_USAGE = 64,
	ERR_DATAERR = 65,
	ERR_NOINPUT = 66,
	ERR_NOUSER = 67,
	ERR_NOHOST = 68,
	ERR_UNAVAILABLE = 69,
	ERR_SOFTWARE = 70,
	ERR_OSERR = 71,
	ERR_OSFILE = 72,
	ERR_CANTCREAT = 73,
	ERR_IOERR = 74,
	ERR_TEMPFAIL = 75,
	ERR_PROTOCOL = 76,
	ERR_NOPERM = 77,
	ERR_CONFIG = 78
};

struct err {
	enum err_kind	 kind;
	char		 msg[ERR_MSGMAX];	/* truncated, always terminated */
};

void	err_clear(struct err *);
/* Sets kind and message; returns -1 so callers can "return err_set(...)". */
int	err_set(struct err *, enum err_kind, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	err_setv(struct err *, enum err_kind, const char *, va_list)
	    __attribute__((format(printf, 3, 0)));
/* Like err_set with ": strerror(errno)" appended. */
int	err_sys(struct err *, enum err_kind, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * The static analyzer (make static) reads one file at a time and would
 * not know that these always return -1, so it followed "return
 * err_set(...)" as if it could succeed.  Only its build sees this.
 */
#if defined(__clang_analyzer__) && !defined(ERR_IMPL)
#define err_set(...)	(err_set(__VA_ARGS__), -1)
#define err_setv(...)	(err_setv(__VA_ARGS__), -1)
#define err_sys(...)	(err_sys(__VA_ARGS__), -1)
#endif

#endif
