/* SPDX-License-Identifier: MIT */
/*
 * Exec endpoints (dockerd 20.10): create, inspect, resize, and start,
 * detached or attached; an attached start hands the connection to
 * api/execio.c, which ties the process to the client.
 */
#include <ctype.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api/exec.h"
#include "api/execio.h"
#include "api/http.h"
#include "api/server.h"
#include "daemon/base/strconv.h"
#include "daemon/base/utf8.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/exec.h"

/* ---- request parsing ------------------------------------------------- */

/* A []string field as a NULL-terminated array of borrowed strings. */
static int
exec_api_strv(json_t *body, const char *field, const char ***out,
    struct err *err)
{
	json_t	*v = json_object_get(body, field), *s;
	size_t	 i;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_array(v))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal %s "
		    "into Go struct field ExecConfig.%s of type []string",
		    api_body_json_type(v), field));
	json_array_foreach(v, i, s) {
		if (!json_is_string(s))
			return (err_set(err, ERR_INVALID, "json: cannot "
			    "unmarshal %s into Go struct field ExecConfig.%s "
			    "of type string", api_body_json_type(s), field));
	}
	*out = xcalloc(json_array_size(v) + 1, sizeof **out);
	json_array_foreach(v, i, s)
		(*out)[i] = json_string_value(s);
	return (0);
}

/* ---- create, inspect, resize ----------------------------------------- */

void
exec_api_create(struct api_req *r)
{
	struct exec_spec	 spec;
	struct container	*c;
	struct exec		*e;
	struct err		 err;
	json_t			*body;
	const char		**argv = NULL, **env = NULL, *keys;
	int			 detach;

	if ((body = api_body_object(r, "types.ExecConfig")) == NULL)
		return;
	memset(&spec, 0, sizeof spec);
	if (exec_api_strv(body, "Cmd", &argv, &err) != 0 ||
	    exec_api_strv(body, "Env", &env, &err) != 0 ||
	    api_body_string(body, "ExecConfig", "WorkingDir", &spec.workdir,
	    &err) != 0 ||
	    api_body_string(body, "ExecConfig", "User", &spec.user,
	    &err) != 0 ||
	    api_body_string(body, "ExecConfig", "DetachKeys", &keys,
	    &err) != 0 ||
	    api_body_bool(body, "ExecConfig", "Tty", &spec.tty, &err) != 0 ||
	    api_body_bool(body, "ExecConfig", "AttachStdin",
	    &spec.attach_stdin, &err) != 0 ||
	    api_body_bool(body, "ExecConfig", "AttachStdout",
	    &spec.attach_stdout, &err) != 0 ||
	    api_body_bool(body, "ExecConfig", "AttachStderr",
	    &spec.attach_stderr, &err) != 0 ||
	    api_body_bool(body, "ExecConfig", "Privileged", &spec.privileged,
	    &err) != 0 ||
	    api_body_bool(body, "ExecConfig", "Detach", &detach, &err) != 0) {
		api_reply_err(r, &err);
		goto out;
	}
	if (argv == NULL || argv[0] == NULL) {
		api_reply_error(r, 400, "No exec command specified");
		goto out;
	}
	/* WorkingDir came with API 1.35; older clients never meant it. */
	if (api_req_version(r) < API_VERSION(1, 35))
		spec.workdir = "";
	if (*spec.workdir != '\0' && spec.workdir[0] != '/') {
		api_reply_error(r, 400, "the working directory '%s' is "
		    "invalid, it needs to be an absolute path", spec.workdir);
		goto out;
	}
	spec.argv = argv;
	spec.env = env;
	if ((c = container_store_lookup(api_req_store(r), api_req_param(r, 0), &err)) ==
	    NULL || (e = exec_create(api_req_base(r), c, &spec, &err)) == NULL) {
		api_reply_err(r, &err);
		goto out;
	}
	api_reply_json(r, 201, json_pack("{s:s}", "Id", exec_id(e)));
out:
	xfree((void *)argv);
	xfree((void *)env);
	json_decref(body);
}

void
exec_api_inspect(struct api_req *r)
{
	struct exec	*e;
	struct err	 err;

	if ((e = exec_lookup(api_req_store(r), api_req_param(r, 0), &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	api_reply_json(r, 200, exec_inspect_json(e));
}

void
exec_api_resize(struct api_req *r)
{
	struct exec	*e;
	struct err	 err;
	int		 h, w;

	if (strconv_atoi(api_query(r, "h"), &h, &err) != 0 ||
	    strconv_atoi(api_query(r, "w"), &w, &err) != 0 ||
	    (e = exec_lookup(api_req_store(r), api_req_param(r, 0), &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (!exec_container_running(e)) {
		api_reply_error(r, 409, "Container %s is not running",
		    exec_container_id(e));
		return;
	}
	exec_resize(e, h, w);
	api_reply_empty(r, 200);
}

void
exec_api_start(struct api_req *r)
{
	struct exec	*e;
	struct err	 err;
	json_t		*body;
	int		 detach, tty;

	if ((body = api_body_object(r, "types.ExecStartCheck")) == NULL)
		return;
	if (api_body_bool(body, "ExecStartCheck", "Detach", &detach,
	    &err) != 0 || api_body_bool(body, "ExecStartCheck", "Tty", &tty,
	    &err) != 0) {
		json_decref(body);
		api_reply_err(r, &err);
		return;
	}
	json_decref(body);
	/*
	 * Everything that can be refused is refused before the hijack, with
	 * a status; dockerd checks "already running" only after it and
	 * writes that refusal into the raw stream.
	 */
	if ((e = exec_lookup(api_req_store(r), api_req_param(r, 0), &err)) == NULL ||
	    exec_check_start(e, &err) != 0) {
		api_reply_err(r, &err);
		return;
	}
	if (!detach) {
		execio_attach(r, e, tty);
		return;
	}
	if (exec_start(e, NULL, NULL, NULL, &err) != 0) {
		api_reply_err(r, &err);
		return;
	}
	api_reply_empty(r, 200);
}
