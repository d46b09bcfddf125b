/*
 * stats_hook.c -- what the mail paths call: a mailer's number as the
 * statistics file counts it, and the pending counts written to the cf's
 * StatusFile (a failure logged as sendmail's poststats line).
 */
#include <syslog.h>

#include "stats.h"
#include "cf/cf.h"
#include "lib/log.h"

int
stats_mailer(struct cf *cf, const char *mailer)
{
	struct cf_mailer_info m;

	if (mailer == NULL || cf_mailer_info(cf, mailer, &m) == -1)
		return -1;
	return m.num;
}

static void
quiet(void *arg, int kind, const char *to, const char *text)
{
	(void)arg;
	(void)kind;
	(void)to;
	(void)text;
}

int
stats_sender_mailer(struct cf *cf, const char *sender)
{
	struct cf_resolved r;
	int mno = -1;

	cf_set_errfn(cf, quiet, NULL);
	if (cf_addr_resolve(cf, sender[0] ? sender : "<>", 0, '\0', NULL,
	    &r) == 0)
		mno = stats_mailer(cf, r.mailer);
	cf_resolved_free(&r);
	cf_set_errfn(cf, NULL, NULL);
	return mno;
}

static void (*sink)(const unsigned char *, size_t, void *);
static void *sink_arg;

void
stats_set_sink(void (*fn)(const unsigned char *, size_t, void *), void *arg)
{
	sink = fn;
	sink_arg = arg;
}

void
stats_flush(struct cf *cf)
{
	unsigned char blob[STATS_SIZE];
	struct err err;

	if (sink != NULL) {
		if (stats_take_pending(blob))
			sink(blob, sizeof(blob), sink_arg);
		return;
	}
	err_clear(&err);
	if (stats_post(cf_option_value(cf, "StatusFile"), &err) == -1)
		log_msg(LOG_INFO, NULL, "%s", err.msg);
}
