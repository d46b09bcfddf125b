/*
 * qrun_pri.c -- the priority a queue run gives a message, as sendmail
 * 8.17 reads a qf: its P plus RetryFactor, said in the to= lines and
 * written back with an I record for the df (device major/minor and
 * inode).  The delivery right after an SMTP receipt in background mode
 * then computes it anew once the recipients are expanded: the size
 * (the df plus every H record as the qf holds it, without the two '?'
 * around a condition) less Precedence's class times ClassFactor plus
 * the expanded recipients times RecipientFactor, and the qf is written
 * with it before anything is sent.  The delivery right after
 * a command-line submission, or after SMTP under -odi, keeps the
 * priority as received (sendmail delivers those from memory).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "qrun_int.h"
#include "lib/str.h"

static long
factor(struct cf *cf, const char *name, long def)
{
	const char *v = cf_option_value(cf, name);

	return v != NULL && *v != '\0' ? atol(v) : def;
}

/* Not read back from the qf: delivered as received. */
static int
from_memory(const struct qrun_msg *q)
{
	return q->opts->submitted || q->opts->after_smtp == 'i';
}

void
qrun_pri_read(struct qrun_msg *q)
{
	struct stat st;

	if (from_memory(q))
		return;
	q->qf.priority += factor(q->cf, "RetryFactor", 90000);
	q->qf.has_priority = 1;
	if (fstat(q->dffd, &st) == 0) {
		q->qf.has_inode = 1;
		q->qf.df_major = (long)major(st.st_dev);
		q->qf.df_minor = (long)minor(st.st_dev);
		q->qf.df_inode = (unsigned long long)st.st_ino;
	}
}

int
qrun_pri_expanded(struct qrun_msg *q)
{
	struct stat st;
	long size = 0, class = 0, n = 0;
	size_t i;

	if (q->opts->after_smtp != 'b' || fstat(q->dffd, &st) == -1)
		return 0;
	size = (long)st.st_size;
	for (i = 0; i < q->qf.nheaders; i++) {
		const struct qf_header *h = &q->qf.headers[i];

		/* "Name:value" as the H record has it after its ?cond? */
		size += (long)(strlen(h->name) + 1 + strlen(h->value));
		if (h->cond != NULL)
			size += (long)strlen(h->cond);
		if (str_casecmp(h->name, "Precedence") == 0)
			class = cf_precedence(q->cf, str_skip_ws(h->value));
	}
	/* the recipients as the expansion found them: each address once,
	 * refused ones too, lists not */
	for (i = 0; i < q->ntargets; i++)
		if (q->targets[i].state != QT_EXPANDED &&
		    q->targets[i].top < q->qf.nrcpts)
			n++;
	q->qf.priority = size - class * factor(q->cf, "ClassFactor", 1800) +
	    n * factor(q->cf, "RecipientFactor", 30000);
	return 1;
}
