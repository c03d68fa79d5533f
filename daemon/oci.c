/* SPDX-License-Identifier: MIT */
/*
 * config.json from Config/HostConfig, following dockerd's default spec
 * (moby v20.10.24 oci/defaults.go) and what daemon/oci_linux.go adds:
 * capabilities, masked and read-only paths, the default mounts, devices,
 * namespaces, cgroup resources, user, binds and tmpfs.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/xalloc.h"
#include "daemon/oci.h"
#include "daemon/ocifiles.h"
#include "daemon/ocimounts.h"

static const char *oci_default_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
	"CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
	"CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

/* Every capability, in number order, to CAP_CHECKPOINT_RESTORE (40). */
static const char *oci_all_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE", NULL,
};

static const char *oci_masked[] = {
	"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/proc/scsi", "/sys/firmware", NULL,
};

static const char *oci_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
	"/proc/sysrq-trigger", NULL,
};

/*
 * Privileged: every capability this daemon may pass on (its bounding set,
 * which in a sandbox is less than the kernel knows), as dockerd gives all.
 */
static json_t *
oci_all_caps_held(void)
{
	FILE			*f = fopen("/proc/self/status", "r");
	char			 line[256];
	unsigned long long	 bnd = ~0ULL;
	json_t			*a = json_array();

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "CapBnd:", 7) == 0)
			bnd = strtoull(line + 7, NULL, 16);
	}
	if (f != NULL)
		fclose(f);
	for (int i = 0; oci_all_caps[i] != NULL; i++) {
		if (bnd & (1ULL << i))
			json_array_append_new(a, json_string(oci_all_caps[i]));
	}
	return (a);
}

static json_t *
oci_strings(const char *const *v)
{
	json_t	*a = json_array();

	for (; *v != NULL; v++)
		json_array_append_new(a, json_string(*v));
	return (a);
}

int
oci_console_dims(json_t *hc, json_int_t *h, json_int_t *w)
{
	json_t	*cs = json_object_get(hc, "ConsoleSize");

	*h = json_integer_value(json_array_get(cs, 0));
	*w = json_integer_value(json_array_get(cs, 1));
	/* A winsize field is 16 bits; the kernel would truncate silently. */
	if (*h <= 0 || *w <= 0 || *h > 65535 || *w > 65535)
		return (-1);
	return (0);
}

json_t *
oci_masked_paths(void)
{
	return (oci_strings(oci_masked));
}

json_t *
oci_readonly_paths(void)
{
	return (oci_strings(oci_readonly));
}

const char *
oci_network_mode(json_t *hc)
{
	const char	*m = json_string_value(json_object_get(hc,
			    "NetworkMode"));

	return (m != NULL && strcmp(m, "host") == 0 ? "host" : "none");
}

static json_t *
oci_namespaces(int host_net, const struct oci_ipc *ipc)
{
	static const char	*ns[] = { "pid", "ipc", "uts", "mount",
				    "network" };
	json_t			*a = json_array(), *n;

	for (size_t i = 0; i < 5; i++) {
		if ((i == 4 && host_net) || (i == 1 && ipc->host))
			continue;
		n = json_pack("{s:s}", "type", ns[i]);
		if (i == 1 && ipc->join != NULL)
			json_object_set_new(n, "path", json_string(ipc->join));
		json_array_append_new(a, n);
	}
	return (a);
}

/* oci/defaults.go's device rules: deny all, allow the usual nodes. */
static json_t *
oci_devices(int privileged)
{
	static const struct {
		const char	*type;
		int		 major, minor;
	} allow[] = {
		{ "c", -1, -1 }, { "b", -1, -1 }, { "c", 1, 3 }, { "c", 1, 8 },
		{ "c", 1, 7 }, { "c", 5, 0 }, { "c", 1, 5 }, { "c", 1, 9 },
		{ "c", 136, -1 }, { "c", 5, 2 }, { "c", 10, 200 },
	};
	json_t	*a = json_array(), *d;

	if (privileged) {
		json_array_append_new(a, json_pack("{s:b, s:s}", "allow", 1,
		    "access", "rwm"));
		return (a);
	}
	json_array_append_new(a, json_pack("{s:b, s:s}", "allow", 0, "access",
	    "rwm"));
	for (size_t i = 0; i < sizeof allow / sizeof allow[0]; i++) {
		d = json_pack("{s:b, s:s, s:s}", "allow", 1, "type",
		    allow[i].type, "access", i < 2 ? "m" : "rwm");
		if (allow[i].major >= 0)
			json_object_set_new(d, "major",
			    json_integer(allow[i].major));
		if (allow[i].minor >= 0)
			json_object_set_new(d, "minor",
			    json_integer(allow[i].minor));
		json_array_append_new(a, d);
	}
	return (a);
}

