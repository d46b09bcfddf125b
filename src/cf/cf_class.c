/*
 * cf_class.c -- classes ($=X): one table of words with a bit per class,
 * so a word is matched without regard to case and $=X lists members in
 * the same order sendmail's symbol table gives; and F lines that fill a
 * class from a file, optionally through a scanf pattern.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cf_int.h"
#include "lib/fdio.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define STAB_SIZE	2003	/* sendmail's symbol table size */
#define STAB_CLASS	1	/* its symbol type for class words */

static unsigned
stab_bucket(const char *key)
{
	unsigned h = STAB_CLASS;

	for (; *key != '\0'; key++)
		h = ((h << 1) ^ (unsigned char)*key) % STAB_SIZE;
	return h;
}

/* case-blind, so lookups need no lowercased copy of the word */
static size_t
key_hash(const char *key)
{
	size_t h = 5381;

	for (; *key != '\0'; key++)
		h = h * 33 + (unsigned char)tolower((unsigned char)*key);
	return h;
}

static struct cf_word **
words_slot(struct cf_words *w, const char *key)
{
	size_t i;

	i = key_hash(key) & (w->cap - 1);
	while (w->slot[i] != NULL && str_casecmp(w->slot[i]->key, key) != 0)
		i = (i + 1) & (w->cap - 1);
	return &w->slot[i];
}

static void
words_grow(struct cf_words *w)
{
	struct cf_word **old = w->slot;
	size_t oldcap = w->cap, i;

	w->cap = w->cap ? w->cap * 2 : 64;
	w->slot = xcalloc(w->cap, sizeof(*w->slot));
	for (i = 0; i < oldcap; i++)
		if (old[i] != NULL)
			*words_slot(w, old[i]->key) = old[i];
	free(old);
}

static struct cf_word *
words_find(struct cf_words *w, const char *word)
{
	if (w->cap == 0)
		return NULL;
	return *words_slot(w, word);
}

void
cf_class_add(struct cf *cf, int id, const char *word)
{
	struct cf_words *w = &cf->words;
	struct cf_word **s, *e;
	char *key;

	if (id <= 0 || id > CF_MAXMACROID)
		return;
	if ((w->n + 1) * 2 > w->cap)
		words_grow(w);
	key = xstrdup(word);
	str_lower(key);
	s = words_slot(w, key);
	if (*s == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->name = xstrdup(word);
		e->key = key;
		e->bucket = stab_bucket(key);
		e->seq = w->nextseq++;
		*s = e;
		w->n++;
		if (strlen(word) > w->maxlen)
			w->maxlen = strlen(word);
	} else
		free(key);
	(*s)->bits[id / 8] |= (unsigned char)(1u << (id % 8));
}

/*
 * Whether some word of class id is longer than suffix and ends with it
 * (without case): else no phrase "<something>suffix" is in the class.
 */
int
cf_class_has_suffix(struct cf *cf, int id, const char *suffix)
{
	const struct cf_words *w = &cf->words;
	size_t n = strlen(suffix), i, l;
	const struct cf_word *e;

	if (id <= 0 || id > CF_MAXMACROID)
		return 0;
	for (i = 0; i < w->cap; i++) {
		e = w->slot[i];
		if (e == NULL || !(e->bits[id / 8] & (1u << (id % 8))))
			continue;
		l = strlen(e->key);
		if (l > n && str_casecmp(e->key + l - n, suffix) == 0)
			return 1;
	}
	return 0;
}

int
cf_class_has(struct cf *cf, int id, const char *word)
{
	struct cf_word *e;

	if (id <= 0 || id > CF_MAXMACROID)
		return 0;
	e = words_find(&cf->words, word);
	return e != NULL && (e->bits[id / 8] & (1u << (id % 8)));
}

