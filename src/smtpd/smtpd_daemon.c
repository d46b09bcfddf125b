/*
 * smtpd_daemon.c -- sendmail -bd: the master process.  It binds the
 * ports of DaemonPortOptions, writes the PidFile ("PID\ncommand line\n"),
 * and keeps a pool of pre-forked workers, growing it while fewer than
 * two are idle, up to MaxDaemonChildren (doc/process-model.md says why
 * a pool and not a fork per connection), and a few delivery agents for
 * DeliveryMode background.  SIGTERM stops everything; SIGHUP
 * re-executes the program so a new cf takes effect.  Without -bd
 * (sendmail -q1h, as sm-client runs it) the same master binds nothing
 * and only starts a queue run at each interval.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smtpd_daemon.h"
#include "qrun/qrun.h"
#include "cf/version.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define MIN_SPARE	2	/* idle workers kept ready */
#define START_WORKERS	4
#define MAX_WORKERS_MIN	256	/* MaxDaemonChildren unset: see */
#define MAX_WORKERS_MAX	4096	/* default_max_workers() */
#define IDLE_EXIT_MS	30000	/* an idle worker over START_WORKERS */
#define MAX_BURST	64	/* extra spares forked at one look */
#define PER_WORKER	10000	/* sessions before a worker is renewed */
#define AGENTS_PER_CPU	2	/* delivery agents, plus AGENTS_EXTRA */
#define AGENTS_EXTRA	2
#define SMTPD_PIDFILE_DEFAULT	"/var/run/sendmail.pid" /* _PATH_SENDMAILPID */

static volatile sig_atomic_t got_term, got_hup;

static long
cf_long(struct cf *cf, const char *name, long def)
{
	const char *v = cf_option_value(cf, name);

	return v != NULL && *v != '\0' ? atol(v) : def;
}

/*
 * The pool's cap when MaxDaemonChildren is not set.  sendmail then has
 * none: it forks a child per connection until fork fails.  A worker
 * waiting on a client costs about 150 kB of its own (PSS) plus kernel
 * memory, so one worker per 2 MB of RAM, 256 to 4096, and no more than
 * half the process limit (doc/process-model.md, figure 14 of
 * doc/reliability.md).
 */
static size_t
default_max_workers(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	unsigned long long mb = pages > 0 && psize > 0 ?
	    (unsigned long long)pages * (unsigned long long)psize >> 20 : 0;
	size_t n = (size_t)(mb / 2 > MAX_WORKERS_MAX ? MAX_WORKERS_MAX :
	    mb / 2);
	struct rlimit rl;

	if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 2 < n)
		n = (size_t)(rl.rlim_cur / 2);
	return n < MAX_WORKERS_MIN ? MAX_WORKERS_MIN : n;
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static int
open_ports(struct smtpd_pool *pool)
{
	const char *v = cf_option_value(pool->cf, "DaemonPortOptions");
	const char *lq = cf_option_value(pool->cf, "ListenQueueSize");
	struct strarr specs = { 0 };
	struct err err;
	size_t i;
	int backlog = lq != NULL && atoi(lq) > 0 ? atoi(lq) : 1024;

	if (v != NULL)
		str_split(v, "\n", &specs);
	if (specs.n == 0)
		strarr_push(&specs, "Name=MTA");
	pool->ports = xcalloc(specs.n, sizeof(*pool->ports));
	for (i = 0; i < specs.n; i++) {
		if (smtpd_port_parse(specs.v[i], &pool->ports[i], &err) == -1 ||
		    smtpd_port_open(&pool->ports[i], backlog, &err) == -1) {
			(void)fprintf(stderr, "%s\n", err.msg);
			log_plain(LOG_CRIT, "%s", err.msg);
			strarr_free(&specs);
			return -1;
		}
		pool->nports++;
	}
	strarr_free(&specs);
	pool->listen_fds = xcalloc(pool->nports, sizeof(int));
	for (i = 0; i < pool->nports; i++)
		pool->listen_fds[i] = pool->ports[i].fd;
	return 0;
}

