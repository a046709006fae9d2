/* collectd-anomaly options: prints the anomaly plugin's options from the
 * table the plugin and replay's --set parse (ad_config_keys), so the README
 * and the man pages are generated from, and checked against, the code. */
#include "cli.h"

#include "core/ad_config.h"

#include <stdio.h>
#include <string.h>

static const char *kind_text(ad_key_kind_t kind) {
  switch (kind) {
  case AD_KEY_NUMBER:
    return "number";
  case AD_KEY_INTEGER:
    return "integer";
  case AD_KEY_BOOLEAN:
    return "boolean";
  case AD_KEY_RULE:
    return "rule";
  case AD_KEY_STRING:
    return "string";
  case AD_KEY_CAPACITY:
    return "block";
  }
  return "?";
}

static void print_markdown(void) {
  size_t n;
  const ad_config_key_t *keys = ad_config_keys(&n);
  puts("| option | type | default | range | meaning |");
  puts("|---|---|---|---|---|");
  for (size_t i = 0; i < n; i++) {
    const ad_config_key_t *k = &keys[i];
    char range[64] = "";
    if (k->kind == AD_KEY_NUMBER || k->kind == AD_KEY_INTEGER)
      snprintf(range, sizeof(range), "%.10g .. %.10g", k->min, k->max);
    printf("| `%s` | %s | %s | %s | %s |\n", k->name, kind_text(k->kind),
           k->fallback[0] ? k->fallback : "(none)", range, k->doc);
  }
}

int cli_options(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--help") == 0) {
    puts("usage: collectd-anomaly options\n"
         "Prints the anomaly plugin's options as a Markdown table.");
    return CLI_EXIT_OK;
  }
  if (argc != 1) {
    cli_error("options takes no arguments");
    return CLI_EXIT_USAGE;
  }
  print_markdown();
  return CLI_EXIT_OK;
}