static int
word_order(const void *a, const void *b)
{
	const struct cf_word *x = *(struct cf_word *const *)a;
	const struct cf_word *y = *(struct cf_word *const *)b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
cf_class_print(struct cf *cf, int id, FILE *out)
{
	struct cf_words *w = &cf->words;
	struct ptrarr list = { 0 };
	size_t i;

	for (i = 0; i < w->cap; i++)
		if (w->slot[i] != NULL &&
		    (w->slot[i]->bits[id / 8] & (1u << (id % 8))))
			ptrarr_push(&list, w->slot[i]);
	if (list.n > 1)
		qsort(list.v, list.n, sizeof(*list.v), word_order);
	for (i = 0; i < list.n; i++)
		(void)fprintf(out, "%s\n",
		    ((struct cf_word *)list.v[i])->name);
	ptrarr_free(&list);
}

void
cf_words_free(struct cf_words *w)
{
	size_t i;

	for (i = 0; i < w->cap; i++) {
		if (w->slot[i] == NULL)
			continue;
		free(w->slot[i]->name);
		free(w->slot[i]->key);
		free(w->slot[i]);
	}
	free(w->slot);
	memset(w, 0, sizeof(*w));
}

/*
 * Applies a scanf pattern with one conversion to a line; 1 with the
 * word in out when it matched.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* the pattern comes from the cf and was checked by pattern_ok() */
static int
scan_line(const char *line, const char *pattern, struct buf *out)
{
	char *word;
	int r;

	word = xmalloc(strlen(line) + 1);
	word[0] = '\0';
	r = sscanf(line, pattern, word);
	if (r == 1)
		buf_set(out, word);
	free(word);
	return r == 1;
}
#pragma GCC diagnostic pop

/* A pattern must store exactly one string: "%[^#]", "%s". */
static int
pattern_ok(const char *p)
{
	int n = 0;

	for (; *p != '\0'; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		if (p[1] == '*')
			continue;
		while (isdigit((unsigned char)p[1]))
			p++;
		if (p[1] != 's' && p[1] != '[')
			return 0;
		n++;
	}
	return n == 1;
}

static void
add_words(struct cf *cf, int id, const char *text)
{
	struct strarr words = { 0 };
	size_t i;

	str_split(text, " \t\r\n", &words);
	for (i = 0; i < words.n; i++)
		cf_class_add(cf, id, words.v[i]);
	strarr_free(&words);
}

/*
 * "Fc|/path/prog": the program runs without arguments (as sendmail runs
 * it: only the first word counts), stdin from /dev/null, and the first
 * word of each output line joins the class.
 */
static void
prog_class(struct cf *cf, int id, const char *spec)
{
	struct buf prog, line, word;
	struct fdin in;
	enum line_result r;
	char *argv[2];
	int pfd[2], devnull, status;
	pid_t pid;

	buf_init(&prog, 4096);
	while (*spec != '\0' && !isspace((unsigned char)*spec))
		buf_addc(&prog, *spec++);
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		cf_syserr(cf, "fileclass: cannot pipe: %s", strerror(errno));
		buf_free(&prog);
		return;
	}
	argv[0] = prog.data ? prog.data : (char *)"";
	argv[1] = NULL;
	pid = fork();
	if (pid == 0) {
		static char *const envp[] = {
			"PATH=/usr/bin:/bin:/usr/sbin:/sbin", NULL
		};

		devnull = open("/dev/null", O_RDONLY);
		if (devnull == -1 || dup2(devnull, 0) == -1 ||
		    dup2(pfd[1], 1) == -1)
			_exit(127);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	(void)close(pfd[1]);
	if (pid == -1) {
		cf_syserr(cf, "fileclass: cannot fork %s: %s", argv[0],
		    strerror(errno));
		(void)close(pfd[0]);
		buf_free(&prog);
		return;
	}
	fdin_init(&in, pfd[0]);
	buf_init(&line, 65536);
	buf_init(&word, 65536);
	while ((r = fdio_getline(&in, &line, 65536)) == LINE_OK ||
	    r == LINE_PARTIAL || r == LINE_TOO_LONG) {
		if (r != LINE_TOO_LONG && line.len > 0 &&
		    line.data[0] != '#' && scan_line(buf_cstr(&line), "%s",
		    &word))
			cf_class_add(cf, id, buf_cstr(&word));
		if (r == LINE_PARTIAL)
			break;
	}
	fdin_free(&in);
	(void)close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		cf_syserr(cf, "fileclass: cannot run %s", argv[0]);
	buf_free(&line);
	buf_free(&word);
	buf_free(&prog);
}

/*
 * F lines: "Fc/path [pattern]", "Fc -o /path", "Fc|program".  A missing
 * file is an error unless -o was given.
 */
void
cf_fileclass(struct cf *cf, int id, const char *spec, int optional)
{
	struct buf path, pattern, line, word;
	struct fdin in;
	const char *p = str_skip_ws(spec);
	enum line_result r;
	int fd;

	if (*p == '|') {
		prog_class(cf, id, p + 1);
		return;
	}
	buf_init(&path, 4096);
	buf_init(&pattern, 4096);
	while (*p != '\0' && *p != ' ' && *p != '\t')
		buf_addc(&path, *p++);
	p = str_skip_ws(p);
	buf_adds(&pattern, p);
	if (pattern.len > 0 && !pattern_ok(buf_cstr(&pattern))) {
		cf_syserr(cf, "fileclass: pattern \"%s\" must have exactly "
		    "one conversion", buf_cstr(&pattern));
		buf_free(&path);
		buf_free(&pattern);
		return;
	}
	fd = open(buf_cstr(&path), O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		if (!optional) {
			/* an error with errno set: EX_OSERR, as sendmail */
			if (cf->exitstat == 0)
				cf->exitstat = 71;
			cf_syserr(cf, "fileclass: cannot open '%s': %s",
			    buf_cstr(&path), strerror(errno));
		}
		buf_free(&path);
		buf_free(&pattern);
		return;
	}
	fdin_init(&in, fd);
	buf_init(&line, 65536);
	buf_init(&word, 65536);
	while ((r = fdio_getline(&in, &line, 65536)) == LINE_OK ||
	    r == LINE_PARTIAL || r == LINE_TOO_LONG) {
		if (r == LINE_TOO_LONG)
			continue;
		if (line.data[0] == '#')
			continue;
		if (pattern.len > 0) {
			if (scan_line(buf_cstr(&line), buf_cstr(&pattern),
			    &word))
				add_words(cf, id, buf_cstr(&word));
		} else
			add_words(cf, id, buf_cstr(&line));
		if (r == LINE_PARTIAL)
			break;
	}
	fdin_free(&in);
	(void)close(fd);
	buf_free(&line);
	buf_free(&word);
	buf_free(&path);
	buf_free(&pattern);
}
