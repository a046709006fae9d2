/* ad_series: per-series ensemble state (see header). */
#include "ad_series.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

ad_series_t *ad_series_create(const char *key, size_t key_len, uint64_t hash) {
  if (key_len == 0 || key_len > UINT16_MAX)
    return NULL;
  ad_series_t *s = calloc(1, sizeof(*s) + key_len);
  if (s == NULL)
    return NULL;
  s->hash = hash;
  s->key_len = (uint16_t)key_len;
  memcpy(s->key, key, key_len);
  s->last_time = NAN;
  ad_window_init(&s->window);
  ad_level_init(&s->level);
  return s;
}

void ad_series_destroy(ad_series_t *s) { free(s); }

void ad_series_observe(ad_series_t *s, const ad_config_t *cfg, double time,
                       double value, double arrival, ad_series_result_t *res) {
  ad_detector_output_t member[AD_DET_COUNT];
  for (int i = 0; i < AD_DET_COUNT; i++)
    member[i] = AD_DETECTOR_OUTPUT_NONE;

  s->last_arrival = arrival;
  if (!isnan(value))
    s->last_time = time;
  ad_window_update(&s->window, &cfg->window, value,
                   &member[AD_DET_SLIDING_WINDOW]);

  *res = (ad_series_result_t){.value = value};
  ad_meta_combine(cfg->weights, &cfg->levels, member, &res->assessment);
  ad_level_t previous = AD_LEVEL_OKAY;
  res->changed =
      ad_level_update(&s->level, &cfg->levels, res->assessment.risk, &previous);
  res->level = (ad_level_t)s->level.level;
  res->previous = res->changed ? previous : res->level;
}

size_t ad_series_footprint(const ad_series_t *s) {
  return sizeof(*s) + s->key_len;
}
