/* SPDX-License-Identifier: MIT */
/*
 * POST /containers/create: the body checked and normalised in dockerd's
 * order and words (Config, HostConfig, the log options, the image and its
 * config merged, the runtime), then the store creates the container.
 */
#include <ctype.h>
#include <string.h>

#include <jansson.h>

#include "api/apiversion.h"
#include "api/containers_create.h"
#include "api/containers_refs.h"
#include "api/http.h"
#include "api/hostconfig.h"
#include "api/images.h"
#include "api/server.h"
#include "daemon/base/platform.h"
#include "daemon/container.h"
#include "daemon/images.h"
#include "daemon/ocimounts.h"
#include "daemon/ociruntime.h"
#include "daemon/base/strconv.h"
#include "daemon/base/utf8.h"
#include "daemon/healthstate.h"
#include "daemon/base/xalloc.h"

/* Config keys: any of them present means Config is not empty. */
static const char *containers_create_config_keys[] = {
	"Hostname", "Domainname", "User", "AttachStdin", "AttachStdout",
	"AttachStderr", "ExposedPorts", "Tty", "OpenStdin", "StdinOnce", "Env",
	"Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir",
	"Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild", "Labels",
	"StopSignal", "StopTimeout", "Shell",
};

static const char *containers_create_jsonfile_opts[] = {
	"max-file", "max-size", "compress", "labels", "labels-regex", "env",
	"env-regex", "tag", "mode", "max-buffer-size",
};

/* strslice.StrSlice: a string, an array of strings, or null. */
static int
containers_create_strslice(json_t *in, const char *field, json_t **out,
    struct err *err)
{
	size_t	 i;
	json_t	*v;

	*out = NULL;
	if (in == NULL || json_is_null(in))
		return (0);
	if (json_is_string(in)) {
		*out = json_pack("[O]", in);
		return (0);
	}
	if (!json_is_array(in))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal %s "
		    "into Go struct field Config.%s of type strslice.StrSlice",
		    json_is_object(in) ? "object" : "value", field));
	json_array_foreach(in, i, v) {
		if (!json_is_string(v))
			return (err_set(err, ERR_INVALID, "json: cannot "
			    "unmarshal value into Go struct field Config.%s of "
			    "type string", field));
	}
	*out = json_incref(in);
	return (0);
}

/* dockerd 20.10's log drivers on Linux besides json-file and none. */
static const char *const containers_create_builtin_drivers[] = {
	"awslogs", "fluentd", "gcplogs", "gelf", "journald", "local",
	"logentries", "splunk", "syslog",
};

/*
 * ValidateLogOpts on the driver's options: key errors surface at create,
 * value errors at start. Takes cfg, a fresh object of strings.
 */
static int
containers_create_log_check(const char *type, json_t *cfg, struct err *err)
{
	const char	*key, *mode, *mbs;
	json_t		*v;
	size_t		 i;
	int64_t		 size;

	if (strcmp(type, "none") == 0)
		return (0);
	/* As ValidateLogOpts: the mode first, for every driver but none. */
	mode = json_string_value(json_object_get(cfg, "mode"));
	if (mode != NULL && *mode != '\0' && strcmp(mode, "blocking") != 0 &&
	    strcmp(mode, "non-blocking") != 0)
		return (err_set(err, ERR_INVALID, "logger: logging mode not "
		    "supported: %s", mode));
	mbs = json_string_value(json_object_get(cfg, "max-buffer-size"));
	if (mbs != NULL) {
		if (mode == NULL || strcmp(mode, "non-blocking") != 0)
			return (err_set(err, ERR_INVALID, "logger: "
			    "max-buffer-size option is only supported with "
			    "'mode=non-blocking'"));
		if (strconv_ram_in_bytes(mbs, &size, err) != 0)
			return (err_wrap(err, "error parsing option "
			    "max-buffer-size"));
	}
	/*
	 * dockerd's other built-in drivers are created (their own option
	 * checks are theirs) and fail at start, daemon/container_log.c. No
	 * plugins here: answer at once instead of after 15 s.
	 */
	for (i = 0; i < sizeof containers_create_builtin_drivers /
	    sizeof containers_create_builtin_drivers[0]; i++)
		if (strcmp(type, containers_create_builtin_drivers[i]) == 0)
			return (0);
	if (strcmp(type, "json-file") != 0)
		return (err_set(err, ERR_INVALID, "error looking up logging "
		    "plugin %s: plugin \"%s\" not found", type, type));
	json_object_foreach(cfg, key, v) {
		for (i = 0; i < sizeof containers_create_jsonfile_opts /
		    sizeof containers_create_jsonfile_opts[0]; i++) {
			if (strcmp(key,
			    containers_create_jsonfile_opts[i]) == 0)
				break;
		}
		if (i == sizeof containers_create_jsonfile_opts /
		    sizeof containers_create_jsonfile_opts[0])
			return (err_set(err, ERR_INVALID, "unknown log opt "
			    "'%s' for json-file log driver", key));
	}
	return (0);
}

