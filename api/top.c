/* SPDX-License-Identifier: MIT */
/*
 * The top endpoint: ps runs as a child watched by the loop (its pipes and
 * its pidfd), first with -q and the container's pids, then, if that fails
 * (some options exclude -q), without, exactly as dockerd retries. The
 * request's cancel hook kills ps when the client leaves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "api/server.h"
#include "api/top.h"
#include "daemon/container.h"
#include "daemon/base/cancel.h"
#include "daemon/base/log.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "daemon/runtime.h"
#include "daemon/stats.h"

#define TOP_MAX_OUTPUT	(8 * 1024 * 1024)
#define TOP_MAX_ARGS	256

struct top {
	struct api_req		*r;		/* owned until finish */
	struct cancel_hook	 hook;		/* on the request's ctx */
	struct runtime_proc	*proc;		/* owned while ps runs */
	struct event		*out_ev;	/* owned */
	struct event		*err_ev;	/* owned */
	int			 out_fd, err_fd;
	struct evbuffer		*out, *errout;	/* owned */
	int			 exited, status, with_q, done;
	char			*args;		/* owned: ps_args, split */
	const char		*argv[TOP_MAX_ARGS + 3];
	int			 argc;
	char			 qarg[STATS_MAX_PIDS * 8];
	pid_t			 pids[STATS_MAX_PIDS];
	size_t			 npids;
	struct reap		 reap;
};

static int	top_run(struct top *, struct err *);

/* Go's fieldsASCII: split on ASCII white space only. */
static size_t
top_fields(char *line, char **f, size_t max)
{
	size_t	n = 0;
	char	*p = line;

	while (*p != '\0') {
		while (*p != '\0' && strchr("\t\n\f\r ", *p) != NULL)
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (n == max)
			break;
		f[n++] = p;
		while (*p != '\0' && strchr("\t\n\f\r ", *p) == NULL)
			p++;
	}
	return (n);
}

static int
top_has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++) {
		if (pids[i] == pid)
			return (1);
	}
	return (0);
}

/* The last title takes the rest of the line, spaces and all (CMD). */
static json_t *
top_process(char **f, size_t nf, size_t ntitles)
{
	json_t	*a = json_array();
	size_t	 i, len = 0;
	char	*rest;

	for (i = 0; i + 1 < ntitles && i < nf; i++)
		json_array_append_new(a, json_string(f[i]));
	for (size_t k = i; k < nf; k++)
		len += strlen(f[k]) + 1;
	rest = xcalloc(1, len + 1);
	for (size_t k = i; k < nf; k++) {
		if (k > i)
			strcat(rest, " ");
		strcat(rest, f[k]);
	}
	json_array_append_new(a, json_string(rest));
	xfree(rest);
	return (a);
}

json_t *
top_parse(const char *text, size_t len, const pid_t *pids, size_t npids,
    struct err *err)
{
	char	*copy = xmalloc(len + 1), *line, *next, *f[512], *endp;
	json_t	*titles = json_array(), *procs = NULL, *ret = NULL;
	size_t	 nt, nf, pid_index = (size_t)-1;
	int	 prev_in = 0;
	long	 pid;

	memcpy(copy, text, len);
	copy[len] = '\0';
	next = strchr(copy, '\n');
	if (next != NULL)
		*next++ = '\0';
	nt = top_fields(copy, f, sizeof f / sizeof f[0]);
	for (size_t i = 0; i < nt; i++) {
		json_array_append_new(titles, json_string(f[i]));
		if (pid_index == (size_t)-1 && strcmp(f[i], "PID") == 0)
			pid_index = i;
	}
	if (pid_index == (size_t)-1) {
		err_set(err, ERR_INTERNAL, "Couldn't find PID field in ps "
		    "output");
		goto out;
	}
	for (line = next; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			continue;
		nf = top_fields(line, f, sizeof f / sizeof f[0]);
		if (nf <= pid_index)
			continue;
		/* a thread line (ps -L / m) belongs to the process above */
		if (strcmp(f[pid_index], "-") == 0) {
			if (prev_in)
				json_array_append_new(procs, top_process(f, nf,
				    nt));
			continue;
		}
		pid = strtol(f[pid_index], &endp, 10);
		if (*endp != '\0' || endp == f[pid_index]) {
			err_set(err, ERR_INTERNAL, "Unexpected pid '%s': "
			    "strconv.Atoi: parsing \"%s\": invalid syntax",
			    f[pid_index], f[pid_index]);
			goto out;
		}
		prev_in = top_has_pid(pids, npids, pid);
		if (prev_in) {
			if (procs == NULL)
				procs = json_array();
			json_array_append_new(procs, top_process(f, nf, nt));
		}
	}
	ret = json_pack("{s:o, s:O}", "Processes", procs != NULL ? procs :
	    json_null(), "Titles", titles);
	procs = NULL;
out:
	json_decref(procs);
	json_decref(titles);
	xfree(copy);
	return (ret);
}

