/* SPDX-License-Identifier: MIT */
/*
 * OCI runtime commands: each is a fork/exec of the runtime binary waited
 * for on the spot (create returns once the init waits for start), its
 * errors read back from a JSON log (--log-format json) so the container's
 * stderr never carries them. The console socket is a listening unix socket
 * the runtime connects to during create and sends the pty master through
 * (SCM_RIGHTS); it is queued in the backlog, so we accept after create.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/base/fdpass.h"
#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"
#include "daemon/ociruntime.h"
#include "daemon/ociversion.h"

#define OCIRUNTIME_MAX	16

struct ociruntime {
	char	*name;
	char	*path;
	char	*root;		/* --root: its state directory */
	char	*log;		/* --log: the last command's errors */
	char	*version;	/* from `--version`, NULL until probed */
	char	*commit;
};

struct ociruntimes {
	char			*state_dir;
	struct ociruntime	 rt[OCIRUNTIME_MAX];
	int			 n;
	char			*dflt;		/* a name, or the process's */
};

struct ociruntimes *
ociruntimes_new(const char *state_dir)
{
	struct ociruntimes	*s = xcalloc(1, sizeof *s);

	s->state_dir = xstrdup(state_dir);
	mkdir(state_dir, 0700);
	s->dflt = xstrdup(OCIRUNTIME_PROCESS);
	return (s);
}

void
ociruntimes_free(struct ociruntimes *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->n; i++) {
		xfree(s->rt[i].name);
		xfree(s->rt[i].path);
		xfree(s->rt[i].root);
		xfree(s->rt[i].log);
		xfree(s->rt[i].version);
		xfree(s->rt[i].commit);
	}
	xfree(s->state_dir);
	xfree(s->dflt);
	xfree(s);
}

static struct ociruntime *
ociruntimes_find(struct ociruntimes *s, const char *name)
{
	for (int i = 0; i < s->n; i++) {
		if (strcmp(s->rt[i].name, name) == 0)
			return (&s->rt[i]);
	}
	return (NULL);
}

void
ociruntimes_add(struct ociruntimes *s, const char *name, const char *path)
{
	struct ociruntime	*rt = ociruntimes_find(s, name);

	if (rt != NULL) {
		xfree(rt->path);
		rt->path = xstrdup(path);
		return;
	}
	if (s->n == OCIRUNTIME_MAX) {
		log_warn("%s: too many runtimes, %s ignored", __func__, name);
		return;
	}
	rt = &s->rt[s->n++];
	rt->name = xstrdup(name);
	rt->path = xstrdup(path);
	rt->root = xasprintf("%s/%s", s->state_dir, name);
	rt->log = xasprintf("%s/%s.log", s->state_dir, name);
}

/* exec.LookPath over the daemon's own PATH. */
static char *
ociruntimes_which(const char *file)
{
	const char	*path = getenv("PATH");
	char		*copy, *dir, *next, *full;

	if (path == NULL)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		    "/sbin:/bin";
	copy = xstrdup(path);
	for (dir = copy; dir != NULL; dir = next) {
		if ((next = strchr(dir, ':')) != NULL)
			*next++ = '\0';
		full = xasprintf("%s/%s", *dir == '\0' ? "." : dir, file);
		if (access(full, X_OK) == 0) {
			xfree(copy);
			return (full);
		}
		xfree(full);
	}
	xfree(copy);
	return (NULL);
}

int
ociruntimes_namespaces_ok(void)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == -1)
		return (0);
	if (pid == 0)
		_exit(unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS |
		    CLONE_NEWIPC | CLONE_NEWNET) == 0 ? 0 : 1);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int
ociruntimes_default_version(const struct ociruntimes *s,
    const char **version, const char **commit)
{
	for (int i = 0; i < s->n; i++) {
		if (strcmp(s->rt[i].name, s->dflt) == 0 &&
		    s->rt[i].version != NULL) {
			*version = s->rt[i].version;
			*commit = s->rt[i].commit != NULL ? s->rt[i].commit : "";
			return (0);
		}
	}
	return (-1);
}

