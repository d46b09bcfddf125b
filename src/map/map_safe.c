/*
 * map_safe.c -- sendmail's file-safety checks for map files: a map
 * below a group- or world-writable folder, a linked map in a writable
 * folder, a hard-linked or non-regular file, or a file the running user
 * may not read is refused with sendmail's reason ("World writable
 * directory"), unless DontBlameSendmail names the exception.  Owns the
 * DontBlameSendmail name table; the checks themselves keep no state.
 *
 * The walk mirrors sendmail's safefile()/safedirpath(): every folder
 * from / down to the file's own is looked at with lstat, symbolic links
 * among them are followed and their targets checked the same way.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

/* reasons beyond errno, as sendmail words them */
enum {
	SAFE_E_BASE = 0x10000,
	SAFE_E_NOSLINK,
	SAFE_E_NOHLINK,
	SAFE_E_REGONLY,
	SAFE_E_ISEXEC,
	SAFE_E_WWDIR,
	SAFE_E_GWDIR
};

/* what one check asks for (sendmail's SFF_ bits that maps use) */
#define SF_ROOTOK	0x001	/* root may read what it owns not */
#define SF_REGONLY	0x002	/* regular files only */
#define SF_CREAT	0x004	/* may be created */
#define SF_NOSLINK	0x008	/* no symbolic link as the file */
#define SF_NOHLINK	0x010	/* no hard links to the file */
#define SF_NOWLINK	0x020	/* no links in a writable folder */
#define SF_SAFEDIRPATH	0x040	/* writable folders above are fatal */

#define SAFE_MAXLINKS	32	/* symbolic links followed in one path */

struct safe_who {
	uid_t		 uid;
	gid_t		 gid;
	char		*user;		/* NULL: no group set to consult */
	long		 trusted;	/* TrustedUser's uid, -1 none */
	unsigned	 dbs;
	const struct map_env *env;	/* for warnings; may be NULL */
};

static const struct {
	const char	*name;
	unsigned	 flag;		/* 0: a name that no map check uses */
} dbs_names[] = {
	{ "safe", 0 },
	{ "assumesafechown", 0 },
	{ "groupwritabledirpathsafe", MAP_DBS_GROUPWRITABLEDIRPATHSAFE },
	{ "groupwritableforwardfilesafe", 0 },
	{ "groupwritableincludefilesafe", 0 },
	{ "groupwritablealiasfile", 0 },
	{ "worldwritablealiasfile", 0 },
	{ "forwardfileinunsafedirpath", 0 },
	{ "includefileinunsafedirpath", 0 },
	{ "mapinunsafedirpath", MAP_DBS_MAPINUNSAFEDIRPATH },
	{ "linkedaliasfileinwritabledir", 0 },
	{ "linkedclassfileinwritabledir", 0 },
	{ "linkedforwardfileinwritabledir", 0 },
	{ "linkedincludefileinwritabledir", 0 },
	{ "linkedmapinwritabledir", MAP_DBS_LINKEDMAPINWRITABLEDIR },
	{ "linkedserviceswitchfileinwritabledir", 0 },
	{ "filedeliverytohardlink", 0 },
	{ "filedeliverytosymlink", 0 },
	{ "writemaptohardlink", MAP_DBS_WRITEMAPTOHARDLINK },
	{ "writemaptosymlink", MAP_DBS_WRITEMAPTOSYMLINK },
	{ "writestatstohardlink", 0 },
	{ "writestatstosymlink", 0 },
	{ "forwardfileingroupwritabledirpath", 0 },
	{ "includefileingroupwritabledirpath", 0 },
	{ "classfileinunsafedirpath", 0 },
	{ "errorheaderinunsafedirpath", 0 },
	{ "helpfileinunsafedirpath", 0 },
	{ "forwardfileinunsafedirpathsafe", 0 },
	{ "includefileinunsafedirpathsafe", 0 },
	{ "runprograminunsafedirpath", 0 },
	{ "runwritableprogram", 0 },
	{ "nonrootsafeaddr", 0 },
	{ "truststickybit", MAP_DBS_TRUSTSTICKYBIT },
	{ "dontwarnforwardfileinunsafedirpath", 0 },
	{ "insufficiententropy", 0 },
	{ "groupreadablesasldbfile", 0 },
	{ "groupwritablesasldbfile", 0 },
	{ "groupwritableforwardfile", 0 },
	{ "groupwritableincludefile", 0 },
	{ "worldwritableforwardfile", 0 },
	{ "worldwritableincludefile", 0 },
	{ "groupreadablekeyfile", 0 },
	{ "groupreadabledefaultauthinfofile", 0 },
	{ NULL, 0 }
};

