/*
 * test_cf_load.c -- what the cf reader says while loading a cf, as
 * sendmail 8.17 says it (texts taken with `sendmail -bt -C` and -bC on
 * the same lines): Q lines, ruleset names (case-sensitive, redefined
 * rulesets in -bt/-bC) and the dns map's "-R A" form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cf/cf_int.h"

/* Reads text as test.cf in opMode mode; returns what it printed. */
static char *
load(const char *text, const char *mode)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct cf *cf;

	assert_non_null(f);
	cf = cf_new();
	cf_set_output(cf, f);
	cf_macro_define(cf, "{opMode}", mode);
	cf_read_buffer(cf, "test.cf", text, strlen(text));
	cf_free(cf);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void
expect(const char *text, const char *mode, const char *want)
{
	char *got = load(text, mode);

	assert_string_equal(got, want);
	free(got);
}

static void
test_queue_groups_warn_as_sendmail(void **state)
{
	expect("V10/Berkeley\n"
	    "Qfast, P=/q/fast, R=5\n"
	    "Qok, R=2 , F=f\n"
	    "Qa, P\n"
	    "Qy, X=1, R=\"2,3\"\n"
	    "Qx, I=1x\n", "t",
	    "Warning: Q=fast: R=5: multiple queue runners specified\n"
	    "\tbut flag 'f' is not set\n"
	    "test.cf: line 3: QueueDir must be defined before queue groups\n"
	    "test.cf: line 4: queue a: `=' expected\n"
	    "test.cf: line 5: Qy: unknown queue equate X=\n"
	    "test.cf: line 5: QueueDir must be defined before queue groups\n"
	    "test.cf: line 6: Invalid time unit `x'\n"
	    "test.cf: line 6: QueueDir must be defined before queue groups\n");
	expect("V10/Berkeley\n"
	    "O QueueDirectory=/q\n"
	    "Qy, X=1, R=\"2,3\"\n", "t",
	    "test.cf: line 3: Qy: unknown queue equate X=\n"
	    "Warning: Q=y: R=2: multiple queue runners specified\n"
	    "\tbut flag 'f' is not set\n");
}

static void
test_ruleset_names_are_case_sensitive(void **state)
{
	static const char text[] =
	    "V10/Berkeley\n"
	    "Sbcc\nR$+\t$@ x\n"
	    "SBCC\nR$+\t$@ y\n"
	    "Sbcc \nR$+\t$@ z\n";

	/* only the third S line names a ruleset that has rules */
	expect(text, "C", "WARNING: Ruleset bcc has multiple definitions\n");
	expect(text, "t", "WARNING: Ruleset bcc has multiple definitions\n");
	/* other modes read quietly */
	expect(text, "v", "");
}

static void
test_dns_type_may_follow_a_blank(void **state)
{
	expect("V10/Berkeley\n"
	    "Kdnsbl dns -R A -T<TMP>\n"
	    "Kbad dns -R XX\n", "t",
	    "test.cf: line 3: dns map bad: wrong type XX\n"
	    "test.cf: line 3: dns map bad: missing -R type\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_groups_warn_as_sendmail),
		cmocka_unit_test(test_ruleset_names_are_case_sensitive),
		cmocka_unit_test(test_dns_type_may_follow_a_blank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
