/*
 * str.h -- small string helpers: case-insensitive compares, trimming,
 * splitting, and bounded copies (no strcpy/strcat in this project).
 */
#ifndef LIB_STR_H
#define LIB_STR_H

#include <stddef.h>
#include "arr.h"

int	 str_casecmp(const char *, const char *);
int	 str_ncasecmp(const char *, const char *, size_t);
int	 str_has_prefix_nocase(const char *, const char *);
void	 str_lower(char *);
/* Copies at most size-1 bytes; returns -1 if truncated. */
int	 str_copy(char *, const char *, size_t);
/* Skips spaces and tabs. */
const char *str_skip_ws(const char *);
/* Removes trailing spaces, tabs, CR and LF in place. */
void	 str_rtrim(char *);
/* Splits on any byte of `sep`, skipping empty fields, into out. */
void	 str_split(const char *, const char *, struct strarr *out);
/* Parses a decimal long; -1 on junk or overflow. */
int	 str_to_long(const char *, long *out);
/*
 * A string of `max` bytes or more cut to its first and last (max-3)/2
 * bytes around "...", as sendmail shortens file names (83), addresses
 * (203) and host names (33) in messages.  Returns s itself when short
 * enough, else out (which needs max+1 bytes).
 */
const char *str_shorten(const char *s, size_t max, char *out, size_t outsize);

#endif
