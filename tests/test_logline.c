/* SPDX-License-Identifier: MIT */
/*
 * logline: the encoder against dockerd's golden lines (spec 5.2, 5.3), the
 * fast decoder against jansson on many generated lines, time prefixes and
 * the details prefix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "logdriver/logdecode.h"
#include "logdriver/logline.h"
#include "tests/helpers.h"

static void
check_enc(const char *msg, size_t len, const char *want_log)
{
	char	*buf = test_malloc(logline_encode_bound(len, 0));
	char	 want[1024];
	size_t	 n;

	snprintf(want, sizeof want, "{\"log\":\"%s\\n\",\"stream\":\"stdout\","
	    "\"time\":\"" LP_T0_TEXT "\"}\n", want_log);
	n = logline_encode(buf, LOGLINE_STDOUT, msg, len, 1, t0(), NULL, 0);
	if (n != strlen(want) || memcmp(buf, want, n) != 0)
		fail_msg("encoded %.*s\nwanted  %s", (int)n, buf, want);
	test_free(buf);
}

#define CHECK_ENC(lit, want)	check_enc((lit), sizeof (lit) - 1, (want))

static void
test_encoder_writes_the_spec_escaping_table(void **state)
{
	(void)state;
	CHECK_ENC("out1", "out1");
	CHECK_ENC("a\"b\\c", "a\\\"b\\\\c");
	CHECK_ENC("a\nb\rc", "a\\nb\\rc");
	CHECK_ENC("a\tb", "a\\u0009b");
	CHECK_ENC("\b\f", "\\u0008\\u000c");
	CHECK_ENC("x\0y", "x\\u0000y");
	CHECK_ENC("\x1b[0m", "\\u001b[0m");
	CHECK_ENC("<a>&", "\\u003ca\\u003e\\u0026");
	CHECK_ENC("\x7f", "\x7f");
	CHECK_ENC("caf\xc3\xa9 \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xf0\x9f\x98\x80");
	CHECK_ENC("\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029");
	CHECK_ENC("\xff\xfe", "\\ufffd\\ufffd");
	CHECK_ENC("\xe2\x80", "\\ufffd\\ufffd");
	CHECK_ENC("\xe2\x80" "A", "\\ufffd\\ufffdA");
	CHECK_ENC("\x80", "\\ufffd");
	CHECK_ENC("\xc0\xaf", "\\ufffd\\ufffd");
	CHECK_ENC("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");
	CHECK_ENC("\xef\xbf\xbd", "\xef\xbf\xbd");
	CHECK_ENC("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
}

static void
test_encoder_trims_time_digits_like_go(void **state)
{
	char	buf[256];
	int64_t	ns;
	size_t	n;

	(void)state;
	assert_int_equal(timeutil_parse("2026-11-27T02:28:17.85442712Z", 29,
	    &ns, NULL), 0);
	n = logline_encode(buf, LOGLINE_STDERR, "e", 1, 0, ns, NULL, 0);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"log\":\"e\",\"stream\":\"stderr\","
	    "\"time\":\"2026-11-27T02:28:17.85442712Z\"}\n");
	assert_int_equal(timeutil_parse("2026-11-27T02:28:17Z", 20, &ns,
	    NULL), 0);
	n = logline_encode(buf, LOGLINE_STDOUT, "", 0, 1, ns, NULL, 0);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"log\":\"\\n\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T02:28:17Z\"}\n");
}

static void
test_encoder_omits_empty_log_and_unknown_stream(void **state)
{
	char	buf[256];
	size_t	n;

	(void)state;
	n = logline_encode(buf, LOGLINE_OTHER, "", 0, 0, t0(), NULL, 0);
	buf[n] = '\0';
	assert_string_equal(buf,
	    "{\"time\":\"" LP_T0_TEXT "\"}\n");
}

static void
test_encoder_writes_attrs_sorted_with_go_json_escaping(void **state)
{
	const char	*keys[] = { "tag", "E1", "k&y", "com.x", "t" };
	const char	*vals[] = { "spec_attr/13d2b9f5b0e4", "v 1=x", "a<b",
			    "lab1", "a\tb" };
	char		*attrs, buf[512];
	size_t		 alen, n;

	(void)state;
	attrs = logline_attrs_encode(keys, vals, 5, &alen);
	assert_string_equal(attrs, "{\"E1\":\"v 1=x\",\"com.x\":\"lab1\","
	    "\"k\\u0026y\":\"a\\u003cb\",\"t\":\"a\\tb\","
	    "\"tag\":\"spec_attr/13d2b9f5b0e4\"}");
	n = logline_encode(buf, LOGLINE_STDOUT, "hello", 5, 1, t0(), attrs,
	    alen);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"stream\":\"stdout\",\"attrs\":{"));
	assert_non_null(strstr(buf, "},\"time\":\"2026"));
	xfree(attrs);
	assert_null(logline_attrs_encode(keys, vals, 0, &alen));
}

static void
test_encoder_to_evbuffer_matches_plain_encoder(void **state)
{
	struct evbuffer	*eb = evbuffer_new();
	char		 buf[256];
	size_t		 n;

	(void)state;
	assert_int_equal(logline_encode_evbuffer(eb, LOGLINE_STDERR, "x<y", 3,
	    1, t0()), 0);
	n = logline_encode(buf, LOGLINE_STDERR, "x<y", 3, 1, t0(), NULL, 0);
	assert_int_equal(evbuffer_get_length(eb), n);
	assert_memory_equal(evbuffer_pullup(eb, -1), buf, n);
	evbuffer_free(eb);
}

static void
test_format_time_keeps_nine_digits_and_the_stored_offset(void **state)
{
	struct logline		 ll;
	struct logdecode	 dec;
	char			 buf[LOGLINE_TIMEBUF];
	const char		*line;

	(void)state;
	logdecode_init(&dec);
	line = "{\"log\":\"o\\n\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T02:28:17.85442712Z\"}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_int_equal(logline_format_time(&ll, buf), 31);
	assert_string_equal(buf, "2026-11-27T02:28:17.854427120Z ");

	line = "{\"log\":\"o\\n\","
	    "\"time\":\"2026-11-27T04:30:04.592530811+02:00\"}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_int_equal(ll.time_off, 7200);
	logline_format_time(&ll, buf);
	assert_string_equal(buf, "2026-11-27T04:30:04.592530811+02:00 ");

	line = "{\"log\":\"o\\n\",\"stream\":\"stdout\"}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_false(ll.has_time);
	logline_format_time(&ll, buf);
	assert_string_equal(buf, "0001-01-01T00:00:00.000000000Z ");

	line = "{\"time\":\"2026-11-27T02:28:17Z\"}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	logline_format_time(&ll, buf);
	assert_string_equal(buf, "2026-11-27T02:28:17.000000000Z ");
	logdecode_clear(&dec);
}

static void
test_decoder_round_trips_every_escape(void **state)
{
	static const char	 msg[] = "q\"b\\n\nr\rt\tz\0e\x1b<>&\x7f"
				     "\xc3\xa9\xf0\x9f\x98\x80\xe2\x80\xa8/";
	struct logdecode	 dec;
	struct logline		 ll;
	char			 buf[512];
	size_t			 n;

	(void)state;
	logdecode_init(&dec);
	n = logline_encode(buf, LOGLINE_STDERR, msg, sizeof msg - 1, 1, t0(),
	    NULL, 0);
	assert_int_equal(logdecode_line(&dec, buf, n - 1, &ll), 0);
	assert_int_equal(ll.loglen, sizeof msg);
	assert_memory_equal(ll.log, msg, sizeof msg - 1);
	assert_int_equal(ll.log[sizeof msg - 1], '\n');
	assert_int_equal(ll.stream, LOGLINE_STDERR);
	assert_true(ll.has_time);
	assert_true(ll.time_ns == t0());
	assert_int_equal(ll.detailslen, 0);
	assert_int_equal(dec.fast, 1);
	assert_int_equal(dec.slow, 0);
	logdecode_clear(&dec);
}

static void
test_decoder_unescapes_surrogate_pairs_and_short_escapes(void **state)
{
	struct logdecode	 dec;
	struct logline		 ll;
	const char		*line;
	static const char	 want[] = "\xf0\x9f\x98\x80\xc3\xa9/\b\f"
				     "\xef\xbf\xbd" "A";

	(void)state;
	logdecode_init(&dec);
	line = "{\"log\":\"\\ud83d\\ude00\\u00E9\\/\\b\\f\\ud800A\","
	    "\"stream\":\"stdout\",\"time\":\"2026-11-27T02:28:17Z\"}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_int_equal(ll.loglen, sizeof want - 1);
	assert_memory_equal(ll.log, want, sizeof want - 1);
	logdecode_clear(&dec);
}

static void
test_decoder_skips_wrong_types_bad_time_and_broken_json(void **state)
{
	static const char	*bad[] = {
		"{\"log\":5,\"stream\":\"stdout\","
		    "\"time\":\"2026-11-27T02:28:17Z\"}",
		"{\"log\":\"x\",\"stream\":1,"
		    "\"time\":\"2026-11-27T02:28:17Z\"}",
		"{\"log\":\"x\",\"time\":\"yesterday\"}",
		"{\"log\":\"x\",\"time\":5}",
		"{\"log\":\"x\",\"attrs\":{\"a\":1},"
		    "\"time\":\"2026-11-27T02:28:17Z\"}",
		"{\"log\":\"x\",\"attrs\":[],"
		    "\"time\":\"2026-11-27T02:28:17Z\"}",
		"{\"log\":\"unterminated",
		"{\"log\":\"x\\q\",\"time\":\"2026-11-27T02:28:17Z\"}",
		"{\"log\":\"raw\ttab\",\"time\":\"2026-11-27T02:28:17Z\"}",
		"[1,2]",
		"",
		"garbage",
	};
	struct logdecode	 dec;
	struct logline		 ll;

	(void)state;
	logdecode_init(&dec);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (logdecode_line(&dec, bad[i], strlen(bad[i]), &ll) != -1)
			fail_msg("decoded: %s", bad[i]);
		if (logdecode_jansson(&dec, bad[i], strlen(bad[i]),
		    &ll) != -1)
			fail_msg("jansson decoded: %s", bad[i]);
	}
	logdecode_clear(&dec);
}

static void
test_decoder_accepts_missing_fields_nulls_and_other_shapes(void **state)
{
	struct logdecode	 dec;
	struct logline		 ll;
	const char		*line;

	(void)state;
	logdecode_init(&dec);
	line = "{\"stream\":\"stdout\",\"time\":\"2026-11-27T02:28:17Z\"}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_int_equal(ll.loglen, 0);
	assert_int_equal(ll.stream, LOGLINE_STDOUT);

	line = " { \"time\" : \"2026-11-27T02:28:17Z\", \"stream\":\"stderr\","
	    " \"log\" : \"a\\tb\\n\", \"extra\": [1, {\"x\": null}] } ";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_int_equal(ll.loglen, 4);
	assert_memory_equal(ll.log, "a\tb\n", 4);
	assert_int_equal(ll.stream, LOGLINE_STDERR);
	assert_true(ll.has_time);
	assert_int_equal(dec.slow, 1);

	line = "{\"log\":null,\"stream\":\"tty\",\"time\":null}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_int_equal(ll.loglen, 0);
	assert_int_equal(ll.stream, LOGLINE_OTHER);
	assert_false(ll.has_time);
	assert_true(ll.time_ns == LOGLINE_NO_TIME);

	/* Go matches struct fields case-insensitively. */
	line = "{\"Log\":\"up\\n\",\"STREAM\":\"stdout\"}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_int_equal(ll.loglen, 3);
	assert_int_equal(ll.stream, LOGLINE_STDOUT);
	logdecode_clear(&dec);
}

