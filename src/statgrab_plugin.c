/* statgrab: collectd read plugin for host metrics through libstatgrab.
 *
 * Value lists are named exactly as collectd's own cpu, memory, swap, load,
 * disk, interface, df, processes, users and contextswitch plugins name theirs
 * on Linux, with the stock types.db types, so graphs, thresholds and the
 * anomaly plugin see the same series whichever plugin collected them. It
 * replaces those plugins; do not load both.
 *
 * libstatgrab use, and why:
 *  - sg_init once in init, sg_shutdown in shutdown (reference counted).
 *  - Only caller-owned snapshots (the *_r functions). libstatgrab's own diff
 *    state is per thread, and collectd runs a read callback on whichever read
 *    thread is free, so the previous CPU snapshot lives here, and the
 *    interval's CPU percentages come from *_diff_between of two snapshots.
 *  - Counters (disk and network bytes, packets, errors, context switches)
 *    are dispatched as DERIVE, as collectd's plugins do: collectd computes
 *    the rates.
 *  - sg_drop_privileges is never called: it would change the whole daemon's
 *    user id.
 *  - The first CPU sample has nothing to diff against and is not dispatched.
 *  - A failing group is logged (repeat-limited) and skipped; the callback
 *    fails only when nothing at all could be read.
 * collectd never runs one read callback concurrently with itself, so the
 * state below needs no lock.
 */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/daemon/utils_complain.h"
#include "collectd/core/utils/common/common.h"

#include "core/ad_pattern.h"
#include "stg_names.h"

#include <statgrab.h>

#define STG_PLUGIN "statgrab"

typedef enum {
  STG_CPU,
  STG_MEMORY,
  STG_SWAP,
  STG_LOAD,
  STG_DISK,
  STG_INTERFACE,
  STG_FILESYSTEM,
  STG_PROCESSES,
  STG_USERS,
} stg_group_t;

#define STG_GROUP_COUNT 9

static const char *const stg_group_keys[STG_GROUP_COUNT] = {
    "ReportCPU",        "ReportMemory",    "ReportSwap",
    "ReportLoad",       "ReportDisk",      "ReportInterface",
    "ReportFilesystem", "ReportProcesses", "ReportUsers"};

/* A select/ignore list as collectd's plugins have them. */
typedef struct {
  ad_pattern_list_t *patterns;
  bool ignore_selected;
} stg_list_t;

static struct {
  bool report[STG_GROUP_COUNT];
  bool report_inodes;
  stg_list_t disks, interfaces, mount_points, fs_types;
  sg_cpu_stats *cpu_last; /* previous CPU snapshot (caller-owned) */
  bool initialised;
  c_complain_t complaint[STG_GROUP_COUNT];
} stg = {
    .report = {true, true, true, true, true, true, true, true, true},
};

/* ---- configuration ---------------------------------------------------------
 */

static int stg_config_list(const oconfig_item_t *ci, stg_list_t *list) {
  if (ci->values_num < 1) {
    ERROR(STG_PLUGIN " plugin: Option \"%s\" needs at least one name or "
                     "/regex/.",
          ci->key);
    return -1;
  }
  if (list->patterns == NULL &&
      (list->patterns = ad_pattern_list_create()) == NULL)
    return -1;
  for (int i = 0; i < ci->values_num; i++) {
    if (ci->values[i].type != OCONFIG_TYPE_STRING) {
      ERROR(STG_PLUGIN " plugin: Option \"%s\" takes strings.", ci->key);
      return -1;
    }
    char err[256];
    if (ad_pattern_list_add(list->patterns, ci->values[i].value.string, err,
                            sizeof(err)) != 0) {
      ERROR(STG_PLUGIN " plugin: Option \"%s\": %s.", ci->key, err);
      return -1;
    }
  }
  return 0;
}

