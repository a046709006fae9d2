/* ad_statefile: atomic, durable state files (see header). */
#include "state/ad_statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KIND_MAX 16
#define READABLE_MAX 32

static int safe_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int ad_statefile_name_valid(const char *name) {
  if (name == NULL || name[0] == '\0' || name[0] == '.')
    return 0;
  size_t n = 0;
  for (; name[n] != '\0'; n++)
    if (n >= AD_STATEFILE_NAME_MAX || !safe_char(name[n]))
      return 0;
  return 1;
}

/* FNV-1a, 64 bits: stable across builds and machines, which a file name
 * must be. */
static uint64_t hash64(const char *s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
    h ^= *p;
    h *= 0x100000001b3ULL;
  }
  return h;
}

int ad_statefile_name(const char *kind, const char *identifier, char *out,
                      size_t out_size) {
  if (out == NULL || out_size < AD_STATEFILE_NAME_MAX + 1 ||
      !ad_statefile_name_valid(kind) || strlen(kind) > KIND_MAX ||
      identifier == NULL)
    return EINVAL;
  char readable[READABLE_MAX + 1];
  size_t n = 0;
  for (const char *p = identifier; *p != '\0' && n < READABLE_MAX; p++) {
    char c = *p;
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
      readable[n++] = c;
  }
  readable[n] = '\0';
  snprintf(out, out_size, "%s-%s%s%016llx.json", kind, readable,
           n > 0 ? "-" : "", (unsigned long long)hash64(identifier));
  return 0;
}

static void say(char *err, size_t err_size, const char *step, const char *dir,
                const char *name, int e) {
  if (err != NULL && err_size > 0)
    snprintf(err, err_size, "%s %s/%s: %s", step, dir, name, strerror(e));
}

static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

/* Writes data into the temporary file tmp of dfd, durably. On failure
 * nothing is left behind. */
static int write_temp(int dfd, const char *dir, const char *tmp,
                      const void *data, size_t len, char *err,
                      size_t err_size) {
  int fd = openat(dfd, tmp,
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    int e = errno;
    say(err, err_size, "cannot create", dir, tmp, e);
    return e;
  }
  int rc = 0;
  /* a leftover temporary file of another mode must not pass its mode on */
  if (fchmod(fd, 0600) != 0 || (rc = write_all(fd, data, len)) != 0 ||
      fsync(fd) != 0)
    rc = rc != 0 ? rc : errno;
  if (close(fd) != 0 && rc == 0)
    rc = errno;
  if (rc != 0) {
    say(err, err_size, "cannot write", dir, tmp, rc);
    unlinkat(dfd, tmp, 0);
  }
  return rc;
}

/* Keeps the current dir/name as version 1, the older ones moved down one
 * (the one beyond `versions` dropped). The current file stays in place. A
 * link to it is made first, under a hidden name, so that a failure before
 * anything moved changes nothing, and one later only leaves a version
 * twice. */
static int keep_versions(int dfd, const char *dir, const char *name,
                         unsigned versions, char *err, size_t err_size) {
  struct stat st;
  if (versions == 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISREG(st.st_mode))
    return 0; /* nothing to keep */
  char prev[AD_STATEFILE_NAME_MAX + 8], older[AD_STATEFILE_NAME_MAX + 1],
      newer[AD_STATEFILE_NAME_MAX + 1];
  snprintf(prev, sizeof(prev), ".%s.prev", name);
  if (ad_statefile_version_name(name, versions, older, sizeof(older)) != 0) {
    if (err != NULL && err_size > 0)
      snprintf(err, err_size, "invalid state file name");
    return EINVAL;
  }
  unlinkat(dfd, prev, 0); /* left by a crash */
  if (linkat(dfd, name, dfd, prev, 0) != 0) {
    int e = errno;
    say(err, err_size, "cannot link", dir, prev, e);
    return e;
  }
  /* name.(v-1) -> name.v, from the oldest down: name.versions is dropped */
  for (unsigned v = versions; v > 1; v--) {
    ad_statefile_version_name(name, v, older, sizeof(older));
    ad_statefile_version_name(name, v - 1, newer, sizeof(newer));
    if (renameat(dfd, newer, dfd, older) != 0 && errno != ENOENT) {
      int e = errno;
      say(err, err_size, "cannot rename", dir, newer, e);
      unlinkat(dfd, prev, 0);
      return e;
    }
  }
  ad_statefile_version_name(name, 1, newer, sizeof(newer));
  if (renameat(dfd, prev, dfd, newer) != 0) {
    int e = errno;
    say(err, err_size, "cannot rename", dir, prev, e);
    unlinkat(dfd, prev, 0);
    return e;
  }
  return 0;
}

