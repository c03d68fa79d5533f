/* SPDX-License-Identifier: MIT */
/*
 * docker update: dockerd's Container.UpdateContainer merge (a field the
 * update sets replaces the stored one, zero leaves it; NanoCpus and
 * CpuPeriod/CpuQuota exclude each other), then the running container's
 * cgroup through its OCI runtime, the stored HostConfig put back when
 * that fails, and dockerd's "update" event.
 */
#include <string.h>

#include <jansson.h>

#include "daemon/base/log.h"
#include "daemon/container.h"
#include "daemon/container_int.h"
#include "daemon/oci.h"
#include "daemon/runtime.h"

/*
 * The fields UpdateContainer copies when the update gives them non-zero,
 * of those a create here applies too (api/hostconfig.c): the cpuset,
 * blkio, reservation and realtime ones are not taken at create, so not
 * by an update either.
 */
static const char *const container_update_fields[] = {
	"CpuShares", "NanoCpus", "CpuPeriod", "CpuQuota", "Memory",
	"MemorySwap", NULL
};

static json_int_t
container_update_int(json_t *o, const char *key)
{
	return (json_integer_value(json_object_get(o, key)));
}

static int
container_update_set(json_t *v)
{
	return ((json_is_integer(v) && json_integer_value(v) != 0) ||
	    (json_is_string(v) && *json_string_value(v) != '\0'));
}

/* UpdateContainer's refusals, in its order; 0 when none applies. */
static int
container_update_conflicts(json_t *hc, json_t *up, const char **why)
{
	json_int_t	mem = container_update_int(up, "Memory");
	json_int_t	cur_mem = container_update_int(hc, "Memory");
	json_int_t	cur_swap = container_update_int(hc, "MemorySwap");
	const char	*name;

	*why = NULL;
	if (container_update_int(up, "NanoCpus") > 0 &&
	    container_update_int(hc, "CpuPeriod") > 0)
		*why = "Conflicting options: "
		    "Nano CPUs cannot be updated as CPU Period has already "
		    "been set";
	else if (container_update_int(up, "NanoCpus") > 0 &&
	    container_update_int(hc, "CpuQuota") > 0)
		*why = "Conflicting options: "
		    "Nano CPUs cannot be updated as CPU Quota has already "
		    "been set";
	else if (container_update_int(up, "CpuPeriod") > 0 &&
	    container_update_int(hc, "NanoCpus") > 0)
		*why = "Conflicting options: "
		    "CPU Period cannot be updated as NanoCPUs has already "
		    "been set";
	else if (container_update_int(up, "CpuQuota") > 0 &&
	    container_update_int(hc, "NanoCpus") > 0)
		*why = "Conflicting options: "
		    "CPU Quota cannot be updated as NanoCPUs has already "
		    "been set";
	if (*why != NULL)
		return (1);
	/*
	 * dockerd stored MemorySwap = 2 * Memory at create when only Memory
	 * was given; this store keeps 0 there, so read it as dockerd's.
	 */
	if (cur_swap == 0 && cur_mem > 0)
		cur_swap = 2 * cur_mem;
	if (mem != 0 && mem > cur_swap &&
	    container_update_int(up, "MemorySwap") == 0) {
		*why = "Memory limit should be smaller than already set "
		    "memoryswap limit, update the memoryswap at the same time";
		return (2);
	}
	name = json_string_value(json_object_get(json_object_get(up,
	    "RestartPolicy"), "Name"));
	if (name != NULL && *name != '\0' && strcmp(name, "no") != 0 &&
	    json_is_true(json_object_get(hc, "AutoRemove"))) {
		*why = "Restart policy cannot be updated because AutoRemove is "
		    "enabled for the container";
		return (3);
	}
	return (0);
}

int
container_update(struct container *c, json_t *up, struct err *err)
{
	json_t		*backup, *v, *res;
	const char	*why, *name;
	int		 rc = 0;

	if (c->removing)
		return (err_set(err, ERR_CONFLICT, "Cannot update container "
		    "%s: container is marked for removal and cannot be "
		    "\"update\"", c->id));
	if (container_update_conflicts(c->hostconfig, up, &why) != 0)
		return (err_set(err, ERR_CONFLICT, "Cannot update container "
		    "%s: %s", c->id, why));
	backup = json_deep_copy(c->hostconfig);
	for (size_t i = 0; container_update_fields[i] != NULL; i++) {
		v = json_object_get(up, container_update_fields[i]);
		if (container_update_set(v))
			json_object_set(c->hostconfig,
			    container_update_fields[i], v);
	}
	/* A pointer in Go: present means set; 0 or less is no limit, 0. */
	if ((v = json_object_get(up, "PidsLimit")) != NULL && !json_is_null(v))
		json_object_set_new(c->hostconfig, "PidsLimit", json_integer(
		    json_integer_value(v) > 0 ? json_integer_value(v) : 0));
	v = json_object_get(up, "RestartPolicy");
	name = json_string_value(json_object_get(v, "Name"));
	if (name != NULL && *name != '\0')
		json_object_set(c->hostconfig, "RestartPolicy", v);
	/* Not while restarting: the next start takes the stored values. */
	if (c->state == CONTAINER_RUNNING && c->proc != NULL &&
	    !c->proc_exited && !c->restarting) {
		res = oci_update_resources(c->hostconfig);
		rc = runtime_update(c->proc, res, err);
		json_decref(res);
		if (rc != 0)
			err_wrap(err, "Cannot update container %s", c->id);
	}
	if (rc != 0) {
		/* In place: others may hold the object. */
		json_object_clear(c->hostconfig);
		json_object_update(c->hostconfig, backup);
		json_decref(backup);
		return (-1);
	}
	json_decref(backup);
	container_persist_save(c);
	log_info("updated container %.12s", c->id);
	container_event(c, "update", NULL);
	return (0);
}
