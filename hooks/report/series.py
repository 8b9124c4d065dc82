"""The numeric parts of a report: charts per series family, last/best tables, the comparison's
side-by-side table, and per-class metrics as a table with a sparkline per class.

One run: a chart per family (``hooks.report.families``), a colour per series, and its last/best
table beside it. Several runs: a chart per series with a line per run, each run in its own colour
on every chart, and one table with every run's last and best value side by side.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..runs.model import SYSTEM_NAMESPACES, Point
from .chartdata import shown, xy
from .charts import Line, SeriesStats, render_chart, series_stats
from .families import Family, families, per_class_key
from .images import data_uri
from .markup import RunView, esc, num, sparkline, style_of, swatch
from .matrix import confusion_tables

__all__ = ["Charts", "per_class_section", "series_section", "summary_table", "system_charts"]


@dataclass(frozen=True)
class ChartLine:
    label: str
    color: str
    dash: tuple[int, ...] | None
    points: Sequence[Point]


class Charts:
    """The charts of one page: specs for the page's script (uPlot), or PNGs with ``static``."""

    def __init__(self, static: bool = False) -> None:
        self.static = static
        self.specs: dict[str, dict[str, object]] = {}

    def box(self, title: str, lines: Sequence[ChartLine], from_zero: bool = False) -> str:
        """A chart of ``lines``; ``from_zero``: the value axis starts at zero (CPU load, memory)."""
        alt = f"Chart of {title}: " + ", ".join(line.label for line in lines)
        head = f"<span><code>{esc(title)}</code></span>"
        if self.static:
            drawn = [Line(line.label, *xy(line.points), color=line.color) for line in lines]
            png = render_chart(title, drawn)
            return (
                f'<div class="plot-box">{_head(head, "")}'
                f'<img class="chart zoom" src="{data_uri("image/png", png)}" alt="{esc(alt)}" width="640" height="320">'
                "</div>"
            )
        chart_id = f"c{len(self.specs) + 1}"
        spec_lines = []
        thinned = []
        positive = False
        for line in lines:
            points = shown(line.points)
            if points.thinned:
                thinned.append(f"{line.label}: {len(points.x):,} of {points.total:,} points shown")
            positive = positive or any(v is not None and v > 0 for v in points.y)
            spec_lines.append(
                {
                    "label": line.label,
                    "color": line.color,
                    "dash": list(line.dash) if line.dash else None,
                    "x": points.x,
                    "y": points.y,
                }
            )
        self.specs[chart_id] = {"lines": spec_lines, "zero": from_zero}
        note = f'<span class="thinned">{esc("; ".join(thinned))}</span> ' if thinned else ""
        disabled = "" if positive else ' disabled title="no value above zero"'
        tools = f'{note}<label><input type="checkbox" class="log-scale" data-chart="{chart_id}"{disabled}> log</label>'
        return (
            f'<div class="plot-box">{_head(head, tools)}'
            f'<div class="plot" data-chart="{chart_id}" role="img" aria-label="{esc(alt)}"></div></div>'
        )


def _head(left: str, right: str) -> str:
    return f'<div class="plot-head">{left}<span>{right}</span></div>'


def _chartable(points: Sequence[Point]) -> bool:
    return len(points) > 1


def _stats_cells(stats: SeriesStats) -> str:
    best = "–"
    if stats.best is not None:
        best = f'{num(stats.best)} <span class="step">@{num(stats.best_step)}</span>'
        best += f' <span class="rule">{stats.rule}</span>'
    return (
        f'<td class="num">{stats.points}</td>'
        f'<td class="num">{num(stats.last)} <span class="step">@{num(stats.last_step)}</span></td>'
        f'<td class="num">{best}</td>'
    )


