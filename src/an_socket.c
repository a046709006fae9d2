/* an_socket: the query socket's thread (see header). */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "an_socket.h"
#include "patch/ad_query.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define AN_PLUGIN "anomaly"
#define REQUESTS_PER_CLIENT 1000

static double wall_clock(void) { return (double)time(NULL); }

static double monotonic(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool take_token(an_socket_t *s) {
  return ad_bucket_take(&s->bucket, monotonic());
}

static bool send_all(int fd, const char *text, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, text, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    text += w;
    n -= (size_t)w;
  }
  return true;
}

static bool answer(an_socket_t *s, int fd, const char *line) {
  char *text = take_token(s)
                   ? ad_query_answer(s->engine, line, wall_clock())
                   : strdup("{\"error\":\"busy: at most 50 requests a "
                            "second\"}");
  if (text == NULL)
    text = strdup("{\"error\":\"out of memory\"}");
  bool ok =
      text != NULL && send_all(fd, text, strlen(text)) && send_all(fd, "\n", 1);
  free(text);
  return ok;
}

/* Serves one client until it is done, idle, or sends a line too long. */
static void serve(an_socket_t *s, int fd) {
  struct timeval tv = {.tv_sec = (time_t)AN_SOCKET_TIMEOUT};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  char buf[AD_QUERY_LINE_MAX + 1];
  size_t used = 0;
  for (int served = 0; !an_thread_stopping(&s->thread);) {
    ssize_t r = recv(fd, buf + used, sizeof(buf) - 1 - used, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return;
    used += (size_t)r;
    buf[used] = '\0';
    char *line = buf, *nl;
    while ((nl = memchr(line, '\n', used - (size_t)(line - buf))) != NULL) {
      *nl = '\0';
      if (!answer(s, fd, line) || ++served >= REQUESTS_PER_CLIENT)
        return;
      line = nl + 1;
    }
    used -= (size_t)(line - buf);
    memmove(buf, line, used);
    if (used >= sizeof(buf) - 1) { /* no newline in a whole buffer */
      static const char too_long[] = "{\"error\":\"request too long\"}\n";
      send_all(fd, too_long, sizeof(too_long) - 1);
      return;
    }
  }
}

static void *socket_main(void *arg) {
  an_socket_t *s = arg;
  while (!an_thread_stopping(&s->thread)) {
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    if (poll(&p, 1, 500) <= 0)
      continue;
    int client = accept(s->fd, NULL, NULL);
    if (client < 0)
      continue;
    serve(s, client);
    close(client);
  }
  return NULL;
}

static int set_group(const char *path, const char *group) {
  if (group[0] == '\0')
    return 0;
  struct group g, *found = NULL;
  char buf[4096];
  if (getgrnam_r(group, &g, buf, sizeof(buf), &found) != 0 || found == NULL) {
    ERROR(AN_PLUGIN " plugin: SocketGroup \"%s\": no such group.", group);
    return ENOENT;
  }
  if (chown(path, (uid_t)-1, g.gr_gid) != 0) {
    int err = errno;
    ERROR(AN_PLUGIN " plugin: SocketGroup: chown %s: %s", path, STRERROR(err));
    return err;
  }
  return 0;
}

static int listen_on(an_socket_t *s, const char *path, const char *group) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path)) {
    ERROR(AN_PLUGIN " plugin: SocketFile %s: longer than %zu bytes; no "
                    "query socket.",
          path, sizeof(addr.sun_path) - 1);
    return ENAMETOOLONG;
  }
  sstrncpy(addr.sun_path, path, sizeof(addr.sun_path));
  s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s->fd < 0)
    return errno;
  unlink(path); /* a socket left by a collectd that did not stop cleanly */
  if (bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
      chmod(path, 0660) != 0 || listen(s->fd, 8) != 0) {
    int err = errno;
    ERROR(AN_PLUGIN " plugin: SocketFile %s: %s; no query socket.", path,
          STRERROR(err));
    return err;
  }
  return set_group(path, group);
}

int an_socket_start(an_socket_t *s, ad_engine_t *e, const char *path,
                    const char *group) {
  s->engine = e;
  ad_bucket_init(&s->bucket, AN_SOCKET_RATE);
  int status = listen_on(s, path, group);
  if (status == 0) {
    sstrncpy(s->path, path, sizeof(s->path));
    status = an_thread_start(&s->thread, "anomaly query", socket_main, s);
    if (status != 0)
      ERROR(AN_PLUGIN " plugin: starting the query thread failed: %s",
            STRERROR(status));
  }
  if (status != 0) {
    if (s->fd >= 0) {
      close(s->fd);
      unlink(path);
    }
    s->fd = -1;
    s->path[0] = '\0';
    return status;
  }
  INFO(AN_PLUGIN " plugin: answering queries on %s.", path);
  return 0;
}

void an_socket_stop(an_socket_t *s) {
  an_thread_stop(&s->thread);
  if (s->fd >= 0) {
    close(s->fd);
    unlink(s->path);
  }
  s->fd = -1;
  s->path[0] = '\0';
}
