/* Unit tests: ad_alert (incidents and muting on top of levels). */
#include "test_util.h"

#include "detectors/ad_alert.h"

static const ad_alert_params_t params = {
    .levels = {.warning = 0.4, .failure = 0.6, .hysteresis = 0.1, .hits = 1},
    .incident_gap = 100,
    .mute_above = 0,
    .mute_time = 1000,
};

typedef struct {
  double t, risk;
  ad_alert_event_t event; /* expected */
  ad_level_t level;       /* expected reported level after */
  bool outside;           /* still outside its band */
} step_t;

static void run(const ad_alert_params_t *p, const step_t *steps, size_t n) {
  ad_alert_t a;
  ad_alert_init(&a);
  for (size_t i = 0; i < n; i++) {
    ad_level_t level = AD_LEVEL_OKAY, previous = AD_LEVEL_OKAY;
    ad_alert_event_t ev = ad_alert_update(&a, p, steps[i].t, steps[i].risk,
                                          steps[i].outside, &level, &previous);
    if (ev != steps[i].event || ad_alert_level(&a) != steps[i].level)
      fail_msg("step %zu (t=%g risk=%g): event %d level %d, expected %d %d", i,
               steps[i].t, steps[i].risk, ev, ad_alert_level(&a),
               steps[i].event, steps[i].level);
    if (ev == AD_ALERT_NOTIFY)
      assert_int_equal(level, steps[i].level);
  }
}

static void test_relapse_is_one_incident(void **state) {
  (void)state;
  static const step_t steps[] = {
      {0, 0.1, AD_ALERT_NONE, AD_LEVEL_OKAY, false},
      {10, 0.5, AD_ALERT_NOTIFY, AD_LEVEL_WARNING, false}, /* incident opens */
      {20, 0.1, AD_ALERT_NONE, AD_LEVEL_WARNING, false}, /* calm: gap starts */
      {60, 0.5, AD_ALERT_NONE, AD_LEVEL_WARNING, false}, /* relapse: same one */
      {70, 0.8, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE,
       false}, /* escalation: told */
      {80, 0.5, AD_ALERT_NONE, AD_LEVEL_FAILURE,
       false}, /* de-escalation: not */
      {90, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false}, /* calm from 90 */
      {150, NAN, AD_ALERT_NONE, AD_LEVEL_FAILURE,
       false}, /* no data: gap runs */
      {189, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},
      {190, 0.0, AD_ALERT_NOTIFY, AD_LEVEL_OKAY, false}, /* 100 s calm: over */
      {200, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false}, /* a new incident */
  };
  run(&params, steps, ARRAY_SIZE(steps));
}

/* At a fast interval an incident ends after IncidentGapValues intervals
 * back to normal, well before IncidentGap seconds; observations missing
 * (NaN) do not count, a relapse or a value outside starts the count again,
 * and a burn a little later is a new incident. */
static void test_fast_interval_ends_after_its_values(void **state) {
  (void)state;
  ad_alert_params_t p = params; /* a gap of 100 s */
  p.incident_gap_values = 3;
  static const step_t steps[] = {
      {0, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false},
      {2, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},    /* quiet: count 0 */
      {4, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},    /* 1 */
      {6, NAN, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},    /* not counted */
      {8, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, true},     /* outside: again */
      {10, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},   /* 0 */
      {12, 0.5, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},   /* relapse */
      {14, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},   /* 0 */
      {16, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},   /* 1 */
      {18, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},   /* 2 */
      {20, 0.0, AD_ALERT_NOTIFY, AD_LEVEL_OKAY, false},    /* 3: over */
      {30, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false}, /* a new one */
  };
  run(&p, steps, ARRAY_SIZE(steps));
}

/* At a slow interval the seconds come first, as without the count. */
static void test_slow_interval_ends_after_its_seconds(void **state) {
  (void)state;
  ad_alert_params_t p = params; /* a gap of 100 s */
  p.incident_gap_values = 30;
  static const step_t steps[] = {
      {0, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false},
      {60, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},
      {120, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},
      {180, 0.0, AD_ALERT_NOTIFY, AD_LEVEL_OKAY, false},
  };
  run(&p, steps, ARRAY_SIZE(steps));
}

static void test_zero_gap_is_plain_levels(void **state) {
  (void)state;
  ad_alert_params_t p = params;
  p.incident_gap = 0;
  static const step_t steps[] = {
      {0, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false},
      {1, 0.0, AD_ALERT_NOTIFY, AD_LEVEL_OKAY, false},
      {2, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false},
  };
  run(&p, steps, ARRAY_SIZE(steps));
}

/* A low risk while the value is still outside its band (its detectors
 * learning what they alarm on) does not end the incident; back inside,
 * the gap runs as usual. */