static int stg_config_option(const oconfig_item_t *ci) {
  for (int g = 0; g < STG_GROUP_COUNT; g++)
    if (strcasecmp(ci->key, stg_group_keys[g]) == 0)
      return cf_util_get_boolean(ci, &stg.report[g]);
  if (strcasecmp(ci->key, "ReportInodes") == 0)
    return cf_util_get_boolean(ci, &stg.report_inodes);
  static const struct {
    const char *list_key, *ignore_key;
    stg_list_t *list;
  } lists[] = {
      {"Disk", "IgnoreSelectedDisk", &stg.disks},
      {"Interface", "IgnoreSelectedInterface", &stg.interfaces},
      {"MountPoint", "IgnoreSelectedMountPoint", &stg.mount_points},
      {"FSType", "IgnoreSelectedFSType", &stg.fs_types},
  };
  for (size_t i = 0; i < STATIC_ARRAY_SIZE(lists); i++) {
    if (strcasecmp(ci->key, lists[i].list_key) == 0)
      return stg_config_list(ci, lists[i].list);
    if (strcasecmp(ci->key, lists[i].ignore_key) == 0)
      return cf_util_get_boolean(ci, &lists[i].list->ignore_selected);
  }
  ERROR(STG_PLUGIN " plugin: Unknown option \"%s\".", ci->key);
  return -1;
}

static int stg_config(oconfig_item_t *ci) {
  int status = 0;
  for (int i = 0; i < ci->children_num; i++)
    if (stg_config_option(ci->children + i) != 0)
      status = -1; /* report every bad option, then refuse */
  return status;
}

static bool stg_selects(const stg_list_t *list, const char *name) {
  return ad_pattern_list_selects(list->patterns, list->ignore_selected, name);
}

/* ---- dispatch helpers
 * ---------------------------------------------------------- */

static void stg_submit(cdtime_t time, const char *plugin,
                       const char *plugin_instance, const char *type,
                       const char *type_instance, value_t *values, size_t n) {
  value_list_t vl = VALUE_LIST_INIT;
  vl.values = values;
  vl.values_len = n;
  vl.time = time;
  sstrncpy(vl.plugin, plugin, sizeof(vl.plugin));
  sstrncpy(vl.plugin_instance, plugin_instance, sizeof(vl.plugin_instance));
  sstrncpy(vl.type, type, sizeof(vl.type));
  sstrncpy(vl.type_instance, type_instance, sizeof(vl.type_instance));
  plugin_dispatch_values(&vl);
}

static void stg_gauge(cdtime_t time, const char *plugin, const char *type,
                      const char *type_instance, gauge_t value) {
  stg_submit(time, plugin, "", type, type_instance, &(value_t){.gauge = value},
             1);
}

static void stg_derive2(cdtime_t time, const char *plugin, const char *instance,
                        const char *type, unsigned long long a,
                        unsigned long long b) {
  value_t values[] = {{.derive = (derive_t)a}, {.derive = (derive_t)b}};
  stg_submit(time, plugin, instance, type, "", values, 2);
}

/* Logs a failing libstatgrab call for a group, at most with back-off. */
static void stg_complain(stg_group_t group, const char *call) {
  sg_error_details details = {0};
  sg_get_error_details(&details);
  const char *arg = details.error_arg != NULL ? details.error_arg : "";
  c_complain(LOG_WARNING, &stg.complaint[group],
             STG_PLUGIN " plugin: %s failed: %s%s%s%s%s", call,
             sg_str_error(details.error), arg[0] ? " " : "", arg,
             details.errno_value ? ": " : "",
             details.errno_value ? STRERROR(details.errno_value) : "");
}

static void stg_release(stg_group_t group) {
  c_release(LOG_INFO, &stg.complaint[group],
            STG_PLUGIN " plugin: reading %s works again.",
            stg_group_keys[group] + strlen("Report"));
}

/* ---- the groups: each returns values dispatched, or -1 when it failed
 * -------- */

