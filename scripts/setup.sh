#!/usr/bin/env bash
# Set-up from nothing: a virtual environment in .venv with torch, Ultralytics, Neptune and this
# package (editable) plus the test tools. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
# torchvision is pinned with torch: an unpinned torchvision pulls a newer torch (and CUDA wheels).
.venv/bin/python -m pip install -q "torch==2.13.0" "torchvision==0.28.0"
.venv/bin/python -m pip install -q -e ".[ultralytics,test,dev]"
