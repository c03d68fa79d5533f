/* SPDX-License-Identifier: MIT */
/*
 * A container's metadata on disk, <data-root>/containers/<id>/config.v2.json:
 * written atomically after every state change, read back when the daemon
 * starts, with the check for a process the previous daemon left running.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/container_int.h"

#define CONTAINER_PERSIST_ZERO_TIME	"0001-01-01T00:00:00Z"

static int
container_persist_write(const char *tmp, const char *text, size_t len)
{
	size_t	off = 0;
	ssize_t	n;
	int	fd, saved;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return (-1);
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return (-1);
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (close(fd));
}

/*
 * Temp file, fsync, rename, so a crash leaves the old or the new file,
 * never half of one.
 */
int
container_persist_save(struct container *c)
{
	json_t	*j;
	char	*tmp = NULL, *path = NULL, *text = NULL;
	int	 saved, rc = 0;

	if (c->removed)
		return (0);
	j = container_view_inspect(c);
	/*
	 * Not part of inspect: what a restarted daemon needs to find the
	 * process again if this one dies (State.Pid is dockerd's field).
	 */
	if (j != NULL && c->state == CONTAINER_RUNNING)
		json_object_set_new(j, "LogpouchProcess", json_pack("{s:i, s:i,"
		    " s:I}", "Pid", (int)c->ident.pid, "Pgid",
		    (int)c->ident.pgid, "StartTime",
		    (json_int_t)c->ident.start_time));
	/* dockerd's own field, read back by the restart policy at boot. */
	if (j != NULL)
		json_object_set_new(j, "HasBeenManuallyStopped",
		    json_boolean(c->manually_stopped));
	text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (text == NULL) {
		log_error("container %.12s: cannot encode state", c->id);
		errno = EINVAL;
		return (-1);
	}
	tmp = xasprintf("%s/config.v2.json.tmp", c->dir);
	path = xasprintf("%s/config.v2.json", c->dir);
	if (container_persist_write(tmp, text, strlen(text)) != 0 ||
	    rename(tmp, path) != 0) {
		saved = errno;
		log_error("container %.12s: save %s: %s", c->id, path,
		    strerror(saved));
		unlink(tmp);
		errno = saved;
		rc = -1;
	}
	xfree(text);
	xfree(tmp);
	xfree(path);
	return (rc);
}

static int
container_persist_rm_cb(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		log_warn("remove %s: %s", path, strerror(errno));
	return (0);
}

void
container_persist_rmdir(const char *dir)
{
	nftw(dir, container_persist_rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static int64_t
container_persist_time(const char *s)
{
	int64_t	ns;

	if (s == NULL || strcmp(s, CONTAINER_PERSIST_ZERO_TIME) == 0 ||
	    timeutil_parse(s, strlen(s), &ns, NULL) != 0)
		return (0);
	return (ns);
}

/*
 * The daemon died under a running container: its pipes went with it, so
 * the process cannot be watched or logged any more. Kill it (if the pid
 * still names it) as dockerd has containerd do after an unclean shutdown,
 * and report what containerd would: 137 for the SIGKILL, 255 when the exit
 * status is lost. State.Error stays empty, as dockerd's SetStopped leaves it.
 */
static void
container_persist_orphan(struct container *c, json_t *j)
{
	json_t			*lp = json_object_get(j, "LogpouchProcess");
	struct procident	 id;
	enum procident_orphan	 how;

	id.pid = (pid_t)json_integer_value(json_object_get(json_object_get(j,
	    "State"), "Pid"));
	id.pgid = (pid_t)json_integer_value(json_object_get(lp, "Pgid"));
	id.start_time = (uint64_t)json_integer_value(json_object_get(lp,
	    "StartTime"));
	how = procident_kill_orphan(&id, CONTAINER_DRAIN_MS);
	c->exit_code = how == PROCIDENT_ORPHAN_KILLED ? 128 + SIGKILL : 255;
	container_set_error(c, "");
	c->finished_ns = timeutil_now_ns();
	c->state = CONTAINER_EXITED;
	log_info("container %.12s was running when the daemon died: %s, "
	    "exit code %d", c->id, how == PROCIDENT_ORPHAN_KILLED ? "killed" :
	    how == PROCIDENT_ORPHAN_GONE ? "process gone" :
	    "not the same process (not signalled)",
	    c->exit_code);
}

int
container_persist_load(struct container *c)
{
	json_t			*j, *state;
	json_error_t		 jerr;
	char			*path;
	const char		*name;

	path = xasprintf("%s/config.v2.json", c->dir);
	j = json_load_file(path, 0, &jerr);
	if (j == NULL) {
		log_warn("skipping container %.12s: %s: %s", c->id, path,
		    jerr.text);
		xfree(path);
		return (-1);
	}
	xfree(path);
	name = json_string_value(json_object_get(j, "Name"));
	if (name == NULL || !json_is_object(json_object_get(j, "Config")) ||
	    !json_is_object(json_object_get(j, "HostConfig"))) {
		log_warn("skipping container %.12s: bad metadata", c->id);
		json_decref(j);
		return (-1);
	}
	c->name = name[0] == '/' ? xstrdup(name) : xasprintf("/%s", name);
	c->config = json_incref(json_object_get(j, "Config"));
	c->hostconfig = json_incref(json_object_get(j, "HostConfig"));
	/* inspect's Config has no ImageID: it is the top-level "Image". */
	if (json_object_get(c->config, "ImageID") == NULL &&
	    json_is_string(json_object_get(j, "Image")))
		json_object_set(c->config, "ImageID", json_object_get(j,
		    "Image"));
	container_log_init(&c->logopt, c->hostconfig, c->dir, c->id);
	c->created_ns = container_persist_time(json_string_value(
	    json_object_get(j, "Created")));
	state = json_object_get(j, "State");
	c->exit_code = (int)json_integer_value(json_object_get(state,
	    "ExitCode"));
	c->oom_killed = json_is_true(json_object_get(state, "OOMKilled"));
	if (json_is_object(json_object_get(state, "Health")))
		c->health = json_incref(json_object_get(state, "Health"));
	container_set_error(c, container_json_str(state, "Error"));
	c->started_ns = container_persist_time(json_string_value(
	    json_object_get(state, "StartedAt")));
	c->finished_ns = container_persist_time(json_string_value(
	    json_object_get(state, "FinishedAt")));
	c->state = c->started_ns != 0 ? CONTAINER_EXITED : CONTAINER_CREATED;
	c->restart_count = (int)json_integer_value(json_object_get(j,
	    "RestartCount"));
	c->manually_stopped = json_is_true(json_object_get(j,
	    "HasBeenManuallyStopped"));
	/* Restarting is saved as running, with no process behind it. */
	if (json_is_true(json_object_get(state, "Running")) &&
	    !json_is_true(json_object_get(state, "Restarting")))
		container_persist_orphan(c, j);
	/* Only whether it was shown: the path itself derives from the id. */
	c->log_started = *container_json_str(j, "LogPath") != '\0';
	json_decref(j);
	return (0);
}