int
map_dontblame_parse(const char *value, unsigned *flags_out, struct err *err)
{
	const char *p = value, *w;
	size_t n, i;
	int rc = 0;

	err_clear(err);
	*flags_out = 0;
	for (;;) {
		while (*p != '\0' && (isspace((unsigned char)*p) ||
		    ispunct((unsigned char)*p)))
			p++;
		if (*p == '\0')
			break;
		w = p;
		while (isalnum((unsigned char)*p))
			p++;
		n = (size_t)(p - w);
		if (*p != '\0')
			p++;
		for (i = 0; dbs_names[i].name != NULL; i++)
			if (strlen(dbs_names[i].name) == n &&
			    str_ncasecmp(dbs_names[i].name, w, n) == 0)
				break;
		if (dbs_names[i].name == NULL) {
			rc = err_set(err, ERR_CONFIG, "readcf: "
			    "DontBlameSendmail option: %.*s unrecognized",
			    (int)n, w);
			continue;
		}
		if (i == 0)
			*flags_out = 0;		/* "Safe" clears the rest */
		else
			*flags_out |= dbs_names[i].flag;
	}
	return rc;
}

static const char *
safe_reason(int e)
{
	switch (e) {
	case SAFE_E_NOSLINK:
		return "Symbolic links not allowed";
	case SAFE_E_NOHLINK:
		return "Hard links not allowed";
	case SAFE_E_REGONLY:
		return "Regular files only";
	case SAFE_E_ISEXEC:
		return "Executable files not allowed";
	case SAFE_E_WWDIR:
		return "World writable directory";
	case SAFE_E_GWDIR:
		return "Group writable directory";
	default:
		return strerror(e);
	}
}

/* 1 when user is a member of group gid (as listed in /etc/group). */
static int
safe_in_group(const struct safe_who *who, gid_t gid)
{
	struct group *gr;
	char **gp;

	if (who->user == NULL || (gr = getgrgid(gid)) == NULL)
		return 0;
	for (gp = gr->gr_mem; gp != NULL && *gp != NULL; gp++)
		if (strcmp(*gp, who->user) == 0)
			return 1;
	return 0;
}

/*
 * Checks every folder of path from offset on: writable ones (fatal with
 * SF_SAFEDIRPATH), and as root the search bits.  0 or a reason code.
 */