static json_int_t
oci_int(json_t *hc, const char *key)
{
	return (json_integer_value(json_object_get(hc, key)));
}

static const char *
oci_str(json_t *hc, const char *key)
{
	const char	*s = json_string_value(json_object_get(hc, key));

	return (s != NULL ? s : "");
}

/*
 * Memory, PidsLimit, CpuShares, NanoCpus or CpuQuota/CpuPeriod, the
 * cpuset; runc and crun map v1 <-> v2.
 */
static json_t *
oci_resources(json_t *hc, int privileged)
{
	json_t		*r = json_pack("{s:o}", "devices",
			    oci_devices(privileged));
	json_int_t	 mem = oci_int(hc, "Memory"), swap = oci_int(hc,
			    "MemorySwap"), pids = oci_int(hc, "PidsLimit");
	json_int_t	 shares = oci_int(hc, "CpuShares"), nano = oci_int(hc,
			    "NanoCpus"), quota = oci_int(hc, "CpuQuota"),
			 period = oci_int(hc, "CpuPeriod");
	const char	*cpus = oci_str(hc, "CpusetCpus"), *mems = oci_str(hc,
			    "CpusetMems");

	if (mem > 0) {
		json_t	*m = json_pack("{s:I}", "limit", mem);

		if (swap > 0 || swap == -1)
			json_object_set_new(m, "swap", json_integer(swap));
		json_object_set_new(r, "memory", m);
	}
	if (pids > 0)
		json_object_set_new(r, "pids", json_pack("{s:I}", "limit",
		    pids));
	if (shares > 0 || nano > 0 || quota != 0 || period > 0 ||
	    *cpus != '\0' || *mems != '\0') {
		json_t	*c = json_object();

		if (*cpus != '\0')
			json_object_set_new(c, "cpus", json_string(cpus));
		if (*mems != '\0')
			json_object_set_new(c, "mems", json_string(mems));

		if (shares > 0)
			json_object_set_new(c, "shares", json_integer(shares));
		/* dockerd: NanoCpus is a quota over a 100 ms period. */
		if (nano > 0) {
			period = 100000;
			quota = nano * 100000 / 1000000000;
		}
		if (period > 0)
			json_object_set_new(c, "period", json_integer(period));
		if (quota != 0)	/* -1: no quota */
			json_object_set_new(c, "quota", json_integer(quota));
		json_object_set_new(r, "cpu", c);
	}
	return (r);
}

json_t *
oci_update_resources(json_t *hc)
{
	json_t	*r = oci_resources(hc, 0);

	/* The device rules stay as the create made them. */
	json_object_del(r, "devices");
	/* No limit must be said to lift one: -1 is "max". */
	if (oci_int(hc, "PidsLimit") <= 0)
		json_object_set_new(r, "pids", json_pack("{s:i}", "limit", -1));
	return (r);
}

static int
oci_has(json_t *list, const char *a, const char *b)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);

		if (s != NULL && (strcmp(s, a) == 0 || (b != NULL &&
		    strcmp(s, b) == 0)))
			return (1);
	}
	return (0);
}

/*
 * HostConfig.ConsoleSize [height, width] as the tty's first size (API
 * 1.42; the create drops it for older clients). [0, 0] leaves the
 * runtime's default.
 */
static void
oci_console_size(json_t *process, json_t *hc, int tty)
{
	json_int_t	h, w;

	if (!tty || oci_console_dims(hc, &h, &w) != 0)
		return;
	json_object_set_new(process, "consoleSize", json_pack("{s:I, s:I}",
	    "height", h, "width", w));
}

