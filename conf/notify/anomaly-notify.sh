#!/bin/sh
# Receives one collectd notification on stdin (collectd's exec plugin,
# NotificationExec) and turns the anomaly plugin's into one line for the
# system log, or for anything else that reads a line: a chat webhook, a
# ticket. Other plugins' notifications pass through as they are.
#
# stdin: "Severity: FAILURE", "Time: 1763900000.000", "Host: web1",
# "Plugin: anomaly", ... headers, a blank line, the message.
set -eu
severity="" host="" plugin="" message=""
in_body=false
while IFS= read -r line; do
  if $in_body; then
    [ -n "$line" ] && message="$line"
    continue
  fi
  case "$line" in
    "") in_body=true ;;
    Severity:*) severity=${line#Severity: } ;;
    Host:*) host=${line#Host: } ;;
    Plugin:*) plugin=${line#Plugin: } ;;
  esac
done
if [ "$plugin" = anomaly ]; then
  line="anomaly $severity host=$host: $message"
else
  line="$plugin $severity host=$host: $message"
fi
# ANOMALY_NOTIFY_OUT=/path appends there instead (tests, or a file a
# forwarder tails); the default is the system log.
if [ -n "${ANOMALY_NOTIFY_OUT:-}" ]; then
  printf '%s\n' "$line" >>"$ANOMALY_NOTIFY_OUT"
else
  logger -t collectd-anomaly -- "$line"
fi
