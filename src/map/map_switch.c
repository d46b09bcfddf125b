/*
 * map_switch.c -- the service switch (ServiceSwitchFile, sendmail's
 * /etc/mail/service.switch): which sources answer "hosts" and
 * "aliases", in order.  Without a file, hosts are "dns files" and
 * aliases "files", sendmail's fallback.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

/* service -> "method method ...", parsed from the file */
struct map_switch {
	struct strarr	 lines;		/* "service method ..." as read */
};

static const char *
switch_default(const char *service)
{
	if (str_casecmp(service, "hosts") == 0)
		return "dns files";
	if (str_casecmp(service, "aliases") == 0)
		return "files";
	return "";
}

void
map_switch_free(struct map_switch *sw)
{
	if (sw == NULL)
		return;
	strarr_free(&sw->lines);
	free(sw);
}

struct map_switch *
map_switch_load(const char *path)
{
	struct map_switch *sw = xcalloc(1, sizeof(*sw));
	char *line = NULL, *hash;
	size_t cap = 0;
	FILE *f;

	if (path == NULL || (f = fopen(path, "re")) == NULL)
		return sw;
	while (getline(&line, &cap, f) != -1) {
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		str_rtrim(line);
		if (*str_skip_ws(line) != '\0')
			strarr_push(&sw->lines, str_skip_ws(line));
	}
	free(line);
	(void)fclose(f);
	return sw;
}

/*
 * The methods for a service as one space-separated string, e.g.
 * "files dns"; a missing service falls back to the default.
 */
void
map_switch_methods(const struct map_switch *sw, const char *service,
    struct strarr *out)
{
	const char *l, *p;
	size_t i, n = strlen(service);

	if (sw != NULL)
		for (i = 0; i < sw->lines.n; i++) {
			l = sw->lines.v[i];
			if (str_ncasecmp(l, service, n) != 0 ||
			    !(isspace((unsigned char)l[n]) || l[n] == ':'))
				continue;
			p = l + n;
			if (*p == ':')
				p++;
			str_split(p, " \t", out);
			return;
		}
	str_split(switch_default(service), " ", out);
}