static void
top_free_cb(void *arg)
{
	struct top	*t = arg;

	evbuffer_free(t->out);
	evbuffer_free(t->errout);
	xfree(t->args);
	xfree(t);
}

/* Stops ps (killing it if it still runs) and closes its pipes. */
static void
top_stop_ps(struct top *t)
{
	if (t->out_ev != NULL)
		event_free(t->out_ev);
	if (t->err_ev != NULL)
		event_free(t->err_ev);
	t->out_ev = t->err_ev = NULL;
	if (t->out_fd != -1)
		close(t->out_fd);
	if (t->err_fd != -1)
		close(t->err_fd);
	t->out_fd = t->err_fd = -1;
	runtime_free(t->proc);		/* kills and reaps a running ps */
	t->proc = NULL;
}

/* The one end: answered, failed, or the client left (r already gone). */
static void
top_finish(struct top *t)
{
	if (t->done)
		return;
	t->done = 1;
	cancel_hook_del(&t->hook);
	top_stop_ps(t);
	t->r = NULL;
	reap_later(&t->reap);
}

static void
top_cancel_cb(struct cancel *ctx, enum cancel_reason why, void *arg)
{
	struct top	*t = arg;
	struct api_req	*r = t->r;

	(void)ctx;
	log_debug("top: %s", cancel_reason_name(why));
	top_finish(t);
	api_reply_error(r, 500, "context canceled");
}

static void
top_complete(struct top *t)
{
	struct api_req	*r = t->r;
	struct err	 err;
	json_t		*j;
	char		*s, *nl;
	size_t		 len;

	if (t->status != 0 && t->with_q) {
		/* "some ps options (such as f) can't be used together with
		   q, so retry without it" (dockerd) */
		top_stop_ps(t);
		evbuffer_drain(t->out, evbuffer_get_length(t->out));
		evbuffer_drain(t->errout, evbuffer_get_length(t->errout));
		t->with_q = 0;
		if (top_run(t, &err) == 0)
			return;
		top_finish(t);
		api_reply_error(r, 500, "ps: %s", err.msg);
		return;
	}
	top_finish(t);
	if (t->status != 0) {
		len = evbuffer_get_length(t->errout);
		s = xcalloc(1, len + 1);
		evbuffer_copyout(t->errout, s, len);
		if ((nl = strchr(s, '\n')) != NULL)
			*nl = '\0';
		if (*s != '\0')
			api_reply_error(r, 500, "ps: %s", s);
		else if (t->status > 128)
			api_reply_error(r, 500, "ps: signal: %s",
			    strsignal(t->status - 128));
		else
			api_reply_error(r, 500, "ps: exit status %d",
			    t->status);
		xfree(s);
		return;
	}
	len = evbuffer_get_length(t->out);
	j = top_parse((const char *)evbuffer_pullup(t->out, -1), len, t->pids,
	    t->npids, &err);
	if (j == NULL)
		api_reply_err(r, &err);
	else
		api_reply_json(r, 200, j);
}

static void
top_maybe_complete(struct top *t)
{
	if (t->exited && t->out_ev == NULL && t->err_ev == NULL)
		top_complete(t);
}

static void
top_exit_cb(int status, void *arg)
{
	struct top	*t = arg;

	t->exited = 1;
	t->status = status;
	top_maybe_complete(t);
}

static void
top_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct top	*t = arg;
	int		 is_out = fd == t->out_fd;
	struct evbuffer	*buf = is_out ? t->out : t->errout;
	int		 n;

	(void)what;
	n = evbuffer_read(buf, fd, 65536);
	if (n > 0 && evbuffer_get_length(t->out) +
	    evbuffer_get_length(t->errout) <= TOP_MAX_OUTPUT)
		return;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF, an error, or far too much: this pipe is done */
	event_free(is_out ? t->out_ev : t->err_ev);
	close(fd);
	if (is_out) {
		t->out_ev = NULL;
		t->out_fd = -1;
	} else {
		t->err_ev = NULL;
		t->err_fd = -1;
	}
	top_maybe_complete(t);
}

