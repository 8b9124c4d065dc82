#!/usr/bin/env bash
# Quick start 2: set up, then run the whole test suite (real Neptune offline runs and a real
# Ultralytics training included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The report's browser test (tests/unit/report/test_report.py) drives Debian's Chromium through Playwright
# (never Playwright's own browser download). Installed only when missing; without root or apt-get
# this says so and the test fails with the same advice.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "test.sh: /usr/bin/chromium is missing; as root: apt-get install chromium (for tests/unit/report/test_report.py)" >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
