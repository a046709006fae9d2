/* A host's saved state for the commands that read it (host_file.c). */
#ifndef HOST_FILE_H
#define HOST_FILE_H

#include "core/ad_config.h"
#include "state/ad_persist.h"
#include "state/ad_statefile.h"
#include "state/ad_statehdr.h"

#include <jansson.h>

typedef struct {
  char name[AD_STATEFILE_NAME_MAX + 1]; /* its file, under the directory */
  json_t *doc;                          /* the document */
  ad_statehdr_t hdr;                    /* its envelope (in doc) */
  ad_config_t cfg;                      /* what it was decoded with */
  ad_persist_host_t p;                  /* the host and its value lists */
} cli_host_file_t;

/* Reads and decodes version `version` (0: current) of host's file in dir
 * without taking the directory's lock. Returns CLI_EXIT_OK, or another
 * exit code with the reason printed. */
int cli_host_file_read(const char *dir, const char *host, unsigned version,
                       cli_host_file_t *out);

/* Frees what cli_host_file_read made; a zeroed or freed one allowed. */
void cli_host_file_free(cli_host_file_t *f);

#endif /* HOST_FILE_H */
