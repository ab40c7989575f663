/* check_bodybuf.c: unit tests for the bounded per-exchange body buffer. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "bodybuf.h"
#include "check_main.h"

static char src[1 << 20];

static void
fill_src(void)
{
	size_t i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 7 + i / 251);
}

START_TEST(test_bodybuf_window_bounds_unkept_bytes)
{
	struct bodybuf b;
	char out[4096];
	size_t n;

	bodybuf_init(&b, 8192, 0);
	ck_assert_uint_eq(bodybuf_room(&b), 8192);
	n = bodybuf_write(&b, src, 10000);
	ck_assert_uint_eq(n, 8192);
	ck_assert_uint_eq(bodybuf_room(&b), 0);
	ck_assert_uint_eq(bodybuf_write(&b, src, 1), 0);
	ck_assert_uint_eq(bodybuf_read(&b, out, sizeof(out)), 4096);
	ck_assert_mem_eq(out, src, 4096);
	ck_assert_uint_eq(bodybuf_room(&b), 4096);
	ck_assert(!bodybuf_rewind(&b));
	bodybuf_release(&b);
}
END_TEST

START_TEST(test_bodybuf_stream_keeps_order_and_memory_flat)
{
	struct bodybuf b;
	char out[3000];
	size_t in = 0, got = 0, max_cap = 0;

	bodybuf_init(&b, 16384, 0);
	/* Push 1 MiB through a 16 KiB window in uneven steps. */
	while (got < sizeof(src)) {
		size_t step = 1000 + (in % 7) * 900, n;

		if (in < sizeof(src)) {
			if (step > sizeof(src) - in)
				step = sizeof(src) - in;
			in += bodybuf_write(&b, src + in, step);
		}
		n = bodybuf_read(&b, out, 1000 + (got % 5) * 400);
		ck_assert_mem_eq(out, src + got, n);
		got += n;
		if (b.cap > max_cap)
			max_cap = b.cap;
	}
	ck_assert_uint_eq(b.total_in, sizeof(src));
	ck_assert_uint_le(max_cap, 2 * 16384);
	bodybuf_release(&b);
}
END_TEST

START_TEST(test_bodybuf_keep_mode_rewinds_for_replay)
{
	struct bodybuf b;
	char out[1000];

	bodybuf_init(&b, 4096, 65536);
	ck_assert_uint_eq(bodybuf_write(&b, src, 50000), 50000);
	ck_assert_uint_eq(bodybuf_read(&b, out, 1000), 1000);
	ck_assert_uint_eq(bodybuf_read(&b, out, 1000), 1000);
	ck_assert(bodybuf_rewind(&b));
	ck_assert_uint_eq(bodybuf_pending(&b), 50000);
	ck_assert_uint_eq(bodybuf_read(&b, out, 1000), 1000);
	ck_assert_mem_eq(out, src, 1000);
	bodybuf_release(&b);
}
END_TEST

START_TEST(test_bodybuf_keep_mode_ends_past_keep_max)
{
	struct bodybuf b;
	char out[8192];
	size_t n;

	bodybuf_init(&b, 4096, 8192);
	ck_assert_uint_eq(bodybuf_write(&b, src, 8000), 8000);
	ck_assert(b.keep);
	/* The next write would pass keep_max: keep mode ends, window rules. */
	n = bodybuf_read(&b, out, 8000);
	ck_assert_uint_eq(n, 8000);
	ck_assert_uint_eq(bodybuf_write(&b, src + 8000, 1000), 1000);
	ck_assert(!b.keep);
	ck_assert(!bodybuf_rewind(&b));
	ck_assert_uint_eq(bodybuf_read(&b, out, sizeof(out)), 1000);
	ck_assert_mem_eq(out, src + 8000, 1000);
	bodybuf_release(&b);
}
END_TEST

START_TEST(test_bodybuf_read_before_any_write_is_empty)
{
	struct bodybuf b;
	char out[16];

	/* No storage is allocated yet: reading must not touch it (UBSan). */
	bodybuf_init(&b, 1024, 0);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(bodybuf_read(&b, out, sizeof(out)), 0);
	bodybuf_release(&b);
}
END_TEST

