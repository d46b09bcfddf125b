/*
 * smtpd_rate.c -- what the daemon counts across its workers, in memory
 * shared by the pool: connections open per client address
 * (${client_connections}), connections per client and in total over
 * the last ConnectionRateWindowSize (${client_rate}, ${total_rate}, for
 * FEATURE(conncontrol) and FEATURE(ratecontrol)), and the accepts of
 * the current second for ConnectionRateThrottle.  A fixed table with a
 * spin lock: a full table forgets its oldest idle client.
 */
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "smtpd_daemon.h"

#define NCLIENTS	4096
#define NBUCKETS	16	/* the rate window in slices */

struct bucket {
	time_t		 start;		/* of its slice */
	unsigned	 count;
};

struct client {
	char		 addr[48];
	unsigned	 open;		/* connections now */
	time_t		 last;
	struct bucket	 b[NBUCKETS];
};

struct smtpd_rate {
	volatile int	 lock;
	long		 window;	/* seconds */
	struct bucket	 total[NBUCKETS];
	time_t		 sec;		/* the second of `accepts` */
	unsigned	 accepts;
	struct client	 c[NCLIENTS];
};

struct smtpd_rate *
smtpd_rate_new(long window)
{
	struct smtpd_rate *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->window = window > 0 ? window : 60;
	return r;
}

static void
lock(struct smtpd_rate *r)
{
	while (__atomic_exchange_n(&r->lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void
unlock(struct smtpd_rate *r)
{
	__atomic_store_n(&r->lock, 0, __ATOMIC_RELEASE);
}

/* Counts one event now; returns the events within the window. */
static unsigned
count(struct bucket *b, long window, time_t now, int add)
{
	long slice = window / NBUCKETS > 0 ? window / NBUCKETS : 1;
	time_t start = now - now % slice;
	size_t i = (size_t)(now / slice) % NBUCKETS;
	unsigned sum = 0;

	if (b[i].start != start) {
		b[i].start = start;
		b[i].count = 0;
	}
	if (add)
		b[i].count++;
	for (i = 0; i < NBUCKETS; i++)
		if (b[i].start > now - window)
			sum += b[i].count;
	return sum;
}

static struct client *
find(struct smtpd_rate *r, const char *addr, time_t now)
{
	struct client *c, *victim = NULL;
	size_t h = 5381, i, n;

	for (i = 0; addr[i] != '\0'; i++)
		h = h * 33 + (unsigned char)addr[i];
	for (n = 0; n < 16; n++) {
		c = &r->c[(h + n) % NCLIENTS];
		if (strcmp(c->addr, addr) == 0)
			return c;
		if (c->addr[0] == '\0' || (c->open == 0 && (victim == NULL ||
		    c->last < victim->last)))
			victim = c;
	}
	if (victim == NULL)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	(void)strncpy(victim->addr, addr, sizeof(victim->addr) - 1);
	victim->last = now;
	return victim;
}

/* A connection from addr begins: its figures, as the macros want them. */
void
smtpd_rate_open(struct smtpd_rate *r, const char *addr,
    struct smtpd_rate_figures *f)
{
	time_t now = time(NULL);
	struct client *c;

	memset(f, 0, sizeof(*f));
	if (r == NULL)
		return;
	lock(r);
	f->total_rate = count(r->total, r->window, now, 1);
	if ((c = find(r, addr, now)) != NULL) {
		c->open++;
		c->last = now;
		f->client_rate = count(c->b, r->window, now, 1);
		f->client_conns = c->open;
	}
	unlock(r);
}

void
smtpd_rate_close(struct smtpd_rate *r, const char *addr)
{
	struct client *c;

	if (r == NULL)
		return;
	lock(r);
	if ((c = find(r, addr, time(NULL))) != NULL && c->open > 0)
		c->open--;
	unlock(r);
}

/*
 * ConnectionRateThrottle: before accepting, wait while this second's
 * accepts have reached the limit (0: no limit).
 */
void
smtpd_rate_throttle(struct smtpd_rate *r, long limit)
{
	time_t now;
	int wait;

	if (r == NULL || limit <= 0)
		return;
	for (;;) {
		now = time(NULL);
		lock(r);
		if (r->sec != now) {
			r->sec = now;
			r->accepts = 0;
		}
		wait = r->accepts >= (unsigned)limit;
		if (!wait)
			r->accepts++;
		unlock(r);
		if (!wait)
			return;
		(void)usleep(50000);
	}
}
