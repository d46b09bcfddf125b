/*
 * map_hostcache.c -- the host map's memory of the answers it found in
 * the hosts file, per process, as sendmail keeps canonical names it has
 * looked up.  A long-lived worker or delivery agent canonifies the same
 * few names for every message; each lookup would read /etc/hosts and
 * the resolver's configuration again.  Only answers that the hosts
 * file decided are kept (not DNS ones, nor address literals), and all
 * are dropped when what decides them changes: the hosts file, the
 * resolver's configuration (the default domain), the host name or
 * LOCALDOMAIN, looked at no more than once a second.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map_int.h"

#define HOSTCACHE_MAX	128	/* entries; all are dropped when full */
#define HOSTCACHE_CHECK_S 1	/* seconds between looks at the files */

struct hostcache_entry {
	char	*key;
	unsigned methods;
	int	 found;
	char	*value;
};

/* What the answers depend on, as last seen. */
struct hostcache_basis {
	struct stat	 hosts, resolv;
	int		 hosts_ok, resolv_ok;
	char		 hostname[256];
	char		*localdomain;
};

static struct hostcache_entry entries[HOSTCACHE_MAX];
static size_t nentries;
static struct hostcache_basis basis;
static time_t checked;
static int have_basis;

static void
drop_all(void)
{
	size_t i;

	for (i = 0; i < nentries; i++) {
		free(entries[i].key);
		free(entries[i].value);
	}
	nentries = 0;
}

static int
same_file(int ok_a, const struct stat *a, int ok_b, const struct stat *b)
{
	if (ok_a != ok_b)
		return 0;
	return !ok_a || (a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec);
}

static void
read_basis(struct hostcache_basis *b)
{
	const char *ld = getenv("LOCALDOMAIN");

	memset(b, 0, sizeof(*b));
	b->hosts_ok = stat(HOSTCACHE_HOSTS_FILE, &b->hosts) == 0;
	b->resolv_ok = stat("/etc/resolv.conf", &b->resolv) == 0;
	if (gethostname(b->hostname, sizeof(b->hostname) - 1) == -1)
		b->hostname[0] = '\0';
	b->localdomain = ld != NULL ? xstrdup(ld) : NULL;
}

/* Drops everything if the basis changed since the last look. */
static void
revalidate(void)
{
	struct hostcache_basis now;
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (have_basis && ts.tv_sec - checked < HOSTCACHE_CHECK_S)
		return;
	checked = ts.tv_sec;
	read_basis(&now);
	if (have_basis && same_file(now.hosts_ok, &now.hosts, basis.hosts_ok,
	    &basis.hosts) && same_file(now.resolv_ok, &now.resolv,
	    basis.resolv_ok, &basis.resolv) &&
	    strcmp(now.hostname, basis.hostname) == 0 &&
	    (now.localdomain == NULL) == (basis.localdomain == NULL) &&
	    (now.localdomain == NULL ||
	    strcmp(now.localdomain, basis.localdomain) == 0)) {
		free(now.localdomain);
		return;
	}
	drop_all();
	free(basis.localdomain);
	basis = now;
	have_basis = 1;
}

int
hostcache_get(const char *key, unsigned methods, struct buf *out,
    int *found_out)
{
	size_t i;

	revalidate();
	for (i = 0; i < nentries; i++)
		if (entries[i].methods == methods &&
		    strcmp(entries[i].key, key) == 0) {
			*found_out = entries[i].found;
			if (entries[i].found &&
			    buf_set(out, entries[i].value) == -1)
				return -1;
			return 0;
		}
	return -1;
}

void
hostcache_put(const char *key, unsigned methods, int found,
    const char *value)
{
	struct hostcache_entry *e;

	if (!have_basis)
		return;
	if (nentries == HOSTCACHE_MAX)
		drop_all();
	e = &entries[nentries++];
	e->key = xstrdup(key);
	e->methods = methods;
	e->found = found;
	e->value = xstrdup(found ? value : "");
}
