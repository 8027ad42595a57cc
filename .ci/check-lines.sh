#!/usr/bin/env bash
# Every file in src/ stays at most 250 lines (STYLE.md: one file per concept). Prettier (run
# before this in CI) keeps the count honest: a long line cannot hide two statements.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX=250
over=$(find src -name '*.ts' -print0 | xargs -0 wc -l | awk -v max="$MAX" '$2 != "total" && $1 > max { print "  " $2 ": " $1 " lines" }')
if [ -n "$over" ]; then
  echo "line check: files in src/ over $MAX lines:" >&2
  echo "$over" >&2
  exit 1
fi
echo "line check: every file in src/ is at most $MAX lines"
