/* ad_pattern: name patterns as collectd users write them: an exact string,
 * or a POSIX extended regular expression between slashes ("/^eth[0-9]+$/").
 * A list of patterns matches a name when any pattern does.
 *
 * Used by the anomaly plugin's Select/Ignore rules and the statgrab plugin's
 * disk, interface and mount point lists. Matching is thread-safe (regexec on
 * a compiled pattern is reentrant). */
#ifndef AD_PATTERN_H
#define AD_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ad_pattern_list_s ad_pattern_list_t;

/* Creates an empty list (matches nothing). Returns NULL when out of memory. */
ad_pattern_list_t *ad_pattern_list_create(void);

/* Frees the list; NULL is allowed. */
void ad_pattern_list_destroy(ad_pattern_list_t *list);

/* Adds a pattern. "/re/" is compiled as a regular expression; anything else
 * matches exactly. Returns 0, EINVAL for a bad regular expression (then err,
 * if not NULL, holds the reason), or ENOMEM. On error the list is unchanged. */
int ad_pattern_list_add(ad_pattern_list_t *list, const char *pattern, char *err,
                        size_t err_size);

/* Number of patterns in the list. */
size_t ad_pattern_list_size(const ad_pattern_list_t *list);

/* True when any pattern matches name. An empty or NULL list matches nothing. */
bool ad_pattern_list_match(const ad_pattern_list_t *list, const char *name);

/* Select/ignore semantics of collectd's lists: with an empty list everything
 * is selected; otherwise names matching the list are selected, or, when
 * ignore_selected is true, everything but them. */
bool ad_pattern_list_selects(const ad_pattern_list_t *list,
                             bool ignore_selected, const char *name);

#endif /* AD_PATTERN_H */
