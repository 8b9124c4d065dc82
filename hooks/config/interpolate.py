"""Stage 3: replace ``${VAR}`` and ``${VAR:-default}`` in every string with the environment's value.

Only the loaded file reads the environment freely. A value that comes from a preset it extends
(a teammate's file, an installed package's, a shipped one, however it is named) may read only the
names the loaded file lists in `allow_env:`: otherwise a preset could write
``${AWS_SECRET_ACCESS_KEY}`` into a run's description and read it back from the tracker, or
``${MLFLOW_TRACKING_URI}`` (with its ``user:password@``) into a tag. What a run reads from the
environment to choose where it goes (NEPTUNE_PROJECT, MLFLOW_TRACKING_URI …), the tracker reads
itself."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any, Final

from ..errors import ConfigError, Issue
from .read import Document, YPath

__all__ = ["interpolate", "substitute"]

# $${ is an escaped, literal ${.
_VAR: Final = re.compile(r"\$(\$)?\{([^}]*)\}")
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def interpolate(doc: Document, env: Mapping[str, str], allow_env: Collection[str] = ()) -> Document:
    """Return a copy of ``doc`` with environment references replaced; every problem is reported."""
    merged, issues, _ = substitute(doc, env, allow_env=allow_env)
    if issues:
        raise ConfigError(issues)
    return merged


def substitute(
    doc: Document,
    env: Mapping[str, str],
    chains: Mapping[str, tuple[str, ...]] | None = None,
    *,
    allow_env: Collection[str] = (),
) -> tuple[Document, list[Issue], list[YPath]]:
    """``doc`` with environment references replaced, every problem found, and the paths of the
    values that had one. Such a value becomes "" so the later stages can go on: they leave it
    out (it is reported once, here).

    A value located in a file other than ``doc.file`` (a preset the loaded file extends) may read
    only ``allow_env``; any other reference, ``${VAR:-default}`` included, is an error at the
    preset's line that never says the variable's value."""
    chains = chains or {}
    readable = set(allow_env)
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
        preset = doc.where(path).file != doc.file

        def one(m: re.Match[str]) -> str:
            if m.group(1):
                return "${" + m.group(2) + "}"
            body = m.group(2)
            name, sep, default = body.partition(":-")
            if not _NAME.fullmatch(name):
                report(path, f"'${{{body}}}' is not an environment reference; write ${{NAME}} or ${{NAME:-default}}")
                return m.group(0)
            if preset and name not in readable:
                report(
                    path,
                    f"a preset may not read the environment variable {name} (only what the config you "
                    f"load lists in `allow_env:`), or it could write your secrets into the run; to let "
                    f"it, add {name} to `allow_env:` at the top of the config you load",
                )
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
        """``data`` with its references replaced: a container in which nothing changed is returned
        as it is (no copy, no path built for its plain values), one that changed is a new one."""
        if isinstance(data, str):
            return sub(data, path)
        if isinstance(data, (dict, list)):
            changed: Any = None  # a copy of data, made at its first changed value
            for k, v in data.items() if isinstance(data, dict) else enumerate(data):
                if not isinstance(v, (dict, list)) and not (isinstance(v, str) and "${" in v):
                    continue
                new = walk(v, (*path, k))
                if new is not v:
                    if changed is None:
                        changed = dict(data) if isinstance(data, dict) else list(data)
                    changed[k] = new
            return data if changed is None else changed
        return data

    data = walk(doc.data, ())
    return replace(doc, data=data), issues, bad
