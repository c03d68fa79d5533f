/* SPDX-License-Identifier: MIT */
/*
 * HostConfig fields for the runtime: what json.Unmarshal would refuse is
 * refused with its words, then dockerd's verifyPlatformContainerResources
 * and network checks; the values are copied as given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/hostconfig.h"
#include "daemon/container.h"
#include "daemon/oci.h"
#include "daemon/ociruntime.h"

/* 6 MB: linuxMinMemory in moby's daemon_unix.go. */
#define HOSTCONFIG_MIN_MEMORY	(6 * 1024 * 1024)

enum hostconfig_type {
	HOSTCONFIG_STRING,
	HOSTCONFIG_BOOL,
	HOSTCONFIG_INT,
	HOSTCONFIG_STRINGS,
	HOSTCONFIG_MOUNTS,
	HOSTCONFIG_MAP,
	HOSTCONFIG_RESTART,
	HOSTCONFIG_SIZE,
};

static const struct {
	const char		*key;
	enum hostconfig_type	 type;
	const char		*go;
} hostconfig_fields[] = {
	{ "Runtime", HOSTCONFIG_STRING, "string" },
	{ "NetworkMode", HOSTCONFIG_STRING, "container.NetworkMode" },
	{ "Binds", HOSTCONFIG_STRINGS, "[]string" },
	{ "Links", HOSTCONFIG_STRINGS, "[]string" },
	{ "Mounts", HOSTCONFIG_MOUNTS, "[]mount.Mount" },
	{ "Tmpfs", HOSTCONFIG_MAP, "map[string]string" },
	{ "ReadonlyRootfs", HOSTCONFIG_BOOL, "bool" },
	{ "Privileged", HOSTCONFIG_BOOL, "bool" },
	{ "SecurityOpt", HOSTCONFIG_STRINGS, "[]string" },
	{ "Memory", HOSTCONFIG_INT, "int64" },
	{ "MemorySwap", HOSTCONFIG_INT, "int64" },
	{ "PidsLimit", HOSTCONFIG_INT, "int64" },
	{ "CpuShares", HOSTCONFIG_INT, "int64" },
	{ "NanoCpus", HOSTCONFIG_INT, "int64" },
	{ "CpuPeriod", HOSTCONFIG_INT, "int64" },
	{ "CpuQuota", HOSTCONFIG_INT, "int64" },
	{ "RestartPolicy", HOSTCONFIG_RESTART, "container.RestartPolicy" },
	{ "ConsoleSize", HOSTCONFIG_SIZE, "[2]uint" },
	{ "MaskedPaths", HOSTCONFIG_STRINGS, "[]string" },
	{ "ReadonlyPaths", HOSTCONFIG_STRINGS, "[]string" },
	{ "Annotations", HOSTCONFIG_MAP, "map[string]string" },
	{ "IpcMode", HOSTCONFIG_STRING, "container.IpcMode" },
	{ "ShmSize", HOSTCONFIG_INT, "int64" },
	{ "CpusetCpus", HOSTCONFIG_STRING, "string" },
	{ "CpusetMems", HOSTCONFIG_STRING, "string" },
};

/* {"Name": string, "MaximumRetryCount": int}, either may be null. */
static int
hostconfig_restart_ok(json_t *v)
{
	json_t	*name = json_object_get(v, "Name");
	json_t	*max = json_object_get(v, "MaximumRetryCount");

	return (json_is_object(v) &&
	    (name == NULL || json_is_null(name) || json_is_string(name)) &&
	    (max == NULL || json_is_null(max) || json_is_integer(max)));
}