int
ociruntimes_setup(struct ociruntimes *s, const char *want, struct err *err)
{
	struct ociruntime	*rt;
	static const char	*known[] = { "runc", "crun" };
	const char		*pick = NULL;
	char			*p;

	for (size_t i = 0; i < 2; i++) {
		if (ociruntimes_find(s, known[i]) != NULL ||
		    (p = ociruntimes_which(known[i])) == NULL)
			continue;
		ociruntimes_add(s, known[i], p);
		xfree(p);
	}
	if (want != NULL && *want != '\0') {
		if (strcmp(want, OCIRUNTIME_PROCESS) != 0 &&
		    ociruntimes_find(s, want) == NULL)
			return (err_set(err, ERR_INVALID, "default runtime %s "
			    "is not a known runtime", want));
		pick = want;
	} else if (s->n == 0)
		log_info("no OCI runtime (runc, crun) on PATH: containers "
		    "run as host processes (%s)", OCIRUNTIME_PROCESS);
	else if (!ociruntimes_namespaces_ok())
		log_info("cannot create pid, mount, uts, ipc and net "
		    "namespaces here: containers run as host processes (%s)",
		    OCIRUNTIME_PROCESS);
	else
		pick = ociruntimes_find(s, "runc") != NULL ? "runc" :
		    ociruntimes_find(s, "crun") != NULL ? "crun" :
		    s->rt[0].name;
	if (pick != NULL) {
		xfree(s->dflt);
		s->dflt = xstrdup(pick);
	}
	/*
	 * Once, here, not per /version as dockerd does: a fork on the loop
	 * for every `docker version` is not worth a fresher answer.
	 */
	if ((rt = ociruntimes_find(s, s->dflt)) != NULL && rt->version == NULL)
		ociversion_probe(rt->path, &rt->version, &rt->commit);
	log_info("default runtime %s%s%s", s->dflt, rt != NULL &&
	    rt->version != NULL ? " " : "", rt != NULL && rt->version != NULL ?
	    rt->version : "");
	return (0);
}

const char *
ociruntimes_default(const struct ociruntimes *s)
{
	return (s->dflt);
}

json_t *
ociruntimes_view(const struct ociruntimes *s)
{
	json_t		*o = json_object();
	const char	*key;
	json_t		*v, *sorted = json_object();

	json_object_set_new(o, OCIRUNTIME_PROCESS, json_pack("{s:s}", "path",
	    ""));
	for (int i = 0; i < s->n; i++)
		json_object_set_new(o, s->rt[i].name, json_pack("{s:s}", "path",
		    s->rt[i].path));
	/* jansson keeps insertion order; Go sorts a map's keys. */
	while (json_object_size(o) > 0) {
		const char	*least = NULL;

		json_object_foreach(o, key, v)
			if (least == NULL || strcmp(key, least) < 0)
				least = key;
		json_object_set(sorted, least, json_object_get(o, least));
		json_object_del(o, least);
	}
	json_decref(o);
	return (sorted);
}

int
ociruntimes_lookup(struct ociruntimes *s, const char *name,
    struct ociruntime **rt, struct err *err)
{
	if (name == NULL || *name == '\0')
		name = s->dflt;
	*rt = NULL;
	if (strcmp(name, OCIRUNTIME_PROCESS) == 0)
		return (0);
	if ((*rt = ociruntimes_find(s, name)) == NULL)
		return (err_set(err, ERR_INVALID, "Unknown runtime specified "
		    "%s", name));
	return (0);
}

const char *
ociruntime_name(const struct ociruntime *rt)
{
	return (rt->name);
}

/* The last "error" record of a runtime's JSON log, else NULL. */
static char *
ociruntime_log_error(const char *log)
{
	FILE	*f = fopen(log, "r");
	char	 line[4096], *msg = NULL;

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		json_t		*j = json_loads(line, 0, NULL);
		const char	*lv = json_string_value(json_object_get(j,
				    "level"));
		const char	*m = json_string_value(json_object_get(j,
				    "msg"));

		if (m != NULL && lv != NULL && (strcmp(lv, "error") == 0 ||
		    strcmp(lv, "fatal") == 0)) {
			xfree(msg);
			msg = xstrdup(m);
		}
		json_decref(j);
	}
	if (f != NULL)
		fclose(f);
	return (msg);
}

/*
 * Starts the runtime with argv (after its global flags) on in/out/err
 * (-1: /dev/null), logging to log (emptied first): its pid, or -1.
 */
