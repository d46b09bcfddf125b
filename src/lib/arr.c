/*
 * arr.c -- growable pointer and string arrays, and a stable merge sort.
 */
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "xalloc.h"

void
ptrarr_push(struct ptrarr *a, void *p)
{
	if (a->n + 1 >= a->cap) {
		a->cap = a->cap ? xmul(a->cap, 2) : 8;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = p;
	a->v[a->n] = NULL;
}

void
ptrarr_free(struct ptrarr *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

void
strarr_pushn(struct strarr *a, const char *s, size_t n)
{
	if (a->n + 1 >= a->cap) {
		a->cap = a->cap ? xmul(a->cap, 2) : 8;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = xstrndup(s, n);
	a->v[a->n] = NULL;
}

void
strarr_push(struct strarr *a, const char *s)
{
	strarr_pushn(a, s, strlen(s));
}

void
strarr_free(struct strarr *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

static void
msort_rec(char *v, char *tmp, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	size_t half = n / 2, i = 0, j = half, k = 0;

	if (n < 2)
		return;
	msort_rec(v, tmp, half, size, cmp);
	msort_rec(v + half * size, tmp, n - half, size, cmp);
	while (i < half && j < n) {
		/* the right one first only when strictly smaller: stable */
		if (cmp(v + j * size, v + i * size) < 0)
			memcpy(tmp + k++ * size, v + j++ * size, size);
		else
			memcpy(tmp + k++ * size, v + i++ * size, size);
	}
	if (i < half)
		memcpy(tmp + k * size, v + i * size, (half - i) * size);
	else if (j < n)
		memcpy(tmp + k * size, v + j * size, (n - j) * size);
	memcpy(v, tmp, n * size);
}

void
arr_msort(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	char *tmp;

	if (n < 2)
		return;
	tmp = xreallocarray(NULL, n, size);
	msort_rec(base, tmp, n, size, cmp);
	free(tmp);
}