static void
write_pidfile(struct cf *cf, char **argv)
{
	const char *path = cf_option_value(cf, "PidFile");
	struct buf b;
	int fd, i;

	/* sendmail's compiled-in default when the cf has no PidFile line
	 * (CentOS 7's sendmail.mc leaves it "#O PidFile=", and its unit
	 * waits for /run/sendmail.pid); an empty value means none */
	if (path == NULL)
		path = SMTPD_PIDFILE_DEFAULT;
	if (*path == '\0')
		return;
	buf_init(&b, 0);
	(void)buf_printf(&b, "%ld\n", (long)getpid());
	for (i = 0; argv[i] != NULL; i++)
		(void)buf_printf(&b, "%s%s", i ? " " : "", argv[i]);
	(void)buf_addc(&b, '\n');
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || write(fd, b.data, b.len) != (ssize_t)b.len)
		log_plain(LOG_ERR, "SYSERR(root): cannot write pid file %s: %s",
		    path, strerror(errno));
	if (fd != -1)
		(void)close(fd);
	buf_free(&b);
}

/*
 * RunAsUser ("user", "uid", "user:gid", "uid:gid") as ids; 0 when the
 * cf does not set it.
 */
int
smtpd_runas_user(struct cf *cf, uid_t *uid, gid_t *gid)
{
	const char *ru = cf_option_value(cf, "RunAsUser");
	struct passwd *pw;
	char *u, *colon;
	long n;

	if (ru == NULL || *ru == '\0')
		return 0;
	u = xstrdup(ru);
	*uid = getuid();
	*gid = getgid();
	if ((colon = strchr(u, ':')) != NULL)
		*colon = '\0';
	if (str_to_long(u, &n) == 0) {
		*uid = (uid_t)n;
		if ((pw = getpwuid(*uid)) != NULL)
			*gid = pw->pw_gid;
	} else if ((pw = getpwnam(u)) != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (colon != NULL && str_to_long(colon + 1, &n) == 0)
		*gid = (gid_t)n;
	free(u);
	return 1;
}

/* RunAsUser, else the owner of the queue directory when not root. */
static void
choose_user(struct smtpd_pool *pool)
{
	const char *q = cf_option_value(pool->cf, "QueueDirectory");
	struct stat st;

	pool->uid = getuid();
	pool->gid = getgid();
	if (smtpd_runas_user(pool->cf, &pool->uid, &pool->gid))
		return;
	if (q != NULL && stat(q, &st) == 0 && st.st_uid != 0) {
		pool->uid = st.st_uid;
		pool->gid = st.st_gid;
	}
}

/*
 * fork for a worker, agent or queue runner.  The child must not run
 * our handlers: a SIGTERM sent to it before it has reset them would
 * only set a flag, and the master would wait for it for ever.  So the
 * signals stay blocked across the fork until the child has the
 * defaults back.
 */
pid_t
smtpd_fork_child(void)
{
	sigset_t block, old;
	pid_t pid;

	(void)sigemptyset(&block);
	(void)sigaddset(&block, SIGTERM);
	(void)sigaddset(&block, SIGHUP);
	(void)sigaddset(&block, SIGINT);
	(void)sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid == 0) {
		(void)signal(SIGTERM, SIG_DFL);
		(void)signal(SIGHUP, SIG_DFL);
		(void)signal(SIGINT, SIG_DFL);
	}
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* Keeps every delivery agent slot filled. */
static void
spawn_agents(struct smtpd_pool *pool)
{
	size_t i;
	pid_t pid;

	for (i = 0; i < pool->nagents; i++) {
		if (pool->agent_pids[i] != 0)
			continue;
		pool->agent_slots[i] = SLOT_BUSY;	/* until it waits */
		pid = smtpd_fork_child();
		if (pid == 0)
			smtpd_agent(pool, i);
		if (pid == -1) {
			pool->agent_slots[i] = SLOT_FREE;
			return;
		}
		pool->agent_pids[i] = pid;
	}
}

/*
 * DeliveryMode background or interactive: the agents and the socket
 * workers hand messages to them on (one packet per message, so several
 * agents can read one socket).  Without them, workers fork per message.
 */
static void
start_agents(struct smtpd_pool *pool)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int mode = pool->ctx->delivery_mode;

	pool->agent_fds[0] = pool->agent_fds[1] = -1;
	if ((mode != 'b' && mode != 'i') || pool->ctx->queue_only)
		return;
	pool->nagents = (size_t)(ncpu > 0 ? ncpu : 1) * AGENTS_PER_CPU +
	    AGENTS_EXTRA;
	pool->agent_slots = mmap(NULL, pool->nagents, PROT_READ |
	    PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pool->agent_board = mmap(NULL, sizeof(*pool->agent_board),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pool->agent_slots == MAP_FAILED ||
	    pool->agent_board == MAP_FAILED ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    pool->agent_fds) == -1) {
		log_plain(LOG_ERR, "SYSERR(root): daemon: no delivery agents: "
		    "%s", strerror(errno));
		pool->agent_slots = NULL;
		pool->agent_board = NULL;
		pool->agent_fds[0] = pool->agent_fds[1] = -1;
		pool->nagents = 0;
		return;
	}
	memset((void *)pool->agent_slots, SLOT_FREE, pool->nagents);
	pool->agent_pids = xcalloc(pool->nagents, sizeof(*pool->agent_pids));
	spawn_agents(pool);
}

