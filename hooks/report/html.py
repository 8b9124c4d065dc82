"""One self-contained HTML file that shows a Neptune offline run (``hooks report``).

Layout decisions (docs/report.md says the same for users):

* Everything is inside the one file: charts and images are ``data:`` URIs, the CSS and the
  script are inline. The file can be mailed, attached to a CI job or opened from a USB stick,
  and nothing can go stale beside it. The price is size (base64 adds a third), which is small
  for what Ultralytics writes; an image over ``MAX_EMBED_BYTES`` is listed, not embedded.
* Nothing is ever fetched: a Content-Security-Policy allows ``data:`` images and the page's own
  style and script (by hash) only, so even a string that escaped ``html.escape`` could neither
  run a script nor load anything. Every string from the run is escaped all the same.
* A file is an image when its name says so *and* its bytes start like a PNG, JPEG, GIF, WebP or
  BMP; an image file whose bytes are something else is listed with the other files, so every
  ``<img>`` in the report decodes.
* Series: one chart per namespace with a last/best table beside it (see ``hooks._charts``).
  Images: a grid per namespace, full size on click. Other files: path, size, or "missing".
  Fields: every assigned field sorted by key (Neptune's own namespaces last) with a filter box.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .._version import __version__
from ..sinks.neptune.runlog import SYSTEM_NAMESPACES, FileRef, ImageRef, RunLog, namespaces, parse_iso
from ..sinks.neptune.summary import fmt_size
from .charts import group_float_series, line, render_chart, series_stats

__all__ = ["IMAGE_EXTS", "MAX_EMBED_BYTES", "render_report", "write_report"]

MAX_EMBED_BYTES = 20 * 1024 * 1024
IMAGE_EXTS: frozenset[str] = frozenset({"png", "jpg", "jpeg", "gif", "webp", "bmp"})

_CSS = """
:root { --fg: #1d232b; --muted: #5d6773; --line: #d8dde3; --bg: #f6f7f9; --accent: #2458b3; --bad: #b3261e; }
* { box-sizing: border-box; }
body {
  margin: 0;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--fg);
  background: var(--bg);
}
header, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { margin: 0 0 2px; font-size: 24px; overflow-wrap: anywhere; }
h2 { margin: 28px 0 10px; font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { margin: 18px 0 8px; font-size: 15px; }
code { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.sub { color: var(--muted); margin: 0 0 12px; }
dl.meta {
  display: grid;
  grid-template-columns: max-content minmax(0, 1fr) max-content minmax(0, 1fr);
  gap: 2px 16px;
  margin: 0 0 12px;
}
@media (max-width: 800px) { dl.meta { grid-template-columns: max-content minmax(0, 1fr); } }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.tag {
  display: inline-block;
  background: #e3ebf8;
  color: var(--accent);
  border-radius: 10px;
  padding: 0 8px;
  margin-right: 4px;
}
.badge-bad { background: #fbe4e2; color: var(--bad); }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
.problems {
  background: #fff4e5;
  border: 1px solid #f0c27a;
  border-radius: 6px;
  padding: 8px 14px;
  margin-top: 16px;
}
.problems ul { margin: 4px 0 0; padding-left: 20px; }
.group .row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.chart {
  max-width: 100%;
  height: auto;
  background: #fff;
  border: 1px solid var(--line);
  border-radius: 6px;
  cursor: zoom-in;
}
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.step, .rule { color: var(--muted); font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
figure img {
  display: block;
  width: 100%;
  height: 180px;
  object-fit: contain;
  cursor: zoom-in;
  background: #fafafa;
}
figcaption { margin-top: 4px; font-size: 12px; overflow-wrap: anywhere; }
.placeholder {
  height: 180px;
  display: flex;
  align-items: center;
  justify-content: center;
  background: #fbe4e2;
  color: var(--bad);
  font-weight: 600;
}
.missing { color: var(--bad); font-weight: 600; }
.filter { margin: 0 0 8px; }
.filter input { font: inherit; padding: 4px 8px; width: 320px; max-width: 100%; }
#fields-table td:nth-child(2) { overflow-wrap: anywhere; max-width: 640px; }
.empty { color: var(--muted); }
#lightbox {
  position: fixed;
  inset: 0;
  background: rgba(0, 0, 0, 0.85);
  display: flex;
  align-items: center;
  justify-content: center;
  cursor: zoom-out;
  z-index: 10;
}
#lightbox img { max-width: 96vw; max-height: 96vh; background: #fff; }
footer { color: var(--muted); font-size: 12px; padding-top: 24px; padding-bottom: 24px; }
"""

# Runs only on the report's own elements: full size on click (one overlay, created on demand so
# no <img> ever lacks a source) and the field filter. Nothing from the run is interpreted here.
_JS = """
(function () {
  "use strict";
  var box = null;
  function close() { if (box) { box.remove(); box = null; } }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (box) { close(); return; }
    if (target instanceof HTMLImageElement && target.classList.contains("zoom")) {
      box = document.createElement("div");
      box.id = "lightbox";
      var img = document.createElement("img");
      img.src = target.src;
      img.alt = target.alt;
      box.appendChild(img);
      document.body.appendChild(box);
    }
  });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") { close(); } });
  var filter = document.getElementById("field-filter");
  var count = document.getElementById("field-count");
  if (filter && count) {
    filter.addEventListener("input", function () {
      var query = filter.value.toLowerCase();
      var rows = document.querySelectorAll("#fields-table tbody tr");
      var shown = 0;
      rows.forEach(function (row) {
        var match = row.textContent.toLowerCase().indexOf(query) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " fields";
    });
  }
})();
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


_CSP = (
    f"default-src 'none'; img-src data:; style-src {_csp_hash(_CSS)}; script-src {_csp_hash(_JS)}; "
    "base-uri 'none'; form-action 'none'"
)


def esc(value: object) -> str:
    """Every string that comes from a run goes through here before it reaches the page."""
    return html.escape(str(value), quote=True)


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _sniff(data: bytes) -> str | None:
    """The image MIME type the bytes really are; the extension alone is not trusted."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"BM") and len(data) > 26:
        return "image/bmp"
    return None


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass(frozen=True)
class _Image:
    key: str
    ref: FileRef
    uri: str | None  # None: the file is missing or unreadable, shown as a placeholder


@dataclass(frozen=True)
class _Other:
    key: str
    ref: FileRef
    note: str  # "" when the file is there and is simply not an image


def _rel(key: str, namespace: str) -> str:
    return key[len(namespace) + 1 :] if namespace else key


def _ns_order(groups: dict[str, tuple[str, ...]]) -> list[str]:
    return sorted(groups, key=lambda ns: (ns in SYSTEM_NAMESPACES, ns.lower()))


def _classify(key: str, ref: FileRef) -> _Image | _Other:
    ext = (ref.ext or (ref.file_path.suffix.lstrip(".") if ref.file_path else "")).lower()
    if ext not in IMAGE_EXTS:
        return _Other(key, ref, "")
    if ref.file_path is None or not ref.exists:
        return _Image(key, ref, None)
    if ref.size is not None and ref.size > MAX_EMBED_BYTES:
        return _Other(key, ref, f"image too large to embed (over {fmt_size(MAX_EMBED_BYTES)})")
    try:
        data = ref.file_path.read_bytes()
    except OSError:
        # Deleted between reading the log and writing the report, or not readable.
        return _Image(key, ref, None)
    mime = _sniff(data)
    if mime is None:
        return _Other(key, ref, "named like an image, but its bytes are not one")
    return _Image(key, ref, _data_uri(mime, data))


# --------------------------------------------------------------------------
# Sections


def _header(run: RunLog) -> list[str]:
    name = run.name or "(unnamed run)"
    created = parse_iso(run.created)
    shown_created = created.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if created else "–"
    tags = "".join(f'<span class="tag">{esc(t)}</span>' for t in run.tags) or "–"
    meta = run.metadata
    rows = [
        ("id", f"<code>{esc(run.run_id or '–')}</code>"),
        ("created", esc(shown_created)),
        ("tags", tags),
        ("mode", esc(meta.get("mode", "–"))),
        ("client", esc(run.client or "–")),
        ("python", esc(meta.get("pythonVersion", "–"))),
        ("os", esc(meta.get("os", "–"))),
        ("folder", f"<code>{esc(run.path)}</code>"),
        *(
            [
                (
                    "resumed",
                    esc(f"{len(run.parts)} parts, read as one run: ")
                    + ", ".join(f"<code>{esc(p.name)}</code>" for p in run.parts),
                )
            ]
            if len(run.parts) > 1
            else []
        ),
        ("log", esc(f"{run.op_count} operations, {len(run.problems)} problem(s)")),
    ]
    failed = ' <span class="tag badge-bad">failed</span>' if run.failed else ""
    out = [
        "<header>",
        f"<h1>{esc(name)}{failed}</h1>",
        '<p class="sub">Neptune offline run</p>',
        '<dl class="meta">',
        *(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows),
        "</dl>",
        '<nav><a href="#series">Series</a><a href="#images">Images</a><a href="#files">Files</a>'
        '<a href="#fields">Fields</a><a href="#other">Other</a></nav>',
        "</header>",
    ]
    return out


def _problems(run: RunLog) -> list[str]:
    if not run.problems:
        return []
    items = "".join(f"<li>{esc(p)}</li>" for p in run.problems)
    return [
        '<div class="problems" id="problems">',
        f"<strong>Read with {len(run.problems)} problem(s)</strong>; everything that could be decoded is shown.",
        f"<ul>{items}</ul>",
        "</div>",
    ]


def _series(run: RunLog) -> list[str]:
    out = ['<section id="series">', "<h2>Series</h2>"]
    groups = group_float_series(run)
    if not groups:
        out.append('<p class="empty">No numeric series.</p>')
    for index, (namespace, keys) in enumerate(groups.items(), 1):
        title = f"{namespace}/" if namespace else "(top level)"
        lines = [line(key, run.series[key], namespace) for key in keys]
        png = render_chart(f"{title}*" if namespace else title, lines)
        alt = f"Chart of {title}: " + ", ".join(item.label for item in lines)
        rows = []
        for key in keys:
            stats = series_stats(key, run.series[key])
            best = "–"
            if stats.best is not None:
                best = f'{_num(stats.best)} <span class="step">@{_num(stats.best_step)}</span>'
                best += f' <span class="rule">{stats.rule}</span>'
            rows.append(
                f'<tr><td><code>{esc(_rel(key, namespace))}</code></td><td class="num">{stats.points}</td>'
                f'<td class="num">{_num(stats.last)} <span class="step">@{_num(stats.last_step)}</span></td>'
                f'<td class="num">{best}</td></tr>'
            )
        out += [
            f'<section class="group" id="series-{index}" data-group="{esc(namespace)}">',
            f"<h3>{esc(title)}</h3>",
            '<div class="row">',
            f'<img class="chart zoom" src="{_data_uri("image/png", png)}" alt="{esc(alt)}" width="640" height="320">',
            '<table class="stats"><thead><tr><th>series</th><th>points</th><th>last @step</th>'
            "<th>best @step</th></tr></thead><tbody>",
            *rows,
            "</tbody></table>",
            "</div>",
            "</section>",
        ]
    out.append("</section>")
    return out


def _images_and_files(run: RunLog) -> list[str]:
    images: dict[str, list[_Image]] = {}
    others: list[_Other] = []
    for namespace, keys in namespaces(run.files).items():
        for key in keys:
            item = _classify(key, run.files[key])
            if isinstance(item, _Image):
                images.setdefault(namespace, []).append(item)
            else:
                others.append(item)
    return _images(images) + _files(run, others)


def _images(images: dict[str, list[_Image]]) -> list[str]:
    out = ['<section id="images">', "<h2>Images</h2>"]
    if not images:
        out.append('<p class="empty">No uploaded images.</p>')
    for namespace in _ns_order({ns: () for ns in images}):
        items = images[namespace]
        out += [
            f'<section class="images" data-namespace="{esc(namespace)}">',
            f'<h3>{esc(namespace or "(top level)")} <span class="step">{len(items)}</span></h3>',
            '<div class="grid">',
        ]
        for item in items:
            caption = f"<code>{esc(_rel(item.key, namespace))}</code>"
            if item.uri is None:
                where = esc(item.ref.file_path) if item.ref.file_path else "(no path recorded)"
                out.append(
                    f'<figure class="missing-image" data-key="{esc(item.key)}"><div class="placeholder">missing</div>'
                    f"<figcaption>{caption}<br><code>{where}</code></figcaption></figure>"
                )
                continue
            size = f' <span class="step">{fmt_size(item.ref.size)}</span>' if item.ref.size is not None else ""
            out.append(
                f'<figure data-key="{esc(item.key)}"><img class="thumb zoom" src="{item.uri}" alt="{esc(item.key)}">'
                f"<figcaption>{caption}{size}</figcaption></figure>"
            )
        out += ["</div>", "</section>"]
    out.append("</section>")
    return out


def _files(run: RunLog, others: list[_Other]) -> list[str]:
    out = ['<section id="files">', "<h2>Files</h2>"]
    rows = []
    for item in sorted(others, key=lambda o: (o.key.split("/", 1)[0] in SYSTEM_NAMESPACES, o.key.lower())):
        ref = item.ref
        if ref.file_path is None:
            where = "(stored in the operation log)" if ref.exists else "(no path recorded)"
        else:
            where = str(ref.file_path)
        if not ref.exists:
            size, status = "–", '<span class="missing">missing</span>'
        else:
            size = fmt_size(ref.size) if ref.size is not None else "?"
            status = esc(item.note) if item.note else "ok"
        rows.append(
            f'<tr data-key="{esc(item.key)}"><td><code>{esc(item.key)}</code></td><td><code>{esc(where)}</code></td>'
            f'<td class="num">{esc(size)}</td><td>{status}</td></tr>'
        )
    for key in sorted(run.file_sets):
        globs = ", ".join(run.file_sets[key]) or "(no globs)"
        rows.append(
            f'<tr data-key="{esc(key)}"><td><code>{esc(key)}</code></td><td><code>{esc(globs)}</code></td>'
            '<td class="num">–</td><td>file set (globs only; the files are read at sync)</td></tr>'
        )
    if rows:
        out += [
            '<table id="files-table"><thead><tr><th>field</th><th>path</th><th>size</th><th>status</th></tr></thead>',
            "<tbody>",
            *rows,
            "</tbody></table>",
        ]
    else:
        out.append('<p class="empty">No other files.</p>')
    out.append("</section>")
    return out


def _value(value: object) -> tuple[str, str]:
    """(shown text, type name) of a field value."""
    if isinstance(value, bool):
        return str(value).lower(), "bool"
    if isinstance(value, int):
        return str(value), "int"
    if isinstance(value, float):
        return _num(value), "float"
    if isinstance(value, datetime):
        return value.isoformat(), "datetime"
    if isinstance(value, str):
        return value, "string"
    return str(value), type(value).__name__


def _fields(run: RunLog) -> list[str]:
    out = ['<section id="fields">', "<h2>Fields</h2>"]
    keys = sorted(run.fields, key=lambda k: (k.split("/", 1)[0] in SYSTEM_NAMESPACES, k.lower(), k))
    if not keys:
        out += ['<p class="empty">No assigned fields.</p>', "</section>"]
        return out
    rows = []
    for key in keys:
        shown, kind = _value(run.fields[key])
        rows.append(
            f'<tr data-key="{esc(key)}"><td><code>{esc(key)}</code></td><td>{esc(shown)}</td><td>{kind}</td></tr>'
        )
    out += [
        '<div class="filter"><input type="search" id="field-filter" placeholder="Filter fields" '
        f'aria-label="Filter fields"> <span class="step" id="field-count">{len(keys)} fields</span></div>',
        '<table id="fields-table"><thead><tr><th>field</th><th>value</th><th>type</th></tr></thead><tbody>',
        *rows,
        "</tbody></table>",
        "</section>",
    ]
    return out


def _other(run: RunLog) -> list[str]:
    out = ['<section id="other">', "<h2>Other</h2>"]
    rows = []
    for key, points in sorted(run.series.items(), key=lambda kv: kv[0].lower()):
        if not points or points[0].kind == "float":
            continue
        last = points[-1].value
        if isinstance(last, ImageRef):
            shown = f"image {fmt_size(last.size)}" + (f" {last.name}" if last.name else "")
        else:
            shown = str(last) if len(str(last)) <= 300 else str(last)[:297] + "..."
        rows.append(
            f'<tr data-key="{esc(key)}"><td><code>{esc(key)}</code></td><td>{points[0].kind}</td>'
            f'<td class="num">{len(points)}</td><td>{esc(shown)}</td></tr>'
        )
    if rows:
        out += [
            "<h3>Text and image series</h3>",
            '<table id="text-series"><thead><tr><th>series</th><th>kind</th><th>points</th><th>last</th></tr></thead>',
            "<tbody>",
            *rows,
            "</tbody></table>",
        ]
    if run.unknown:
        counts = Counter((op.type, op.path) for op in run.unknown)
        unknown_rows = (
            f'<tr><td>{esc(t)}</td><td><code>{esc(p or "(no path)")}</code></td><td class="num">{n}</td></tr>'
            for (t, p), n in sorted(counts.items())
        )
        out += [
            "<h3>Operations not decoded</h3>",
            '<table id="unknown-ops"><thead><tr><th>operation</th><th>field</th><th>times</th></tr></thead><tbody>',
            *unknown_rows,
            "</tbody></table>",
        ]
    if not rows and not run.unknown:
        out.append('<p class="empty">No text or image series, every operation decoded.</p>')
    out.append("</section>")
    return out


def render_report(run: RunLog, generated: datetime | None = None) -> str:
    """The report as one HTML string; reads the run's image files to embed them."""
    when = (generated or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = f"{run.name or '(unnamed run)'} · Neptune offline run"
    parts: Iterable[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="yaml-hooks {esc(__version__)}">',
        f"<title>{esc(title)}</title>",
        '<link rel="icon" href="data:,">',  # or the browser asks for /favicon.ico
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        *_header(run),
        "<main>",
        *_problems(run),
        *_series(run),
        *_images_and_files(run),
        *_fields(run),
        *_other(run),
        "</main>",
        f"<footer>Written by yaml-hooks {esc(__version__)} on {when} from <code>{esc(run.path)}</code>. "
        "Self-contained: no file beside it and no network needed.</footer>",
        f"<script>{_JS}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def write_report(run: RunLog, out: Path) -> Path:
    """Write the report to ``out`` (parent folders created); return its absolute path."""
    out = Path(out).resolve()
    text = render_report(run)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
