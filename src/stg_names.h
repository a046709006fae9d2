/* stg_names: how the statgrab plugin names and filters what libstatgrab
 * returns, so that the value lists look exactly like those of collectd's own
 * df, disk and interface plugins. Pure functions, no collectd or libstatgrab
 * dependency, unit-tested on their own. */
#ifndef STG_NAMES_H
#define STG_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* collectd's df plugin instance for a mount point: "/" -> "root", otherwise
 * the path without its leading slash and with "/" replaced by "-"
 * ("/var/lib" -> "var-lib"). Writes into buf (always NUL-terminated,
 * truncated to size). Returns buf. */
char *stg_mount_instance(const char *mount_point, char *buf, size_t size);

/* True for filesystem types that hold no user data (proc, sysfs, cgroup,
 * devpts, ...) and for read-only image mounts that are always full
 * (squashfs, iso9660): collectd users do not want df values for them. */
bool stg_fs_is_pseudo(const char *fs_type);

/* True when names[i] equals one of names[i+1..count-1]: of duplicate mounts
 * of one mount point, the last one listed is the one visible. */
bool stg_shadowed_later(const char *const *names, size_t count, size_t i);

/* CPU states reported, in the order of stg_cpu_percents' arrays, with
 * collectd's cpu plugin names. */
#define STG_CPU_STATES 6
extern const char *const stg_cpu_state_names[STG_CPU_STATES];

/* Percentages of tick differences (user, system, wait, nice, swap, idle)
 * over their sum, so that they add up to 100 as collectd's cpu plugin
 * reports them. Returns false (out untouched) when no tick passed. */
bool stg_cpu_percents(const unsigned long long ticks[STG_CPU_STATES],
                      double out[STG_CPU_STATES]);

#endif /* STG_NAMES_H */
