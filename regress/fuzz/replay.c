/*
 * replay.c -- a plain driver for the libFuzzer entry points, so that
 * `make check` can replay each corpus without clang: every path given
 * is read whole into a buffer of its exact size (a directory gives
 * each regular file in it, in name order) and handed to
 * LLVMFuzzerTestOneInput.  A crash or sanitizer report ends the run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

/* Reads path into a malloc'd buffer of exactly its size; -1 on error. */
static int
slurp(const char *path, uint8_t **data_out, size_t *len_out)
{
	uint8_t *data = NULL, *n;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((n = realloc(data, cap)) == NULL)
				goto fail;
			data = n;
		}
		r = read(fd, data + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	(void)close(fd);
	/* exact size, so that ASan sees any read past the input */
	if ((n = malloc(len ? len : 1)) == NULL) {
		free(data);
		return -1;
	}
	memcpy(n, data, len);
	free(data);
	*data_out = n;
	*len_out = len;
	return 0;
fail:
	free(data);
	(void)close(fd);
	return -1;
}

static int
replay_file(const char *path, unsigned long *count)
{
	uint8_t *data;
	size_t len;

	if (slurp(path, &data, &len) == -1) {
		(void)fprintf(stderr, "replay: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	(void)LLVMFuzzerTestOneInput(data, len);
	free(data);
	(*count)++;
	return 0;
}

static int
namecmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
replay_dir(const char *dir, unsigned long *count)
{
	struct dirent **ents;
	struct stat st;
	char *path;
	size_t l;
	int n, i, rc = 0;

	n = scandir(dir, &ents, NULL, namecmp);
	if (n == -1) {
		(void)fprintf(stderr, "replay: %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		l = strlen(dir) + strlen(ents[i]->d_name) + 2;
		if ((path = malloc(l)) == NULL) {
			rc = -1;
			break;
		}
		(void)snprintf(path, l, "%s/%s", dir, ents[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    replay_file(path, count) == -1)
			rc = -1;
		free(path);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned long count = 0;
	struct stat st;
	int i, rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			(void)fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) == -1)
				rc = 1;
		} else if (replay_file(argv[i], &count) == -1)
			rc = 1;
	}
	(void)printf("%lu inputs replayed\n", count);
	return rc;
}