static void
test_decoder_builds_details_sorted_and_query_escaped(void **state)
{
	struct logdecode	 dec;
	struct logline		 ll;
	const char		*line, *want;

	(void)state;
	logdecode_init(&dec);
	want = "E1=v+1%3Dx,E2=v2,com.x=lab1,k%26y=a+b%26c%3Dd,"
	    "tag=spec_attr%2F13d2b9f5b0e4";
	line = "{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"attrs\":{"
	    "\"E1\":\"v 1=x\",\"E2\":\"v2\",\"com.x\":\"lab1\","
	    "\"k\\u0026y\":\"a b\\u0026c=d\","
	    "\"tag\":\"spec_attr/13d2b9f5b0e4\"},"
	    "\"time\":\"2026-11-27T02:29:17.979293239Z\"}";
	for (int i = 0; i < 3; i++) {	/* the second time from the cache */
		assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll),
		    0);
		assert_int_equal(ll.detailslen, strlen(want));
		assert_memory_equal(ll.details, want, ll.detailslen);
		assert_int_equal(ll.loglen, 6);
	}
	assert_int_equal(dec.slow, 0);

	/* Unsorted (hand-edited) attrs are sorted too, by jansson as well. */
	line = "{\"log\":\"x\",\"attrs\":{\"b\":\"2\",\"a\":\"1\"},"
	    "\"time\":\"2026-11-27T02:29:17Z\"}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_int_equal(ll.detailslen, 7);
	assert_memory_equal(ll.details, "a=1,b=2", 7);
	assert_int_equal(logdecode_jansson(&dec, line, strlen(line),
	    &ll), 0);
	assert_memory_equal(ll.details, "a=1,b=2", 7);

	line = "{\"log\":\"x\",\"attrs\":{},\"time\":\"2026-11-27T02:29:17Z\"}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_int_equal(ll.detailslen, 0);
	assert_non_null(ll.details);
	logdecode_clear(&dec);
}

