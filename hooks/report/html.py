"""One self-contained HTML file that shows one run (of any tracker hooks.runs reads), or compares several
(``hooks report RUN [RUN …]``).

Layout decisions (docs/report.md says the same for users):

* Everything is inside the one file: images are ``data:`` URIs; the CSS, the page's script, the
  chart data (JSON) and the vendored chart library (uPlot; ``hooks.report.inline`` reads them) are inline.
  The file can be mailed, attached to a CI job or opened from a USB stick, and nothing beside it
  can go stale. An image over ``MAX_EMBED_BYTES`` is listed, not embedded.
* Nothing is ever fetched: a Content-Security-Policy allows ``data:`` images and the page's own
  styles and scripts (by hash) only, so even a string that escaped ``html.escape`` could neither
  run a script nor load anything. Every string from the run is escaped all the same; the chart
  data is JSON in a ``<script type="application/json">`` block with every ``<`` escaped.
* Charts are drawn in the browser (hover for values, zoom, log scale, smoothing) from the logged
  points, thinned to ``MAX_SHOWN`` per series for display. ``static=True`` draws them as PNGs with
  matplotlib instead, for a page that must show its charts without running a script.
* Sections: (comparison) series, per class, images (a step slider where the same image was
  uploaded at several epochs), files, fields, system (Neptune's own fields, hardware monitoring,
  captured stdout/stderr as collapsed text), other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from .._version import __version__
from ..runs.model import Run
from .align import aligned
from .chartdata import MAX_SHOWN
from .images import IMAGE_EXTS, MAX_EMBED_BYTES
from .inline import assets, csp
from .markup import RunView, esc, run_kind, run_kinds, run_views, where_read
from .sections import (
    fields_section,
    header,
    hyperparameters,
    images_and_files,
    logs,
    other_section,
    problems,
    runs_table,
    system_fields,
)
from .series import Charts, per_class_section, series_section, summary_table, system_charts

__all__ = ["IMAGE_EXTS", "MAX_EMBED_BYTES", "MAX_SHOWN", "render_report", "write_report"]


def _json_block(value: object) -> str:
    # "<" escaped: no "</script>" or "<!--" inside can end the block early.
    text = json.dumps(value, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    return f'<script type="application/json" id="report-data">{text}</script>'


def _compare(views: Sequence[RunView]) -> list[str]:
    return [
        '<section id="compare">',
        "<h2>Runs</h2>",
        *runs_table(views),
        *hyperparameters(views),
        *summary_table(views),
        "</section>",
    ]


def _system(charts: Charts, views: Sequence[RunView]) -> list[str]:
    body = [*system_fields(views)]
    monitoring = system_charts(charts, views)
    if monitoring:
        body += ["<h3>Hardware and process monitoring</h3>", *monitoring]
    captured = logs(views)
    if captured:
        body += ['<h3 id="logs">Logs</h3>', *captured]
    if not body:
        body = ['<p class="empty">Nothing kept by the tracker itself.</p>']
    return ['<section id="system">', "<h2>System and logs</h2>", *body, "</section>"]


def render_report(runs: Run | Sequence[Run], generated: datetime | None = None, *, static: bool = False) -> str:
    """The report as one HTML string; reads the runs' image files to embed them."""
    views = run_views(aligned([runs] if isinstance(runs, Run) else list(runs)))
    if not views:
        raise ValueError("no run to report")
    when = (generated or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    charts = Charts(static=static)
    compare = _compare(views) if len(views) > 1 else []
    per_class = per_class_section(views)
    body = [
        *problems(views),
        *compare,
        *series_section(charts, views),
        *per_class,
        *images_and_files(views),
        *fields_section(views),
        *_system(charts, views),
        *other_section(views),
    ]
    nav = [
        *([("compare", "Runs")] if compare else []),
        ("series", "Series"),
        *([("per-class", "Per class")] if per_class else []),
        ("images", "Images"),
        ("files", "Files"),
        ("fields", "Fields"),
        ("system", "System and logs"),
        ("other", "Other"),
    ]
    kit = assets()
    styles = [kit.page_css] + ([kit.uplot_css] if charts.specs else [])
    scripts = [kit.page_js] + ([kit.uplot_js] if charts.specs else [])
    data = _json_block({"charts": charts.specs}) if charts.specs else ""
    if len(views) == 1:
        title = f"{views[0].run.name or '(unnamed run)'} · {run_kind(views[0].run)}"
    else:
        title = " vs ".join(v.label for v in views) + " · " + run_kinds([v.run for v in views])
    sources = ", ".join(f"<code>{esc(where_read(v.run))}</code>" for v in views)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp(styles, scripts)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="yaml-hooks {esc(__version__)}">',
        f"<title>{esc(title)}</title>",
        '<link rel="icon" href="data:,">',  # or the browser asks for /favicon.ico
        *(f"<style>{s}</style>" for s in styles),
        "</head>",
        "<body>",
        *header(views, nav),
        "<main>",
        *body,
        "</main>",
        f"<footer>Written by yaml-hooks {esc(__version__)} on {when} from {sources}. "
        "Self-contained: no file beside it and no network needed."
        + (" Charts drawn with uPlot (MIT licence)." if charts.specs else "")
        + "</footer>",
        data,
        *(f"<script>{s}</script>" for s in reversed(scripts)),  # the library before the page's script
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def write_report(runs: Run | Sequence[Run], out: Path, *, static: bool = False) -> Path:
    """Write the report to ``out`` (parent folders created); return its absolute path."""
    out = Path(out).resolve()
    text = render_report(runs, static=static)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