static int
hostconfig_type_ok(json_t *v, enum hostconfig_type t)
{
	size_t		 i;
	json_t		*e;
	const char	*k;

	switch (t) {
	case HOSTCONFIG_STRING:
		return (json_is_string(v));
	case HOSTCONFIG_BOOL:
		return (json_is_boolean(v));
	case HOSTCONFIG_INT:
		return (json_is_integer(v));
	case HOSTCONFIG_STRINGS:
		if (!json_is_array(v))
			return (0);
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				return (0);
		}
		return (1);
	case HOSTCONFIG_MOUNTS:
		if (!json_is_array(v))
			return (0);
		json_array_foreach(v, i, e) {
			if (!json_is_object(e))
				return (0);
		}
		return (1);
	case HOSTCONFIG_MAP:
		if (!json_is_object(v))
			return (0);
		json_object_foreach(v, k, e) {
			if (!json_is_string(e))
				return (0);
		}
		return (1);
	case HOSTCONFIG_RESTART:
		return (hostconfig_restart_ok(v));
	case HOSTCONFIG_SIZE:
		/* Go's [2]uint: two non-negative integers (fewer are zeros). */
		if (!json_is_array(v) || json_array_size(v) > 2)
			return (0);
		json_array_foreach(v, i, e) {
			if (!json_is_integer(e) || json_integer_value(e) < 0)
				return (0);
		}
		return (1);
	}
	return (0);
}

/*
 * "", "default" and "none" are the container's own network namespace
 * with only lo; "host" the host's. Bridge networking is not built yet.
 */
static int
hostconfig_network(const char *mode, struct err *err)
{
	if (*mode == '\0' || strcmp(mode, "default") == 0 ||
	    strcmp(mode, "none") == 0 || strcmp(mode, "host") == 0)
		return (0);
	if (strcmp(mode, "bridge") == 0)
		return (err_set(err, ERR_INVALID, "network mode bridge is not "
		    "supported yet: use --network none or --network host"));
	if (strncmp(mode, "container:", 10) == 0)
		return (err_set(err, ERR_INVALID, "network mode %s is not "
		    "supported yet: use --network none or --network host",
		    mode));
	return (err_set(err, ERR_NOT_FOUND, "network %s not found", mode));
}

/*
 * parsers.ParseUintList: "0-2,4", each bound a number, a range not
 * backwards. Sets the bits below 64 in *set (higher ones, which no
 * machine of ours has, make it unavailable below). 0, or -1.
 */
static int
hostconfig_cpu_list(const char *s, uint64_t *set, int *high)
{
	char		*end;
	unsigned long	 a, b;

	*set = 0;
	*high = 0;
	if (*s == '\0')
		return (0);
	for (;;) {
		if (*s < '0' || *s > '9')
			return (-1);
		a = b = strtoul(s, &end, 10);
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return (-1);
			b = strtoul(s, &end, 10);
			if (b < a)
				return (-1);
		}
		for (unsigned long i = a; i <= b && !*high; i++) {
			if (i >= 64)
				*high = 1;
			else
				*set |= 1ULL << i;
		}
		if (*end == '\0')
			return (0);
		if (*end != ',')
			return (-1);
		s = end + 1;
	}
}

/*
 * verifyPlatformContainerResources: a cpuset that parses and names only
 * CPUs (memory nodes) this machine has, with dockerd's words.
 */
static int
hostconfig_cpuset_check(json_t *hc, const char *key, const char *what,
    const char *online, struct err *err)
{
	const char	*req = json_string_value(json_object_get(hc, key));
	char		 avail[256] = "";
	uint64_t	 want, have;
	int		 high, high2;
	FILE		*f;

	if (req == NULL || *req == '\0')
		return (0);
	if (hostconfig_cpu_list(req, &want, &high) != 0)
		return (err_set(err, ERR_INVALID, "Invalid value %s for cpuset "
		    "%s: invalid format: %s", req, what, req));
	if ((f = fopen(online, "re")) != NULL) {
		if (fgets(avail, sizeof avail, f) == NULL)
			avail[0] = '\0';
		fclose(f);
	}
	avail[strcspn(avail, "\n")] = '\0';
	if (hostconfig_cpu_list(avail, &have, &high2) != 0)
		return (0);		/* cannot tell: the runtime will */
	if (high || (want & ~have) != 0)
		return (err_set(err, ERR_INVALID, "Requested %s are not "
		    "available - requested %s, available: %s", strcmp(what,
		    "cpus") == 0 ? "CPUs" : "memory nodes", req, avail));
	return (0);
}

/*
 * ValidateTmpfsMountDestination: not the root (path.Clean), absolute; in
 * Go's map order, which is random, so the first bad one found here.
 */