static int
top_run(struct top *t, struct err *err)
{
	static const char *envp[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		    "/sbin:/bin", "LC_ALL=C", NULL,
	};
	struct runtime_spec	 spec = { 0 };
	struct event_base	*base = api_req_base(t->r);

	t->argv[t->argc] = t->with_q ? t->qarg : NULL;
	t->argv[t->argc + 1] = NULL;
	spec.argv = t->argv;
	spec.envp = envp;
	t->exited = 0;
	t->proc = runtime_start(base, &spec, &t->out_fd, &t->err_fd,
	    top_exit_cb, t, err);
	if (t->proc == NULL)
		return (-1);
	t->out_ev = event_new(base, t->out_fd, EV_READ | EV_PERSIST,
	    top_read_cb, t);
	t->err_ev = event_new(base, t->err_fd, EV_READ | EV_PERSIST,
	    top_read_cb, t);
	event_add(t->out_ev, NULL);
	event_add(t->err_ev, NULL);
	task_wait(api_req_task(t->r), "ps");
	return (0);
}

/* dockerd's validatePSArgs: only "pid=PID..." may rename the PID column. */
static int
top_check_args(const char *a, struct err *err)
{
	const char	*p, *eq, *k;

	for (p = a; (eq = strchr(p, '=')) != NULL; p = eq + 1) {
		const char	*v = eq + 1;

		while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r' ||
		    *v == '\f' || *v == '\v')
			v++;
		if (strncmp(v, "PID", 3) != 0)
			continue;
		for (k = eq; k > a && strchr(" \t\n\r\f\v", k[-1]) == NULL;
		    k--)
			;
		if (k == a)
			continue;	/* the regexp wants space before */
		if ((size_t)(eq - k) != 3 || strncmp(k, "pid", 3) != 0)
			return (err_set(err, ERR_INTERNAL, "specifying "
			    "\"%.*s=%.*s\" is not allowed", (int)(eq - k), k,
			    (int)strcspn(v, " \t\n\r\f\v"), v));
	}
	return (0);
}

void
top_container(struct api_req *r)
{
	struct stats_source	 src = { 0 };
	struct container	*c;
	struct top		*t;
	struct err		 err;
	const char		*a = api_query(r, "ps_args");
	char			*p, *q, *cg;
	int			 n;
	size_t			 off;

	task_push(api_req_task(r));
	if (a == NULL || *a == '\0')
		a = "-ef";
	if (top_check_args(a, &err) != 0) {
		api_reply_err(r, &err);
		return;
	}
	if ((c = container_store_lookup(api_req_store(r), api_req_param(r, 0),
	    &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (!container_running(c) || container_pid(c) <= 0) {
		api_reply_error(r, 409, "Container %s is not running",
		    container_id(c));
		return;
	}
	t = xcalloc(1, sizeof *t);
	t->r = r;
	t->out_fd = t->err_fd = -1;
	t->out = evbuffer_new();
	t->errout = evbuffer_new();
	reap_init(&t->reap, api_req_base(r), top_free_cb, t);
	cg = stats_source_of(c, &src);
	n = stats_pids(&src, t->pids, STATS_MAX_PIDS, &err);
	xfree(cg);
	if (n < 0) {
		top_finish(t);
		api_reply_err(r, &err);
		return;
	}
	t->npids = (size_t)n;
	/* Go's strings.Split(psArgs, " "): empty arguments stay. */
	t->args = xstrdup(a);
	t->argv[t->argc++] = "ps";
	for (p = t->args; t->argc < TOP_MAX_ARGS; p = q + 1) {
		t->argv[t->argc++] = p;
		if ((q = strchr(p, ' ')) == NULL)
			break;
		*q = '\0';
	}
	off = (size_t)snprintf(t->qarg, sizeof t->qarg, "-q");
	for (size_t i = 0; i < t->npids && off < sizeof t->qarg - 16; i++)
		off += (size_t)snprintf(t->qarg + off, sizeof t->qarg - off,
		    "%s%d", i > 0 ? "," : "", (int)t->pids[i]);
	t->with_q = 1;
	task_label(api_req_task(r), "req=%llu, container=%.12s",
	    (unsigned long long)api_req_id(r), container_id(c));
	if (cancel_hook_add(api_req_ctx(r), &t->hook, top_cancel_cb, t) != 0) {
		top_cancel_cb(api_req_ctx(r), cancel_reason(api_req_ctx(r)), t);
		return;
	}
	if (top_run(t, &err) != 0) {
		top_finish(t);
		api_reply_error(r, 500, "ps: %s", err.msg);
	}
}
