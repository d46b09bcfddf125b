/*
 * version.h -- the version this build reports ($v, -d0.1, greetings).
 */
#ifndef CF_VERSION_H
#define CF_VERSION_H

#define MAILSYS_NAME	"mailsys"
#define MAILSYS_VERSION	"0.1.0"
/* the sendmail release whose behaviour we reproduce */
#define MAILSYS_COMPAT_VERSION	"8.17.1.9"

#endif
