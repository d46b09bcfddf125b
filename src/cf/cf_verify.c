/*
 * cf_verify.c -- sendmail -bv: each address resolved through the cf and
 * reported as deliverable (mailer, host, user) or with its error.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/str.h"

#define EX_OK		0
#define EX_NOUSER	67

int
cf_verify(struct cf *cf, char **addrs, int verbose, FILE *out)
{
	struct cf_addr a;
	int rc = EX_OK, i;
	size_t end;
	const char *p;

	(void)verbose;
	cf->out = out;
	for (i = 0; addrs[i] != NULL; i++) {
		for (p = addrs[i]; *p != '\0'; p += end) {
			if (*p == ',') {
				p++;
				end = 0;
				continue;
			}
			end = strlen(p);
			if (cf_parseaddr(cf, p, 0, ',', &end, &a) == -1) {
				rc = EX_NOUSER;
				if (end == 0)
					break;
				continue;
			}
			if (a.bad || a.mailer == NULL) {
				rc = EX_NOUSER;
			} else if (a.mailer->flags['w'] &&
			    getpwnam(a.user) == NULL) {
				(void)fprintf(out, "%s... User unknown\n",
				    cf->e_to);
				rc = EX_NOUSER;
			} else if (a.host != NULL && *a.host != '\0')
				(void)fprintf(out, "%s... deliverable: mailer "
				    "%s, host %s, user %s\n", cf->e_to,
				    a.mailer->name, a.host, a.user);
			else
				(void)fprintf(out, "%s... deliverable: mailer "
				    "%s, user %s\n", cf->e_to, a.mailer->name,
				    a.user);
			cf_addr_free(&a);
			if (end == 0)
				break;
		}
		cf_arena_reset(cf);
	}
	return rc;
}
