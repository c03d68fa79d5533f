/* SPDX-License-Identifier: MIT */
/*
 * A logs stream: the only code holding a request after its handler
 * returned. It owns the log reader (the producer), frames what it reads
 * (8-byte multiplexing headers unless the container has a TTY), applies
 * backpressure, and ends on whichever comes first: the reader's end, the
 * client's close, a write error, the container's removal, or shutdown.
 */
#ifndef LP_API_STREAM_H
#define LP_API_STREAM_H

#include "api/http.h"

struct container;
struct logreader_opts;

struct stream_opts {
	int	want_stdout;
	int	want_stderr;
	int	tty;		/* raw stream, no frame headers */
	int	timestamps;
	int	details;
};

/* Output held before the reader is paused (the high-water mark). */
#define STREAM_HIGH_WATER	(64 * 1024)

struct stream;

/* Takes over r (sends nothing yet); the stream then owns itself. */
struct stream	*stream_new(struct api_req *, const struct stream_opts *);
/*
 * Sends the headers at once and streams c's log until the end; the stream
 * finishes and frees itself (through its reap) on whichever end comes
 * first. s and r are gone for the caller when this returns.
 */
void		 stream_start(struct stream *, struct container *,
		     const struct logreader_opts *);

#endif
