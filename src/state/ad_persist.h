/* ad_persist: what the engine learned about one host, as JSON and back: the
 * host's level and forest, and every value list of the host with its series
 * (sliding window, seasonal profiles, calibrations, alert state) and forest.
 * The layout is documented in docs/state-format.md.
 *
 * Reading trusts nothing: every field is checked for presence, type and
 * range, the fields of a struct against each other (by the struct's owner:
 * ad_calib_invalid, ad_window_invalid, ad_season_invalid), every array for
 * its length, every forest for being a well-formed forest, every index for
 * pointing inside what it indexes. What fails costs no more than its part:
 * a damaged series starts afresh, so does a damaged forest or the host's
 * own level and view; a value list whose identifier is unusable is dropped;
 * the rest is kept, and `damaged` says how much was not (with the first
 * reason). Only a document without a usable host name is refused whole. A
 * file written with other structural parameters or older detector versions
 * is not damaged: the members concerned start afresh (reported in
 * `reset`), the rest is kept. */
#ifndef AD_PERSIST_H
#define AD_PERSIST_H

#include "core/ad_config.h"
#include "engine/ad_engine.h"
#include "engine/ad_host.h"
#include "engine/ad_vlist.h"
#include "state/ad_codec.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Versions of the detectors' state layouts; a change of meaning bumps one. */
#define AD_PERSIST_WINDOW_VERSION 2
#define AD_PERSIST_SEASON_VERSION 1
#define AD_PERSIST_CALIBRATION_VERSION 1
#define AD_PERSIST_FOREST_VERSION 1

/* Members that may be started afresh on load (bits of `reset`). */
#define AD_PERSIST_RESET_WINDOW 1u
#define AD_PERSIST_RESET_SEASON 2u
#define AD_PERSIST_RESET_CALIBRATION 4u
#define AD_PERSIST_RESET_FOREST 8u

/* The JSON object for host h (a copy, see ad_host_copy) and its n value
 * lists (copies, ad_vlist_copy): members "parameters", "detectors", "host",
 * "value_lists". NULL when out of memory. */
json_t *ad_persist_encode(const ad_host_t *h, ad_vlist_t *const *vlists,
                          size_t n, const ad_config_t *cfg);

typedef struct {
  ad_host_t *host;     /* new, not in any engine */
  ad_vlist_t **vlists; /* count new value lists pointing at host */
  size_t count;
  size_t series;           /* series in them */
  unsigned reset;          /* AD_PERSIST_RESET_* applied */
  size_t damaged;          /* parts started afresh or dropped as damaged */
  size_t dropped_series;   /* series of the value lists dropped */
  bool view_reset;         /* the host's view was damaged and starts afresh:
                              its series take new slots */
  ad_codec_error_t damage; /* the first of them: where and why */
} ad_persist_host_t;

/* Reads the object ad_persist_encode made (doc may hold other members, as
 * the file envelope) for the configuration cfg. Returns 0 and fills out,
 * damaged parts started afresh (out->damaged); EINVAL with the reason in
 * err when doc names no usable host; ENOMEM. On failure nothing is left
 * allocated. */
int ad_persist_decode(const json_t *doc, const ad_config_t *cfg,
                      ad_persist_host_t *out, ad_codec_error_t *err);

/* Frees what a decode made (value lists and host); NULL members allowed. */
void ad_persist_host_free(ad_persist_host_t *p);

/* ---- an engine's state as documents ---------------------------------- */

/* Receives one host's document (doc, a new reference the writer must
 * json_decref). Returns 0 or an errno value (counted, the checkpoint goes
 * on with the next host). */
typedef int (*ad_persist_writer_t)(void *ctx, const char *host, json_t *doc);

/* Saves every host of e (ad_engine_save) as the document ad_persist_encode
 * makes, through write. Returns as ad_engine_save (ENOMEM when a document
 * could not be made). */
int ad_persist_save(ad_engine_t *e, ad_persist_writer_t write, void *ctx,
                    ad_save_stats_t *stats);

typedef struct {
  size_t value_lists;      /* value lists restored */
  size_t series;           /* series in them */
  size_t skipped;          /* value lists dropped: already tracked, or beyond
                              MaxSeries */
  unsigned reset;          /* AD_PERSIST_RESET_*: members started afresh */
  size_t damaged;          /* parts of the document that were damaged: series,
                              forests, the host's own state started afresh,
                              value lists dropped */
  size_t dropped_series;   /* series of the value lists dropped */
  ad_codec_error_t damage; /* the first damage, where and why */
} ad_restore_stats_t;

/* Adds the host a document describes (doc, as a writer received it; the
 * file's envelope may be there too) to e: ad_persist_decode, then
 * ad_engine_adopt (value lists get `now` as their last arrival, NaN keeps
 * theirs). Damaged parts start afresh, the rest is restored
 * (stats->damaged). Returns 0; EINVAL with the reason in err when doc names
 * no usable host (nothing added); EEXIST when the host is tracked already;
 * ENOMEM. */
int ad_persist_restore(ad_engine_t *e, const json_t *doc, double now,
                       ad_restore_stats_t *stats, ad_codec_error_t *err);

#endif /* AD_PERSIST_H */
