/* SPDX-License-Identifier: MIT */
/*
 * A container's attach point: the output of its current run fanned out,
 * live, to every attached client (raw chunks tagged with their stream, as
 * the copier read them), and its stdin pipe, held here so that attaches
 * can come and go. No HTTP; api/attach.c ties a subscriber to a duplex.
 *
 * Lifetime (docs/lifetimes.md): the container makes the point with itself
 * and frees it with itself; each run is attach_run_start() ...
 * attach_run_end(), the end coming after the copiers drained to EOF, so
 * a subscriber has had every byte when its end_cb runs. A subscriber is
 * attach_sub_new()'d and attach_sub_free()'d by its owner, also from
 * inside any of its callbacks (the point defers the memory).
 */
#ifndef LP_ATTACH_H
#define LP_ATTACH_H

#include <stddef.h>
#include <stdint.h>

struct attach;
struct attach_sub;
struct event_base;
struct evbuffer;

/* Client bytes held for a container that does not read its stdin. */
#define ATTACH_STDIN_HIGH	(64 * 1024)

/* stream: 1 stdout, 2 stderr (stdcopy's numbers; a tty's is stdout). */
typedef void	(*attach_output_cb)(struct attach_sub *, int stream,
		    const void *buf, size_t n, void *arg);
/* end_cb: the run ended, all its output given. stdin_cb: write again. */
typedef void	(*attach_notify_cb)(struct attach_sub *, void *arg);

struct attach_sub_opts {
	int			 want_out;
	int			 want_err;
	attach_output_cb	 output;
	attach_notify_cb	 end;
	attach_notify_cb	 stdin_ready;	/* may be NULL */
	void			*arg;
};

struct attach	*attach_new(struct event_base *);
/* Only once every subscriber is freed (removal ends them first). */
void		 attach_free(struct attach *);

/*
 * A run begins: stdin_fd (owned, non-blocking; -1 without OpenStdin or a
 * tty) is the container's stdin pipe or its pty master copy; writable
 * says whether clients may write to it (OpenStdin); once: StdinOnce.
 */
void		 attach_run_start(struct attach *, int stdin_fd, int writable,
		     int once);
/* From the copier's tee: one raw read of the container's output. */
void		 attach_output(void *point, int stream, const void *buf,
		     size_t n);
/* The run's output is drained: stdin closes, every subscriber's end_cb. */
void		 attach_run_end(struct attach *);
/* The run's pty (its master copy), for TIOCSWINSZ; -1 without one. */
int		 attach_pty_fd(const struct attach *);
int		 attach_running(const struct attach *);
/* Runs started so far: tells whether the run seen earlier is still on. */
uint64_t	 attach_runs(const struct attach *);

struct attach_sub *attach_sub_new(struct attach *,
		     const struct attach_sub_opts *);
/* Lets go of its hold first. */
void		 attach_sub_free(struct attach_sub *);

/*
 * Flow control, dockerd's without its unbounded wait: a subscriber that
 * cannot take more holds (1) until it can (0); cb(arg, 1) runs at the
 * first hold and cb(arg, 0) when the last one lets go, and the container
 * stops and starts reading its output there. Idempotent per subscriber;
 * NULL is fine.
 */
typedef void	(*attach_hold_cb)(void *arg, int hold);
void		 attach_set_hold(struct attach *, attach_hold_cb, void *arg);
void		 attach_sub_hold(struct attach_sub *, int hold);
/* Some subscriber holds: new copiers start held. */
int		 attach_held(const struct attach *);

/*
 * Moves what the container's stdin takes now from in. 0: all taken;
 * 1: the pipe is full (or the run not started): stdin_ready follows;
 * -1: there is no stdin (not OpenStdin, or closed): in is discarded.
 */
int		 attach_stdin_write(struct attach_sub *, struct evbuffer *in);
/* The client half-closed its stdin: with StdinOnce the container's too. */
void		 attach_stdin_eof(struct attach_sub *);

/* Totals for /debug and tests. */
uint64_t	 attach_subs_live(void);

#endif
