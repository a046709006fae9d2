/* collectd-anomaly: runs history through the anomaly plugin's detectors,
 * trains and manages its state. Dispatches to one function per subcommand
 * (cli.h); usage() is the list of them. */
#include "cli.h"
#include "config.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out) {
  fputs("usage: collectd-anomaly COMMAND [OPTION]... [ARG]...\n"
        "\n"
        "Commands:\n"
        "  replay [--set KEY=VALUE]... [--host NAME] [--state DIR] FILE.csv\n"
        "        run a CSV of history through the anomaly plugin's detectors\n"
        "        and print timestamp,score,level for every row\n"
        "  train (--csv DIR | --rrd DIR) [-d STATEDIR] [--host NAME]...\n"
        "        build the plugin's state from the csv or rrdtool plugin's\n"
        "        files, so that a host is known from day one\n"
        "  state [-d DIR] list | show HOST | rollback HOST\n"
        "        what the anomaly plugin has learned, per host, in its\n"
        "        StateDir: list, show as JSON, roll back to a checkpoint\n"
        "  readiness HOST [--json] [-d STATEDIR | --socket PATH] [--at TIME]\n"
        "        is it safe to patch HOST now (or at TIME)? READY, CAUTION\n"
        "        or NOT READY (exit 0, 1, 2) with reasons, risky hours of the\n"
        "        week and the next good window\n"
        "  change HOST WHAT [--socket PATH] [--time TIME]\n"
        "        announce a change (a patch, a deploy) on HOST: the anomaly\n"
        "        plugin compares its series with what it expected for\n"
        "        ChangeWatch and notifies whether the change regressed\n"
        "  options\n"
        "        print the anomaly plugin's options (Markdown table)\n"
        "\n"
        "  collectd-anomaly COMMAND --help  shows a command's options.\n"
        "  collectd-anomaly --version       prints the version.\n",
        out);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *command = argv[1];
  if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
    usage(stdout);
    return CLI_EXIT_OK;
  }
  if (strcmp(command, "--version") == 0) {
    printf("collectd-anomaly %s\n", AD_VERSION);
    return CLI_EXIT_OK;
  }
  if (strcmp(command, "replay") == 0)
    return cli_replay(argc - 1, argv + 1);
  if (strcmp(command, "train") == 0)
    return cli_train(argc - 1, argv + 1);
  if (strcmp(command, "state") == 0)
    return cli_state(argc - 1, argv + 1);
  if (strcmp(command, "readiness") == 0)
    return cli_readiness(argc - 1, argv + 1);
  if (strcmp(command, "change") == 0)
    return cli_change(argc - 1, argv + 1);
  if (strcmp(command, "options") == 0)
    return cli_options(argc - 1, argv + 1);
  cli_error("unknown command \"%s\" (try collectd-anomaly --help)", command);
  return CLI_EXIT_USAGE;
}
