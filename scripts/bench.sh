#!/usr/bin/env bash
# Set up, then run every benchmark row (about 8 minutes on 2 cores); arguments go to
# benchmarks/run.py (--quick, --rows 1,5, --out FILE, --markdown).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python benchmarks/run.py "$@"
