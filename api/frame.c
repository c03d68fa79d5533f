/* SPDX-License-Identifier: MIT */
/*
 * stdcopy framing (moby's pkg/stdcopy StdWriter): header, then payload.
 */
#include <string.h>

#include <event2/buffer.h>

#include "api/frame.h"

void
frame_header(unsigned char hdr[FRAME_HEADER_LEN], int stream, uint32_t len)
{
	hdr[0] = (unsigned char)stream;
	hdr[1] = hdr[2] = hdr[3] = 0;
	hdr[4] = (unsigned char)(len >> 24);
	hdr[5] = (unsigned char)(len >> 16);
	hdr[6] = (unsigned char)(len >> 8);
	hdr[7] = (unsigned char)len;
}

void
frame_add_header(struct evbuffer *out, int stream, int tty, uint32_t len)
{
	unsigned char	hdr[FRAME_HEADER_LEN];

	if (tty)
		return;
	frame_header(hdr, stream, len);
	evbuffer_add(out, hdr, sizeof hdr);
}

void
frame_add(struct evbuffer *out, int stream, int tty, const void *buf,
    size_t n)
{
	const char	*p = buf;
	size_t		 part;

	if (tty) {
		evbuffer_add(out, buf, n);
		return;
	}
	/* A length that does not fit the header goes as several frames. */
	do {
		part = n > UINT32_MAX ? UINT32_MAX : n;
		frame_add_header(out, stream, 0, (uint32_t)part);
		if (part > 0)
			evbuffer_add(out, p, part);
		p += part;
		n -= part;
	} while (n > 0);
}
