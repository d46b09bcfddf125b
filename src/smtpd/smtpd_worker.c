/*
 * smtpd_worker.c -- a worker of the daemon's pool: it gives up root,
 * waits on the listening sockets (epoll with EPOLLEXCLUSIVE, so one
 * connection wakes one idle worker), names the client as sendmail does
 * (reverse lookup confirmed forward, "[addr]" otherwise) and runs one
 * session after another, telling the master when it becomes busy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "smtpd_daemon.h"
#include "lib/log.h"

static void
addr_string(const struct sockaddr_storage *ss, char *out, size_t size,
    char *port, size_t psize)
{
	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), out,
	    (socklen_t)size, port, (socklen_t)psize,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		(void)snprintf(out, size, "0");
		(void)snprintf(port, psize, "0");
	}
}

/*
 * The address as sendmail's anynet_ntoa() gives it to ${client_addr}
 * and to "[addr]" client names: an IPv6 address with its "IPv6:" tag
 * (so Connect:IPv6:... access entries, the cf's [IPv6:::1] loopback
 * and IPv6 networks in class R match), an IPv4-mapped one as IPv4.
 */
static void
cf_addr_string(const struct sockaddr_storage *ss, const char *addr,
    char *out, size_t size)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		if (inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], out,
		    (socklen_t)size) != NULL)
			return;
	} else if (ss->ss_family == AF_INET6) {
		if (snprintf(out, size, "IPv6:%s", addr) < (int)size)
			return;
	}
	if (snprintf(out, size, "%s", addr) >= (int)size)
		out[0] = '\0';
}

/*
 * The client's name if its address (addr, numeric) maps to it and
 * back; else "[cfaddr]".  *resolve says how the lookup went, as
 * ${client_resolve} does.
 */
static void
client_name(const struct sockaddr_storage *ss, const char *addr,
    const char *cfaddr, char *out, size_t size, const char **resolve)
{
	struct addrinfo hints, *res, *ai;
	char host[NI_MAXHOST], back[NI_MAXHOST];
	int ok = 0, rc;

	rc = getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host,
	    sizeof(host), NULL, 0, NI_NAMEREQD);
	if (rc != 0) {
		*resolve = rc == EAI_AGAIN ? "TEMP" : "FAIL";
		if (snprintf(out, size, "[%s]", cfaddr) >= (int)size)
			out[0] = '\0';
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ss->ss_family;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) == 0) {
		for (ai = res; ai != NULL && !ok; ai = ai->ai_next)
			if (getnameinfo(ai->ai_addr, ai->ai_addrlen, back,
			    sizeof(back), NULL, 0, NI_NUMERICHOST) == 0 &&
			    strcmp(back, addr) == 0)
				ok = 1;
		freeaddrinfo(res);
	}
	*resolve = ok ? "OK" : "FORGED";
	(void)snprintf(out, size, "%s", host);
}

static int
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr)
		    >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(
		    &((const struct sockaddr_in6 *)ss)->sin6_addr);
	return 0;
}

void
smtpd_serve(struct smtpd_pool *pool, size_t pi, int fd, int greeted,
    const char *preread, size_t npreread)
{
	const struct smtpd_port *port = &pool->ports[pi];
	struct sockaddr_storage peer_ss, our_ss;
	socklen_t sl = sizeof(peer_ss), ol = sizeof(our_ss);
	struct smtpd_peer peer;
	struct smtpd_ctx ctx = *pool->ctx;
	char addr[NI_MAXHOST], pport[NI_MAXSERV], name[NI_MAXHOST];
	char ouraddr[NI_MAXHOST], ourport[NI_MAXSERV], flags[64];
	char cfaddr[NI_MAXHOST + 8];
	struct smtpd_rate_figures fig;
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&peer, 0, sizeof(peer));
	memset(&peer_ss, 0, sizeof(peer_ss));
	memset(&our_ss, 0, sizeof(our_ss));
	(void)getpeername(fd, (struct sockaddr *)&peer_ss, &sl);
	(void)getsockname(fd, (struct sockaddr *)&our_ss, &ol);
	addr_string(&peer_ss, addr, sizeof(addr), pport, sizeof(pport));
	addr_string(&our_ss, ouraddr, sizeof(ouraddr), ourport,
	    sizeof(ourport));
	cf_addr_string(&peer_ss, addr, cfaddr, sizeof(cfaddr));
	client_name(&peer_ss, addr, cfaddr, name, sizeof(name),
	    &peer.resolve);
	smtpd_port_flags(port, flags, sizeof(flags));
	peer.addr = addr;
	peer.cf_addr = cfaddr;
	peer.name = name;
	peer.port = pport;
	peer.family = peer_ss.ss_family == AF_INET6 ? "inet6" : "inet";
	/* sendmail leaves ${if_addr} unset on the loopback net */
	peer.if_addr = is_loopback(&our_ss) ? NULL : ouraddr;
	peer.daemon_name = port->name;
	peer.daemon_flags = flags;
	peer.input_filters = port->has_filters ? port->filters : NULL;
	smtpd_rate_open(pool->rate, addr, &fig);
	peer.client_conns = fig.client_conns;
	peer.client_rate = fig.client_rate;
	peer.total_rate = fig.total_rate;
	ctx.fd_in = ctx.fd_out = fd;
	ctx.listen_fds = pool->listen_fds;
	ctx.nlisten = pool->nports;
	ctx.agent_fd = pool->agent_fds[1];
	ctx.agent_slots = pool->agent_slots;
	ctx.agent_board = pool->agent_board;
	ctx.nagents = pool->nagents;
	ctx.stress = pool->stress != NULL ? &pool->stress->on : NULL;
	ctx.greeted = greeted;
	ctx.preread = preread;
	ctx.npreread = npreread;
	(void)smtpd_session(&ctx, &peer);
	smtpd_rate_close(pool->rate, addr);
}

