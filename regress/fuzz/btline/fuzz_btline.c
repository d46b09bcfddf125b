/*
 * fuzz_btline.c -- arbitrary bytes as test mode (-bt) input: rulesets
 * and addresses, and the "." "=" "-" "$" "/" commands, against a small
 * valid configuration with named and numbered rulesets, classes, and
 * maps of the classes that never leave the process.
 *
 * The configuration text is fixed, but it is read again for each input:
 * ".D", ".C" and "-d" change it, and a crash must reproduce from its
 * input file alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf/cf.h"

static const char cf_text[] =
    "V10/Berkeley\n"
    "O QueueDirectory=/tmp\n"
    "O OperatorChars=.:%@!^/[]+\n"
    "DXmacx\n"
    "D{Dom}example.com\n"
    "Dj$w.example.com\n"
    "CWalpha beta foo.bar\n"
    "Cwlocalhost\n"
    "Kd dequote\n"
    "Kmac macro\n"
    "Kre regex -a.YES ^[0-9]+$\n"
    "Kre2 regex -s1 ^([a-z]+)-([0-9]+)$\n"
    "Karith arith\n"
    "Knull null\n"
    "Kseq sequence d re\n"
    "S3\n"
    "R$@\t$@ <@>\n"
    "R$* < $* > $*\t$2\n"
    "R$+ @ $+\t$: $1 < @ $2 >\n"
    "R$* < @ $=W > $*\t$: $1 < @ $2 . LOCAL > $3\n"
    "R$* < @ $* . > $*\t$1 < @ $2 > $3\n"
    "S0\n"
    "R$* < @ $* . LOCAL > $*\t$#local $: $1\n"
    "R$* < @ $+ > $*\t$#smtp $@ $2 $: $1 < @ $2 > $3\n"
    "R$+\t$#local $: $1\n"
    "S1\n"
    "R$*\t$: $>Canon $1\n"
    "S2\n"
    "R$* $| $*\t$: $2\n"
    "S4\n"
    "R$* < @ $* > $*\t$1 @ $2 $3\n"
    "SCanon\n"
    "R$+ % $+\t$1 @ $2\n"
    "R$+ ! $+\t$2 @ $1\n"
    "R$&X\t$@ $&{Dom}\n"
    "R$~W\t$: $(d $1 $) $| $(re $1 $: no $)\n"
    "R$-\t$@ $(arith + $@ 1 $@ 2 $) $(mac {M} $@ $1 $) $&{M}\n"
    "R$* $| $*\t$@ $>2 $1 $| $2\n"
    "SLoop\n"
    "R$+\t$1 $1\n"
    "SRec\n"
    "R$+\t$: $>Rec $1\n"
    "Mlocal, P=/bin/true, F=lsDFMAw5:/|@qPn9S, S=1, R=2, A=mail $u\n"
    "Msmtp, P=[IPC], F=mDFMuX, S=1, R=2/4, E=\\r\\n, L=990, "
    "A=TCP $h\n";

static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* no resolver waits: $[ $], /canon and /mx may look names up */
	(void)setenv("RES_OPTIONS", "timeout:1 attempts:1", 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf *cf;
	FILE *in;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	cf = cf_new();
	cf_set_output(cf, devnull);
	cf_read_buffer(cf, "btline.cf", cf_text, sizeof(cf_text) - 1);
	if (cf_nerrors(cf) != 0)
		abort();
	/* fmemopen of zero bytes fails: feed one newline instead */
	in = size > 0 ? fmemopen((void *)data, size, "r") :
	    fmemopen((void *)"\n", 1, "r");
	if (in == NULL)
		abort();
	(void)cf_testmode(cf, in, devnull);
	(void)fclose(in);
	cf_free(cf);
	return 0;
}
