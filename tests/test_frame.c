/* SPDX-License-Identifier: MIT */
/*
 * stdcopy framing byte for byte: the header dockerd's clients parse, an
 * empty frame, a length past 16 MiB, and the raw Tty stream.
 */
#include <string.h>

#include <event2/buffer.h>

#include "api/frame.h"
#include "daemon/base/xalloc.h"
#include "tests/helpers.h"

static void
assert_bytes(struct evbuffer *b, const void *want, size_t n)
{
	assert_int_equal(evbuffer_get_length(b), n);
	assert_memory_equal(evbuffer_pullup(b, -1), want, n);
}

static void
test_frame_header_is_stream_three_zeros_and_big_endian_length(void **state)
{
	unsigned char	hdr[FRAME_HEADER_LEN];
	const unsigned char want[] = { 2, 0, 0, 0, 0x12, 0x34, 0x56, 0x78 };

	(void)state;
	frame_header(hdr, FRAME_STDERR, 0x12345678u);
	assert_memory_equal(hdr, want, sizeof want);
}

static void
test_frame_add_puts_the_header_before_the_payload(void **state)
{
	struct evbuffer	*b = evbuffer_new();

	(void)state;
	frame_add(b, FRAME_STDOUT, 0, "hi\n", 3);
	assert_bytes(b, "\001\0\0\0\0\0\0\003hi\n", 11);
	evbuffer_free(b);
}

static void
test_frame_of_zero_bytes_is_a_bare_header(void **state)
{
	struct evbuffer	*b = evbuffer_new();

	(void)state;
	frame_add(b, FRAME_STDOUT, 0, NULL, 0);
	assert_bytes(b, "\001\0\0\0\0\0\0\0", 8);
	evbuffer_free(b);
}

static void
test_frame_length_past_16_mib_uses_the_high_byte(void **state)
{
	size_t		 n = 16 * 1024 * 1024 + 5;
	char		*big = xmalloc(n);
	struct evbuffer	*b = evbuffer_new();
	unsigned char	 hdr[FRAME_HEADER_LEN];
	const unsigned char want[] = { 3, 0, 0, 0, 0x01, 0x00, 0x00, 0x05 };

	(void)state;
	memset(big, 'x', n);
	frame_add(b, FRAME_SYSTEM, 0, big, n);
	assert_int_equal(evbuffer_get_length(b), n + FRAME_HEADER_LEN);
	evbuffer_copyout(b, hdr, sizeof hdr);
	assert_memory_equal(hdr, want, sizeof want);
	evbuffer_drain(b, FRAME_HEADER_LEN);
	assert_memory_equal(evbuffer_pullup(b, -1), big, n);
	xfree(big);
	evbuffer_free(b);
}

static void
test_frame_with_tty_is_raw(void **state)
{
	struct evbuffer	*b = evbuffer_new();

	(void)state;
	frame_add(b, FRAME_STDERR, 1, "raw", 3);
	frame_add(b, FRAME_STDOUT, 1, NULL, 0);
	frame_add_header(b, FRAME_STDOUT, 1, 42);
	assert_bytes(b, "raw", 3);
	evbuffer_free(b);
}

static void
test_frame_header_then_pieces_is_one_frame(void **state)
{
	struct evbuffer	*b = evbuffer_new();

	(void)state;
	frame_add_header(b, FRAME_STDOUT, 0, 5);
	evbuffer_add(b, "ab", 2);
	evbuffer_add(b, "cde", 3);
	assert_bytes(b, "\001\0\0\0\0\0\0\005abcde", 13);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_frame_header_is_stream_three_zeros_and_big_endian_length),
		cmocka_unit_test(
		    test_frame_add_puts_the_header_before_the_payload),
		cmocka_unit_test(test_frame_of_zero_bytes_is_a_bare_header),
		cmocka_unit_test(
		    test_frame_length_past_16_mib_uses_the_high_byte),
		cmocka_unit_test(test_frame_with_tty_is_raw),
		cmocka_unit_test(test_frame_header_then_pieces_is_one_frame),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
