/* ad_statehdr: the envelope every state file carries (JSON, jansson), so
 * that a file says what it is, which version of the format wrote it, and
 * about what, before anything in it is trusted:
 *
 *   {"format": "collectd-anomaly-state", "version": 1,
 *    "kind": "host", "identifier": "web1", "created": 1763900000.0,
 *    "writer": "collectd-anomaly 0.4.0", ...the kind's own members...}
 *
 * A reader accepts exactly the versions it knows; a file of an unknown
 * version is set aside like a damaged one (a downgrade must not misread a
 * newer format).
 */
#ifndef AD_STATEHDR_H
#define AD_STATEHDR_H

#include <jansson.h>
#include <stddef.h>

#define AD_STATE_FORMAT "collectd-anomaly-state"
#define AD_STATE_VERSION 1

typedef struct {
  const char *kind;       /* "host", ... (borrowed from the JSON object) */
  const char *identifier; /* what the file is about (borrowed) */
  double created;         /* epoch seconds the file was written */
  long version;
} ad_statehdr_t;

/* A new object holding the envelope's members for kind and identifier,
 * written at `created` by `writer`; NULL when out of memory or an argument
 * is NULL. */
json_t *ad_statehdr_new(const char *kind, const char *identifier,
                        double created, const char *writer);

/* Checks the envelope of a parsed file: format, a known version, the
 * expected kind, a string identifier, a finite creation time. Returns 0 and
 * fills *hdr (pointers into root), or EINVAL (not a state file, or a member
 * missing or of the wrong type) or ENOTSUP (a version this build does not
 * read), with the reason in err. */
int ad_statehdr_check(const json_t *root, const char *kind, ad_statehdr_t *hdr,
                      char *err, size_t err_size);

#endif /* AD_STATEHDR_H */
