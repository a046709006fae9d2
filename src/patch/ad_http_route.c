/* ad_http_route: HTTP paths as query requests (see header). */
#include "patch/ad_http_route.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* No spaces or control characters: a request is words split by spaces. */
static bool plain(const char *s) {
  for (; *s != '\0'; s++)
    if ((unsigned char)*s <= 0x20 || *s == 0x7f)
      return false;
  return true;
}

/* s after prefix, or NULL when s does not start with it. */
static const char *after(const char *s, const char *prefix) {
  size_t n = strlen(prefix);
  return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* Writes the request; 400 when it does not fit. */
static int put(char *request, size_t size, const char *word, const char *arg,
               const char *at) {
  int n = snprintf(request, size, "%s%s%s%s%s", word, arg[0] ? " " : "", arg,
                   at != NULL ? " " : "", at != NULL ? at : "");
  if (n < 0 || (size_t)n >= size) {
    request[0] = '\0';
    return 400;
  }
  return 200;
}

int ad_http_route(const char *path, const char *at, char *request,
                  size_t size) {
  char p[1024];
  request[0] = '\0';
  size_t len = strlen(path);
  if (size == 0 || len >= sizeof(p))
    return 400;
  memcpy(p, path, len + 1);
  if (len > 1 && p[len - 1] == '/')
    p[len - 1] = '\0';
  if (!plain(p) || (at != NULL && (!plain(at) || at[0] == '\0')))
    return 400;
  const char *rest;
  if (strcmp(p, "/anomaly") == 0 && at == NULL)
    return put(request, size, "LIST", "", NULL);
  if ((rest = after(p, "/anomaly/")) != NULL && rest[0] != '\0' &&
      strchr(rest, '/') == NULL && at == NULL)
    return put(request, size, "ASSESS", rest, NULL);
  if ((rest = after(p, "/readiness/")) != NULL && rest[0] != '\0' &&
      strchr(rest, '/') == NULL)
    return put(request, size, "READINESS", rest, at);
  if ((rest = after(p, "/series/")) != NULL && strchr(rest, '/') != NULL &&
      at == NULL)
    return put(request, size, "SERIES", rest, NULL);
  return 404;
}

int ad_http_status(const char *answer) {
  if (strncmp(answer, "{\"error\":", 9) != 0)
    return 200;
  if (strstr(answer, "unknown host") != NULL ||
      strstr(answer, "no such series") != NULL)
    return 404;
  return 400;
}