static int
safe_dirpath(const char *path, const struct safe_who *who, unsigned sf,
    int level, size_t offset)
{
	char *s, *link, *target, *end;
	struct stat st;
	mode_t wmode = S_IWOTH;
	size_t i, len;
	ssize_t n;
	int ret = 0;

	if (level > SAFE_MAXLINKS)
		return ELOOP;
	if (*path == '\0')
		path = "/";
	len = strlen(path);
	if (offset > len)
		return EINVAL;
	if (!(who->dbs & MAP_DBS_GROUPWRITABLEDIRPATHSAFE))
		wmode |= S_IWGRP;
	s = xstrdup(path);
	i = offset;
	for (;;) {
		char save;
		size_t cut;

		if (i >= len)
			break;
		end = strchr(s + i, '/');
		if (end == s)
			cut = 1;		/* the root folder itself */
		else if (end != NULL)
			cut = (size_t)(end - s);
		else
			cut = len;
		save = s[cut];
		s[cut] = '\0';
		i = cut + (end == NULL ? 0 : 1);
		if (end == s)
			i = 1;
		/* "." and ".." were looked at already */
		end = strrchr(s, '/');
		if (end != NULL && (strcmp(end, "/.") == 0 ||
		    strcmp(end, "/..") == 0)) {
			s[cut] = save;
			if (cut == len)
				break;
			continue;
		}
		if (lstat(s, &st) == -1) {
			ret = errno;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			size_t off = 0;

			link = xmalloc(PATH_MAX);
			n = readlink(s, link, PATH_MAX);
			if (n < 0 || n >= PATH_MAX) {
				ret = n < 0 ? errno : EINVAL;
				free(link);
				break;
			}
			link[n] = '\0';
			if (link[0] == '/') {
				target = link;
				if (strcmp(target, s) == 0) {
					free(link);
					ret = ELOOP;
					break;
				}
			} else {
				char *slash = strrchr(s, '/');
				size_t dl = slash == NULL ? 0 :
				    (size_t)(slash - s) + 1;

				target = xmalloc(xadd(dl, (size_t)n + 1));
				memcpy(target, s, dl);
				memcpy(target + dl, link, (size_t)n + 1);
				off = dl;
				free(link);
				link = target;
			}
			ret = safe_dirpath(target, who, sf, level + 1, off);
			free(link);
			s[cut] = save;
			if (ret != 0)
				break;
			if (cut == len)
				break;
			continue;
		}
		if ((who->uid == 0 || (sf & SF_SAFEDIRPATH)) &&
		    !((who->dbs & MAP_DBS_TRUSTSTICKYBIT) &&
		    (st.st_mode & S_ISVTX)) && (st.st_mode & wmode)) {
			if (sf & SF_SAFEDIRPATH) {
				ret = (st.st_mode & S_IWOTH) ? SAFE_E_WWDIR :
				    SAFE_E_GWDIR;
				break;
			}
			/* sendmail -bt (verbose) says so and goes on */
			if (who->env != NULL && who->env->message != NULL) {
				char msg[ERR_MSGMAX];

				(void)snprintf(msg, sizeof(msg), "WARNING: %s "
				    "writable directory %s", (st.st_mode &
				    S_IWOTH) ? "World" : "Group", s);
				who->env->message(who->env->arg, msg);
			}
		}
		if (geteuid() == 0 && !((st.st_uid == who->uid &&
		    (st.st_mode & S_IXUSR)) || (st.st_gid == who->gid &&
		    (st.st_mode & S_IXGRP)) || (safe_in_group(who,
		    st.st_gid) && (st.st_mode & S_IXGRP)) ||
		    (st.st_mode & S_IXOTH))) {
			ret = EACCES;
			break;
		}
		s[cut] = save;
		if (cut == len)
			break;
	}
	free(s);
	return ret;
}

/* The folder part of path ("" for "/x", "." for "x"), newly allocated. */
static char *
safe_dirname(const char *path)
{
	const char *p = strrchr(path, '/');

	if (p == NULL)
		return xstrdup(".");
	return xstrndup(path, (size_t)(p - path));
}

/*
 * sendmail's safefile() for a map: 0 when path may be used, else a
 * reason code (errno or SAFE_E_*).  mode is S_IRUSR or S_IWUSR.
 */