def _family_single(charts: Charts, view: RunView, family: Family, index: int) -> list[str]:
    run = view.run
    lines = [ChartLine(family.label(key), *style_of(i), points=run.series[key]) for i, key in enumerate(family.keys)]
    rows = [
        f'<tr data-key="{esc(key)}"><td><code>{esc(family.label(key))}</code></td>'
        f"{_stats_cells(series_stats(key, run.series[key]))}</tr>"
        for key in family.keys
    ]
    chartable = any(_chartable(line.points) for line in lines)
    chart = charts.box(family.title, lines, from_zero=family.kind == "system") if chartable else ""
    return [
        f'<section class="family group" id="series-{index}" data-group="{esc(family.id)}">',
        f"<h3>{esc(family.title)}</h3>",
        '<div class="row">',
        chart,
        f'<table class="stats" id="stats-{esc(family.id)}"><thead><tr><th>series</th><th>points</th>'
        "<th>last @step</th><th>best @step</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        "</div>",
        "</section>",
    ]


def _family_compare(charts: Charts, views: Sequence[RunView], family: Family, index: int) -> list[str]:
    boxes = []
    for key in family.keys:
        lines = [
            ChartLine(view.label, view.color, None, view.run.series[key]) for view in views if key in view.run.series
        ]
        if any(_chartable(line.points) for line in lines):
            system = family.kind == "system"
            boxes.append(charts.box(key if system else family.label(key), lines, from_zero=system))
    if not boxes:
        return []
    return [
        f'<section class="family group" id="series-{index}" data-group="{esc(family.id)}">',
        f"<h3>{esc(family.title)}</h3>",
        '<div class="multiples">',
        *boxes,
        "</div>",
        "</section>",
    ]


def _float_keys(views: Sequence[RunView], system: bool) -> list[str]:
    keys: dict[str, None] = {}
    for view in views:
        for key in view.run.float_series():
            if ((key.split("/", 1)[0] in SYSTEM_NAMESPACES) and "/" in key) == system:
                keys[key] = None
    return list(keys)


def _families_html(charts: Charts, views: Sequence[RunView], keys: list[str], start: int) -> list[str]:
    out: list[str] = []
    for offset, family in enumerate(families(keys)):
        if len(views) == 1:
            out += _family_single(charts, views[0], family, start + offset)
        else:
            out += _family_compare(charts, views, family, start + offset)
    return out


def series_section(charts: Charts, views: Sequence[RunView]) -> list[str]:
    out = ['<section id="series">', "<h2>Series</h2>"]
    keys = _float_keys(views, system=False)
    body = _families_html(charts, views, keys, 1)
    if not body:
        out.append('<p class="empty">No numeric series.</p>')
    elif not charts.static:
        out.append(
            '<div class="controls"><label>Smoothing <input type="range" id="smoothing" min="0" max="0.99" '
            'step="0.01" value="0" aria-label="Smoothing"> <output id="smoothing-value">0.00</output></label>'
            "<span>Hover a chart for values · drag to zoom · double-click to reset</span></div>"
        )
    out += [*body, "</section>"]
    return out


def system_charts(charts: Charts, views: Sequence[RunView]) -> list[str]:
    """Neptune's own series (hardware monitoring …), for the System section."""
    return _families_html(charts, views, _float_keys(views, system=True), 1000)