static int
hostconfig_tmpfs_check(json_t *tmpfs, struct err *err)
{
	const char	*dest;
	json_t		*v;
	size_t		 n;

	json_object_foreach(tmpfs, dest, v) {
		/* path.Clean of an absolute path of slashes only is "/". */
		n = strspn(dest, "/");
		if (n > 0 && dest[n] == '\0')
			return (err_set(err, ERR_INVALID, "invalid "
			    "specification: destination can't be '/'"));
		if (dest[0] != '/')
			return (err_set(err, ERR_INVALID, "invalid mount path: "
			    "'%s' mount path must be absolute", dest));
	}
	return (0);
}

int
hostconfig_copy(json_t *in, json_t *out, struct err *err)
{
	json_t		*v;
	json_int_t	 mem;

	for (size_t i = 0; i < sizeof hostconfig_fields /
	    sizeof hostconfig_fields[0]; i++) {
		v = json_object_get(in, hostconfig_fields[i].key);
		if (v == NULL || json_is_null(v))
			continue;
		if (!hostconfig_type_ok(v, hostconfig_fields[i].type))
			return (err_set(err, ERR_INVALID, "json: cannot "
			    "unmarshal value into Go struct field "
			    "HostConfig.%s of type %s",
			    hostconfig_fields[i].key,
			    hostconfig_fields[i].go));
		json_object_set(out, hostconfig_fields[i].key, v);
	}
	/* validateHostConfig: the tmpfs targets, then the restart policy. */
	if (hostconfig_tmpfs_check(json_object_get(out, "Tmpfs"), err) != 0 ||
	    container_restart_check(out, err) != 0)
		return (-1);
	mem = json_integer_value(json_object_get(out, "Memory"));
	if (mem > 0 && mem < HOSTCONFIG_MIN_MEMORY)
		return (err_set(err, ERR_INVALID, "Minimum memory limit "
		    "allowed is 6MB"));
	if (mem > 0 && json_integer_value(json_object_get(out,
	    "MemorySwap")) > 0 && json_integer_value(json_object_get(out,
	    "MemorySwap")) < mem)
		return (err_set(err, ERR_INVALID, "Minimum memoryswap limit "
		    "should be larger than memory limit, see usage"));
	/* verifyPlatformContainerSettings */
	if (hostconfig_cpuset_check(out, "CpusetCpus", "cpus",
	    "/sys/devices/system/cpu/online", err) != 0 ||
	    hostconfig_cpuset_check(out, "CpusetMems", "mems",
	    "/sys/devices/system/node/online", err) != 0)
		return (-1);
	if (json_integer_value(json_object_get(out, "ShmSize")) < 0)
		return (err_set(err, ERR_INVALID, "SHM size can not be less "
		    "than 0"));
	/* A bad IpcMode is kept: dockerd refuses it only at start. */
	v = json_object_get(out, "IpcMode");
	if (v != NULL && *json_string_value(v) == '\0')
		json_object_del(out, "IpcMode");	/* the default's */
	v = json_object_get(out, "NetworkMode");
	if (hostconfig_network(v != NULL ? json_string_value(v) : "", err) !=
	    0)
		return (-1);
	/* runconfig's validateNetMode: links need a network of their own. */
	if (v != NULL && (strcmp(json_string_value(v), "host") == 0 ||
	    strncmp(json_string_value(v), "container:", 10) == 0) &&
	    json_array_size(json_object_get(out, "Links")) > 0)
		return (err_set(err, ERR_INVALID, "conflicting options: host "
		    "type networking can't be used with links. This would "
		    "result in undefined behavior"));
	return (0);
}

/*
 * dockerd 20.10's container.HostConfig in its field order, with what it
 * stores for a field the create left out. NULL: omitempty, shown only when
 * given. "oci": what the OCI runtime really does for such a container
 * (its own IPC namespace, no cgroup namespace, a 64 MiB /dev/shm, the
 * masked and read-only paths of oci.c), so not claimed for the process
 * runtime, which isolates nothing.
 */
