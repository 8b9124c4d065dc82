"""A run in words, for a terminal: what the demo prints, and the counts `hooks runs` shows.
Reading the run is its reader's; this module only presents what it read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from .model import KIND_ORDER, SYSTEM_NAMESPACES, ImageRef, Run, SeriesKind, namespaces

__all__ = ["count_cell", "fmt_size", "split_count", "summarize"]


def _fmt_num(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _fmt_value(value: object, width: int = 40) -> str:
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float):
        text = _fmt_num(value) if value == value and abs(value) != float("inf") else str(value)
    elif isinstance(value, ImageRef):
        text = f"image {fmt_size(value.size)}"
    elif isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, str):
        text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def split_count(keys: Collection[str]) -> tuple[int, int]:
    """How many of ``keys`` the training logged, and how many the tracker and yaml-hooks keep of their
    own (under sys/, monitoring/ … : SYSTEM_NAMESPACES); together every key, as `hooks report` lists them."""
    own = sum(1 for key in keys if key.split("/", 1)[0] in SYSTEM_NAMESPACES)
    return len(keys) - own, own


def count_cell(keys: Collection[str]) -> str:
    """``"3"``, or ``"3 (+9)"`` when 9 more are Neptune's or yaml-hooks' own: a cell of `hooks runs`."""
    logged, own = split_count(keys)
    return f"{logged} (+{own})" if own else str(logged)


def fmt_size(size: int) -> str:
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{size} B"  # pragma: no cover - loop always returns


def _table(rows: Sequence[tuple[str, ...]], right: frozenset[int] = frozenset()) -> list[str]:
    """Align columns; ``right`` holds indexes of right-aligned columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in pairs]
        out.append("  ".join(cells).rstrip())
    return out


def _rel(key: str, ns: str) -> str:
    return key[len(ns) + 1 :] if ns else key


def _ns_label(ns: str) -> str:
    return f"{ns}/" if ns else "(top level)"


def _grouped(
    title: str, header: tuple[str, ...], groups: dict[str, list[tuple[str, ...]]], right: frozenset[int]
) -> list[str]:
    """A section: title row, then per namespace a label line and its rows."""
    rows: list[tuple[str, ...]] = [(title, *header)]
    labels: dict[int, str] = {}
    for ns, ns_rows in groups.items():
        labels[len(rows)] = "  " + _ns_label(ns)
        rows.extend(("    " + row[0], *row[1:]) for row in ns_rows)
    lines: list[str] = []
    for index, line in enumerate(_table(rows, right)):
        if index in labels:
            lines.append(labels[index])
        lines.append(line)
    return lines


def _visible(keys: Iterable[str], include_system: bool) -> dict[str, tuple[str, ...]]:
    groups = namespaces(keys)
    return {ns: ks for ns, ks in groups.items() if include_system or ns not in SYSTEM_NAMESPACES}


def _step_span(steps: list[float]) -> str:
    if not steps:
        return "-"
    low, high = min(steps), max(steps)
    return _fmt_num(low) if low == high else f"{_fmt_num(low)}..{_fmt_num(high)}"


def _series_section(run: Run, kind: SeriesKind, include_system: bool) -> list[str]:
    keys = [k for k, pts in run.series.items() if pts and pts[0].kind == kind]
    groups: dict[str, list[tuple[str, ...]]] = {}
    for ns, ns_keys in _visible(keys, include_system).items():
        for key in ns_keys:
            points = run.series[key]
            span = _step_span([p.step for p in points if p.step is not None])
            last = _fmt_value(points[-1].value)
            groups.setdefault(ns, []).append((_rel(key, ns), str(len(points)), span, last))
    if not groups:
        return []
    header = ("points", "steps", "last")
    return ["", *_grouped(f"{kind.capitalize()} series", header, groups, frozenset({1}))]


def _files_section(run: Run, include_system: bool) -> list[str]:
    groups: dict[str, list[tuple[str, ...]]] = {}
    for ns, ns_keys in _visible(run.files, include_system).items():
        for key in ns_keys:
            ref = run.files[key]
            shown = (
                ref.file_path.name
                if ref.file_path is not None
                else ref.source.rsplit("/", 1)[-1]
                if ref.source
                else "(inline)"
            )
            size = fmt_size(ref.size) if ref.exists and ref.size is not None else "missing"
            groups.setdefault(ns, []).append((_rel(key, ns), shown, size))
    for ns, ns_keys in _visible(run.file_sets, include_system).items():
        for key in ns_keys:
            count = len(run.file_sets[key])
            groups.setdefault(ns, []).append((_rel(key, ns), f"(file set, {count} glob(s))", "-"))
    if not groups:
        return []
    ordered = {ns: sorted(groups[ns]) for ns in sorted(groups)}
    return ["", *_grouped("Files", ("file", "size"), ordered, frozenset({2}))]


def _fields_section(run: Run, include_system: bool, examples: int = 3) -> list[str]:
    rows: list[tuple[str, ...]] = [("Fields", "count", "examples")]
    hidden: list[str] = []
    for ns, keys in namespaces(run.fields).items():
        if ns in SYSTEM_NAMESPACES and not include_system:
            hidden.append(f"{ns} {len(keys)}")
            continue
        shown = ", ".join(f"{_rel(k, ns)}={_fmt_value(run.fields[k], 32)}" for k in keys[:examples])
        more = ", ..." if len(keys) > examples else ""
        rows.append(("  " + _ns_label(ns), str(len(keys)), shown + more))
    lines = ["", *_table(rows, right=frozenset({1}))] if len(rows) > 1 else []
    if hidden:
        lines.append(f"  (system fields hidden: {', '.join(hidden)}; include_system=True shows them)")
    return lines


def summarize(run: Run, include_system: bool = False) -> str:
    """Plain-text overview of a run for the end of a training."""
    tags = ", ".join(run.tags) if run.tags else "-"
    head = [
        ("  folder" if run.parts else "  store", str(run.path or run.location)),
        ("  name", run.name or "-"),
        ("  id", run.run_id or "-"),
        ("  created", run.created or "-"),
        ("  tags", tags),
        ("  log", f"{run.op_count} operations, {len(run.problems)} problem(s)"),
    ]
    title = "Neptune offline run" if run.tracker == "neptune" else f"{run.tracker} run"
    lines = [title, *_table(head)]
    for kind in KIND_ORDER:
        lines += _series_section(run, kind, include_system)
    lines += _files_section(run, include_system)
    lines += _fields_section(run, include_system)
    if run.unknown:
        counts = Counter(op.type for op in run.unknown)
        lines += ["", "Not decoded: " + ", ".join(f"{t} x{n}" for t, n in sorted(counts.items()))]
    if run.problems:
        lines += ["", "Problems:"] + [f"  {p}" for p in run.problems[:5]]
        if len(run.problems) > 5:
            lines.append(f"  ... {len(run.problems) - 5} more")
    return "\n".join(lines) + "\n"
