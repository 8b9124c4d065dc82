"""A registered model's aliases as `upload … register: {aliases: …}` states them: the rules that move
them and the names MLflow takes. One place for the config's check (hooks/actions/upload.py), a
spool's check (hooks/sinks/mlflow/spool.py) and the sender that applies them (model.py)."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["ALIAS_NAME", "ALIAS_RULES", "alias_problem"]

# Each rule, and what it moves the alias to (hooks explain says it so).
ALIAS_RULES: Final = {"best": "the version with the best fitness so far", "newest": "each new version"}
ALIAS_NAME: Final = re.compile(r"^[\w\-]{1,255}$")  # mlflow.utils.validation._REGISTERED_MODEL_ALIAS_REGEX


def alias_problem(name: str) -> str:
    """Why MLflow does not take ``name`` as an alias, or reserves it ("" when it takes it)."""
    if not ALIAS_NAME.match(name):
        return "an alias is 1 to 255 letters, digits, '_' or '-' (MLflow's rule)"
    if name.lower() == "latest":
        return (
            "MLflow reserves the alias 'latest' (models:/NAME@latest is always its newest version); choose "
            "another name, e.g. newest"
        )
    if re.fullmatch(r"[vV]\d+", name):
        return f"MLflow reserves '{name}': v<number> names a version"
    return ""