static json_t *
oci_process(json_t *config, json_t *hc, json_t *user, const char *hostname,
    int privileged)
{
	json_t		*args = json_array(), *env = json_array(), *caps, *v;
	const char	*cwd = json_string_value(json_object_get(config,
			    "WorkingDir"));
	int		 tty = json_is_true(json_object_get(config, "Tty"));
	int		 path = 0;
	size_t		 i;
	char		*h;
	json_t		*p;

	json_array_extend(args, json_object_get(config, "Entrypoint"));
	json_array_extend(args, json_object_get(config, "Cmd"));
	/* CreateDaemonEnvironment: PATH, HOSTNAME, TERM, then the user's. */
	json_array_foreach(json_object_get(config, "Env"), i, v) {
		if (strncmp(json_string_value(v), "PATH=", 5) == 0)
			path = 1;
	}
	if (!path)
		json_array_append_new(env, json_string("PATH=/usr/local/sbin:"
		    "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	h = xasprintf("HOSTNAME=%s", hostname);
	json_array_append_new(env, json_string(h));
	xfree(h);
	if (tty)
		json_array_append_new(env, json_string("TERM=xterm"));
	json_array_extend(env, json_object_get(config, "Env"));
	caps = privileged ? oci_all_caps_held() :
	    oci_strings(oci_default_caps);
	p = json_pack("{s:b, s:o, s:o, s:o, s:s, s:{s:O, s:O, s:O}, s:b}",
	    "terminal", tty, "user", user, "args", args, "env", env, "cwd",
	    cwd != NULL && *cwd != '\0' ? cwd : "/", "capabilities",
	    "bounding", caps, "effective", caps, "permitted", caps,
	    "noNewPrivileges", oci_has(json_object_get(hc, "SecurityOpt"),
	    "no-new-privileges", "no-new-privileges:true"));
	json_decref(caps);
	oci_console_size(p, hc, tty);
	return (p);
}

char *
oci_cgroup_path(const char *id)
{
	return (xasprintf("/logpouch/%s", id));
}

/* Writes doc to path atomically enough: the runtime reads it once. */
static int
oci_save(json_t *doc, const char *path, struct err *err)
{
	if (json_dump_file(doc, path, JSON_COMPACT) != 0)
		return (err_errno(err, "write %s", path));
	return (0);
}

/*
 * mkdir -p of the working directory inside the root, as dockerd does. The
 * image is the user's: a component that is a symlink stops it (it could
 * point out of the root), and the runtime's chdir then says what is wrong.
 */
static void
oci_mkdir_cwd(const char *rootfs, const char *cwd)
{
	struct stat	 sb;
	char		*p;
	int		 last = 0;

	if (cwd == NULL || *cwd == '\0' || strstr(cwd, "..") != NULL)
		return;
	p = xasprintf("%s%s/", rootfs, cwd);
	for (char *s = p + strlen(rootfs) + 1; *s != '\0' && !last; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		last = s[1] == '\0';
		if (lstat(p, &sb) != 0) {
			if (mkdir(p, 0755) != 0)
				break;
		} else if (!S_ISDIR(sb.st_mode))
			break;
		*s = '/';
	}
	xfree(p);
}

/*
 * HostConfig's MaskedPaths or ReadonlyPaths when the create gave them
 * (even []), else dockerd's defaults; none for a privileged container.
 */
static json_t *
oci_paths(json_t *hc, const char *key, const char *const *dflt, int priv)
{
	json_t	*v = json_object_get(hc, key);

	if (priv)
		return (json_array());
	return (json_is_array(v) ? json_deep_copy(v) : oci_strings(dflt));
}

int
oci_bundle_write(const char *dir, const char *id, json_t *config,
    json_t *hc, const char *rootfs, const struct oci_ipc *ipc,
    const char *data_root, char **bundle, struct err *err)
{
	json_t		*user, *mounts, *doc, *linux, *v;
	char		 hostname[256], *path, *cg;
	const char	*prop;
	int		 priv = json_is_true(json_object_get(hc, "Privileged"));
	int		 host = strcmp(oci_network_mode(hc), "host") == 0;
	int		 rc = -1;
	static const char *etc[] = { "hosts", "hostname", "resolv.conf" };

	*bundle = NULL;
	/*
	 * dockerd: Config.Hostname, else the short id, or the host's name
	 * with host networking.
	 */
	v = json_object_get(config, "Hostname");
	if (!host && json_string_value(v) != NULL && *json_string_value(v) !=
	    '\0')
		snprintf(hostname, sizeof hostname, "%s", json_string_value(v));
	else if (!host || gethostname(hostname, sizeof hostname) != 0)
		snprintf(hostname, sizeof hostname, "%.12s", id);
	if ((user = ocifiles_user(rootfs, json_string_value(json_object_get(
	    config, "User")), err)) == NULL)
		return (-1);
	if (ocifiles_write_etc(dir, hostname, host, err) != 0) {
		json_decref(user);
		return (-1);
	}
	oci_mkdir_cwd(rootfs, json_string_value(json_object_get(config,
	    "WorkingDir")));
	mounts = ocimounts_defaults(priv);
	ocimounts_shm(mounts, ipc->no_shm, ipc->shm_bind, ipc->shm_size);
	if (ocimounts_binds(mounts, json_object_get(hc, "Binds"), data_root,
	    err) != 0 || ocimounts_mounts(mounts, json_object_get(hc,
	    "Mounts"), data_root, err) != 0) {
		json_decref(user);
		json_decref(mounts);
		return (-1);
	}
	ocimounts_tmpfs(mounts, json_object_get(hc, "Tmpfs"));
	for (size_t i = 0; i < 3; i++) {
		path = xasprintf("%s/%s", dir, etc[i]);
		cg = xasprintf("/etc/%s", etc[i]);
		json_array_append_new(mounts, ocimounts_one(cg, "bind", path,
		    "rbind,rprivate"));
		xfree(cg);
		xfree(path);
	}
	cg = oci_cgroup_path(id);
	linux = json_pack("{s:o, s:s, s:o, s:o}", "namespaces",
	    oci_namespaces(host, ipc), "cgroupsPath", cg, "resources",
	    oci_resources(hc, priv), "maskedPaths", oci_paths(hc,
	    "MaskedPaths", oci_masked, priv));
	json_object_set_new(linux, "readonlyPaths", oci_paths(hc,
	    "ReadonlyPaths", oci_readonly, priv));
	if ((prop = ocimounts_rootfs_propagation(mounts)) != NULL)
		json_object_set_new(linux, "rootfsPropagation",
		    json_string(prop));
	xfree(cg);
	doc = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}",
	    "ociVersion", "1.0.2",
	    "process", oci_process(config, hc, user, hostname, priv),
	    "root", "path", rootfs, "readonly", json_is_true(json_object_get(
	    hc, "ReadonlyRootfs")),
	    "hostname", hostname, "mounts", mounts, "linux", linux);
	/* As dockerd sets it: runc 1.1 does not read the spec's domainname. */
	v = json_object_get(config, "Domainname");
	if (!host && json_string_value(v) != NULL && *json_string_value(v) !=
	    '\0')
		json_object_set_new(linux, "sysctl", json_pack("{s:O}",
		    "kernel.domainname", v));
	if ((v = json_object_get(hc, "Annotations")) != NULL &&
	    json_object_size(v) > 0)
		json_object_set(doc, "annotations", v);
	path = xasprintf("%s/bundle", dir);
	mkdir(path, 0700);
	*bundle = path;
	path = xasprintf("%s/config.json", *bundle);
	if (doc == NULL)
		err_set(err, ERR_INTERNAL, "cannot build config.json");
	else
		rc = oci_save(doc, path, err);
	xfree(path);
	json_decref(doc);
	if (rc != 0) {
		xfree(*bundle);
		*bundle = NULL;
	}
	return (rc);
}

