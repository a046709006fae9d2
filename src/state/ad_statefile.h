/* ad_statefile: the files of the state directory, written so that a crash
 * at any instant leaves either the old file or the new one, never a mix,
 * and read so that a damaged file is kept for a human and out of the way.
 *
 * Names are never built from identifiers as they came (a host name from
 * the network may be "../../etc/passwd" or "%n"): ad_statefile_name gives
 * a name of safe characters with a hash of the whole identifier, and every
 * function refuses a name that is not of that kind.
 *
 * Plain POSIX file operations; no collectd dependency. Not thread-safe for
 * the same name (one checkpoint thread writes); different names are fine.
 */
#ifndef AD_STATEFILE_H
#define AD_STATEFILE_H

#include <stddef.h>

/* Longest file name these functions accept or make, without the NUL. */
#define AD_STATEFILE_NAME_MAX 80
/* Directory (inside the state directory) where damaged files are kept. */
#define AD_STATEFILE_DAMAGED "damaged"
/* ...and files an operator removed (collectd-anomaly state remove). */
#define AD_STATEFILE_REMOVED "removed"

/* True when name is one these functions accept: 1..AD_STATEFILE_NAME_MAX
 * characters of [A-Za-z0-9._-], not starting with '.' ("." and ".." and
 * hidden temporary files are not names). */
int ad_statefile_name_valid(const char *name);

/* A safe file name for an identifier: "<kind>-<readable>-<hash>.json", the
 * readable part the identifier's first letters, digits and '-' (lower
 * case, at most 32; others dropped), the hash 16 hex digits of a 64-bit
 * hash of the whole identifier, so names differ where identifiers differ.
 * kind must itself be a valid name of at most 16 characters. Returns 0, or
 * EINVAL (kind invalid, out too small: it needs AD_STATEFILE_NAME_MAX + 1
 * bytes). */
int ad_statefile_name(const char *kind, const char *identifier, char *out,
                      size_t out_size);

/* Writes len bytes to dir/name atomically and durably: a temporary file of
 * mode 0600 in dir, written and fsync'ed; then the current file, if any, is
 * kept as the newest of `versions` previous versions, name.1 (newest) ..
 * name.<versions> (oldest; the one beyond is dropped; 0 keeps none); then
 * the temporary file is renamed over name and the directory fsync'ed.
 * Versions move only once the new content is durable: when the write fails
 * (a full disk) the current file and every version are untouched, and a
 * crash at any step leaves a loadable current file. No temporary file is
 * left behind. Returns 0 or an errno (EINVAL for an invalid name); err (may
 * be NULL) receives a message naming the step that failed. */
int ad_statefile_write(const char *dir, const char *name, const void *data,
                       size_t len, unsigned versions, char *err,
                       size_t err_size);

/* Reads dir/name whole into a new NUL-terminated buffer (*data, freed by
 * the caller; *len bytes without the NUL). A file larger than max bytes is
 * refused with EFBIG (a damaged or hostile file must not exhaust memory).
 * Returns 0 or an errno (ENOENT when there is no such file). */
int ad_statefile_read(const char *dir, const char *name, size_t max,
                      char **data, size_t *len);

/* The name of version v (1 = newest) of name into out (AD_STATEFILE_NAME_MAX
 * + 1 bytes at least). Returns 0; EINVAL when it would not be valid. */
int ad_statefile_version_name(const char *name, unsigned v, char *out,
                              size_t out_size);

/* Moves dir/name aside into dir/damaged/ (created, mode 0700) as
 * "<name>.<time>" (a number appended when that exists too), never deleting
 * anything. moved_to (may be NULL) receives the new path. Returns 0 or an
 * errno. */
int ad_statefile_set_aside(const char *dir, const char *name, long time,
                           char *moved_to, size_t moved_to_size);

/* Keeps what dir/name holds now in dir/damaged/ the same way (a hard
 * link: the file itself stays, to be loaded), for a file that was partly
 * damaged: the next checkpoint replaces it, the evidence stays. Returns 0
 * or an errno. */
int ad_statefile_keep_copy(const char *dir, const char *name, long time,
                           char *kept_as, size_t kept_as_size);

/* Moves dir/name into dir/removed/ the same way: what an operator removes
 * is kept, out of the loader's sight. */
int ad_statefile_retire(const char *dir, const char *name, long time,
                        char *moved_to, size_t moved_to_size);

#endif /* AD_STATEFILE_H */