static int stg_read_cpu(cdtime_t time) {
  size_t n = 0;
  sg_cpu_stats *now = sg_get_cpu_stats_r(&n);
  if (now == NULL) {
    stg_complain(STG_CPU, "sg_get_cpu_stats_r");
    return -1;
  }
  int dispatched = 0;
  /* Context switches are a counter: collectd makes the rate. */
  stg_submit(time, "contextswitch", "", "contextswitch", "",
             &(value_t){.derive = (derive_t)now->context_switches}, 1);
  dispatched++;
  if (stg.cpu_last != NULL) {
    sg_cpu_stats *diff = sg_get_cpu_stats_diff_between(now, stg.cpu_last, &n);
    /* Percentages over the sum of the reported states, not libstatgrab's
     * own (its total and its states disagree when IRQ time is counted in
     * "kernel", and they can add up to more than 100). */
    double percent[STG_CPU_STATES];
    if (diff != NULL) {
      const unsigned long long ticks[STG_CPU_STATES] = {
          diff->user, diff->kernel, diff->iowait,
          diff->nice, diff->swap,   diff->idle};
      if (stg_cpu_percents(ticks, percent)) {
        for (int i = 0; i < STG_CPU_STATES; i++)
          stg_gauge(time, "cpu", "percent", stg_cpu_state_names[i], percent[i]);
        dispatched += STG_CPU_STATES;
      }
      sg_free_stats_buf(diff);
    }
    sg_free_stats_buf(stg.cpu_last);
  }
  stg.cpu_last = now;
  return dispatched;
}

static int stg_read_memory(cdtime_t time) {
  size_t n = 0;
  sg_mem_stats *m = sg_get_mem_stats_r(&n);
  if (m == NULL) {
    stg_complain(STG_MEMORY, "sg_get_mem_stats_r");
    return -1;
  }
  /* On Linux libstatgrab's "free" includes the page cache: split it so that
   * used + cached + free add up to the total, as collectd's memory plugin. */
  unsigned long long cached = m->cache <= m->free ? m->cache : m->free;
  stg_gauge(time, "memory", "memory", "used", (gauge_t)m->used);
  stg_gauge(time, "memory", "memory", "cached", (gauge_t)cached);
  stg_gauge(time, "memory", "memory", "free", (gauge_t)(m->free - cached));
  sg_free_stats_buf(m);
  return 3;
}

static int stg_read_swap(cdtime_t time) {
  size_t n = 0;
  sg_swap_stats *s = sg_get_swap_stats_r(&n);
  if (s == NULL) {
    stg_complain(STG_SWAP, "sg_get_swap_stats_r");
    return -1;
  }
  stg_gauge(time, "swap", "swap", "used", (gauge_t)s->used);
  stg_gauge(time, "swap", "swap", "free", (gauge_t)s->free);
  sg_free_stats_buf(s);
  return 2;
}

static int stg_read_load(cdtime_t time) {
  size_t n = 0;
  sg_load_stats *l = sg_get_load_stats_r(&n);
  if (l == NULL) {
    stg_complain(STG_LOAD, "sg_get_load_stats_r");
    return -1;
  }
  value_t values[] = {
      {.gauge = l->min1}, {.gauge = l->min5}, {.gauge = l->min15}};
  stg_submit(time, "load", "", "load", "", values, STATIC_ARRAY_SIZE(values));
  sg_free_stats_buf(l);
  return 1;
}

static int stg_read_disks(cdtime_t time) {
  size_t n = 0;
  sg_disk_io_stats *d = sg_get_disk_io_stats_r(&n);
  if (d == NULL) {
    stg_complain(STG_DISK, "sg_get_disk_io_stats_r");
    return -1;
  }
  int dispatched = 0;
  for (size_t i = 0; i < n; i++) {
    if (d[i].disk_name == NULL || !stg_selects(&stg.disks, d[i].disk_name))
      continue;
    stg_derive2(time, "disk", d[i].disk_name, "disk_octets", d[i].read_bytes,
                d[i].write_bytes);
    dispatched++;
  }
  sg_free_stats_buf(d);
  return dispatched;
}