int ad_statefile_write(const char *dir, const char *name, const void *data,
                       size_t len, unsigned versions, char *err,
                       size_t err_size) {
  if (dir == NULL || !ad_statefile_name_valid(name) ||
      (data == NULL && len > 0)) {
    if (err != NULL && err_size > 0)
      snprintf(err, err_size, "invalid state file name");
    return EINVAL;
  }
  char tmp[AD_STATEFILE_NAME_MAX + 8];
  snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    int e = errno;
    say(err, err_size, "cannot open directory", dir, "", e);
    return e;
  }
  /* The new content is durable before anything of the old moves: a full
   * disk costs this checkpoint, never the versions kept. */
  int rc = write_temp(dfd, dir, tmp, data, len, err, err_size);
  if (rc == 0 &&
      (rc = keep_versions(dfd, dir, name, versions, err, err_size)) != 0)
    unlinkat(dfd, tmp, 0);
  if (rc == 0 && renameat(dfd, tmp, dfd, name) != 0) {
    rc = errno;
    say(err, err_size, "cannot rename into", dir, name, rc);
    unlinkat(dfd, tmp, 0);
  }
  if (rc == 0 && fsync(dfd) != 0) {
    /* the rename itself is durable only once the directory is */
    rc = errno;
    say(err, err_size, "cannot sync directory of", dir, name, rc);
  }
  close(dfd);
  return rc;
}

int ad_statefile_read(const char *dir, const char *name, size_t max,
                      char **data, size_t *len) {
  *data = NULL;
  *len = 0;
  if (dir == NULL || !ad_statefile_name_valid(name))
    return EINVAL;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return errno;
  int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  int rc = fd < 0 ? errno : 0;
  close(dfd);
  if (rc != 0)
    return rc;
  struct stat st;
  if (fstat(fd, &st) != 0)
    rc = errno;
  else if (!S_ISREG(st.st_mode))
    rc = EINVAL;
  if (rc != 0) {
    close(fd);
    return rc;
  }
  if ((uintmax_t)st.st_size > max) {
    close(fd);
    return EFBIG;
  }
  size_t size = (size_t)st.st_size;
  char *buf = malloc(size + 1);
  if (buf == NULL) {
    close(fd);
    return ENOMEM;
  }
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, buf + got, size - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) /* error, or the file shrank under us */
      break;
    got += (size_t)r;
  }
  close(fd);
  buf[got] = '\0';
  *data = buf;
  *len = got;
  return 0;
}

int ad_statefile_version_name(const char *name, unsigned v, char *out,
                              size_t out_size) {
  if (out_size < AD_STATEFILE_NAME_MAX + 1 || !ad_statefile_name_valid(name))
    return EINVAL;
  int n = snprintf(out, out_size, "%s.%u", name, v);
  return n > 0 && (size_t)n <= AD_STATEFILE_NAME_MAX ? 0 : EINVAL;
}

/* Moves dir/name into dir/subdir/ (made, mode 0700) as name.<time>[.n];
 * with keep, links it there instead (the file stays). */
static int move_into(const char *dir, const char *name, const char *subdir,
                     bool keep, long time, char *moved_to,
                     size_t moved_to_size) {
  if (dir == NULL || !ad_statefile_name_valid(name))
    return EINVAL;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return errno;
  int rc = 0;
  if (mkdirat(dfd, subdir, 0700) != 0 && errno != EEXIST) {
    rc = errno;
    close(dfd);
    return rc;
  }
  char target[2 * AD_STATEFILE_NAME_MAX + 48];
  for (unsigned attempt = 0;; attempt++) {
    if (attempt == 0)
      snprintf(target, sizeof(target), "%s/%s.%ld", subdir, name, time);
    else
      snprintf(target, sizeof(target), "%s/%s.%ld.%u", subdir, name, time,
               attempt);
    struct stat st;
    if (fstatat(dfd, target, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
      break;
    if (attempt >= 1000) {
      close(dfd);
      return EEXIST;
    }
  }
  if ((keep ? linkat(dfd, name, dfd, target, 0)
            : renameat(dfd, name, dfd, target)) != 0)
    rc = errno;
  else if (fsync(dfd) != 0)
    rc = errno;
  close(dfd);
  if (rc == 0 && moved_to != NULL && moved_to_size > 0)
    snprintf(moved_to, moved_to_size, "%s/%s", dir, target);
  return rc;
}

int ad_statefile_set_aside(const char *dir, const char *name, long time,
                           char *moved_to, size_t moved_to_size) {
  return move_into(dir, name, AD_STATEFILE_DAMAGED, false, time, moved_to,
                   moved_to_size);
}

int ad_statefile_keep_copy(const char *dir, const char *name, long time,
                           char *kept_as, size_t kept_as_size) {
  return move_into(dir, name, AD_STATEFILE_DAMAGED, true, time, kept_as,
                   kept_as_size);
}

int ad_statefile_retire(const char *dir, const char *name, long time,
                        char *moved_to, size_t moved_to_size) {
  return move_into(dir, name, AD_STATEFILE_REMOVED, false, time, moved_to,
                   moved_to_size);
}