/*
 * RefuseLA: while the load average is at or above it, connections wait
 * in the listen queue, as with sendmail's daemon.
 */
static void
refuse_while_loaded(const struct smtpd_pool *pool)
{
	static time_t said;
	double la;

	while (pool->refuse_la > 0 && getloadavg(&la, 1) == 1 &&
	    la >= (double)pool->refuse_la) {
		if (time(NULL) - said >= 60) {
			said = time(NULL);
			log_plain(LOG_NOTICE, "rejecting connections on daemon "
			    "%s: load average: %d", pool->ports[0].name,
			    (int)la);
		}
		(void)sleep(1);
	}
}

/*
 * A change of uid makes the kernel forget PR_SET_PDEATHSIG: without it
 * again, a child that gave root up would outlive a killed master and
 * keep its ports bound (found by the crash ledger with privilege
 * separation on).  A master gone already: leave now.
 */
void
smtpd_rearm_deathsig(const struct smtpd_pool *pool)
{
	/* the master itself (a queue runner alone under RunAsUser) has
	 * none: it must not take its caller for one */
	if (getpid() == pool->master)
		return;
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != pool->master)
		_exit(0);
}

void
smtpd_drop_privileges(const struct smtpd_pool *pool)
{
	if (geteuid() != 0 || pool->uid == 0)
		return;
	if (setgroups(0, NULL) == -1 || setgid(pool->gid) == -1 ||
	    setuid(pool->uid) == -1) {
		log_plain(LOG_ERR, "SYSERR(root): cannot drop privileges to "
		    "uid %ld: %s", (long)pool->uid, strerror(errno));
		_exit(71);
	}
	smtpd_rearm_deathsig(pool);
}

/*
 * A worker idle for idle_exit_ms leaves when more than keep_idle others
 * are idle, so a pool grown by a flood shrinks back (sendmail's
 * children end with their connection).  Its slot goes from idle to
 * free first, then the idle ones are counted: two workers deciding at
 * once can both stay, never both leave too many.  1: leave.
 */
static int
surplus(struct smtpd_pool *pool, size_t slot)
{
	unsigned char idle = SLOT_IDLE;
	size_t i, n = 0;

	if (!__atomic_compare_exchange_n(&pool->slots[slot], &idle,
	    (unsigned char)SLOT_FREE, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return 0;
	for (i = 0; i < pool->nslots; i++)
		if (pool->slots[i] == SLOT_IDLE)
			n++;
	if (n >= pool->keep_idle)
		return 1;
	pool->slots[slot] = SLOT_IDLE;
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
smtpd_worker(struct smtpd_pool *pool, size_t slot)
{
	struct epoll_event ev, got;
	unsigned char b = (unsigned char)slot;
	ssize_t nw;
	long served = 0;
	long long idle_since;
	size_t i;
	int ep, fd, n, wait_ms;

	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	(void)signal(SIGCHLD, SIG_DFL);
	(void)signal(SIGPIPE, SIG_IGN);
	/* a worker does not outlive its master, however the master ends */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != pool->master)
		_exit(0);
	(void)close(pool->notify[0]);
	if (pool->agent_fds[0] != -1)
		(void)close(pool->agent_fds[0]);
	if (smtpd_privsep_wanted(pool))
		smtpd_privsep_start(pool);
	else
		smtpd_drop_privileges(pool);
	/* separated, an idle worker looks at its map files once a second:
	 * it cannot open a rebuilt one, a fresh worker can */
	wait_ms = smtpd_privsep_on() && pool->idle_exit_ms > 1000 ? 1000 :
	    pool->idle_exit_ms;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1)
		_exit(71);
	for (i = 0; i < pool->nports; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.u64 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, pool->ports[i].fd, &ev) == -1)
			_exit(71);
	}
	idle_since = now_ms();
	while (served < pool->per_worker) {
		pool->slots[slot] = SLOT_IDLE;
		n = epoll_wait(ep, &got, 1, wait_ms);
		if (n == 0 && smtpd_privsep_stale(pool))
			break;
		if (n == 0 && (!smtpd_privsep_on() ||
		    now_ms() - idle_since >= pool->idle_exit_ms)) {
			if (surplus(pool, slot))
				_exit(0);
			idle_since = now_ms();
		}
		if (n <= 0)
			continue;
		i = (size_t)got.data.u64;
		refuse_while_loaded(pool);
		smtpd_rate_throttle(pool->rate, pool->throttle);
		fd = accept4(pool->ports[i].fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1)
			continue;
		pool->slots[slot] = SLOT_BUSY;
		/* a lost wake-up only delays the master to its next
		 * one-second look at the slots */
		nw = write(pool->notify[1], &b, 1);
		(void)nw;
		if (smtpd_room_wanted(pool, i))
			served += smtpd_room(pool, slot, i, fd);
		else {
			smtpd_serve(pool, i, fd, 0, NULL, 0);
			(void)close(fd);
			served++;
		}
		if (smtpd_privsep_stale(pool))
			break;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;	/* delivery children of the session */
		idle_since = now_ms();
	}
	pool->slots[slot] = SLOT_FREE;
	_exit(0);
}
