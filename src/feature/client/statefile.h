/*
 * statefile.h: the client's small files in its data directory (the
 * cached consensus, the guard state): read whole and bounded, written
 * atomically with mode 0600 so a crash leaves the old file or the new
 * one, never half of either.
 */
#ifndef TORD_FEATURE_CLIENT_STATEFILE_H
#define TORD_FEATURE_CLIENT_STATEFILE_H

#include <stddef.h>

/*
 * Make sure dir exists and is private (created 0700 when missing; a
 * directory open to others is tightened).  0, or -1 with *err
 * (malloc'd).
 */
int	statefile_dir(const char *dir, char **err);

/*
 * Read path into a malloc'd, NUL-terminated buffer (*out, *len).
 * Returns 0; 1 if the file does not exist; -1 with *err (malloc'd) if
 * it cannot be read, is not a regular file or is larger than max.
 */
int	statefile_read(const char *path, size_t max, char **out, size_t *len, char **err);

/*
 * Replace path with p[0..len), mode 0600: write path.tmp, fsync,
 * rename, fsync the directory.  0, or -1 with *err (malloc'd).
 */
int	statefile_write(const char *path, const void *p, size_t len, char **err);

#endif