static int stg_read_interfaces(cdtime_t time) {
  size_t n = 0;
  sg_network_io_stats *io = sg_get_network_io_stats_r(&n);
  if (io == NULL) {
    stg_complain(STG_INTERFACE, "sg_get_network_io_stats_r");
    return -1;
  }
  int dispatched = 0;
  for (size_t i = 0; i < n; i++) {
    const char *name = io[i].interface_name;
    if (name == NULL || !stg_selects(&stg.interfaces, name))
      continue;
    stg_derive2(time, "interface", name, "if_octets", io[i].rx, io[i].tx);
    stg_derive2(time, "interface", name, "if_packets", io[i].ipackets,
                io[i].opackets);
    stg_derive2(time, "interface", name, "if_errors", io[i].ierrors,
                io[i].oerrors);
    dispatched += 3;
  }
  sg_free_stats_buf(io);
  return dispatched;
}

/* Whether a filesystem entry is reported: real, selected, not shadowed. */
static bool stg_fs_wanted(const sg_fs_stats *fs, const char *const *mounts,
                          size_t n, size_t i) {
  if (fs->mnt_point == NULL || fs->fs_type == NULL || fs->size == 0)
    return false;
  if (stg_fs_is_pseudo(fs->fs_type) ||
      !stg_selects(&stg.fs_types, fs->fs_type) ||
      !stg_selects(&stg.mount_points, fs->mnt_point))
    return false;
  return !stg_shadowed_later(mounts, n, i);
}