static pid_t
ociruntime_fork(struct ociruntime *rt, const char *const *argv, int in,
    int out, int errfd, const char *log, struct err *err)
{
	const char	*args[16];
	size_t		 n = 0;
	pid_t		 pid;
	int		 null_fd;
	char		*logarg = xasprintf("--log=%s", log);

	args[n++] = rt->path;
	args[n++] = "--root";
	args[n++] = rt->root;
	args[n++] = logarg;
	args[n++] = "--log-format=json";
	for (; *argv != NULL && n < 15; argv++)
		args[n++] = *argv;
	args[n] = NULL;
	mkdir(rt->root, 0700);	/* the parent is made by ociruntimes_new */
	unlink(log);
	if ((pid = fork()) == -1) {
		xfree(logarg);
		err_errno(err, "fork %s", rt->path);
		return (-1);
	}
	if (pid == 0) {
		sigset_t	none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		null_fd = open("/dev/null", O_RDWR);
		/* Above 2 first, so no dup2 overwrites a source. */
		in = fcntl(in != -1 ? in : null_fd, F_DUPFD, 10);
		out = fcntl(out != -1 ? out : null_fd, F_DUPFD, 10);
		errfd = fcntl(errfd != -1 ? errfd : null_fd, F_DUPFD, 10);
		if (in == -1 || out == -1 || errfd == -1 ||
		    dup2(in, 0) == -1 || dup2(out, 1) == -1 ||
		    dup2(errfd, 2) == -1)
			_exit(127);
		if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
			for (int fd = 3; fd < 65536; fd++)
				close(fd);
		}
		execv(rt->path, (char *const *)(void *)args);
		_exit(127);
	}
	xfree(logarg);
	return (pid);
}

/* How the runtime run as cmd ended: 0, or -1 with its last error. */
static int
ociruntime_status(struct ociruntime *rt, const char *cmd, int status,
    const char *log, struct err *err)
{
	char	*msg;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (0);
	if ((msg = ociruntime_log_error(log)) == NULL)
		msg = xasprintf("%s %s failed (status %d)", rt->name, cmd,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
		    WTERMSIG(status));
	err_set(err, ERR_INTERNAL, "%s", msg);
	xfree(msg);
	return (-1);
}

/* ociruntime_fork on the runtime's own log, waited for. */
static int
ociruntime_run(struct ociruntime *rt, const char *const *argv, int in,
    int out, int errfd, struct err *err)
{
	pid_t	pid;
	int	status;

	if ((pid = ociruntime_fork(rt, argv, in, out, errfd, rt->log,
	    err)) == -1)
		return (-1);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return (ociruntime_status(rt, argv[0], status, rt->log, err));
}

static void
ociruntime_create_error(struct ociruntime *rt, const char *cmd,
    struct err *err)
{
	static const char	*mark = "unable to start container process: ";
	const char		*why = strstr(err->msg, mark);
	char			*msg;

	/* runc: "... : exec: \"x\": executable file not found in $PATH". */
	if (why != NULL) {
		msg = xstrdup(why + strlen(mark));
		err_set(err, ERR_INVALID, "%s", msg);
	} else if (strstr(err->msg, "executable file") != NULL ||
	    strstr(err->msg, "chdir") != NULL) {
		msg = xstrdup(err->msg);	/* crun's words */
		err_set(err, ERR_INVALID, "%s", msg);
	} else {
		msg = xasprintf("OCI runtime %s failed: %s %s failed: %s: "
		    "unknown", cmd, rt->name, cmd, err->msg);
		err_set(err, ERR_INTERNAL, "%s", msg);
	}
	xfree(msg);
}

/* The pid the runtime run as cmd wrote, or -1 with err. */
static pid_t
ociruntime_read_pid(struct ociruntime *rt, const char *cmd,
    const char *pidfile, struct err *err)
{
	char	buf[32];
	ssize_t	got;
	pid_t	pid = -1;
	int	fd;

	if ((fd = open(pidfile, O_RDONLY | O_CLOEXEC)) != -1) {
		got = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[got > 0 ? got : 0] = '\0';
		pid = (pid_t)atoi(buf);
	}
	if (pid > 0)
		return (pid);
	err_set(err, ERR_INTERNAL, "%s %s: no pid in %s", rt->name, cmd,
	    pidfile);
	return (-1);
}

/*
 * create or exec -d: argv[0..n) already holds the command and its own
 * flags; adds --pid-file, the console socket and id, runs it, and reads the
 * pid back. A failed create is deleted; a failed exec leaves nothing.
 */
static pid_t
ociruntime_spawn(struct ociruntime *rt, const char **argv, size_t n,
    const char *pidfile, const char *id, int in, int out, int errfd,
    int *console, struct err *err)
{
	char		 dir[64], sock[96];
	int		 lfd = -1, create = strcmp(argv[0], "create") == 0;
	pid_t		 pid = -1;

	unlink(pidfile);
	argv[n++] = "--pid-file";
	argv[n++] = pidfile;
	if (console != NULL) {
		*console = -1;
		if ((lfd = fdpass_listen(dir, sizeof dir, sock,
		    sizeof sock)) == -1) {
			err_errno(err, "console socket");
			goto out;
		}
		argv[n++] = "--console-socket";
		argv[n++] = sock;
	}
	argv[n++] = id;
	argv[n] = NULL;
	if (ociruntime_run(rt, argv, in, out, errfd, err) != 0) {
		ociruntime_create_error(rt, create ? "create" : "exec", err);
		goto out;
	}
	if ((pid = ociruntime_read_pid(rt, argv[0], pidfile, err)) != -1 &&
	    console != NULL &&
	    (*console = fdpass_recv(lfd)) == -1) {
		err_set(err, ERR_INTERNAL, "%s %s: no console received",
		    rt->name, argv[0]);
		if (!create)
			kill(pid, SIGKILL);	/* ours now: reaped by free */
		pid = -1;
	}
	if (pid == -1 && create)
		ociruntime_command(rt, "delete", id, NULL);
out:
	if (lfd != -1) {
		close(lfd);
		unlink(sock);
		rmdir(dir);
	}
	if (!create)
		unlink(pidfile);
	return (pid);
}

