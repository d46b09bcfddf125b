/*
 * fuzz_cfread.c -- cf_read_buffer on arbitrary bytes, then a few test
 * mode (-bt) commands over whatever configuration resulted, then
 * cf_free.  Messages go to /dev/null.  It must never crash or leak.
 *
 * Inputs that could make the harness touch the machine rather than the
 * parser are skipped: program maps would run commands, and device or
 * proc files named as class or map files could be endless.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf/cf.h"

static const char bt_lines[] =
    "3,0 joe@example.com\n"
    "0 Joe Bloggs <@a,@b:joe@[1.2.3.4]>, \"x y\"@z\n"
    "1,2,4 a!b%c@d\n"
    "=S0\n"
    "=M\n"
    "$=w\n"
    "$j\n"
    "/parse joe@example.com\n"
    "/try local joe\n"
    "/tryflags hs\n"
    "/try smtp <joe@example.com>\n";

static FILE *devnull;

static int
unsafe(const uint8_t *data, size_t size)
{
	static const char *const words[] = {
		"program", "dev/", "proc/", "sys/", "fd/", NULL
	};
	char *low;
	size_t i;
	int bad = 0;

	if ((low = malloc(size + 1)) == NULL)
		return 1;
	for (i = 0; i < size; i++)
		low[i] = (char)tolower(data[i]);
	low[size] = '\0';
	for (i = 0; words[i] != NULL && !bad; i++)
		bad = memmem(low, size, words[i], strlen(words[i])) != NULL;
	free(low);
	return bad;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* no resolver waits: $[ $] and /try may look names up */
	(void)setenv("RES_OPTIONS", "timeout:1 attempts:1", 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf *cf;
	FILE *in;

	if (unsafe(data, size))
		return 0;
	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	cf = cf_new();
	cf_set_output(cf, devnull);
	cf_read_buffer(cf, "fuzz.cf", (const char *)data, size);
	(void)cf_nerrors(cf);
	in = fmemopen((void *)bt_lines, sizeof(bt_lines) - 1, "r");
	if (in == NULL)
		abort();
	(void)cf_testmode(cf, in, devnull);
	(void)fclose(in);
	cf_free(cf);
	return 0;
}