/*
 * HostConfig.LogConfig with the daemon's defaults (dflt, a LogConfig;
 * NULL: json-file and no options) merged in as dockerd's
 * mergeAndVerifyLogConfig: an empty Type takes the default driver, and
 * a container of the default driver takes each default option it lacks.
 */
static int
containers_create_log_config(json_t *hc, json_t *dflt, json_t **out,
    struct err *err)
{
	json_t		*lc = json_object_get(hc, "LogConfig");
	json_t		*given = json_object_get(lc, "Config"), *cfg, *v;
	const char	*type = json_string_value(json_object_get(lc, "Type"));
	const char	*dtype = json_string_value(json_object_get(dflt,
			    "Type"));
	const char	*key;

	if (given != NULL && !json_is_null(given) && !json_is_object(given))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal "
		    "value into Go struct field LogConfig.HostConfig.LogConfig."
		    "Config of type map[string]string"));
	json_object_foreach(given, key, v) {
		if (!json_is_string(v))
			return (err_set(err, ERR_INVALID, "json: cannot "
			    "unmarshal value into Go struct field "
			    "LogConfig.HostConfig.LogConfig.Config of type "
			    "string"));
	}
	if (dtype == NULL)
		dtype = "json-file";
	if (type == NULL || *type == '\0')
		type = dtype;
	cfg = json_is_object(given) ? json_deep_copy(given) : json_object();
	if (strcmp(type, dtype) == 0)
		json_object_update_missing(cfg, json_object_get(dflt,
		    "Config"));
	if (containers_create_log_check(type, cfg, err) != 0) {
		json_decref(cfg);
		return (-1);
	}
	*out = json_pack("{s:s, s:o}", "Type", type, "Config", cfg);
	return (0);
}

int
containers_create_log_default_check(const char *driver, json_t *opts,
    struct err *err)
{
	json_t	*cfg = json_is_object(opts) ? json_deep_copy(opts) :
		    json_object();
	int	 rc;

	rc = containers_create_log_check(driver, cfg, err);
	json_decref(cfg);
	if (rc != 0)
		err_wrap(err, "failed to set log opts");
	return (rc);
}

/*
 * Go's decoding of one field, in create's own words ("cannot unmarshal
 * value"), which api_body_bool/_string (the Go type's name) would change.
 */
static int
containers_create_bool(json_t *in, const char *field, int *out,
    struct err *err)
{
	*out = 0;
	if (in == NULL || json_is_null(in))
		return (0);
	if (!json_is_boolean(in))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal "
		    "value into Go struct field %s of type bool", field));
	*out = json_is_true(in);
	return (0);
}

static int
containers_create_string(json_t *in, const char *field, const char **out,
    struct err *err)
{
	*out = "";
	if (in == NULL || json_is_null(in))
		return (0);
	if (!json_is_string(in))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal "
		    "value into Go struct field %s of type string", field));
	*out = json_string_value(in);
	return (0);
}

/* ?platform= (1.41): the image found must be of that platform. */
static int
containers_create_platform(struct images_image *img, const char *ref,
    const struct platform *want, struct err *err)
{
	json_t	*cfg;
	char	 w[96], a[96];
	struct platform	 have;

	if (want == NULL || img == NULL)
		return (0);
	cfg = images_image_config(img);
	memset(&have, 0, sizeof have);
	snprintf(have.os, sizeof have.os, "%s", json_string_value(
	    json_object_get(cfg, "os")) != NULL ? json_string_value(
	    json_object_get(cfg, "os")) : "");
	snprintf(have.arch, sizeof have.arch, "%s", json_string_value(
	    json_object_get(cfg, "architecture")) != NULL ? json_string_value(
	    json_object_get(cfg, "architecture")) : "");
	snprintf(have.variant, sizeof have.variant, "%s", json_string_value(
	    json_object_get(cfg, "variant")) != NULL ? json_string_value(
	    json_object_get(cfg, "variant")) : "");
	if (platform_match(want, have.os, have.arch, have.variant))
		return (0);
	platform_format(want, w, sizeof w);
	platform_format(&have, a, sizeof a);
	return (err_set(err, ERR_NOT_FOUND, "image with reference %s was found "
	    "but does not match the specified platform: wanted %s, actual: %s",
	    ref, w, a));
}