static int
safe_file(const char *path, const struct safe_who *who, unsigned sf,
    mode_t mode)
{
	struct stat st;
	int file_errno = 0, checkpath = 1, ret;
	char *dir;

	if (strlen(path) >= PATH_MAX)
		return ENAMETOOLONG;
	if (((sf & SF_NOSLINK) ? lstat(path, &st) : stat(path, &st)) == -1)
		file_errno = errno;
	dir = safe_dirname(path);
	if ((sf & SF_NOWLINK) && !(sf & SF_SAFEDIRPATH)) {
		if (safe_dirpath(dir, who, sf | SF_SAFEDIRPATH, 0, 0) == 0)
			checkpath = 0;
		else {
			/* a writable folder: no links to the file */
			if (!(sf & SF_NOSLINK) && lstat(path, &st) == -1) {
				free(dir);
				return errno;
			}
			sf |= SF_NOSLINK | SF_NOHLINK;
		}
	}
	if (checkpath && (ret = safe_dirpath(dir, who, sf, 0, 0)) != 0) {
		free(dir);
		return ret;
	}
	free(dir);
	if (file_errno != 0) {
		if (!(sf & SF_CREAT) || file_errno != ENOENT)
			return file_errno;
		dir = safe_dirname(path);
		ret = access(*dir == '\0' ? "/" : dir, W_OK) == 0 ? 0 :
		    EACCES;
		free(dir);
		return ret;
	}
	if ((sf & SF_NOSLINK) && S_ISLNK(st.st_mode))
		return SAFE_E_NOSLINK;
	if ((sf & SF_REGONLY) && !S_ISREG(st.st_mode))
		return SAFE_E_REGONLY;
	if ((mode & (S_IWUSR | S_IWGRP | S_IWOTH)) &&
	    (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
		return SAFE_E_ISEXEC;
	if ((sf & SF_NOHLINK) && st.st_nlink != 1)
		return SAFE_E_NOHLINK;
	if (who->uid == 0 && !(sf & SF_ROOTOK))
		mode >>= 6;
	else if (st.st_uid == who->uid)
		;
	else if (who->uid == 0 && who->trusted >= 0 &&
	    st.st_uid == (uid_t)who->trusted)
		;
	else {
		mode >>= 3;
		if (st.st_gid != who->gid && !safe_in_group(who, st.st_gid))
			mode >>= 3;
	}
	if ((st.st_mode & mode) == mode)
		return 0;
	return EACCES;
}

static int
safe_check(const char *path, unsigned dbs, long trusted, int forwrite,
    const struct map_env *env, struct err *err)
{
	struct safe_who who;
	struct passwd *pw;
	unsigned sf = SF_ROOTOK | SF_REGONLY;
	int rc;

	who.uid = geteuid();
	who.gid = getegid();
	pw = getpwuid(who.uid);
	who.user = pw != NULL ? xstrdup(pw->pw_name) : NULL;
	who.trusted = trusted;
	who.dbs = dbs;
	who.env = env;
	if (forwrite) {
		sf |= SF_CREAT;
		if (!(dbs & MAP_DBS_WRITEMAPTOSYMLINK))
			sf |= SF_NOSLINK;
		if (!(dbs & MAP_DBS_WRITEMAPTOHARDLINK))
			sf |= SF_NOHLINK;
	} else if (!(dbs & MAP_DBS_LINKEDMAPINWRITABLEDIR))
		sf |= SF_NOWLINK;
	if (!(dbs & MAP_DBS_MAPINUNSAFEDIRPATH))
		sf |= SF_SAFEDIRPATH;
	rc = safe_file(path, &who, sf, forwrite ? S_IWUSR : S_IRUSR);
	free(who.user);
	if (rc != 0)
		err_set(err, rc == ENOENT ? ERR_TEMPFAIL : ERR_NOPERM, "%s",
		    safe_reason(rc));
	return rc;
}

int
map_file_safe(const char *path, unsigned dbs, int forwrite, struct err *err)
{
	err_clear(err);
	return safe_check(path, dbs, -1, forwrite, NULL, err);
}

int
map_file_check(struct map *m, const char *path, int forwrite,
    struct err *err)
{
	struct err why;
	int rc;

	err_clear(err);
	rc = safe_check(path, map_set_dontblame_flags(m->set),
	    map_set_trusted_uid_get(m->set), forwrite, map_set_env(m->set),
	    &why);
	if (rc == 0)
		return 0;
	err_set(err, ERR_TEMPFAIL, "%s map \"%s\": %s map file %s: %s",
	    m->cls->name, m->name, rc == ENOENT ? "missing" : "unsafe", path,
	    why.msg);
	return rc;
}