static void
test_decoder_replaces_raw_invalid_utf8_like_go(void **state)
{
	struct logdecode	 dec;
	struct logline		 ll;
	const char		*line;

	(void)state;
	logdecode_init(&dec);
	/* dockerd never writes this; Go reads each bad byte as U+FFFD. */
	line = "{\"log\":\"a\xff" "b\",\"time\":\"2026-11-27T02:28:17Z\"}";
	assert_int_equal(logdecode_line(&dec, line, strlen(line), &ll), 0);
	assert_int_equal(ll.loglen, 5);
	assert_memory_equal(ll.log, "a\xef\xbf\xbd" "b", 5);
	logdecode_clear(&dec);
}

static uint64_t rng_state = 88172645463325252ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((uint32_t)rng_state);
}

static const char *const pieces[] = {
	"a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\x01", "\x1f", "<", ">",
	"&", "\x7f", "\xc3\xa9", "\xf0\x9f\x98\x80", "\xe2\x80\xa8",
	"\xe2\x80\xa9", "\xff", "\xe2\x80", "\x80", "\xc0\xaf",
	"\xed\xa0\x80", "/", "{", "}", ",", ":", "\xef\xbf\xbd", "0",
};

/* Builds a random message from pieces that exercise every escape. */
static size_t
random_msg(char *buf, size_t max)
{
	size_t	len = 0, n = rng() % 40;

	for (size_t i = 0; i < n; i++) {
		const char	*p = pieces[rng() % (sizeof pieces /
				    sizeof pieces[0])];
		size_t		 l = strlen(p);

		if (rng() % 8 == 0) {
			p = "\0";
			l = 1;
		}
		if (len + l > max)
			break;
		memcpy(buf + len, p, l);
		len += l;
	}
	return (len);
}