/*
 * Builds the normalised Config and HostConfig the store keeps, checking
 * what dockerd checks, in its order.
 */
static int
containers_create_config(json_t *body, struct images *images, json_t *dflt,
    const struct platform *want, json_t **config, json_t **hostconfig,
    struct err *err)
{
	struct images_image	*img = NULL;
	json_t		*cmd = NULL, *ep = NULL, *env, *labels, *hc, *lc = NULL;
	json_t		*v, *hcopy = NULL, *health = NULL, *shell = NULL;
	const char	*image, *wd, *key, *e, *hostname, *domainname;
	int		 tty, out, errs, autorm, found = 0;
	size_t		 i;

	*config = *hostconfig = NULL;
	for (i = 0; i < sizeof containers_create_config_keys /
	    sizeof containers_create_config_keys[0]; i++) {
		if (json_object_get(body,
		    containers_create_config_keys[i]) != NULL)
			found = 1;
	}
	if (!found)
		return (err_set(err, ERR_INVALID, "Config cannot be empty in "
		    "order to create a container"));
	if (containers_create_string(json_object_get(body, "Image"),
	    "Config.Image", &image, err) != 0 ||
	    containers_create_string(json_object_get(body, "Hostname"),
	    "Config.Hostname", &hostname, err) != 0 ||
	    containers_create_string(json_object_get(body, "Domainname"),
	    "Config.Domainname", &domainname, err) != 0 ||
	    containers_create_string(json_object_get(body, "WorkingDir"),
	    "Config.WorkingDir", &wd, err) != 0 ||
	    containers_create_bool(json_object_get(body, "Tty"), "Config.Tty",
	    &tty, err) != 0 ||
	    containers_create_bool(json_object_get(body, "AttachStdout"),
	    "Config.AttachStdout", &out, err) != 0 ||
	    containers_create_bool(json_object_get(body, "AttachStderr"),
	    "Config.AttachStderr", &errs, err) != 0)
		goto fail;
	env = json_object_get(body, "Env");
	if (env != NULL && !json_is_null(env) && !json_is_array(env)) {
		err_set(err, ERR_INVALID, "json: cannot unmarshal value into "
		    "Go struct field Config.Env of type []string");
		goto fail;
	}
	json_array_foreach(env, i, v) {
		if ((e = json_string_value(v)) == NULL) {
			err_set(err, ERR_INVALID, "json: cannot unmarshal "
			    "value into Go struct field Config.Env of type "
			    "string");
			goto fail;
		}
	}
	labels = json_object_get(body, "Labels");
	if (labels != NULL && !json_is_null(labels) &&
	    !json_is_object(labels)) {
		err_set(err, ERR_INVALID, "json: cannot unmarshal value into "
		    "Go struct field Config.Labels of type map[string]string");
		goto fail;
	}
	json_object_foreach(labels, key, v) {
		if (!json_is_string(v)) {
			err_set(err, ERR_INVALID, "json: cannot unmarshal "
			    "value into Go struct field Config.Labels of type "
			    "string");
			goto fail;
		}
	}
	if (containers_create_strslice(json_object_get(body, "Cmd"), "Cmd",
	    &cmd, err) != 0 || containers_create_strslice(json_object_get(body,
	    "Entrypoint"), "Entrypoint", &ep, err) != 0)
		goto fail;
	hc = json_object_get(body, "HostConfig");
	if (hc != NULL && !json_is_null(hc) && !json_is_object(hc)) {
		err_set(err, ERR_INVALID, "json: cannot unmarshal value into "
		    "Go struct field .HostConfig of type container.HostConfig");
		goto fail;
	}
	if (containers_create_bool(json_object_get(hc, "AutoRemove"),
	    "HostConfig.AutoRemove", &autorm, err) != 0)
		goto fail;

