/* SPDX-License-Identifier: MIT */
/*
 * Detach keys as dockerd reads them, and the scan: bytes that may start
 * the sequence wait for the next one, a broken start goes through, the
 * whole sequence never reaches the container.
 */
#include <string.h>

#include <event2/buffer.h>

#include "api/detachkeys.h"
#include "tests/helpers.h"

static void
test_keys_in_dockerds_syntax(void **state)
{
	struct detachkeys	dk;

	(void)state;
	assert_int_equal(detachkeys_parse(&dk, NULL), 0);
	assert_int_equal(dk.n, 2);
	assert_int_equal(dk.keys[0], 16);
	assert_int_equal(dk.keys[1], 17);
	assert_int_equal(detachkeys_parse(&dk, "ctrl-@,a,ctrl-_"), 0);
	assert_int_equal(dk.n, 3);
	assert_memory_equal(dk.keys, "\0a\x1f", 3);
	assert_int_equal(detachkeys_parse(&dk, "ctrl-1"), -1);
	assert_int_equal(detachkeys_parse(&dk, "ab"), -1);
	assert_int_equal(detachkeys_parse(&dk, "a,"), -1);
}

static void
test_scan_holds_back_then_detaches(void **state)
{
	struct detachkeys	 dk;
	struct evbuffer		*src = evbuffer_new(), *dst = evbuffer_new();

	(void)state;
	detachkeys_parse(&dk, NULL);
	evbuffer_add(src, "hi\x10", 3);
	assert_int_equal(detachkeys_scan(&dk, src, dst), 0);
	assert_int_equal(evbuffer_get_length(dst), 2);	/* ^P waits */
	evbuffer_add(src, "x\x10", 2);
	assert_int_equal(detachkeys_scan(&dk, src, dst), 0);
	assert_int_equal(evbuffer_get_length(dst), 4);
	assert_memory_equal(evbuffer_pullup(dst, -1), "hi\x10x", 4);
	evbuffer_add(src, "\x11tail", 5);
	assert_int_equal(detachkeys_scan(&dk, src, dst), 1);
	assert_int_equal(evbuffer_get_length(dst), 4);	/* none of it */
	evbuffer_free(src);
	evbuffer_free(dst);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_in_dockerds_syntax),
		cmocka_unit_test(test_scan_holds_back_then_detaches),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
