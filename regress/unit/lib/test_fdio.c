/*
 * test_fdio.c -- the bounded line reader: whole lines, the limit, a last
 * line without LF, lines split across reads (fed one byte at a time).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/fdio.h"

/* A pipe holding text; the read end is returned. */
static int
pipe_with(const char *text, size_t len)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(fdio_write_all(p[1], text, len), 0);
	close(p[1]);
	return p[0];
}

static void
test_lines_come_back_without_their_lf(void **state)
{
	struct fdin in;
	struct buf line;
	int fd = pipe_with("one\ntwo\r\n\nthree", 15);

	(void)state;
	fdin_init(&in, fd);
	buf_init(&line, 0);
	assert_int_equal(fdio_getline(&in, &line, 100), LINE_OK);
	assert_string_equal(buf_cstr(&line), "one");
	assert_int_equal(fdio_getline(&in, &line, 100), LINE_OK);
	assert_string_equal(buf_cstr(&line), "two\r");
	assert_int_equal(fdio_getline(&in, &line, 100), LINE_OK);
	assert_string_equal(buf_cstr(&line), "");
	assert_int_equal(fdio_getline(&in, &line, 100), LINE_PARTIAL);
	assert_string_equal(buf_cstr(&line), "three");
	assert_int_equal(fdio_getline(&in, &line, 100), LINE_EOF);
	buf_free(&line);
	fdin_free(&in);
	close(fd);
}

static void
test_line_over_limit_is_reported_and_skipped(void **state)
{
	struct fdin in;
	struct buf line;
	int fd = pipe_with("0123456789abc\nok\n", 17);

	(void)state;
	fdin_init(&in, fd);
	buf_init(&line, 0);
	assert_int_equal(fdio_getline(&in, &line, 10), LINE_TOO_LONG);
	assert_int_equal(fdio_getline(&in, &line, 10), LINE_OK);
	assert_string_equal(buf_cstr(&line), "ok");
	buf_free(&line);
	fdin_free(&in);
	close(fd);
}

static void
test_line_exactly_at_limit_is_ok(void **state)
{
	struct fdin in;
	struct buf line;
	int fd = pipe_with("0123456789\n", 11);

	(void)state;
	fdin_init(&in, fd);
	buf_init(&line, 0);
	assert_int_equal(fdio_getline(&in, &line, 10), LINE_OK);
	assert_string_equal(buf_cstr(&line), "0123456789");
	buf_free(&line);
	fdin_free(&in);
	close(fd);
}

/* A writer that trickles one byte per write: reads return 1 byte. */
static void
test_bytes_one_at_a_time_make_the_same_lines(void **state)
{
	const char *text = "alpha\nbe\nlonger line here\n";
	struct fdin in;
	struct buf line;
	int p[2];
	size_t i;

	(void)state;
	assert_int_equal(pipe(p), 0);
	fdin_init(&in, p[0]);
	buf_init(&line, 0);
	for (i = 0; i < strlen(text); i++)
		assert_int_equal(write(p[1], text + i, 1), 1);
	close(p[1]);
	in.rcap = 1;	/* force single-byte reads */
	in.rbuf = malloc(1);
	assert_int_equal(fdio_getline(&in, &line, 100), LINE_OK);
	assert_string_equal(buf_cstr(&line), "alpha");
	assert_int_equal(fdio_getline(&in, &line, 100), LINE_OK);
	assert_string_equal(buf_cstr(&line), "be");
	assert_int_equal(fdio_getline(&in, &line, 100), LINE_OK);
	assert_string_equal(buf_cstr(&line), "longer line here");
	assert_int_equal(fdio_getline(&in, &line, 100), LINE_EOF);
	buf_free(&line);
	fdin_free(&in);
	close(p[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_come_back_without_their_lf),
		cmocka_unit_test(test_line_over_limit_is_reported_and_skipped),
		cmocka_unit_test(test_line_exactly_at_limit_is_ok),
		cmocka_unit_test(test_bytes_one_at_a_time_make_the_same_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
