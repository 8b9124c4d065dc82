#!/usr/bin/env bash
# Quick start 1: set up, then train YOLOv8n for a few epochs on a synthetic dataset, offline, with
# the `default` preset logging to Neptune's offline mode. Everything goes to ./demo-work.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m demo "$@"
