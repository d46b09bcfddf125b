/*
 * arr.h -- growable arrays of pointers (struct ptrarr) and of strings
 * (struct strarr, which owns its strings), and a stable sort.
 */
#ifndef LIB_ARR_H
#define LIB_ARR_H

#include <stddef.h>

struct ptrarr {
	void	**v;
	size_t	  n;
	size_t	  cap;
};

void	 ptrarr_push(struct ptrarr *, void *);
void	 ptrarr_free(struct ptrarr *);	/* frees the vector, not elements */

struct strarr {
	char	**v;		/* NULL-terminated when n > 0 */
	size_t	  n;
	size_t	  cap;
};

void	 strarr_push(struct strarr *, const char *);	/* copies */
void	 strarr_pushn(struct strarr *, const char *, size_t);
void	 strarr_free(struct strarr *);

/*
 * A stable sort (merge sort, n log n): n elements of size bytes at base,
 * equal ones keep their order.  cmp as qsort's.
 */
void	 arr_msort(void *base, size_t n, size_t size,
	    int (*cmp)(const void *, const void *));

#endif