def summary_table(views: Sequence[RunView]) -> list[str]:
    """Every series' last and best value, one pair of columns per run; the better best in bold."""
    keys = [k for k in _float_keys(views, system=False) if per_class_key(k) is None]
    order = {family.id: i for i, family in enumerate(families(keys))}
    position = {key: (order[family.id], key) for family in families(keys) for key in family.keys}
    keys.sort(key=lambda k: position.get(k, (len(order), k)))
    if not keys:
        return []
    head = "".join(f'<th colspan="2">{swatch(v.color)}{esc(v.label)}</th>' for v in views)
    sub = "".join("<th>last @step</th><th>best @step</th>" for _ in views)
    rows = []
    for key in keys:
        stats = [series_stats(key, v.run.series[key]) if key in v.run.series else None for v in views]
        bests = [s.best for s in stats if s is not None and s.best is not None]
        rule = next((s.rule for s in stats if s is not None and s.rule), None)
        winner = (min(bests) if rule == "min" else max(bests)) if len(bests) > 1 else None
        cells = []
        for s in stats:
            if s is None:
                cells.append('<td class="num">–</td><td class="num">–</td>')
                continue
            last = f'{num(s.last)} <span class="step">@{num(s.last_step)}</span>'
            best = "–" if s.best is None else f'{num(s.best)} <span class="step">@{num(s.best_step)}</span>'
            better = ' better" title="the best of these runs' if winner is not None and s.best == winner else ""
            cells.append(f'<td class="num">{last}</td><td class="num{better}">{best}</td>')
        rows.append(f'<tr data-key="{esc(key)}"><td><code>{esc(key)}</code></td>{"".join(cells)}</tr>')
    return [
        "<h3>Last and best values</h3>",
        '<table id="summary-table" class="compare"><thead>',
        f'<tr><th rowspan="2">series</th>{head}</tr><tr>{sub}</tr>',
        "</thead><tbody>",
        *rows,
        "</tbody></table>",
    ]


# --------------------------------------------------------------------------
# Per-class metrics

_BASE_ORDER = ("precision", "recall", "mAP50", "mAP50-95")
_SUFFIX = re.compile(r"^(.*?)(\(([A-Z])\))?$")
_SUFFIX_ORDER = ("B", "M", "P")


def _metric_order(metric: str) -> tuple[int, int, str]:
    match = _SUFFIX.match(metric)
    base, suffix = (match.group(1), match.group(3)) if match else (metric, None)
    suffix_rank = _SUFFIX_ORDER.index(suffix) if suffix in _SUFFIX_ORDER else len(_SUFFIX_ORDER)
    base_rank = _BASE_ORDER.index(base) if base in _BASE_ORDER else len(_BASE_ORDER)
    return (suffix_rank, base_rank, metric)


def per_class_section(views: Sequence[RunView]) -> list[str]:
    out = ['<section id="per-class">', "<h2>Per class</h2>"]
    tables = 0
    for view in views:
        grouped: dict[str, dict[str, dict[str, Sequence[Point]]]] = {}
        for key, points in view.run.float_series().items():
            parsed = per_class_key(key)
            if parsed is not None:
                grouped.setdefault(parsed.prefix, {}).setdefault(parsed.name, {})[parsed.metric] = points
        for prefix in sorted(grouped):
            classes = grouped[prefix]
            metrics = sorted({m for per in classes.values() for m in per}, key=_metric_order)
            title = f"{prefix}/per_class" if prefix else "per_class"
            who = f"{swatch(view.color)}{esc(view.label)} · " if len(views) > 1 else ""
            head = "".join(f"<th>{esc(m)}</th>" for m in metrics)
            rows = []
            for name in sorted(classes, key=str.lower):
                cells = []
                for metric in metrics:
                    logged = classes[name].get(metric)
                    if not logged:
                        cells.append('<td class="num">–</td>')
                        continue
                    values = xy(logged)[1]
                    last = values[-1]
                    shown_last = num(last) if math.isfinite(last) else "–"
                    cells.append(f'<td class="num">{shown_last}{sparkline(values, view.color)}</td>')
                rows.append(f'<tr data-key="{esc(name)}"><td>{esc(name)}</td>{"".join(cells)}</tr>')
            tables += 1
            out += [
                f"<h3>{who}<code>{esc(title)}</code> · last value, and every step as a sparkline</h3>",
                f'<table class="per-class" id="per-class-{view.index}-{tables}" data-prefix="{esc(prefix)}">',
                f"<thead><tr><th>class</th>{head}</tr></thead><tbody>",
                *rows,
                "</tbody></table>",
            ]
    matrices = confusion_tables(views)
    if not tables and not matrices:
        return []
    out += [*matrices, "</section>"]
    return out
