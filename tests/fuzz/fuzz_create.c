/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: POST /containers/create body validation
 * (containers_create_parse, the function the handler calls). Nothing is
 * created: this is the parse and check only. On success the normalised
 * Config and HostConfig must have the shapes container_store_create()
 * relies on; on failure the error must map to 400 or 500.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/containers.h"
#include "daemon/base/err.h"
#include "daemon/base/log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_create_strarray(json_t *v)
{
	size_t	 i;
	json_t	*e;

	if (json_is_null(v))
		return (1);
	if (!json_is_array(v))
		return (0);
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return (0);
	}
	return (1);
}

/* json-file, none, or another of dockerd's built-in drivers. */
static int
fuzz_create_known_driver(const char *type)
{
	static const char *const known[] = { "json-file", "none", "awslogs",
	    "fluentd", "gcplogs", "gelf", "journald", "local", "logentries",
	    "splunk", "syslog" };

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(type, known[i]) == 0)
			return (1);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t		*config = NULL, *hc = NULL, *lc;
	struct err	 err = { 0 };
	const char	*type;

	log_level = LOG_LEVEL_ERROR;
	if (containers_create_parse((const char *)data, size, &config, &hc,
	    &err) != 0) {
		if (config != NULL || hc != NULL)
			abort();
		if (err.code != ERR_INVALID && err.code != ERR_INTERNAL)
			abort();
		return (0);
	}
	if (!json_is_object(config) || !json_is_object(hc))
		abort();
	if (!fuzz_create_strarray(json_object_get(config, "Cmd")) ||
	    !fuzz_create_strarray(json_object_get(config, "Entrypoint")) ||
	    !json_is_array(json_object_get(config, "Env")) ||
	    !fuzz_create_strarray(json_object_get(config, "Env")) ||
	    !json_is_object(json_object_get(config, "Labels")) ||
	    !json_is_string(json_object_get(config, "Image")))
		abort();
	if (json_array_size(json_object_get(config, "Cmd")) == 0 &&
	    json_array_size(json_object_get(config, "Entrypoint")) == 0)
		abort();
	lc = json_object_get(hc, "LogConfig");
	type = json_string_value(json_object_get(lc, "Type"));
	if (type == NULL || !fuzz_create_known_driver(type))
		abort();
	if (!json_is_object(json_object_get(lc, "Config")))
		abort();
	json_decref(config);
	json_decref(hc);
	return (0);
}