/*
 * dockerd's exec (daemon/exec.go): the container's own spec.Process
 * (user, capabilities, noNewPrivileges, rlimits) with the exec's args,
 * env, cwd and terminal; its user when given; every capability held when
 * privileged. Read back from the bundle, so it is what the init got.
 */
int
oci_exec_process_write(const char *bundle, const char *path,
    const char *const *argv, const char *const *envp, const char *cwd,
    int tty, const char *user, int privileged, struct err *err)
{
	json_t		*doc, *proc, *args, *env, *u, *caps;
	json_error_t	 je;
	const char	*rootfs;
	char		*cfg = xasprintf("%s/config.json", bundle);
	int		 rc = -1;

	doc = json_load_file(cfg, 0, &je);
	xfree(cfg);
	if (doc == NULL || !json_is_object(proc = json_object_get(doc,
	    "process"))) {
		err_set(err, ERR_INTERNAL, "container spec %s: %s", bundle,
		    doc == NULL ? je.text : "no process");
		json_decref(doc);
		return (-1);
	}
	proc = json_deep_copy(proc);
	rootfs = json_string_value(json_object_get(json_object_get(doc,
	    "root"), "path"));
	if (user != NULL && *user != '\0') {
		if ((u = ocifiles_user(rootfs != NULL ? rootfs : "/", user,
		    err)) == NULL)
			goto out;
		json_object_set_new(proc, "user", u);
	}
	args = json_array();
	for (; *argv != NULL; argv++)
		json_array_append_new(args, json_string(*argv));
	env = json_array();
	for (; envp != NULL && *envp != NULL; envp++)
		json_array_append_new(env, json_string(*envp));
	json_object_set_new(proc, "args", args);
	json_object_set_new(proc, "env", env);
	json_object_set_new(proc, "terminal", json_boolean(tty));
	if (cwd != NULL && *cwd != '\0')
		json_object_set_new(proc, "cwd", json_string(cwd));
	if (privileged) {
		caps = oci_all_caps_held();
		json_object_set_new(proc, "capabilities", json_pack(
		    "{s:O, s:O, s:O}", "bounding", caps, "effective", caps,
		    "permitted", caps));
		json_decref(caps);
	}
	rc = oci_save(proc, path, err);
out:
	json_decref(proc);
	json_decref(doc);
	return (rc);
}