static void
spawn(struct smtpd_pool *pool, size_t slot)
{
	pid_t pid;

	pool->slots[slot] = SLOT_IDLE;
	pid = smtpd_fork_child();
	if (pid == 0)
		smtpd_worker(pool, slot);
	if (pid == -1) {
		pool->slots[slot] = SLOT_FREE;
		log_plain(LOG_ERR, "SYSERR(root): daemon: cannot fork: %s",
		    strerror(errno));
		return;
	}
	pool->pids[slot] = pid;
}

/*
 * Keeps `spare' workers idle while there is room: MIN_SPARE, plus as
 * many as became busy since the last look (up to MAX_BURST), so that a
 * burst of connections does not wait for the pool to grow two at a
 * time.  Idle workers over the need leave by themselves (smtpd_worker.c).
 */
static void
grow(struct smtpd_pool *pool, size_t busied)
{
	size_t i, idle = 0, spare = MIN_SPARE +
	    (busied > MAX_BURST ? MAX_BURST : busied);

	for (i = 0; i < pool->nslots; i++)
		if (pool->pids[i] != 0 && pool->slots[i] == SLOT_IDLE)
			idle++;
	for (i = 0; i < pool->nslots && idle < spare; i++)
		if (pool->pids[i] == 0) {
			spawn(pool, i);
			idle++;
		}
}

static void
reap(struct smtpd_pool *pool)
{
	pid_t pid;
	size_t i;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < pool->nslots; i++)
			if (pool->pids[i] == pid) {
				pool->pids[i] = 0;
				pool->slots[i] = SLOT_FREE;
			}
		for (i = 0; i < pool->nagents; i++)
			if (pool->agent_pids[i] == pid) {
				pool->agent_pids[i] = 0;
				pool->agent_slots[i] = SLOT_FREE;
			}
		for (i = 0; i < SMTPD_RESCUE_MAX; i++)
			if (pool->rescue_pids[i] == pid)
				pool->rescue_pids[i] = 0;
		smtpd_qsched_reaped(pool, pid);
	}
}

static void
stop_workers(struct smtpd_pool *pool)
{
	size_t i;

	for (i = 0; i < pool->nslots; i++)
		if (pool->pids[i] != 0)
			(void)kill(pool->pids[i], SIGTERM);
	for (i = 0; i < pool->nslots; i++)
		if (pool->pids[i] != 0)
			(void)waitpid(pool->pids[i], NULL, 0);
}

