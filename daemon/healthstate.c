/* SPDX-License-Identifier: MIT */
/*
 * Healthcheck rules as dockerd 20.10 has them (daemon/health.go,
 * daemon/commit.go, daemon/container.go); see healthstate.h.
 */
#include <string.h>

#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/healthstate.h"
#include "daemon/jsontext.h"

/* containertypes.MinimumDuration */
#define HEALTHSTATE_MIN_NS	1000000LL

static const char *const healthstate_durations[] = {
	"Interval", "Timeout", "StartPeriod", "StartInterval",
};

/* Go's decoding errors, in create's words (see api/containers_create.c). */
static int
healthstate_type_error(struct err *err, const char *field, const char *type)
{
	return (err_set(err, ERR_INVALID, "json: cannot unmarshal value into "
	    "Go struct field HealthConfig.Healthcheck.%s of type %s", field,
	    type));
}

static int
healthstate_decode(json_t *in, json_t *out, struct err *err)
{
	json_t	*test = json_object_get(in, "Test"), *v;
	size_t	 i;

	if (test != NULL && !json_is_null(test)) {
		if (!json_is_array(test))
			return (healthstate_type_error(err, "Test",
			    "[]string"));
		json_array_foreach(test, i, v)
			if (!json_is_string(v))
				return (healthstate_type_error(err, "Test",
				    "string"));
		if (json_array_size(test) > 0)
			json_object_set_new(out, "Test", json_deep_copy(test));
	}
	for (i = 0; i < 4; i++) {
		v = json_object_get(in, healthstate_durations[i]);
		if (v == NULL || json_is_null(v))
			continue;
		if (!json_is_integer(v))
			return (healthstate_type_error(err,
			    healthstate_durations[i], "time.Duration"));
		if (json_integer_value(v) != 0)
			json_object_set(out, healthstate_durations[i], v);
	}
	v = json_object_get(in, "Retries");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v))
			return (healthstate_type_error(err, "Retries", "int"));
		if (json_integer_value(v) != 0)
			json_object_set(out, "Retries", v);
	}
	return (0);
}

/* One of validateHealthCheck's checks: a duration set below 1ms. */
static int
healthstate_too_short(json_t *hc, size_t i, struct err *err)
{
	json_int_t	v = json_integer_value(json_object_get(hc,
			    healthstate_durations[i]));

	if (v != 0 && v < HEALTHSTATE_MIN_NS)
		return (err_set(err, ERR_INVALID, "%s in Healthcheck cannot be "
		    "less than 1ms", healthstate_durations[i]));
	return (0);
}

/* validateHealthCheck, in its order. */
static int
healthstate_validate(json_t *hc, struct err *err)
{
	if (healthstate_too_short(hc, 0, err) != 0 ||
	    healthstate_too_short(hc, 1, err) != 0)
		return (-1);
	if (json_integer_value(json_object_get(hc, "Retries")) < 0)
		return (err_set(err, ERR_INVALID, "Retries in Healthcheck "
		    "cannot be negative"));
	if (healthstate_too_short(hc, 2, err) != 0 ||
	    healthstate_too_short(hc, 3, err) != 0)
		return (-1);
	return (0);
}

int
healthstate_config_parse(json_t *in, json_t **out, struct err *err)
{
	json_t	*hc;

	*out = NULL;
	if (in == NULL || json_is_null(in))
		return (0);
	if (!json_is_object(in))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal "
		    "value into Go struct field Config.Healthcheck of type "
		    "container.HealthConfig"));
	hc = json_object();
	if (healthstate_decode(in, hc, err) != 0 ||
	    healthstate_validate(hc, err) != 0) {
		json_decref(hc);
		return (-1);
	}
	*out = hc;
	return (0);
}

void
healthstate_config_merge(json_t *config, const json_t *image_config)
{
	static const char *const fields[] = {
		"Interval", "Timeout", "StartPeriod", "StartInterval",
		"Retries",
	};
	json_t	*ih = json_object_get(image_config, "Healthcheck");
	json_t	*uh = json_object_get(config, "Healthcheck"), *v;

	if (!json_is_object(ih))
		return;
	if (!json_is_object(uh)) {
		json_object_set_new(config, "Healthcheck", json_deep_copy(ih));
		return;
	}
	if (json_array_size(json_object_get(uh, "Test")) == 0 &&
	    (v = json_object_get(ih, "Test")) != NULL)
		json_object_set_new(uh, "Test", json_deep_copy(v));
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (json_integer_value(json_object_get(uh, fields[i])) == 0 &&
		    (v = json_object_get(ih, fields[i])) != NULL)
			json_object_set(uh, fields[i], v);
}

static int64_t
healthstate_or(const json_t *hc, const char *key, int64_t dflt)
{
	json_int_t	v = json_integer_value(json_object_get(hc, key));

	return (v != 0 ? (int64_t)v : dflt);
}

static char **
healthstate_argv_add(char **argv, size_t *n, const json_t *arr, size_t from)
{
	for (size_t i = from; i < json_array_size(arr); i++) {
		const char	*s = json_string_value(json_array_get(arr, i));

		argv = xreallocarray(argv, *n + 2, sizeof *argv);
		argv[(*n)++] = xstrdup(s != NULL ? s : "");
		argv[*n] = NULL;
	}
	return (argv);
}

