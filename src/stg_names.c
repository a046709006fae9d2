/* stg_names: statgrab plugin naming and filtering (see header). */
#include "stg_names.h"

#include <stdio.h>
#include <string.h>

char *stg_mount_instance(const char *mount_point, char *buf, size_t size) {
  if (size == 0)
    return buf;
  if (strcmp(mount_point, "/") == 0) {
    snprintf(buf, size, "root");
    return buf;
  }
  const char *p = mount_point[0] == '/' ? mount_point + 1 : mount_point;
  snprintf(buf, size, "%s", p);
  for (char *c = buf; *c != '\0'; c++)
    if (*c == '/')
      *c = '-';
  return buf;
}

bool stg_fs_is_pseudo(const char *fs_type) {
  static const char *const pseudo[] = {
      "autofs",      "binfmt_misc", "bpf",     "cgroup",     "cgroup2",
      "configfs",    "debugfs",     "devpts",  "devtmpfs",   "efivarfs",
      "fusectl",     "hugetlbfs",   "iso9660", "mqueue",     "nsfs",
      "proc",        "pstore",      "ramfs",   "rpc_pipefs", "securityfs",
      "selinuxfs",   "squashfs",    "sysfs",   "tracefs",    "fuse.gvfsd-fuse",
      "fuse.portal",
  };
  for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
    if (strcmp(fs_type, pseudo[i]) == 0)
      return true;
  return false;
}

bool stg_shadowed_later(const char *const *names, size_t count, size_t i) {
  for (size_t j = i + 1; j < count; j++)
    if (strcmp(names[i], names[j]) == 0)
      return true;
  return false;
}

const char *const stg_cpu_state_names[STG_CPU_STATES] = {
    "user", "system", "wait", "nice", "swap", "idle"};

bool stg_cpu_percents(const unsigned long long ticks[STG_CPU_STATES],
                      double out[STG_CPU_STATES]) {
  unsigned long long sum = 0;
  for (int i = 0; i < STG_CPU_STATES; i++)
    sum += ticks[i];
  if (sum == 0)
    return false;
  for (int i = 0; i < STG_CPU_STATES; i++)
    out[i] = 100.0 * (double)ticks[i] / (double)sum;
  return true;
}