static void test_outside_its_band_the_incident_stays_open(void **state) {
  (void)state;
  ad_alert_params_t p = params;
  p.incident_gap = 0;
  static const step_t steps[] = {
      {0, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, true},
      {1, 0.1, AD_ALERT_NONE, AD_LEVEL_FAILURE, true},
      {2, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, true},
      {3, 0.9, AD_ALERT_NONE, AD_LEVEL_FAILURE, true}, /* no relapse */
      {4, 0.0, AD_ALERT_NOTIFY, AD_LEVEL_OKAY, false}, /* back: over */
      {5, 0.0, AD_ALERT_NONE, AD_LEVEL_OKAY, true},    /* outside, no risk */
  };
  run(&p, steps, ARRAY_SIZE(steps));
}

/* Quiet but outside its band again (a variance burst whose values cross
 * the band now and then): the gap starts afresh once it is back inside,
 * so the burst stays one incident. */
static void test_the_gap_is_back_inside_in_a_row(void **state) {
  (void)state;
  static const step_t steps[] = {
      {0, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, true},
      {10, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},  /* inside: gap runs */
      {90, 0.1, AD_ALERT_NONE, AD_LEVEL_FAILURE, true},   /* out again, calm */
      {110, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false}, /* back: gap again */
      {200, 0.0, AD_ALERT_NONE, AD_LEVEL_FAILURE, false},
      {210, 0.0, AD_ALERT_NOTIFY, AD_LEVEL_OKAY, false}, /* 100 s inside */
  };
  run(&params, steps, ARRAY_SIZE(steps));
}

static void test_noisy_series_muted_then_unmuted(void **state) {
  (void)state;
  /* MuteAbove=2 incidents a day: the third incident within an hour mutes
   * for 1000 s; while muted nothing is notified and the level reads OKAY;
   * afterwards the series starts afresh. */
  ad_alert_params_t p = params;
  p.incident_gap = 0;
  p.mute_above = 2;
  static const step_t steps[] = {
      {0, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false},
      {10, 0.0, AD_ALERT_NOTIFY, AD_LEVEL_OKAY, false},
      {20, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false},
      {30, 0.0, AD_ALERT_NOTIFY, AD_LEVEL_OKAY, false},
      {40, 0.9, AD_ALERT_MUTED, AD_LEVEL_OKAY, false},
      {50, 0.0, AD_ALERT_NONE, AD_LEVEL_OKAY, false},
      {60, 0.9, AD_ALERT_NONE, AD_LEVEL_OKAY, false},
      {1039, 0.9, AD_ALERT_NONE, AD_LEVEL_OKAY, false},
      {1040, 0.0, AD_ALERT_UNMUTED, AD_LEVEL_OKAY, false},
      {1050, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false},
  };
  run(&p, steps, ARRAY_SIZE(steps));
}

static void test_muted_series_is_not_anomalous(void **state) {
  (void)state;
  ad_alert_params_t p = params;
  p.incident_gap = 0;
  p.mute_above = 0.5;
  ad_alert_t a;
  ad_alert_init(&a);
  ad_level_t level, previous;
  assert_int_equal(ad_alert_update(&a, &p, 0, 0.9, false, &level, &previous),
                   AD_ALERT_MUTED);
  assert_false(ad_alert_anomalous(&a));
  assert_int_equal(ad_alert_level(&a), AD_LEVEL_OKAY);
}

static void test_incident_rate_decays(void **state) {
  (void)state;
  /* Two incidents a day apart do not add up to a mute at MuteAbove=1.5:
   * the rate decays with a one-day time constant. */
  ad_alert_params_t p = params;
  p.incident_gap = 0;
  p.mute_above = 1.5;
  static const step_t steps[] = {
      {0, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false},
      {10, 0.0, AD_ALERT_NOTIFY, AD_LEVEL_OKAY, false},
      {86400, 0.9, AD_ALERT_NOTIFY, AD_LEVEL_FAILURE, false},
  };
  run(&p, steps, ARRAY_SIZE(steps));
}

TEST_MAIN(cmocka_unit_test(test_relapse_is_one_incident),
          cmocka_unit_test(test_outside_its_band_the_incident_stays_open),
          cmocka_unit_test(test_the_gap_is_back_inside_in_a_row),
          cmocka_unit_test(test_fast_interval_ends_after_its_values),
          cmocka_unit_test(test_slow_interval_ends_after_its_seconds),
          cmocka_unit_test(test_zero_gap_is_plain_levels),
          cmocka_unit_test(test_noisy_series_muted_then_unmuted),
          cmocka_unit_test(test_muted_series_is_not_anomalous),
          cmocka_unit_test(test_incident_rate_decays))