char **
healthstate_probe(const json_t *config, struct healthstate_timing *t)
{
	const json_t	*hc = json_object_get(config, "Healthcheck");
	const json_t	*test = json_object_get(hc, "Test"), *shell = NULL;
	const char	*kind = json_string_value(json_array_get(test, 0));
	char		**argv;
	size_t		 n = 0;

	if (kind == NULL || strcmp(kind, "NONE") == 0)
		return (NULL);
	if (strcmp(kind, "CMD-SHELL") == 0) {
		shell = json_object_get(config, "Shell");
		if (json_array_size(shell) == 0)
			shell = NULL;
	} else if (strcmp(kind, "CMD") != 0) {
		log_warn("unknown healthcheck type '%s' (expected 'CMD')",
		    kind);
		return (NULL);
	}
	argv = xcalloc(1, sizeof *argv);
	if (strcmp(kind, "CMD-SHELL") == 0) {
		if (shell != NULL)
			argv = healthstate_argv_add(argv, &n, shell, 0);
		else {
			json_t	*sh = json_pack("[s, s]", "/bin/sh", "-c");

			argv = healthstate_argv_add(argv, &n, sh, 0);
			json_decref(sh);
		}
	}
	argv = healthstate_argv_add(argv, &n, test, 1);
	if (t != NULL) {
		t->interval_ns = healthstate_or(hc, "Interval",
		    HEALTHSTATE_INTERVAL_NS);
		t->timeout_ns = healthstate_or(hc, "Timeout",
		    HEALTHSTATE_TIMEOUT_NS);
		t->start_period_ns = healthstate_or(hc, "StartPeriod", 0);
		t->start_interval_ns = healthstate_or(hc, "StartInterval", 0);
		t->retries = (int)healthstate_or(hc, "Retries",
		    HEALTHSTATE_RETRIES);
		if (t->retries <= 0)
			t->retries = HEALTHSTATE_RETRIES;
	}
	return (argv);
}

void
healthstate_argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (size_t i = 0; argv[i] != NULL; i++)
		xfree(argv[i]);
	xfree(argv);
}

json_t *
healthstate_start(json_t *old)
{
	json_t	*log = json_object_get(old, "Log");

	if (old == NULL)
		old = json_object();
	json_object_set_new(old, "Status", json_string("starting"));
	json_object_set_new(old, "FailingStreak", json_integer(0));
	if (!json_is_array(log))
		json_object_set_new(old, "Log", json_array());
	return (old);
}

void
healthstate_halt(json_t *state)
{
	if (state != NULL)
		json_object_set_new(state, "Status", json_string("unhealthy"));
}

const char *
healthstate_status(const json_t *state)
{
	const char	*s;

	if (state == NULL)
		return (NULL);
	s = json_string_value(json_object_get(state, "Status"));
	return (s != NULL && *s != '\0' ? s : "unhealthy");
}

static json_t *
healthstate_entry(const struct healthstate_result *r)
{
	char	 start[TIMEUTIL_BUFSZ], end[TIMEUTIL_BUFSZ], *out;
	json_t	*output;

	timeutil_format_local(start, r->start_ns);
	timeutil_format_local(end, r->end_ns);
	/* Go's encoder replaces invalid bytes; a cut character is one. */
	out = xmalloc(r->len + 4);
	memcpy(out, r->output, r->len);
	memcpy(out + r->len, "...", r->truncated ? 4 : 1);
	output = jsontext_newn(out, r->len + (r->truncated ? 3 : 0));
	xfree(out);
	return (json_pack("{s:s, s:s, s:i, s:o}", "Start", start, "End", end,
	    "ExitCode", r->exit_code, "Output", output));
}

int
healthstate_fold(json_t *state, const struct healthstate_result *r,
    const struct healthstate_timing *t, int64_t started_ns)
{
	json_t		*log = json_object_get(state, "Log");
	const char	*old = healthstate_status(state), *now;
	json_int_t	 streak;
	int		 changed;
	char		*was = xstrdup(old != NULL ? old : "");

	if (!json_is_array(log)) {
		log = json_array();
		json_object_set_new(state, "Log", log);
	}
	json_array_append_new(log, healthstate_entry(r));
	while (json_array_size(log) > HEALTHSTATE_LOG_MAX)
		json_array_remove(log, 0);
	streak = json_integer_value(json_object_get(state, "FailingStreak"));
	if (r->exit_code == 0) {
		json_object_set_new(state, "FailingStreak", json_integer(0));
		json_object_set_new(state, "Status", json_string("healthy"));
	} else if (strcmp(was, "starting") != 0 ||
	    r->start_ns - started_ns >= t->start_period_ns) {
		/* Within the start period a starting container is let be. */
		json_object_set_new(state, "FailingStreak",
		    json_integer(++streak));
		if (streak >= t->retries)
			json_object_set_new(state, "Status",
			    json_string("unhealthy"));
	}
	now = healthstate_status(state);
	changed = strcmp(was, now) != 0;
	xfree(was);
	return (changed);
}
