/* Fuzz target: collectd-anomaly train's readers of the csv plugin's files.
 * The input is a types.db, a line "====", the value list's name
 * ("plugin[-instance]/type[-instance]") on a line, then one day file; a
 * first byte '1' reads it as StoreRates true. What is read is fed through
 * an engine, then the save-and-restore invariant. */
#include "fuzz_util.h"

#include "offline/ad_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits data at the first "\n====\n": the types.db before, the rest
 * after. */
static const uint8_t *split(const uint8_t *data, size_t size, size_t *head) {
  static const char sep[] = "\n====\n";
  for (size_t i = 0; i + sizeof(sep) - 1 <= size; i++)
    if (memcmp(data + i, sep, sizeof(sep) - 1) == 0) {
      *head = i;
      return data + i + sizeof(sep) - 1;
    }
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t head;
  const uint8_t *rest = size > 0 ? split(data, size, &head) : NULL;
  if (rest == NULL)
    return 0;
  size_t rest_size = size - (size_t)(rest - data);
  const uint8_t *eol = memchr(rest, '\n', rest_size);
  if (eol == NULL || eol - rest >= 2 * 128)
    return 0;
  char name[2 * 128 + 1];
  memcpy(name, rest, (size_t)(eol - rest));
  name[eol - rest] = '\0';
  char *slash = strchr(name, '/');
  if (slash == NULL)
    return 0;
  *slash = '\0';
  bool rates = data[0] == '1';
  char err[256];
  FILE *types = fmemopen((void *)data, head > 0 ? head : 1, "r");
  ad_typesdb_t *db = types != NULL
                         ? ad_typesdb_read(types, "fuzz.db", err, sizeof(err))
                         : NULL;
  if (types != NULL)
    fclose(types);
  size_t day_size = rest_size - (size_t)(eol + 1 - rest);
  FILE *day = fmemopen((void *)(eol + 1), day_size > 0 ? day_size : 1, "r");
  ad_history_t *h = NULL;
  ad_history_source_t src = {"fuzzhost", db, rates, NULL, NULL};
  if (day != NULL &&
      ad_history_read_day(day, "fuzz/day", &src, name, slash + 1, &h) != 0 &&
      h != NULL) {
    ad_history_free(h);
    h = NULL;
  }
  if (day != NULL)
    fclose(day);
  if (h != NULL && h->rows <= 2000) {
    ad_engine_t *e = fuzz_engine(FUZZ_QUICK, 64);
    if (e != NULL) {
      (void)ad_history_feed(e, &h, 1, NULL, NULL);
      fuzz_check_round_trip(e, FUZZ_QUICK, 64);
    }
    ad_engine_destroy(e);
  }
  ad_history_free(h);
  ad_typesdb_free(db);
  return 0;
}