static void
assert_same_decoding(const struct logline *a, const struct logline *b,
    const char *line)
{
	if (a->loglen != b->loglen || memcmp(a->log, b->log, a->loglen) != 0 ||
	    a->stream != b->stream || a->has_time != b->has_time ||
	    a->time_ns != b->time_ns || a->time_off != b->time_off ||
	    a->detailslen != b->detailslen ||
	    memcmp(a->details, b->details, a->detailslen) != 0)
		fail_msg("fast and jansson differ on: %s", line);
}

static void
test_decoder_matches_jansson_on_many_generated_lines(void **state)
{
	struct logdecode	 fast, ref;
	struct logline		 a, b;
	char			 msg[256], k1[64], v1[64], *attrs = NULL;
	char			*line = test_malloc(8192), *alt;
	size_t			 n, alen, mlen, k1len, v1len;
	int64_t			 ns;

	(void)state;
	alt = test_malloc(8192);
	logdecode_init(&fast);
	logdecode_init(&ref);
	for (int i = 0; i < 20000; i++) {
		mlen = random_msg(msg, sizeof msg);
		ns = t0() + (int64_t)(rng() % 1000000) * 1000 +
		    (i % 3 == 0 ? 0 : rng() % 1000);
		alen = 0;
		if (i % 4 == 1) {
			const char	*ks[2], *vs[2];

			k1len = random_msg(k1, sizeof k1 - 1);
			v1len = random_msg(v1, sizeof v1 - 1);
			/* C strings: cut at the first NUL. */
			k1[k1len] = v1[v1len] = '\0';
			ks[0] = k1;
			vs[0] = v1;
			ks[1] = "tag";
			vs[1] = "spec/1";
			attrs = logline_attrs_encode(ks, vs, 2, &alen);
		}
		n = logline_encode(line, (enum logline_stream)(i % 3), msg,
		    mlen, i % 5 != 0, ns, attrs, alen);
		xfree(attrs);
		attrs = NULL;
		n--;				/* the newline */
		line[n] = '\0';
		assert_int_equal(logdecode_line(&fast, line, n, &a), 0);
		assert_int_equal(logdecode_jansson(&ref, line, n, &b), 0);
		assert_same_decoding(&a, &b, line);

		/* The same record in another shape goes through jansson. */
		memcpy(alt, "  ", 2);
		memcpy(alt + 2, line, n);
		memcpy(alt + 2 + n, " \r", 3);
		assert_int_equal(logdecode_line(&fast, alt, n + 4, &a), 0);
		assert_same_decoding(&a, &b, alt);
	}
	/* Fast path for all dockerd-shaped lines, jansson for the others. */
	assert_int_equal(fast.fast, 20000);
	assert_int_equal(fast.slow, 20000);
	logdecode_clear(&fast);
	logdecode_clear(&ref);
	test_free(line);
	test_free(alt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, lp_setup, lp_teardown)
		T(test_encoder_writes_the_spec_escaping_table),
		T(test_encoder_trims_time_digits_like_go),
		T(test_encoder_omits_empty_log_and_unknown_stream),
		T(test_encoder_writes_attrs_sorted_with_go_json_escaping),
		T(test_encoder_to_evbuffer_matches_plain_encoder),
		T(test_format_time_keeps_nine_digits_and_the_stored_offset),
		T(test_decoder_round_trips_every_escape),
		T(test_decoder_unescapes_surrogate_pairs_and_short_escapes),
		T(test_decoder_skips_wrong_types_bad_time_and_broken_json),
		T(test_decoder_accepts_missing_fields_nulls_and_other_shapes),
		T(test_decoder_builds_details_sorted_and_query_escaped),
		T(test_decoder_replaces_raw_invalid_utf8_like_go),
		T(test_decoder_matches_jansson_on_many_generated_lines),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
