/* A host's saved state, decoded for a command that only reads it (state
 * show, readiness): no lock taken, so it works while collectd runs and
 * checkpoints (files are replaced whole, never written in place). */
#include "host_file.h"
#include "cli.h"

#include "detectors/ad_window.h"
#include "state/ad_state.h"

#include <errno.h>
#include <string.h>

int cli_host_file_read(const char *dir, const char *host, unsigned version,
                       cli_host_file_t *out) {
  memset(out, 0, sizeof(*out));
  if (ad_state_host_file(host, version, out->name, sizeof(out->name)) != 0) {
    cli_error("no state file name for host \"%s\"", host);
    return CLI_EXIT_USAGE;
  }
  char err[512];
  int rc =
      ad_state_read(dir, out->name, &out->doc, &out->hdr, err, sizeof(err));
  if (rc != 0) {
    cli_error("%s/%s: %s", dir, out->name,
              rc == ENOENT ? "no such host or version" : err);
    return CLI_EXIT_FAILURE;
  }
  /* decoded with the structural parameters it was written with */
  ad_config_defaults(&out->cfg);
  json_t *window =
      json_object_get(json_object_get(out->doc, "parameters"), "window");
  if (json_is_integer(window) && json_integer_value(window) >= 2 &&
      json_integer_value(window) <= AD_WINDOW_MAX)
    out->cfg.window.window = (unsigned)json_integer_value(window);
  out->cfg.host_forest_series = AD_IFOREST_MAX_DIM;
  ad_codec_error_t why = {{0}};
  if (ad_persist_decode(out->doc, &out->cfg, &out->p, &why) != 0) {
    cli_error("%s/%s: %s", dir, out->name, why.text);
    json_decref(out->doc);
    ad_config_release(&out->cfg);
    memset(out, 0, sizeof(*out));
    return CLI_EXIT_FAILURE;
  }
  return CLI_EXIT_OK;
}

void cli_host_file_free(cli_host_file_t *f) {
  if (f->doc == NULL)
    return;
  ad_persist_host_free(&f->p);
  json_decref(f->doc);
  ad_config_release(&f->cfg);
  memset(f, 0, sizeof(*f));
}
