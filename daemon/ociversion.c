/* SPDX-License-Identifier: MIT */
/*
 * What an OCI runtime says of itself: `runc --version` and `crun
 * --version`, read as dockerd reads them for /version and /info.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/xalloc.h"
#include "daemon/ociversion.h"

/* Up to 4 KiB of what `path --version` prints, or NULL after 5 s. */
static char *
ociversion_output(const char *path)
{
	char		 buf[4096];
	size_t		 len = 0;
	ssize_t		 got;
	struct pollfd	 pfd;
	int		 fds[2], status;
	pid_t		 pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return (NULL);
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return (NULL);
	}
	if (pid == 0) {
		if (dup2(fds[1], 1) == -1)
			_exit(127);
		execl(path, path, "--version", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (len < sizeof buf - 1 && poll(&pfd, 1, 5000) == 1) {
		if ((got = read(fds[0], buf + len, sizeof buf - 1 - len)) <= 0)
			break;
		len += (size_t)got;
	}
	close(fds[0]);
	kill(pid, SIGKILL);	/* it has exited, or has had its time */
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	buf[len] = '\0';
	return (len > 0 ? xstrdup(buf) : NULL);
}

void
ociversion_parse(const char *out, char **version, char **commit)
{
	const char	*line, *end, *v;
	size_t		 n;

	*version = *commit = NULL;
	/*
	 * As dockerd reads runc and crun: "NAME version X" gives X (after
	 * the last "version"), "commit: C" gives C.
	 */
	for (line = out; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		n = (size_t)(end - line);
		if (strncmp(line, "commit:", 7) == 0 && *commit == NULL) {
			v = line + 7;
			v += strspn(v, " \t");
			*commit = xstrndup(v, (size_t)(end - v));
			continue;
		}
		for (v = NULL; n >= 7; n--) {
			if (memcmp(line + n - 7, "version", 7) == 0) {
				v = line + n;
				break;
			}
		}
		if (v != NULL && *version == NULL) {
			v += strspn(v, " \t");
			*version = xstrndup(v, (size_t)(end - v));
		}
	}
}

void
ociversion_probe(const char *path, char **version, char **commit)
{
	char	*out = ociversion_output(path);

	*version = *commit = NULL;
	if (out != NULL) {
		ociversion_parse(out, version, commit);
		xfree(out);
	}
}
