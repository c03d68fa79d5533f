/* SPDX-License-Identifier: MIT */
/*
 * An OCI runtime's version and commit, from its `--version`.
 */
#ifndef LP_OCIVERSION_H
#define LP_OCIVERSION_H

/*
 * dockerd's reading of `runc --version`: the text after the last
 * "version" of a line, and after "commit:". NULL for what is not there;
 * the strings are the caller's (xfree).
 */
void	ociversion_parse(const char *out, char **version, char **commit);
/*
 * Runs `path --version` (waited for, 5 s at most) and parses what it
 * printed: NULLs when it printed nothing.
 */
void	ociversion_probe(const char *path, char **version, char **commit);

#endif
