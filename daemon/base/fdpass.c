/* SPDX-License-Identifier: MIT */
/*
 * File descriptors passed over a unix socket (SCM_RIGHTS), as an OCI
 * runtime hands back a container's pty master on its console socket.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/fdpass.h"

int
fdpass_listen(char *dir, size_t dlen, char *path, size_t plen)
{
	struct sockaddr_un	sa;
	int			fd;

	snprintf(dir, dlen, "/tmp/lpconsole.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return (-1);
	snprintf(path, plen, "%s/sock", dir);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 1) != 0) {
		if (fd != -1)
			close(fd);
		rmdir(dir);
		return (-1);
	}
	return (fd);
}

int
fdpass_recv(int lfd)
{
	char		 data[256], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec	 iov = { data, sizeof data };
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	int		 c, fd = -1;

	if ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return (-1);
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof cbuf;
	if (recvmsg(c, &mh, MSG_CMSG_CLOEXEC) > 0 &&
	    (cm = CMSG_FIRSTHDR(&mh)) != NULL &&
	    cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	close(c);
	return (fd);
}
