"""Stage 3: replace ``${VAR}`` and ``${VAR:-default}`` in every string with the environment's value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from ..errors import ConfigError, Issue
from .read import Document, YPath

__all__ = ["interpolate", "substitute"]

# $${ is an escaped, literal ${.
_VAR: Final = re.compile(r"\$(\$)?\{([^}]*)\}")
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def interpolate(doc: Document, env: Mapping[str, str]) -> Document:
    """Return a copy of ``doc`` with environment references replaced; every problem is reported."""
    merged, issues, _ = substitute(doc, env)
    if issues:
        raise ConfigError(issues)
    return merged


def substitute(
    doc: Document, env: Mapping[str, str], chains: Mapping[str, tuple[str, ...]] | None = None
) -> tuple[Document, list[Issue], list[YPath]]:
    """``doc`` with environment references replaced, every problem found, and the paths of the
    values that had one. Such a value becomes "" so the later stages can go on: they leave it
    out (it is reported once, here)."""
    chains = chains or {}
    issues: list[Issue] = []
    bad: list[YPath] = []

    def report(path: YPath, message: str) -> None:
        loc = doc.where(path)
        issues.append(Issue(loc, path, message, chains.get(loc.file, ())))
        if not bad or bad[-1] != path:
            bad.append(path)

    def sub(value: str, path: YPath) -> str:
        if "${" not in value:
            return value
        before = len(bad)

        def one(m: re.Match[str]) -> str:
            if m.group(1):
                return "${" + m.group(2) + "}"
            body = m.group(2)
            name, sep, default = body.partition(":-")
            if not _NAME.fullmatch(name):
                report(path, f"'${{{body}}}' is not an environment reference; write ${{NAME}} or ${{NAME:-default}}")
                return m.group(0)
            if name in env and (env[name] or not sep):
                return env[name]
            if sep:
                return default
            report(path, f"environment variable {name} is not set; set it, or give a default: ${{{name}:-value}}")
            return m.group(0)

        text = _VAR.sub(one, value)
        return "" if len(bad) > before else text

    def walk(data: Any, path: YPath) -> Any:
        if isinstance(data, str):
            return sub(data, path)
        if isinstance(data, dict):
            return {k: walk(v, (*path, k)) for k, v in data.items()}
        if isinstance(data, list):
            return [walk(v, (*path, i)) for i, v in enumerate(data)]
        return data

    data = walk(doc.data, ())
    return replace(doc, data=data), issues, bad
