"""`hooks show`: the fully resolved config, every line annotated with where it came from."""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Location, format_path
from .read import Document, YPath

__all__ = ["provenance", "show_yaml"]


def _scalar(value: Any) -> str:
    text: str = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _where(loc: Location | None) -> str:
    return f"{loc.file}:{loc.line}" if loc else ""


_TOP_ORDER = ("version", "description", "requires", "strict", "sink", "events")
_ALIGN_MAX = 72  # comments line up at this column at most; longer lines keep theirs two spaces out


def show_yaml(doc: Document, files: list[str] | None = None) -> str:
    """Block-style YAML of ``doc.data``, a ``# file:line`` comment on every line."""
    from ..core.events import in_firing_order

    rows: list[tuple[str, str]] = []

    def mapping(data: dict[str, Any], path: YPath, indent: str, first: str) -> None:
        for i, (key, value) in enumerate(data.items()):
            lead = first if i == 0 else indent
            at = (*path, key)
            where = _where(doc.keys.get(at) or doc.values.get(at))
            if isinstance(value, dict) and value:
                rows.append((f"{lead}{key}:", where))
                mapping(value, at, indent + "  ", indent + "  ")
            elif isinstance(value, list) and value:
                rows.append((f"{lead}{key}:", where))
                sequence(value, at, indent + "  ")
            else:
                rows.append((f"{lead}{key}: {_scalar(value)}", where))

    def sequence(data: list[Any], path: YPath, indent: str) -> None:
        for i, value in enumerate(data):
            at = (*path, i)
            if isinstance(value, dict) and value:
                mapping(value, at, indent + "  ", indent + "- ")
            elif isinstance(value, list) and value:
                rows.append((f"{indent}-", _where(doc.values.get(at))))
                sequence(value, at, indent + "  ")
            else:
                rows.append((f"{indent}- {_scalar(value)}", _where(doc.values.get(at))))

    if isinstance(doc.data, dict):
        # Canonical order, whatever order the merge produced: top-level keys, then events as they fire.
        top = {k: doc.data[k] for k in (*_TOP_ORDER, *doc.data) if k in doc.data}
        if isinstance(top.get("events"), dict):
            events = top["events"]
            top["events"] = {k: events[k] for k in in_firing_order(events)}
        mapping(top, (), "", "")
    width = min(max((len(text) for text, _ in rows), default=0), _ALIGN_MAX)
    header = [f"# resolved from {', '.join(files)}"] if files else []
    return "\n".join([*header, *(f"{text:<{width}}  # {where}" if where else text for text, where in rows)])


def provenance(doc: Document) -> dict[str, str]:
    """Every key and list item of the resolved config → ``file:line:column`` it came from."""
    out: dict[str, str] = {}
    for path, loc in sorted(doc.values.items(), key=lambda item: [str(p) for p in item[0]]):
        if path:
            out[format_path(path)] = str(doc.keys.get(path, loc))
    return out
