#!/bin/bash
# Rewrites README.md's anomaly option table from the code's own table
# (`collectd-anomaly options`); tests/integration/docs.sh checks they agree.
# usage: scripts/update-readme-options.sh [BUILD_DIR]   (default build/gcc)
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="${1:-build/gcc}/src/collectd-anomaly"
table=$("$cmd" options)
TABLE="$table" python3 - <<'PY'
import os, re
path = "README.md"
text = open(path).read()
begin, end = "<!-- options:anomaly:begin -->", "<!-- options:anomaly:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + "\n" + os.environ["TABLE"] + "\n" + end + tail)
PY
