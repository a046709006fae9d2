/* ad_advice: suggestions for notices (see header). */
#include "engine/ad_advice.h"
#include "core/ad_text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Where to look when a series of this plugin is anomalous. */
static const struct {
  const char *plugin;
  const char *text;
} LOOK[] = {
    {"cpu", "see which processes use the CPU (top, pidstat 5)"},
    {"load", "see what runs and what waits for I/O (top, vmstat 5)"},
    {"memory", "see which processes grow (ps aux --sort=-rss | head)"},
    {"swap", "see what is swapped out (smem -s swap, vmstat 5)"},
    {"df", "see what is writing (du -x -d2 | sort -h, lsof +L1)"},
    {"disk", "see which processes do the I/O (iotop -o, pidstat -d 5)"},
    {"interface", "see where the traffic goes (iftop, ss -tanp)"},
    {"processes", "look for a crash loop or a fork storm (journalctl -p "
                  "warning -n 50)"},
    {"users", "check who logged in (who, last)"},
};
#define LOOK_ELSE                                                              \
  "compare with recent changes and the host's other series at that time"

/* The plugin of a series name ("df-root/df_complex-used": "df") into out. */
static void plugin_of(const char *series, char *out, size_t size) {
  size_t n = strcspn(series, "-/");
  if (n >= size)
    n = size - 1;
  memcpy(out, series, n);
  out[n] = '\0';
}

static const char *where_to_look(const char *series) {
  char plugin[AD_NAME_MAX];
  plugin_of(series, plugin, sizeof(plugin));
  for (size_t i = 0; i < sizeof(LOOK) / sizeof(LOOK[0]); i++)
    if (strcmp(plugin, LOOK[i].plugin) == 0)
      return LOOK[i].text;
  return LOOK_ELSE;
}

/* "Thu 10 Dec 14:00 UTC": when the time left runs out. */
static void deadline(double when, char *out, size_t size) {
  out[0] = '\0';
  if (!isfinite(when) || when > 253402300799.0 || when < 0)
    return;
  time_t t = (time_t)when;
  struct tm tm;
  if (gmtime_r(&t, &tm) != NULL)
    strftime(out, size, "%a %d %b %H:%M UTC", &tm);
}

static void exhaustion(const ad_notice_t *n, char *out, size_t size) {
  char by[40], mount[AD_NAME_MAX];
  deadline(n->time + n->left, by, sizeof(by));
  /* collectd's df names a mount point with '-' for '/' ("var-log") and
   * "/" as "root" */
  ad_text_escape(mount, sizeof(mount),
                 strcmp(n->plugin_instance, "root") == 0 ? ""
                                                         : n->plugin_instance,
                 SIZE_MAX);
  for (char *c = mount; *c != '\0'; c++)
    if (*c == '-')
      *c = '/';
  if (strcmp(n->type, "df_complex") == 0)
    snprintf(out, size,
             "find what grows (du -x -d2 /%s | sort -h), rotate or delete "
             "it, or extend the filesystem before %s",
             mount, by);
  else if (strcmp(n->type, "df_inodes") == 0)
    snprintf(out, size,
             "find the directories of many small files on /%s and remove "
             "them before %s",
             mount, by);
  else if (strcmp(n->type, "memory") == 0 || strcmp(n->type, "swap") == 0)
    snprintf(out, size,
             "find the process that grows (ps aux --sort=-rss | head) and "
             "fix or restart it before %s",
             by);
  else
    snprintf(out, size, "plan more capacity for it before %s", by);
}

/* An anomaly: the relation that broke, the change it followed, or where
 * to look for its kind of series. */
static void anomaly(const ad_notice_t *n, char *out, size_t size) {
  char a[96], b[96], what[96];
  if (n->combination && n->partner[0] != '\0') {
    bool first = fabs(n->driver_z) >= fabs(n->partner_z);
    ad_text_escape(a, sizeof(a), first ? n->series : n->partner, SIZE_MAX);
    ad_text_escape(b, sizeof(b), first ? n->partner : n->series, SIZE_MAX);
    snprintf(out, size, "look at %s first: it moved most, %s %s", a, b,
             n->relation_corr != 0 ? "usually moves with it" : "moved with it");
    return;
  }
  if (n->after[0] != '\0') {
    ad_text_escape(what, sizeof(what), n->after, SIZE_MAX);
    snprintf(out, size,
             "it followed \"%s\": roll that back if it is the "
             "cause; %s",
             what, where_to_look(n->series));
    return;
  }
  snprintf(out, size, "%s", where_to_look(n->series));
}

void ad_advice_for(const ad_notice_t *n, char *out, size_t size) {
  out[0] = '\0';
  char what[96];
  switch (n->kind) {
  case AD_NOTICE_EXHAUSTION:
    if (n->level != AD_LEVEL_OKAY)
      exhaustion(n, out, size);
    break;
  case AD_NOTICE_NEW_NORMAL:
    snprintf(out, size, "confirm the change that moved it, or roll it back");
    break;
  case AD_NOTICE_CHANGE:
    ad_text_escape(what, sizeof(what), n->after, SIZE_MAX);
    if (n->level != AD_LEVEL_OKAY)
      snprintf(out, size, "roll \"%s\" back, or accept its cost", what);
    break;
  case AD_NOTICE_LEVEL:
    if (n->level != AD_LEVEL_OKAY)
      anomaly(n, out, size);
    break;
  case AD_NOTICE_MUTED:
  case AD_NOTICE_UNMUTED:
    break;
  }
}

void ad_advice_apply(ad_notice_t *n) {
  ad_advice_for(n, n->suggestion, sizeof(n->suggestion));
  size_t used = strnlen(n->message, sizeof(n->message));
  size_t more = strlen(n->suggestion);
  static const char joint[] = "; suggested: ";
  if (more == 0 || used + sizeof(joint) - 1 + more >= sizeof(n->message))
    return;
  memcpy(n->message + used, joint, sizeof(joint) - 1);
  memcpy(n->message + used + sizeof(joint) - 1, n->suggestion, more + 1);
}
