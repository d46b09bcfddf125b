/*
 * map_user.c -- map classes that ask the system: "user" (a field of the
 * passwd entry, by -v name or number) and "program" (the first line a
 * program prints for the key, run without a shell).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/arr.h"
#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

enum user_field {
	UF_NAME = 1, UF_PASSWD, UF_UID, UF_GID, UF_GECOS, UF_DIR, UF_SHELL
};

static const char *const user_fields[] = {
	NULL, "name", "passwd", "uid", "gid", "gecos", "dir", "shell"
};

static int
user_parse(struct map *m, int argc, char **argv, struct err *err)
{
	int *field;
	long n;
	int i;

	field = xmalloc(sizeof(*field));
	*field = UF_NAME;
	if (m->valname != NULL && m->valname[0] != '\0') {
		*field = 0;
		if (str_to_long(m->valname, &n) == 0 && n >= UF_NAME &&
		    n <= UF_SHELL)
			*field = (int)n;
		for (i = UF_NAME; i <= UF_SHELL; i++)
			if (str_casecmp(user_fields[i], m->valname) == 0)
				*field = i;
		if (*field == 0) {
			free(field);
			return err_set(err, ERR_CONFIG, "User map %s: unknown "
			    "column name %s", m->name, m->valname);
		}
	}
	m->pstate = field;
	return 0;
}

static void
user_parse_free(struct map *m)
{
	free(m->pstate);
	m->pstate = NULL;
}

/* Not found: status 67 (EX_NOUSER), as sendmail answers. */
static enum map_result
user_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	const int *field = m->pstate;
	struct passwd *pw;
	int rc = 0;

	errno = 0;
	pw = getpwnam(key);
	if (pw == NULL) {
		*stat_out = MAPST_NOUSER;
		return MAP_NOTFOUND;
	}
	switch (field != NULL ? *field : UF_NAME) {
	case UF_PASSWD:
		rc = buf_adds(val_out, pw->pw_passwd);
		break;
	case UF_UID:
		rc = buf_printf(val_out, "%ld", (long)pw->pw_uid);
		break;
	case UF_GID:
		rc = buf_printf(val_out, "%ld", (long)pw->pw_gid);
		break;
	case UF_GECOS:
		rc = buf_adds(val_out, pw->pw_gecos);
		break;
	case UF_DIR:
		rc = buf_adds(val_out, pw->pw_dir);
		break;
	case UF_SHELL:
		rc = buf_adds(val_out, pw->pw_shell);
		break;
	default:
		rc = buf_adds(val_out, pw->pw_name);
		break;
	}
	return rc == -1 ? MAP_NOTFOUND : MAP_FOUND;
}

/* program: argv[0] is the file, then the words after it, then the key */
static int
prog_parse(struct map *m, int argc, char **argv, struct err *err)
{
	struct strarr *words;

	if (m->file == NULL || m->file[0] != '/')
		return err_set(err, ERR_CONFIG, "program map %s: program "
		    "must be an absolute path", m->name);
	words = xcalloc(1, sizeof(*words));
	map_words(m->rest, words);
	m->pstate = words;
	return 0;
}

static void
prog_parse_free(struct map *m)
{
	struct strarr *words = m->pstate;

	if (words == NULL)
		return;
	strarr_free(words);
	free(words);
	m->pstate = NULL;
}

/*
 * Reads what fd gives up to the first newline (or max bytes): 1 if
 * anything came (an empty line counts), 0 for no output, -1 on error.
 */
static int
prog_read_line(int fd, struct buf *out, size_t max)
{
	char chunk[512];
	char *nl;
	ssize_t n;
	int done = 0, any = 0;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return any;
		any = 1;
		if (done)
			continue;	/* drain so the child is not blocked */
		nl = memchr(chunk, '\n', (size_t)n);
		if (nl != NULL) {
			n = nl - chunk;
			done = 1;
		}
		if (out->len + (size_t)n > max ||
		    buf_add(out, chunk, (size_t)n) == -1)
			done = 1;
	}
}

/*
 * Runs the program; its first output line is the value, even empty.
 * No output at all is not found (status 0); a non-zero exit is not found with that exit
 * status; death by a signal is 69 (EX_UNAVAILABLE).
 */
static enum map_result
prog_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct strarr *words = m->pstate;
	char **av;
	size_t i;
	int pfd[2], status, rd;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		*stat_out = MAPST_TEMPFAIL;
		err_sys(err, ERR_TEMPFAIL, "program map %s: pipe", m->name);
		return MAP_TEMPFAIL;
	}
	av = xcalloc(xadd(words->n, 2), sizeof(*av));
	for (i = 0; i < words->n; i++)
		av[i] = words->v[i];
	av[i] = (char *)key;
	pid = fork();
	if (pid == -1) {
		free(av);
		(void)close(pfd[0]);
		(void)close(pfd[1]);
		*stat_out = MAPST_TEMPFAIL;
		err_sys(err, ERR_TEMPFAIL, "program map %s: fork", m->name);
		return MAP_TEMPFAIL;
	}
	if (pid == 0) {
		int nfd = open("/dev/null", O_RDONLY);

		if (nfd != -1 && nfd != STDIN_FILENO)
			(void)dup2(nfd, STDIN_FILENO);
		(void)dup2(pfd[1], STDOUT_FILENO);
		(void)signal(SIGPIPE, SIG_DFL);
		execv(m->file, av);
		_exit(71);
	}
	free(av);
	(void)close(pfd[1]);
	rd = prog_read_line(pfd[0], val_out, MAP_VALMAX);
	(void)close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			*stat_out = 70;
			err_sys(err, ERR_SOFTWARE, "program map %s: waitpid",
			    m->name);
			buf_reset(val_out);
			return MAP_NOTFOUND;
		}
	if (!WIFEXITED(status)) {
		*stat_out = 69;
		err_set(err, ERR_UNAVAILABLE, "program map %s: abnormal exit",
		    m->name);
		buf_reset(val_out);
		return MAP_NOTFOUND;
	}
	if (WEXITSTATUS(status) != 0) {
		*stat_out = WEXITSTATUS(status);
		buf_reset(val_out);
		return MAP_NOTFOUND;
	}
	if (rd != 1) {
		buf_reset(val_out);
		return MAP_NOTFOUND;
	}
	return MAP_FOUND;
}

const struct map_class map_class_user = {
	"user", MAPCLASS_NOFILE | MAPCLASS_FOLDKEY,
	user_parse, NULL, user_lookup, NULL, NULL, NULL, user_parse_free
};

const struct map_class map_class_program = {
	"program", 0,
	prog_parse, NULL, prog_lookup, NULL, NULL, NULL, prog_parse_free
};
