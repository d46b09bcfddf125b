/*
 * queue_id.c -- queue IDs as sendmail 8.17 makes them: six base-60
 * digits of the UTC time (year mod 60, month 0-11, day, hour, minute,
 * second), two of a per-process sequence that starts at a random
 * offset, then the pid as %06d.  Up to 3600 ids per second and
 * process; a process never gives the same id twice (queue_id_new waits
 * for the next second when one is used up).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "queue.h"

static const char digits[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#define BASE		60
#define SEQ_MAX		(BASE * BASE)

void
queue_id_init(struct queue_idgen *g, unsigned random_offset)
{
	memset(g, 0, sizeof(*g));
	g->pid = -1;
	g->offset = random_offset % SEQ_MAX;
}

size_t
queue_id_format(time_t t, unsigned seq, long pid, char out[QUEUE_ID_MAX])
{
	struct tm tm;
	int n;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	seq %= SEQ_MAX;
	out[0] = digits[((tm.tm_year % BASE) + BASE) % BASE];
	out[1] = digits[tm.tm_mon % BASE];
	out[2] = digits[tm.tm_mday % BASE];
	out[3] = digits[tm.tm_hour % BASE];
	/* leap seconds reach 60 and 61: sendmail's table has 62 */
	out[4] = digits[tm.tm_min % 62];
	out[5] = digits[tm.tm_sec % 62];
	out[6] = digits[seq / BASE];
	out[7] = digits[seq % BASE];
	n = snprintf(out + 8, QUEUE_ID_MAX - 8, "%06ld", pid);
	if (n < 0 || n >= QUEUE_ID_MAX - 8)
		n = 0;
	out[8 + n] = '\0';
	return (size_t)(8 + n);
}

int
queue_id_next(struct queue_idgen *g, time_t now, long pid,
    char out[QUEUE_ID_MAX])
{
	if (g->count >= SEQ_MAX || g->pid != pid || g->last == 0) {
		/* a new run needs a second this pid has not used */
		if (g->last != 0 && now <= g->last && g->pid == pid)
			return 1;
		g->last = now;
		g->pid = pid;
		g->count = 0;
	}
	(void)queue_id_format(g->last, g->count + g->offset, pid, out);
	g->count++;
	return 0;
}

void
queue_id_new(struct queue_idgen *g, long pid, char out[QUEUE_ID_MAX])
{
	while (queue_id_next(g, time(NULL), pid, out) != 0) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		(void)nanosleep(&ts, NULL);
	}
}