pid_t
ociruntime_create(struct ociruntime *rt, const char *bundle, const char *id,
    int in, int out, int errfd, int *console, struct err *err)
{
	const char	*argv[12] = { "create", "--bundle", bundle };
	char		*pidfile = xasprintf("%s/init.pid", bundle);
	pid_t		 pid;

	pid = ociruntime_spawn(rt, argv, 3, pidfile, id, in, out, errfd,
	    console, err);
	xfree(pidfile);
	return (pid);
}

pid_t
ociruntime_exec(struct ociruntime *rt, const char *id, const char *process,
    int in, int out, int errfd, int *console, struct err *err)
{
	const char	*argv[12] = { "exec", "--detach", "--process", process };
	char		*pidfile = xasprintf("%s.pid", process);
	pid_t		 pid;

	pid = ociruntime_spawn(rt, argv, 4, pidfile, id, in, out, errfd,
	    console, err);
	xfree(pidfile);
	return (pid);
}

pid_t
ociruntime_exec_begin(struct ociruntime *rt, const char *id,
    const char *process, int in, int out, int errfd, struct err *err)
{
	char		*pidfile = xasprintf("%s.pid", process);
	char		*log = xasprintf("%s.log", process);
	const char	*argv[] = { "exec", "--detach", "--process", process,
			    "--pid-file", pidfile, id, NULL };
	pid_t		 pid;

	unlink(pidfile);
	pid = ociruntime_fork(rt, argv, in, out, errfd, log, err);
	xfree(pidfile);
	xfree(log);
	return (pid);
}

pid_t
ociruntime_exec_end(struct ociruntime *rt, const char *process, int status,
    struct err *err)
{
	char	*pidfile = xasprintf("%s.pid", process);
	char	*log = xasprintf("%s.log", process);
	pid_t	 pid = -1;

	if (ociruntime_status(rt, "exec", status, log, err) != 0)
		ociruntime_create_error(rt, "exec", err);
	else
		pid = ociruntime_read_pid(rt, "exec", pidfile, err);
	unlink(pidfile);
	unlink(log);
	unlink(process);
	xfree(pidfile);
	xfree(log);
	return (pid);
}

int
ociruntime_command(struct ociruntime *rt, const char *cmd, const char *id,
    struct err *err)
{
	const char	*del[] = { "delete", "--force", id, NULL };
	const char	*argv[] = { cmd, id, NULL };
	struct err	 e = { 0, "" };

	if (ociruntime_run(rt, strcmp(cmd, "delete") == 0 ? del : argv, -1,
	    -1, -1, &e) != 0) {
		log_debug("%s %s %.12s: %s", rt->name, cmd, id, e.msg);
		return (err_set(err, e.code, "%s", e.msg));
	}
	return (0);
}

int
ociruntime_update(struct ociruntime *rt, const char *id, const char *path,
    struct err *err)
{
	const char	*argv[] = { "update", "--resources", path, id, NULL };

	return (ociruntime_run(rt, argv, -1, -1, -1, err));
}

int
ociruntime_kill(struct ociruntime *rt, const char *id, int sig,
    struct err *err)
{
	char		 num[16];
	const char	*argv[] = { "kill", id, num, NULL };

	snprintf(num, sizeof num, "%d", sig);
	return (ociruntime_run(rt, argv, -1, -1, -1, err));
}

void
ociruntimes_cleanup(struct ociruntimes *s)
{
	for (int i = 0; i < s->n; i++) {
		DIR		*d = opendir(s->rt[i].root);
		struct dirent	*de;

		while (d != NULL && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || de->d_type != DT_DIR)
				continue;
			log_info("%s: container %.12s of a daemon that died: "
			    "killing it", s->rt[i].name, de->d_name);
			ociruntime_kill(&s->rt[i], de->d_name, SIGKILL, NULL);
			ociruntime_command(&s->rt[i], "delete", de->d_name,
			    NULL);
		}
		if (d != NULL)
			closedir(d);
	}
}
