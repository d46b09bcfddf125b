/*
 * san_options.c -- what the sanitizer build (make SAN=1) of the one
 * set-group-id program needs: LeakSanitizer checks at exit by tracing the
 * process, which a set-group-id process (not dumpable) refuses, so every
 * run as a user other than root (`sendmail -t` from a script, the MSP)
 * ended "LeakSanitizer has encountered a fatal error"; and in that mode
 * the sanitizers ignore ASAN_OPTIONS.  So leak checking is off when the
 * kernel says AT_SECURE.  The optimised build never calls this.
 */
#include <sys/auxv.h>

const char	*__lsan_default_options(void);

const char *
__lsan_default_options(void)
{
	return getauxval(AT_SECURE) ? "detect_leaks=0" : "";
}
