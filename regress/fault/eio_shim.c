/*
 * eio_shim.c -- an LD_PRELOAD library for regress/fault/eio.py: makes
 * calls on files in one folder fail with an errno, while a flag file
 * says so, so that a running daemon can be put in and out of the fault.
 *
 *   EIO_SHIM_DIR   the folder (the queue); its files and itself count
 *   EIO_SHIM_FLAG  a file; while it exists, its first word names the
 *                  calls that fail: "fsync" (fsync, fdatasync), "write"
 *                  (write, writev, pwrite, pwritev), "rename" (rename,
 *                  renameat, renameat2 from a name in the folder),
 *                  "dirsync" (fsync of the folder itself only: after
 *                  the rename of tf to qf)
 *   EIO_SHIM_ERRNO the errno (default EIO)
 *
 * The variables are read when the library is loaded: sendmail replaces
 * its environment early in main().
 *
 * Built by the test (cc -shared -fPIC eio_shim.c -ldl); not part of
 * the product.  Used without fiu-run because fiu-utils is not in the
 * base image and this works on sendmail 8.17 as well as on ours.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static char	*shim_dir, *shim_flag;
static int	 shim_errno = EIO;

__attribute__((constructor)) static void
shim_init(void)
{
	const char *e;

	if ((e = getenv("EIO_SHIM_DIR")) != NULL)
		shim_dir = strdup(e);
	if ((e = getenv("EIO_SHIM_FLAG")) != NULL)
		shim_flag = strdup(e);
	if ((e = getenv("EIO_SHIM_ERRNO")) != NULL)
		shim_errno = atoi(e);
}

/* 1 when the flag file names `call'. */
static int
armed(const char *call)
{
	const char *flag = shim_flag;
	char word[64];
	ssize_t n;
	int fd, saved = errno, r = 0;

	if (flag == NULL || (fd = open(flag, O_RDONLY | O_CLOEXEC)) == -1) {
		errno = saved;
		return 0;
	}
	n = read(fd, word, sizeof(word) - 1);
	(void)close(fd);
	if (n > 0) {
		word[n] = '\0';
		r = strstr(word, call) != NULL;
	}
	errno = saved;
	return r;
}

/* 2 when path is the folder, 1 when a name in it, else 0. */
static int
in_dir(const char *path)
{
	const char *dir = shim_dir;
	size_t n;

	if (dir == NULL || path == NULL)
		return 0;
	n = strlen(dir);
	if (strncmp(path, dir, n) != 0)
		return 0;
	return path[n] == '\0' ? 2 : path[n] == '/';
}

/* in_dir of the file open as fd */
static int
fd_in_dir(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;
	int saved = errno;

	(void)snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	errno = saved;
	if (n <= 0)
		return 0;
	path[n] = '\0';
	return in_dir(path);
}

/* a path relative to dirfd as an absolute one, for in_dir */
static int
at_in_dir(int dirfd, const char *path)
{
	char link[64], dir[PATH_MAX], full[PATH_MAX * 2];
	ssize_t n;

	if (path[0] == '/' || dirfd == AT_FDCWD) {
		if (path[0] == '/')
			return in_dir(path);
		if (getcwd(dir, sizeof(dir)) == NULL)
			return 0;
	} else {
		(void)snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		if ((n = readlink(link, dir, sizeof(dir) - 1)) <= 0)
			return 0;
		dir[n] = '\0';
	}
	(void)snprintf(full, sizeof(full), "%s/%s", dir, path);
	return in_dir(full);
}

static int
fail(void)
{
	errno = shim_errno;
	return -1;
}

#define NEXT(name) static __typeof__(name) *next; \
	if (next == NULL) next = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

int
fsync(int fd)
{
	NEXT(fsync);
	if (armed("fsync") && fd_in_dir(fd))
		return fail();
	if (armed("dirsync") && fd_in_dir(fd) == 2)
		return fail();
	return next(fd);
}

int
fdatasync(int fd)
{
	NEXT(fdatasync);
	if (armed("fsync") && fd_in_dir(fd))
		return fail();
	return next(fd);
}

ssize_t
write(int fd, const void *p, size_t n)
{
	NEXT(write);
	if (armed("write") && fd_in_dir(fd))
		return fail();
	return next(fd, p, n);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	NEXT(writev);
	if (armed("write") && fd_in_dir(fd))
		return fail();
	return next(fd, iov, n);
}

ssize_t
pwrite(int fd, const void *p, size_t n, off_t off)
{
	NEXT(pwrite);
	if (armed("write") && fd_in_dir(fd))
		return fail();
	return next(fd, p, n, off);
}

ssize_t
pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	NEXT(pwritev);
	if (armed("write") && fd_in_dir(fd))
		return fail();
	return next(fd, iov, n, off);
}

int
rename(const char *from, const char *to)
{
	NEXT(rename);
	if (armed("rename") && at_in_dir(AT_FDCWD, from))
		return fail();
	return next(from, to);
}

int
renameat(int fd1, const char *from, int fd2, const char *to)
{
	NEXT(renameat);
	if (armed("rename") && at_in_dir(fd1, from))
		return fail();
	return next(fd1, from, fd2, to);
}

int
renameat2(int fd1, const char *from, int fd2, const char *to, unsigned fl)
{
	NEXT(renameat2);
	if (armed("rename") && at_in_dir(fd1, from))
		return fail();
	return next(fd1, from, fd2, to, fl);
}
