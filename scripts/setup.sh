#!/usr/bin/env bash
# Set-up from nothing: a virtual environment in .venv with torch, Ultralytics, Neptune, MLflow and this
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
.venv/bin/python -m pip install -q -e ".[ultralytics,mlflow,tensorboard,wandb,test,dev]"
# This machine's torchvision wheels are CUDA builds next to a CPU torch: a start-up hook in .venv
# gives torchvision CPU kernels for its two ops, only if it cannot load its own, and only when it
# is first imported (demo/site/yaml_hooks_torchvision.py). The package itself never imports it.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
printf '%s\nimport yaml_hooks_torchvision; yaml_hooks_torchvision.install()\n' "$PWD/demo/site" \
  > "$site/yaml_hooks_torchvision.pth"
