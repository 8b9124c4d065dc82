#!/usr/bin/env bash
# Regenerate schemas/hooks.schema.json: the schema the registries put together from yaml-hooks' own
# action kinds, named sources and trackers (tests/unit/config/test_schema.py checks the committed file is it).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m hooks schema --builtin > schemas/hooks.schema.json
