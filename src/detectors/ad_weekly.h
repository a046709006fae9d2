/* ad_weekly: what a host's hours of the week have been like, learned from
 * its closed intervals: for each of the week's 168 hours (UTC, Monday 00:00
 * first) the hours observed, the risk they carried, the hours spent inside
 * an incident and the incidents that opened then.
 *
 * Readiness asks it which hours are risky for a change: an hour in which
 * incidents opened in past weeks (a job that fails on Mondays at 09:00), or
 * whose risk has been high, is a bad time to patch. Each hour forgets by
 * AD_WEEKLY_KEEP a week, counted when the hour comes round again (and when
 * it is read), so three Mondays' incidents stand out while an incident two
 * months ago has faded to a tenth of one.
 *
 * Cost: one bin touched per closed interval, O(1); 3.4 KB per host. */
#ifndef AD_WEEKLY_H
#define AD_WEEKLY_H

#include <stdbool.h>

#define AD_WEEK_HOURS 168
#define AD_WEEK_SECONDS (AD_WEEK_HOURS * 3600.0)
/* What one week's evidence keeps after a week: half-life about 2.4 weeks */
#define AD_WEEKLY_KEEP 0.75

typedef struct {
  float seen[AD_WEEK_HOURS];     /* hours observed */
  float risk[AD_WEEK_HOURS];     /* risk x hours */
  float incident[AD_WEEK_HOURS]; /* hours inside an incident */
  float onsets[AD_WEEK_HOURS];   /* incidents opened */
  float week[AD_WEEK_HOURS];     /* the week (since the epoch) each hour's
                                    numbers are as of; 0: never */
} ad_weekly_t;

/* What one hour of the week has been like, as of a given week. */
typedef struct {
  double seen;      /* hours observed, decayed */
  double mean_risk; /* risk they carried on average (NaN: none seen) */
  double incident;  /* share of the observed time inside an incident */
  double onsets;    /* incidents opened, decayed (1.0: one last week) */
} ad_weekly_hour_t;

/* Nothing seen. Cannot fail. */
void ad_weekly_init(ad_weekly_t *w);

/* The hour of the week of data time t: 0 (Monday 00:00-01:00 UTC) to 167;
 * -1 when t is not finite. */
int ad_weekly_hour_of(double t);

/* Folds one closed interval of `seconds` (clamped to 0..3600) ending at data
 * time t: its risk (NaN: not scored, only the time counts), whether the
 * host was inside an incident and whether one opened then. A time before
 * the hour's last week is folded without decay. Non-finite t is ignored. */
void ad_weekly_fold(ad_weekly_t *w, double t, double seconds, double risk,
                    bool in_incident, bool onset);

/* Hour `hour` (0..167) as of data time `now`: its numbers decayed to now's
 * week. Pure. */
ad_weekly_hour_t ad_weekly_get(const ad_weekly_t *w, int hour, double now);

/* Hours observed in all, decayed to now's week. Pure. */
double ad_weekly_seen(const ad_weekly_t *w, double now);

/* What is wrong with w, read from a file (NULL: nothing): negative or
 * non-finite numbers, more risk or incident time than hours observed. */
const char *ad_weekly_invalid(const ad_weekly_t *w);

#endif /* AD_WEEKLY_H */
