/* ad_http_route: the anomaly plugin's HTTP paths as query requests
 * (ad_query), so that HTTP and the Unix socket give the same answers:
 *
 *   GET /anomaly                          LIST
 *   GET /anomaly/HOST                     ASSESS HOST
 *   GET /readiness/HOST[?at=TIME]         READINESS HOST [TIME]
 *   GET /series/HOST/plugin[-pi]/type[-ti][:ds]   SERIES HOST/...
 *
 * The path arrives percent-decoded; a trailing slash is ignored. And the
 * HTTP status of an answer: 200, 404 for an unknown host or series, 400
 * for a bad request. */
#ifndef AD_HTTP_ROUTE_H
#define AD_HTTP_ROUTE_H

#include <stddef.h>

/* The request for a GET of path (at: the "at" argument, NULL when none)
 * into request (size bytes). Returns 200; 404 when the path is none of the
 * above; 400 when it holds a space, a control character, or is too long
 * (request is then ""). */
int ad_http_route(const char *path, const char *at, char *request, size_t size);

/* The HTTP status of an ad_query answer. */
int ad_http_status(const char *answer);

#endif /* AD_HTTP_ROUTE_H */