	/* verifyContainerSettings */
	if (*wd != '\0' && wd[0] != '/') {
		err_set(err, ERR_INVALID, "the working directory '%s' is "
		    "invalid, it needs to be an absolute path", wd);
		goto fail;
	}
	json_array_foreach(env, i, v) {
		e = json_string_value(v);
		if (*e == '=' || *e == '\0') {
			err_set(err, ERR_INVALID, "invalid environment "
			    "variable: %s", e);
			goto fail;
		}
	}
	if (healthstate_config_parse(json_object_get(body, "Healthcheck"),
	    &health, err) != 0 || containers_create_strslice(json_object_get(
	    body, "Shell"), "Shell", &shell, err) != 0)
		goto fail;
	/* validateHostConfig and the platform's checks, before the image. */
	hcopy = json_object();
	if (hostconfig_copy(hc, hcopy, err) != 0)
		goto fail;
	/* daemon.create: the image, then mergeAndVerifyConfig */
	if (images_api_create_image(images, image, &cmd, &ep, &img, err) != 0 ||
	    containers_create_platform(img, image, want, err) != 0)
		goto fail;
	if (json_array_size(cmd) == 0 && json_array_size(ep) == 0) {
		err_set(err, ERR_INVALID, "No command specified");
		goto fail;
	}
	if (containers_create_log_config(hc, dflt, &lc, err) != 0)
		goto fail;

	*config = json_pack("{s:s, s:o, s:o, s:o, s:s, s:b, s:o, s:b, s:b,"
	    " s:b, s:b, s:b}",
	    "Image", image,
	    "Cmd", cmd != NULL ? cmd : json_null(),
	    "Entrypoint", ep != NULL ? ep : json_null(),
	    "Env", json_is_array(env) ? json_deep_copy(env) : json_array(),
	    "WorkingDir", wd, "Tty", tty,
	    "Labels", json_is_object(labels) ? json_deep_copy(labels) :
	    json_object(),
	    "AttachStdout", out, "AttachStderr", errs,
	    "AttachStdin", json_is_true(json_object_get(body, "AttachStdin")),
	    "OpenStdin", json_is_true(json_object_get(body, "OpenStdin")),
	    "StdinOnce", json_is_true(json_object_get(body, "StdinOnce")));
	if (health != NULL)
		json_object_set_new(*config, "Healthcheck", health);
	if (shell != NULL)
		json_object_set_new(*config, "Shell", shell);
	health = shell = NULL;
	if (img != NULL) {
		images_api_create_merge(img, *config, json_string_value(
		    json_object_get(body, "User")));
		healthstate_config_merge(*config, json_object_get(
		    images_image_config(img), "config"));
	}
	if ((v = json_object_get(body, "StopSignal")) != NULL &&
	    json_is_string(v))
		json_object_set(*config, "StopSignal", v);
	/* The UTS names the runtime gives it (not with host networking). */
	if (*hostname != '\0')
		json_object_set_new(*config, "Hostname", json_string(hostname));
	if (*domainname != '\0')
		json_object_set_new(*config, "Domainname",
		    json_string(domainname));
	json_object_set_new(*config, "OpenStdin", json_boolean(json_is_true(
	    json_object_get(body, "OpenStdin"))));
	*hostconfig = json_pack("{s:o, s:b}", "LogConfig", lc,
	    "AutoRemove", autorm);
	if (*config == NULL || *hostconfig == NULL) {
		/* Every string came out of jansson's parser: a bug if hit. */
		json_decref(*config);
		json_decref(*hostconfig);
		*config = *hostconfig = NULL;
		return (err_set(err, ERR_INTERNAL, "cannot build the container "
		    "config"));
	}
	json_object_update(*hostconfig, hcopy);
	json_decref(hcopy);
	return (0);
fail:
	json_decref(health);
	json_decref(shell);
	json_decref(hcopy);
	json_decref(cmd);
	json_decref(ep);
	return (-1);
}

/*
 * The create body, text of len bytes, checked and normalised; with an
 * image store the image must exist and its config merges.
 */
