/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: arbitrary bytes through every place a client's or the
 * system's text becomes JSON. The input, split at NUL bytes, gives a
 * command, an env value, a label key and value, a working dir and an
 * error context; they go raw (invalid UTF-8 and all) into a create body,
 * which is parsed as the handler does, created, started (the command is
 * never found: PATH is empty and '/' is replaced, so nothing runs), and
 * the inspect and list JSON is built and parsed back. The same bytes go
 * through err_set/err_wrap (cut at 256) and api_error_body. Every JSON
 * text must exist, parse, and be valid UTF-8: issue 12's crash was a cut
 * message jansson refused, then strlen(NULL).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "api/containers.h"
#include "api/http.h"
#include "daemon/base/cancel.h"
#include "daemon/base/err.h"
#include "daemon/base/log.h"
#include "daemon/base/utf8.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "tests/fuzz/fixture.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#define FUZZ_JSON_FIELDS	6

static struct fixture		 fuzz;

static void
fuzz_json_cleanup(void)
{
	fixture_close(&fuzz);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = LOG_LEVEL_FATAL;
	fixture_open(&fuzz, "json");
	atexit(fuzz_json_cleanup);
	return (0);
}

/* A JSON text that must be there, parse, and be valid UTF-8. */
static void
fuzz_json_check(const char *what, const char *text)
{
	json_error_t	 jerr;
	json_t		*j;

	if (text == NULL) {
		fprintf(stderr, "%s: no JSON at all\n", what);
		abort();
	}
	if (!utf8_valid(text, strlen(text))) {
		fprintf(stderr, "%s: not UTF-8: %s\n", what, text);
		abort();
	}
	if ((j = json_loads(text, JSON_DECODE_ANY, &jerr)) == NULL) {
		fprintf(stderr, "%s: does not parse (%s): %s\n", what,
		    jerr.text, text);
		abort();
	}
	json_decref(j);
}

static void
fuzz_json_value(const char *what, json_t *j)
{
	char	*s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	fuzz_json_check(what, s);
	free(s);
	json_decref(j);
}

/* Raw bytes into a JSON string literal: only '"', '\\' and controls. */
static void
fuzz_json_raw(char **p, const char *s, size_t n)
{
	char	*o = *p;

	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20)
			o += sprintf(o, "\\u%04x", c);
		else
			*o++ = (char)c;
	}
	*o++ = '"';
	*p = o;
}

static void
fuzz_json_errors(const char *ctx, const char *text)
{
	struct err	 err;
	char		*body;

	err_set(&err, ERR_INVALID, "No such container: %s", text);
	body = api_error_body(err.msg);
	fuzz_json_check("error body (err_set)", body);
	xfree(body);
	err_wrap(&err, "%s", ctx);
	body = api_error_body(err.msg);
	fuzz_json_check("error body (err_wrap)", body);
	xfree(body);
	/* Untouched bytes too: a path or a query value as it came. */
	body = api_error_body(text);
	fuzz_json_check("error body (raw)", body);
	xfree(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*f[FUZZ_JSON_FIELDS];
	size_t			 fl[FUZZ_JSON_FIELDS] = { 0 };
	char			*copy, *body, *p, *cmd;
	json_t			*config = NULL, *hc = NULL;
	struct container	*c;
	struct err		 err;
	size_t			 n = 0, start = 0;

	for (size_t i = 0; i < FUZZ_JSON_FIELDS; i++)
		f[i] = "";
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t i = 0; i <= size && n < FUZZ_JSON_FIELDS; i++) {
		if (i == size || copy[i] == '\0') {
			f[n] = copy + start;
			fl[n++] = i - start;
			start = i + 1;
		}
	}
	fuzz_json_errors(f[5], f[0]);

	/* The command: never a path, so start fails at the PATH lookup. */
	cmd = malloc(fl[0] + 2);
	cmd[0] = 'x';
	for (size_t i = 0; i < fl[0]; i++)
		cmd[i + 1] = f[0][i] == '/' ? '_' : f[0][i];
	cmd[fl[0] + 1] = '\0';

	body = malloc(12 * size + 256);	/* f[3] goes in twice */
	p = body;
	p += sprintf(p, "{\"Image\":");
	fuzz_json_raw(&p, f[3], fl[3]);
	p += sprintf(p, ",\"Cmd\":[");
	fuzz_json_raw(&p, cmd, fl[0] + 1);
	/* A PATH of the input's could find a real program: never run one. */
	p += sprintf(p, "],\"Env\":[\"PATH=/nonexistent-lpfuzz\",");
	if (fl[1] >= 4 && strncmp(f[1], "PATH", 4) == 0)
		fuzz_json_raw(&p, "A=1", 3);
	else
		fuzz_json_raw(&p, f[1], fl[1]);
	p += sprintf(p, "],\"Labels\":{");
	fuzz_json_raw(&p, f[2], fl[2]);
	*p++ = ':';
	fuzz_json_raw(&p, f[3], fl[3]);
	p += sprintf(p, "},\"WorkingDir\":");
	fuzz_json_raw(&p, f[4], fl[4]);
	p += sprintf(p, ",\"HostConfig\":{\"LogConfig\":{\"Type\":\"none\"}}}");
	*p = '\0';

	if (containers_create_parse(body, (size_t)(p - body), &config, &hc,
	    &err) != 0) {
		free(body);
		body = api_error_body(err.msg);
		fuzz_json_check("create error body", body);
		xfree(body);
		goto out;
	}
	if ((c = container_store_create(fuzz.store, NULL, config, hc,
	    &err)) == NULL) {
		fprintf(stderr, "create: %s\n", err.msg);
		abort();
	}
	if (container_start(c, &err) == 0) {
		fprintf(stderr, "started %s\n", cmd);
		abort();
	}
	free(body);
	body = api_error_body(err.msg);
	fuzz_json_check("start error body", body);
	xfree(body);
	fuzz_json_value("inspect", container_view_inspect(c));
	fuzz_json_value("list", container_view_summary(c, 0));
	if (container_remove(c, 1, &err) != 0) {
		fprintf(stderr, "remove: %s\n", err.msg);
		abort();
	}
	event_base_loop(fuzz.base, EVLOOP_NONBLOCK);
out:
	free(cmd);
	free(copy);
	return (0);
}
