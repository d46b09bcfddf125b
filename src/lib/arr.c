/*
 * arr.c -- growable pointer and string arrays.
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