/*
 * Agents end by themselves once every worker is gone (the socket has no
 * writer left) and they have delivered what was handed to them; on
 * SIGTERM they are stopped like the workers.
 */
static void
stop_agents(struct smtpd_pool *pool, int now)
{
	size_t i;

	if (pool->agent_fds[1] != -1)
		(void)close(pool->agent_fds[1]);
	pool->agent_fds[1] = -1;
	for (i = 0; now && i < pool->nagents; i++)
		if (pool->agent_pids[i] != 0)
			(void)kill(pool->agent_pids[i], SIGTERM);
	for (i = 0; now && i < SMTPD_RESCUE_MAX; i++)
		if (pool->rescue_pids[i] != 0)
			(void)kill(pool->rescue_pids[i], SIGTERM);
}

/* "started as: " and the command line, as sendmail's LogLevel 10 says. */
static void
log_started_as(char **argv)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; argv[i] != NULL; i++)
		(void)buf_printf(&b, "%s%s", i ? " " : "", argv[i]);
	log_plain(LOG_INFO, "started as: %s", buf_cstr(&b));
	buf_free(&b);
}

static void
serve_forever(struct smtpd_pool *pool, char **argv)
{
	struct pollfd pfd;
	unsigned char drain[256];
	size_t i, busied;
	ssize_t n;
	int wait_ms = 1000;

	start_agents(pool);
	for (i = 0; i < START_WORKERS && i < pool->nslots; i++)
		spawn(pool, i);
	pfd.fd = pool->notify[0];
	pfd.events = POLLIN;
	while (!got_term && !got_hup) {
		smtpd_qsched_tick(pool);	/* -q1h: each group's runs */
		busied = 0;
		if (poll(&pfd, 1, wait_ms) > 0)
			while ((n = read(pool->notify[0], drain,
			    sizeof(drain))) > 0)
				busied += (size_t)n;
		reap(pool);
		grow(pool, busied);
		wait_ms = smtpd_stress_look(pool);
		if (pool->nagents > 0) {
			spawn_agents(pool);
			smtpd_agent_rescue(pool);
		}
	}
	stop_workers(pool);
	stop_agents(pool, got_term);
	if (got_term && cf_log_level(pool->cf) > 9)
		log_msg(LOG_INFO, NULL, "stopping daemon, reason=signal");
	if (got_hup) {
		log_plain(LOG_INFO, "restarting %s due to signal", argv[0]);
		for (i = 0; i < pool->nports; i++)
			(void)close(pool->ports[i].fd);
		/* the new program keeps this PID: no second detach */
		(void)setenv("MAILSYS_RESTART", "1", 1);
		(void)execv("/proc/self/exe", argv);
		log_plain(LOG_ERR, "SYSERR(root): could not exec %s: %s",
		    argv[0], strerror(errno));
	}
}

/* the parent of the daemon: exits once the child closed its end of
 * ready (PidFile written) or ended */
static _Noreturn void
wait_ready(int ready[2])
{
	char c;

	if (ready[1] != -1) {
		(void)close(ready[1]);
		while (read(ready[0], &c, 1) == -1 && errno == EINTR)
			continue;
	}
	_exit(0);
}

