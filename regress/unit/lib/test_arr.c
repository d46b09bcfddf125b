/*
 * test_arr.c -- arr_msort sorts like qsort and keeps equal elements in
 * their order (the queue run's ties keep the folder's order), for sizes
 * around the merge boundaries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/arr.h"

struct item {
	int	key;
	int	seq;		/* where it was before the sort */
};

static int
by_key(const void *a, const void *b)
{
	int ka = ((const struct item *)a)->key;
	int kb = ((const struct item *)b)->key;

	return (ka > kb) - (ka < kb);
}

static void
test_msort_sorted_and_stable(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 7, 8, 9, 64, 1000 };
	struct item *v;
	size_t s, i, n;

	(void)state;
	srand(7);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		v = calloc(n + 1, sizeof(*v));
		assert_non_null(v);
		for (i = 0; i < n; i++) {
			v[i].key = rand() % 5;	/* many ties */
			v[i].seq = (int)i;
		}
		arr_msort(v, n, sizeof(*v), by_key);
		for (i = 1; i < n; i++) {
			assert_true(v[i - 1].key <= v[i].key);
			if (v[i - 1].key == v[i].key)
				assert_true(v[i - 1].seq < v[i].seq);
		}
		free(v);
	}
}

static void
test_msort_reverse_input(void **state)
{
	struct item v[5] = { { 4, 0 }, { 3, 1 }, { 2, 2 }, { 1, 3 }, { 0, 4 } };
	size_t i;

	(void)state;
	arr_msort(v, 5, sizeof(v[0]), by_key);
	for (i = 0; i < 5; i++)
		assert_int_equal(v[i].key, (int)i);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msort_sorted_and_stable),
		cmocka_unit_test(test_msort_reverse_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
