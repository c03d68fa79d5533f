/* SPDX-License-Identifier: MIT */
/*
 * gzip for json-file's compress=true, as dockerd's loggerutils does it:
 * a rotated file path.1 becomes path.1.gz (the current file stays plain),
 * with dockerd's gzip header (FEXTRA holding {"lastTime":"..."}, MTIME 0,
 * OS 255). Compression runs on a thread of its own (loggz_start) so that
 * the loop never waits for it except when the next rotation comes before
 * it is done (dockerd waits there too); the thread touches only its own
 * job and the two files, and is joined by the loop. Readers get a .gz file
 * decompressed into an anonymous memory file (loggz_open), as dockerd
 * decompresses into a temporary file: every reader reads plain bytes.
 */
#ifndef LP_LOGGZ_H
#define LP_LOGGZ_H

#include <stdint.h>

struct loggz_job;

/*
 * Compresses src into src.gz: written to src.gz.tmp, renamed to src.gz,
 * then src is removed, so a reader by name finds one whole file or the
 * other (src first). last_ns goes into the header's lastTime. 0, or -1
 * with errno (src is then left as it was and no .gz or .tmp remains).
 */
int	loggz_compress(const char *src, int64_t last_ns);
/*
 * Starts loggz_compress(src) on a thread. NULL when no thread could be
 * started (logged; src stays plain, which readers read as well).
 */
struct loggz_job *loggz_start(const char *src, int64_t last_ns);
/* 1 when the job's thread has finished (loggz_finish will not wait). */
int	loggz_done(const struct loggz_job *);
/* Waits for the job, logs a failure, frees it. NULL is a no-op. */
void	loggz_finish(struct loggz_job *);
/*
 * Opens a gzip file decompressed: a read-only view (memfd) of its whole
 * content, offset 0. -1 with errno (EINVAL for a corrupt file).
 */
int	loggz_open(const char *gzpath);

#endif
