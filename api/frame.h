/* SPDX-License-Identifier: MIT */
/*
 * stdcopy framing, the one copy: Docker's multiplexed stream puts an 8-byte
 * header before each payload (the stream byte, three zero bytes, the length
 * as a big-endian uint32); a Tty stream is raw, with no header at all. Used
 * by the logs stream and by every hijacked stream (exec, attach).
 */
#ifndef LP_API_FRAME_H
#define LP_API_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define FRAME_HEADER_LEN	8

/* The stream byte, as stdcopy numbers them. */
enum frame_stream {
	FRAME_STDIN = 0,
	FRAME_STDOUT = 1,
	FRAME_STDERR = 2,
	FRAME_SYSTEM = 3,	/* stdcopy's Systemerr: in-band errors */
};

/* Fills hdr with the header of a len-byte payload on stream. */
void	frame_header(unsigned char hdr[FRAME_HEADER_LEN], int stream,
	    uint32_t len);
/*
 * Appends to out the header of a len-byte payload that the caller appends
 * next, in pieces (the logs record: time, details, log); nothing if tty.
 */
void	frame_add_header(struct evbuffer *out, int stream, int tty,
	    uint32_t len);
/*
 * Appends one payload (copied) as frames: one header and the bytes, more
 * frames only past 4 GiB; the bytes alone if tty. n 0 with !tty appends an
 * empty frame, which every stdcopy reader skips.
 */
void	frame_add(struct evbuffer *out, int stream, int tty, const void *buf,
	    size_t n);

#endif