START_TEST(test_bodybuf_write_all_passes_window_then_room_is_zero)
{
	struct bodybuf b;
	char out[8192];

	bodybuf_init(&b, 4096, 0);
	ck_assert_uint_eq(bodybuf_write_all(&b, src, 6000), 6000);
	ck_assert_uint_eq(bodybuf_room(&b), 0);
	ck_assert_uint_eq(bodybuf_read(&b, out, 3000), 3000);
	ck_assert_uint_eq(bodybuf_room(&b), 1096);
	ck_assert_uint_eq(bodybuf_read(&b, out + 3000, 5000), 3000);
	ck_assert_mem_eq(out, src, 6000);
	bodybuf_release(&b);
}
END_TEST

START_TEST(test_bodybuf_peek_and_skip_consume_in_place)
{
	struct bodybuf b;
	const char *p;
	size_t n;

	fill_src();
	bodybuf_init(&b, 8192, 0);
	ck_assert_ptr_null(bodybuf_peek(&b, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(bodybuf_write(&b, src, 1000), 1000);
	p = bodybuf_peek(&b, &n);
	ck_assert_uint_eq(n, 1000);
	ck_assert_mem_eq(p, src, 1000);
	bodybuf_skip(&b, 400);
	p = bodybuf_peek(&b, &n);
	ck_assert_uint_eq(n, 600);
	ck_assert_mem_eq(p, src + 400, 600);
	/* Skipping past the end stops at the end; the space is free again. */
	bodybuf_skip(&b, 5000);
	ck_assert_uint_eq(bodybuf_pending(&b), 0);
	ck_assert_uint_eq(bodybuf_room(&b), 8192);
	bodybuf_release(&b);
}
END_TEST

START_TEST(test_bodybuf_skip_in_keep_mode_still_rewinds)
{
	struct bodybuf b;
	const char *p;
	size_t n;

	fill_src();
	bodybuf_init(&b, 8192, 4096);
	ck_assert_uint_eq(bodybuf_write(&b, src, 3000), 3000);
	bodybuf_skip(&b, 3000);
	ck_assert_uint_eq(bodybuf_pending(&b), 0);
	ck_assert(bodybuf_rewind(&b));
	p = bodybuf_peek(&b, &n);
	ck_assert_uint_eq(n, 3000);
	ck_assert_mem_eq(p, src, 3000);
	bodybuf_release(&b);
}
END_TEST

START_TEST(test_bodybuf_release_leaves_empty_buffer)
{
	struct bodybuf b;

	bodybuf_init(&b, 1024, 2048);
	ck_assert_uint_eq(bodybuf_write(&b, src, 100), 100);
	bodybuf_release(&b);
	ck_assert_uint_eq(bodybuf_pending(&b), 0);
	ck_assert_ptr_null(b.data);
	ck_assert(b.keep);
	ck_assert_uint_eq(bodybuf_write(&b, src, 100), 100);
	bodybuf_release(&b);
}
END_TEST

static Suite *
bodybuf_suite(void)
{
	Suite *s = suite_create("bodybuf");
	TCase *tc = tcase_create("window");

	fill_src();
	tcase_add_test(tc, test_bodybuf_window_bounds_unkept_bytes);
	tcase_add_test(tc, test_bodybuf_stream_keeps_order_and_memory_flat);
	tcase_add_test(tc, test_bodybuf_read_before_any_write_is_empty);
	tcase_add_test(tc, test_bodybuf_write_all_passes_window_then_room_is_zero);
	suite_add_tcase(s, tc);
	tc = tcase_create("replay");
	tcase_add_test(tc, test_bodybuf_keep_mode_rewinds_for_replay);
	tcase_add_test(tc, test_bodybuf_keep_mode_ends_past_keep_max);
	tcase_add_test(tc, test_bodybuf_release_leaves_empty_buffer);
	tcase_add_test(tc, test_bodybuf_peek_and_skip_consume_in_place);
	tcase_add_test(tc, test_bodybuf_skip_in_keep_mode_still_rewinds);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(bodybuf_suite)