static int stg_read_filesystems(cdtime_t time) {
  size_t n = 0;
  sg_fs_stats *fs = sg_get_fs_stats_r(&n);
  if (fs == NULL) {
    stg_complain(STG_FILESYSTEM, "sg_get_fs_stats_r");
    return -1;
  }
  const char **mounts = calloc(n > 0 ? n : 1, sizeof(*mounts));
  if (mounts == NULL) {
    sg_free_stats_buf(fs);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    mounts[i] = fs[i].mnt_point != NULL ? fs[i].mnt_point : "";
  int dispatched = 0;
  for (size_t i = 0; i < n; i++) {
    if (!stg_fs_wanted(&fs[i], mounts, n, i))
      continue;
    char instance[DATA_MAX_NAME_LEN];
    stg_mount_instance(fs[i].mnt_point, instance, sizeof(instance));
    /* collectd's df: used, reserved (free only for root), free (available). */
    unsigned long long avail =
        fs[i].avail <= fs[i].free ? fs[i].avail : fs[i].free;
    const struct {
      const char *name;
      unsigned long long bytes, inodes;
    } parts[] = {
        {"used", fs[i].used, fs[i].used_inodes},
        {"reserved", fs[i].free - avail,
         fs[i].free_inodes - fs[i].avail_inodes},
        {"free", avail, fs[i].avail_inodes},
    };
    for (size_t p = 0; p < STATIC_ARRAY_SIZE(parts); p++) {
      stg_submit(time, "df", instance, "df_complex", parts[p].name,
                 &(value_t){.gauge = (gauge_t)parts[p].bytes}, 1);
      if (stg.report_inodes && fs[i].total_inodes > 0)
        stg_submit(time, "df", instance, "df_inodes", parts[p].name,
                   &(value_t){.gauge = (gauge_t)parts[p].inodes}, 1);
    }
    dispatched++;
  }
  free(mounts);
  sg_free_stats_buf(fs);
  return dispatched;
}

static int stg_read_processes(cdtime_t time) {
  size_t n = 0;
  sg_process_stats *ps = sg_get_process_stats_r(&n);
  if (ps == NULL) {
    stg_complain(STG_PROCESSES, "sg_get_process_stats_r");
    return -1;
  }
  /* Counted here rather than with sg_get_process_count_r, which in
   * libstatgrab 0.92.1 treats its argument as a vector header and crashes. */
  gauge_t running = 0, sleeping = 0, stopped = 0, zombies = 0;
  for (size_t i = 0; i < n; i++) {
    switch (ps[i].state) {
    case SG_PROCESS_STATE_RUNNING:
      running++;
      break;
    case SG_PROCESS_STATE_SLEEPING:
      sleeping++;
      break;
    case SG_PROCESS_STATE_STOPPED:
      stopped++;
      break;
    case SG_PROCESS_STATE_ZOMBIE:
      zombies++;
      break;
    default:
      break;
    }
  }
  sg_free_stats_buf(ps);
  stg_gauge(time, "processes", "ps_state", "running", running);
  stg_gauge(time, "processes", "ps_state", "sleeping", sleeping);
  stg_gauge(time, "processes", "ps_state", "stopped", stopped);
  stg_gauge(time, "processes", "ps_state", "zombies", zombies);
  return 4;
}

static int stg_read_users(cdtime_t time) {
  size_t n = 0;
  sg_user_stats *u = sg_get_user_stats_r(&n);
  if (u == NULL) {
    stg_complain(STG_USERS, "sg_get_user_stats_r");
    return -1;
  }
  stg_gauge(time, "users", "users", "", (gauge_t)n);
  sg_free_stats_buf(u);
  return 1;
}

static int (*const stg_readers[STG_GROUP_COUNT])(cdtime_t) = {
    [STG_CPU] = stg_read_cpu,
    [STG_MEMORY] = stg_read_memory,
    [STG_SWAP] = stg_read_swap,
    [STG_LOAD] = stg_read_load,
    [STG_DISK] = stg_read_disks,
    [STG_INTERFACE] = stg_read_interfaces,
    [STG_FILESYSTEM] = stg_read_filesystems,
    [STG_PROCESSES] = stg_read_processes,
    [STG_USERS] = stg_read_users,
};

/* ---- callbacks
 * ----------------------------------------------------------------- */

static int stg_read(void) {
  /* One timestamp for the whole snapshot, so the values of one read line up. */
  cdtime_t time = cdtime();
  int enabled = 0, failed = 0;
  for (int g = 0; g < STG_GROUP_COUNT; g++) {
    if (!stg.report[g])
      continue;
    enabled++;
    int n = stg_readers[g](time);
    if (n < 0) {
      failed++;
      continue;
    }
    stg_release((stg_group_t)g);
  }
  /* Non-zero makes collectd back off this callback: only when every enabled
   * group failed. */
  return enabled > 0 && failed == enabled ? -1 : 0;
}

static int stg_init(void) {
  if (stg.initialised)
    return 0;
  /* 1: a component that cannot initialise (no utmp, say) only disables
   * itself; its getter then fails and that group is skipped. */
  sg_error status = sg_init(1);
  if (status != SG_ERROR_NONE) {
    ERROR(STG_PLUGIN " plugin: sg_init failed: %s", sg_str_error(status));
    return -1;
  }
  stg.initialised = true;
  return 0;
}

static int stg_shutdown(void) {
  if (stg.cpu_last != NULL) {
    sg_free_stats_buf(stg.cpu_last);
    stg.cpu_last = NULL;
  }
  ad_pattern_list_destroy(stg.disks.patterns);
  ad_pattern_list_destroy(stg.interfaces.patterns);
  ad_pattern_list_destroy(stg.mount_points.patterns);
  ad_pattern_list_destroy(stg.fs_types.patterns);
  stg.disks.patterns = stg.interfaces.patterns = NULL;
  stg.mount_points.patterns = stg.fs_types.patterns = NULL;
  if (stg.initialised) {
    sg_shutdown();
    stg.initialised = false;
  }
  return 0;
}

void module_register(void) {
  plugin_register_complex_config(STG_PLUGIN, stg_config);
  plugin_register_init(STG_PLUGIN, stg_init);
  plugin_register_read(STG_PLUGIN, stg_read);
  plugin_register_shutdown(STG_PLUGIN, stg_shutdown);
}
