/* SPDX-License-Identifier: MIT */
/*
 * Accessors of a container: getters for the layers above (no side
 * effects, nothing written, nothing allocated) and the few setters the
 * container's own modules share. Calls nothing of the container's.
 */
#include <string.h>

#include <jansson.h>

#include "daemon/base/utf8.h"
#include "daemon/base/xalloc.h"

#include "daemon/container.h"
#include "daemon/container_int.h"
#include "daemon/oci.h"

static const char *container_states[] = { "created", "running", "exited" };

const char *
container_state_name(enum container_state st)
{
	if ((size_t)st >= sizeof container_states / sizeof container_states[0])
		return ("unknown");
	return (container_states[st]);
}

void
container_set_error(struct container *c, const char *msg)
{
	xfree(c->error);
	c->error = utf8_sanitize(msg, strlen(msg), NULL);
}

const char *
container_json_str(json_t *obj, const char *key)
{
	const char	*s = json_string_value(json_object_get(obj, key));

	return (s != NULL ? s : "");
}

const char *
container_image_id(const struct container *c)
{
	return (container_json_str(c->config, "ImageID"));
}

int
container_restarting(const struct container *c)
{
	return (c->restarting);
}

int
container_restart_count(const struct container *c)
{
	return (c->restart_count);
}

const char *
container_id(const struct container *c)
{
	return (c->id);
}

struct runtime_proc *
container_proc(const struct container *c)
{
	return (c->proc);
}

const char *
container_name(const struct container *c)
{
	return (c->name);
}

struct attach *
container_attach(const struct container *c)
{
	return (c->attach);
}

const json_t *
container_config(const struct container *c)
{
	return (c->config);
}

int
container_tty(const struct container *c)
{
	return (json_is_true(json_object_get(c->config, "Tty")));
}

int64_t
container_created_ns(const struct container *c)
{
	return (c->created_ns);
}

int64_t
container_started_ns(const struct container *c)
{
	return (c->started_ns);
}

int
container_paused(const struct container *c)
{
	return (c->paused);
}

json_t *
container_health(const struct container *c)
{
	return (c->health);
}

const char *
container_network(const struct container *c)
{
	return (oci_network_mode(c->hostconfig));
}

int
container_running(const struct container *c)
{
	return (c->state == CONTAINER_RUNNING);
}

enum container_state
container_state(const struct container *c)
{
	return (c->state);
}

int
container_exit_code(const struct container *c)
{
	return (c->exit_code);
}

int
container_pid(const struct container *c)
{
	return (c->pid);
}

const char *
container_error(const struct container *c)
{
	return (c->error);
}

int
container_removing(const struct container *c)
{
	return (c->removing);
}

struct cancel *
container_ctx(const struct container *c)
{
	return (c->ctx);
}

struct events *
container_events(const struct container *c)
{
	return (c->store->events);
}

const char *
container_image(const struct container *c)
{
	return (container_json_str(c->config, "Image"));
}

json_t *
container_labels(const struct container *c)
{
	return (json_object_get(c->config, "Labels"));
}

void *
container_execs(const struct container *c)
{
	return (c->execs);
}

void
container_set_execs(struct container *c, void *execs, void (*free_cb)(void *))
{
	c->execs = execs;
	c->execs_free = free_cb;
}