int
smtpd_daemon(const struct smtpd_ctx *ctx, char **argv, int foreground)
{
	struct smtpd_pool pool;
	struct sigaction sa;
	const char *mdc;
	pid_t pid;
	int fd, ready[2] = { -1, -1 };

	memset(&pool, 0, sizeof(pool));
	pool.cf = ctx->cf;
	pool.ctx = ctx;
	pool.per_worker = PER_WORKER;
	pool.keep_idle = START_WORKERS;
	pool.idle_exit_ms = IDLE_EXIT_MS;
	mdc = cf_option_value(ctx->cf, "MaxDaemonChildren");
	pool.nslots = ctx->queue_only ? 0 : mdc != NULL && atol(mdc) > 0 ?
	    (size_t)atol(mdc) : default_max_workers();
	pool.throttle = cf_long(ctx->cf, "ConnectionRateThrottle", 0);
	/* sendmail's default: 12 per processor */
	pool.refuse_la = cf_long(ctx->cf, "RefuseLA",
	    12 * (sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
	    sysconf(_SC_NPROCESSORS_ONLN) : 1));
	pool.rate = smtpd_rate_new(cf_time_option(ctx->cf,
	    "ConnectionRateWindowSize", 60));
	if (!ctx->queue_only) {
		if (open_ports(&pool) == -1) {
			free(pool.ports);
			return 71;	/* EX_OSERR */
		}
		choose_user(&pool);
		/* certificates and keys are often readable by root only:
		 * load them here, before the workers give root up, and let
		 * them share the context */
		(void)smtpd_tls_preload(ctx->cf);
		/* the SASL library reads Sendmail.conf and loads its plugins
		 * once, as root, not in each worker's first session */
		smtpd_auth_preload();
	}
	if (getenv("MAILSYS_RESTART") != NULL) {
		foreground = 1;		/* restarted by SIGHUP: detached */
		(void)unsetenv("MAILSYS_RESTART");
	}
	if (!foreground) {
		/* the caller returns once the PidFile is written: a unit of
		 * Type=forking reads it as soon as this process exits */
		if (pipe2(ready, O_CLOEXEC) == -1)
			ready[0] = ready[1] = -1;
		pid = fork();
		if (pid == -1)
			return 71;
		if (pid > 0)
			wait_ready(ready);
		if (ready[0] != -1)
			(void)close(ready[0]);
		(void)setsid();
		/* a daemon keeps no terminal and no caller's pipes open */
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			(void)dup2(fd, 0);
			(void)dup2(fd, 1);
			(void)dup2(fd, 2);
			if (fd > 2)
				(void)close(fd);
		}
	}
	/* handlers first: a signal sent as soon as the PidFile exists
	 * must find them */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	write_pidfile(ctx->cf, argv);
	pool.master = getpid();
	/* a queue runner alone (the MSP's sm-msp-queue) needs root for
	 * nothing more: under RunAsUser it goes on as that user, as
	 * sendmail's does, before its caller returns */
	if (ctx->queue_only && smtpd_runas_user(ctx->cf, &pool.uid,
	    &pool.gid))
		smtpd_drop_privileges(&pool);
	if (ready[1] != -1)
		(void)close(ready[1]);	/* the caller may go */
	if (cf_log_level(ctx->cf) > 9)
		log_started_as(argv);
	if (ctx->queue_interval > 0)
		log_plain(LOG_INFO, "starting daemon (%s): %squeueing@"
		    "%02ld:%02ld:%02ld", MAILSYS_COMPAT_VERSION,
		    ctx->queue_only ? "" : "SMTP+",
		    ctx->queue_interval / 3600, ctx->queue_interval % 3600 / 60,
		    ctx->queue_interval % 60);
	else
		log_plain(LOG_INFO, "starting daemon (%s): SMTP",
		    MAILSYS_COMPAT_VERSION);
	pool.slots = mmap(NULL, pool.nslots + 1, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pool.slots == MAP_FAILED)
		return 71;
	memset((void *)pool.slots, SLOT_FREE, pool.nslots);
	(void)smtpd_stress_init(&pool);
	pool.pids = xcalloc(pool.nslots + 1, sizeof(*pool.pids));
	if (pipe2(pool.notify, O_CLOEXEC | O_NONBLOCK) == -1)
		return 71;
	serve_forever(&pool, argv);
	free(pool.pids);
	free(pool.agent_pids);
	free(pool.ports);
	free(pool.listen_fds);
	return 0;
}
