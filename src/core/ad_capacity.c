/* ad_capacity: series with a ceiling (see header). */
#include "core/ad_capacity.h"

#include <stddef.h>
#include <string.h>

/* collectd's types whose type instances are the parts of one whole */
static const char *const WHOLES[] = {"df_complex", "df_inodes", "memory",
                                     "swap"};

/* type instances that say what is left, not what is taken */
static const char *const LEFT[] = {"free", "idle", "available", "unused",
                                   "reserved"};

static int listed(const char *s, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, list[i]) == 0)
      return 1;
  return 0;
}

ad_capacity_role_t ad_capacity_role(const ad_ident_t *id) {
  const char *type = ad_ident_field(id, AD_FIELD_TYPE);
  const char *ti = ad_ident_field(id, AD_FIELD_TYPE_INSTANCE);
  if (listed(type, WHOLES, sizeof(WHOLES) / sizeof(WHOLES[0])))
    return strcmp(ti, "used") == 0 ? AD_CAPACITY_FILLER : AD_CAPACITY_PART;
  if (listed(ti, LEFT, sizeof(LEFT) / sizeof(LEFT[0])))
    return AD_CAPACITY_NONE;
  return AD_CAPACITY_MAXIMUM;
}
