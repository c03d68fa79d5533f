/* SPDX-License-Identifier: MIT */
/*
 * top's ps parsing, as dockerd's parsePSOutput: the PID column found by
 * title, lines kept only for the container's pids, the last column taking
 * the rest of the line, thread lines following their process.
 */
#include <string.h>

#include <jansson.h>

#include "api/top.h"
#include "daemon/base/xalloc.h"
#include "tests/helpers.h"

static char *
parse(const char *text, const pid_t *pids, size_t n, struct err *err)
{
	json_t	*j = top_parse(text, strlen(text), pids, n, err);
	char	*s;

	if (j == NULL)
		return (NULL);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return (s);
}

static void
test_top_keeps_only_the_containers_pids(void **state)
{
	const pid_t	 pids[] = { 10, 12 };
	struct err	 err;
	char		*s;

	(void)state;
	s = parse("UID   PID  PPID CMD\n"
	    "root    1     0 /sbin/init\n"
	    "root   10     1 sh -c while true;  do sleep 1; done\n"
	    "root   12    10 sleep 1\n"
	    "root   13     1 other\n", pids, 2, &err);
	assert_non_null(s);
	assert_string_equal(s, "{\"Processes\":[[\"root\",\"10\",\"1\","
	    "\"sh -c while true; do sleep 1; done\"],[\"root\",\"12\",\"10\","
	    "\"sleep 1\"]],\"Titles\":[\"UID\",\"PID\",\"PPID\",\"CMD\"]}");
	xfree(s);
}

static void
test_top_thread_lines_follow_their_process(void **state)
{
	const pid_t	 pids[] = { 10 };
	struct err	 err;
	char		*s;

	(void)state;
	s = parse("  PID TTY TIME CMD\n   10 ?   0:00 sh\n    - -   0:00 -\n"
	    "   11 ?   0:00 x\n    - -   0:00 -\n", pids, 1, &err);
	assert_non_null(s);
	assert_string_equal(s, "{\"Processes\":[[\"10\",\"?\",\"0:00\","
	    "\"sh\"],[\"-\",\"-\",\"0:00\",\"-\"]],\"Titles\":[\"PID\","
	    "\"TTY\",\"TIME\",\"CMD\"]}");
	xfree(s);
}

static void
test_top_errors_as_dockerd(void **state)
{
	const pid_t	 pids[] = { 10 };
	struct err	 err;
	char		*s;

	(void)state;
	assert_null(parse("COMMAND\nsh\n", pids, 1, &err));
	assert_string_equal(err.msg, "Couldn't find PID field in ps output");
	assert_null(parse("PID CMD\nabc sh\n", pids, 1, &err));
	assert_string_equal(err.msg, "Unexpected pid 'abc': strconv.Atoi: "
	    "parsing \"abc\": invalid syntax");
	s = parse("PID CMD\n99 sh\n", pids, 1, &err);
	assert_string_equal(s, "{\"Processes\":null,\"Titles\":[\"PID\","
	    "\"CMD\"]}");
	xfree(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_top_keeps_only_the_containers_pids, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_top_thread_lines_follow_their_process, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(test_top_errors_as_dockerd,
		    lp_setup, lp_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