static int
containers_create_parse_image(const char *text, size_t len,
    struct images *images, json_t *dflt, const struct platform *want,
    json_t **config, json_t **hostconfig, struct err *err)
{
	json_t		*body;
	json_error_t	 jerr;
	size_t		 i, n;
	char		*clean = NULL;
	int		 rc;

	*config = *hostconfig = NULL;
	for (i = 0; i < len && isspace((unsigned char)text[i]); i++)
		;
	if (i == len)
		return (err_set(err, ERR_INTERNAL, "EOF"));
	/*
	 * Go's decoder reads an invalid byte in a string as U+FFFD where
	 * jansson refuses the body; outside a string it is a syntax error
	 * either way.
	 */
	if (!utf8_valid(text, len)) {
		clean = utf8_sanitize(text, len, &n);
		text = clean;
		len = n;
	}
	body = json_loadb(text, len, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY,
	    &jerr);
	if (body == NULL) {
		/* dockerd answers a create body it cannot decode with 500. */
		err->code = ERR_INTERNAL;
		api_body_syntax_error(text, len, jerr.text, err);
		xfree(clean);
		return (-1);
	}
	xfree(clean);
	/* Go decodes null into the empty config; other kinds are 500s. */
	if (json_is_null(body)) {
		json_decref(body);
		body = json_object();
	}
	if (!json_is_object(body)) {
		err_set(err, ERR_INTERNAL, "json: cannot unmarshal %s into Go "
		    "value of type runconfig.ContainerConfigWrapper",
		    api_body_json_type(body));
		json_decref(body);
		return (-1);
	}
	rc = containers_create_config(body, images, dflt, want, config,
	    hostconfig, err);
	json_decref(body);
	return (rc);
}

/* Without a request or an image store, for the fuzzers (the header). */
int
containers_create_parse(const char *text, size_t len, json_t **config,
    json_t **hostconfig, struct err *err)
{
	return (containers_create_parse_image(text, len, NULL, NULL, NULL,
	    config, hostconfig, err));
}

/* HostConfig.Runtime must name a runtime; empty means the default. */
static int
containers_create_runtime(struct container_store *st, json_t *hc,
    struct err *err)
{
	struct ociruntimes	*rts = container_store_runtimes(st);
	struct ociruntime	*rt;
	const char		*name = json_string_value(json_object_get(hc,
				    "Runtime"));

	if (rts == NULL) {
		if (name != NULL && *name != '\0' &&
		    strcmp(name, OCIRUNTIME_PROCESS) != 0)
			return (err_set(err, ERR_INVALID, "Unknown runtime "
			    "specified %s", name));
		json_object_set_new(hc, "Runtime", json_string(
		    OCIRUNTIME_PROCESS));
		return (0);
	}
	if (ociruntimes_lookup(rts, name, &rt, err) != 0)
		return (-1);
	if (name == NULL || *name == '\0')
		json_object_set_new(hc, "Runtime", json_string(
		    ociruntimes_default(rts)));
	/* The process runtime masks nothing: it must not say it does. */
	if (rt == NULL) {
		json_object_del(hc, "MaskedPaths");
		json_object_del(hc, "ReadonlyPaths");
	}
	return (0);
}

void
containers_create(struct api_req *r)
{
	struct container	*c;
	json_t			*config, *hostconfig;
	struct err		 err;
	struct platform		 want;
	const char		*plat = api_query(r, "platform");
	char			*text;
	size_t			 len;
	int			 rc, has_plat;

	if (api_check_json(r) != 0)
		return;
	has_plat = api_req_version(r) >= API_VERSION(1, 41) && plat != NULL &&
	    *plat != '\0';
	if (has_plat && platform_parse(plat, &want, &err) != 0) {
		api_reply_err(r, &err);
		return;
	}
	if ((text = api_body(r, &len)) == NULL) {
		api_reply_error(r, 413, "request body too large");
		return;
	}
	rc = containers_create_parse_image(text, len,
	    container_store_images(api_req_store(r)),
	    container_store_log_default(api_req_store(r)), has_plat ? &want :
	    NULL, &config, &hostconfig, &err);
	xfree(text);
	if (rc == 0 && (containers_create_runtime(api_req_store(r),
	    hostconfig, &err) != 0 || containers_refs_resolve(
	    api_req_store(r), hostconfig, &err) != 0 ||
	    ocimounts_check_root(hostconfig, api_req_server(r)->cfg.data_root,
	    &err) != 0)) {
		json_decref(config);
		json_decref(hostconfig);
		rc = -1;
	}
	if (rc != 0) {
		api_reply_err(r, &err);
		return;
	}
	apiversion_create_hostconfig(api_req_version(r), hostconfig);
	if (api_req_version(r) < API_VERSION(1, 44))	/* new in 1.44 */
		json_object_del(json_object_get(config, "Healthcheck"),
		    "StartInterval");
	c = container_store_create(api_req_store(r), api_query(r, "name"),
	    config, hostconfig, &err);
	if (c == NULL) {
		api_reply_err(r, &err);
		return;
	}
	api_reply_json(r, 201, json_pack("{s:s, s:[]}", "Id", container_id(c),
	    "Warnings"));
}