static const struct {
	const char	*key;
	const char	*dflt;
} hostconfig_view_fields[] = {
	{ "Binds", "null" }, { "ContainerIDFile", "\"\"" },
	{ "LogConfig", NULL }, { "NetworkMode", NULL },
	{ "PortBindings", "null" }, { "RestartPolicy", NULL },
	{ "AutoRemove", "false" }, { "VolumeDriver", "\"\"" },
	{ "VolumesFrom", "null" }, { "CapAdd", "null" },
	{ "CapDrop", "null" }, { "CgroupnsMode", "oci" }, { "Dns", "null" },
	{ "DnsOptions", "null" }, { "DnsSearch", "null" },
	{ "ExtraHosts", "null" }, { "GroupAdd", "null" },
	{ "IpcMode", "oci" }, { "Cgroup", "\"\"" }, { "Links", "null" },
	{ "OomScoreAdj", "0" }, { "PidMode", "\"\"" },
	{ "Privileged", "false" }, { "PublishAllPorts", "false" },
	{ "ReadonlyRootfs", "false" }, { "SecurityOpt", "null" },
	{ "StorageOpt", NULL }, { "Tmpfs", NULL }, { "UTSMode", "\"\"" },
	{ "UsernsMode", "\"\"" }, { "ShmSize", "oci" }, { "Sysctls", NULL },
	{ "Runtime", NULL }, { "ConsoleSize", "[0,0]" },
	{ "Annotations", NULL }, { "Isolation", "\"\"" }, { "CpuShares", "0" }, { "Memory", "0" },
	{ "NanoCpus", "0" }, { "CgroupParent", "\"\"" },
	{ "BlkioWeight", "0" }, { "BlkioWeightDevice", "null" },
	{ "BlkioDeviceReadBps", "null" }, { "BlkioDeviceWriteBps", "null" },
	{ "BlkioDeviceReadIOps", "null" }, { "BlkioDeviceWriteIOps", "null" },
	{ "CpuPeriod", "0" }, { "CpuQuota", "0" },
	{ "CpuRealtimePeriod", "0" }, { "CpuRealtimeRuntime", "0" },
	{ "CpusetCpus", "\"\"" }, { "CpusetMems", "\"\"" },
	{ "Devices", "null" }, { "DeviceCgroupRules", "null" },
	{ "DeviceRequests", "null" }, { "KernelMemory", "0" },
	{ "KernelMemoryTCP", "0" }, { "MemoryReservation", "0" },
	{ "MemorySwap", "0" }, { "MemorySwappiness", "null" },
	{ "OomKillDisable", "false" }, { "PidsLimit", "null" },
	{ "Ulimits", "null" }, { "CpuCount", "0" }, { "CpuPercent", "0" },
	{ "IOMaximumIOps", "0" }, { "IOMaximumBandwidth", "0" },
	{ "Mounts", NULL }, { "MaskedPaths", "oci" },
	{ "ReadonlyPaths", "oci" }, { "Init", NULL },
};

/* The "oci" defaults; a privileged container gets no masks, as dockerd. */
static json_t *
hostconfig_oci_default(const char *key, int privileged)
{
	if (strcmp(key, "CgroupnsMode") == 0)
		return (json_string("host"));
	if (strcmp(key, "IpcMode") == 0)
		return (json_string("private"));
	if (strcmp(key, "ShmSize") == 0)
		return (json_integer(64 * 1024 * 1024));
	if (privileged)
		return (json_null());
	return (strcmp(key, "MaskedPaths") == 0 ? oci_masked_paths() :
	    oci_readonly_paths());
}

json_t *
hostconfig_inspect(json_t *hc)
{
	json_t		*out = json_object(), *v;
	const char	*key, *rt = json_string_value(json_object_get(hc,
			    "Runtime"));
	int		 oci = rt == NULL || strcmp(rt, OCIRUNTIME_PROCESS) != 0;
	int		 priv = json_is_true(json_object_get(hc, "Privileged"));

	for (size_t i = 0; i < sizeof hostconfig_view_fields /
	    sizeof hostconfig_view_fields[0]; i++) {
		const char *d = hostconfig_view_fields[i].dflt;

		key = hostconfig_view_fields[i].key;
		if ((v = json_object_get(hc, key)) != NULL)
			json_object_set(out, key, v);
		else if (d != NULL && strcmp(d, "oci") == 0) {
			if (oci)
				json_object_set_new(out, key,
				    hostconfig_oci_default(key, priv));
		} else if (d != NULL)
			json_object_set_new(out, key, json_loads(d,
			    JSON_DECODE_ANY, NULL));
	}
	/* Whatever else the store keeps goes last, as it was. */
	json_object_update_missing(out, hc);
	return (out);
}
