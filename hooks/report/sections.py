"""The non-numeric sections of a report: header, problems, hyperparameters, images, files,
fields, system information and logs, and what the reader did not decode."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone

from ..runs.model import SYSTEM_NAMESPACES, ImageRef, parse_iso
from ..runs.summary import fmt_size
from .images import STEP_MARK, Image, ImageSlot, Other, image_slots
from .markup import RunView, esc, num, run_kind, run_kinds, swatch, where_read

__all__ = [
    "LOG_LIMIT",
    "fields_section",
    "header",
    "hyperparameters",
    "images_and_files",
    "logs",
    "other_section",
    "problems",
    "runs_table",
    "system_fields",
]

LOG_LIMIT = 1_000_000  # characters of one captured log shown; the rest is cut from the start


def _system(key: str) -> bool:
    return "/" in key and key.split("/", 1)[0] in SYSTEM_NAMESPACES


def _created(view: RunView) -> str:
    created = parse_iso(view.run.created)
    return created.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if created else "–"


def _failed(view: RunView) -> str:
    return ' <span class="tag badge-bad">failed</span>' if view.run.failed else ""


def header(views: Sequence[RunView], nav: Sequence[tuple[str, str]]) -> list[str]:
    links = "".join(f'<a href="#{anchor}">{label}</a>' for anchor, label in nav)
    if len(views) > 1:
        return [
            "<header>",
            f"<h1>{len(views)} runs compared</h1>",
            f'<p class="sub">{esc(run_kinds([v.run for v in views]))}: '
            + " · ".join(f"{swatch(v.color)}{esc(v.label)}" for v in views)
            + "</p>",
            f"<nav>{links}</nav>",
            "</header>",
        ]
    view = views[0]
    run = view.run
    tags = "".join(f'<span class="tag">{esc(t)}</span>' for t in run.tags) or "–"
    meta = run.metadata
    rows = [
        ("id", f"<code>{esc(run.run_id or '–')}</code>"),
        ("created", esc(_created(view))),
        ("tags", tags),
        ("mode", esc(meta.get("mode", "–"))),
        ("client", esc(run.client or "–")),
        ("python", esc(meta.get("pythonVersion", "–"))),
        ("os", esc(meta.get("os", "–"))),
        ("folder" if run.path is not None else "store", f"<code>{esc(where_read(run))}</code>"),
        *(
            [
                (
                    "resumed",
                    esc(f"{run.part_count} parts, read as one run")
                    + (": " + ", ".join(f"<code>{esc(p.name)}</code>" for p in run.parts) if run.parts else ""),
                )
            ]
            if run.part_count > 1
            else []
        ),
        ("log", esc(f"{run.op_count} operations, {len(run.problems)} problem(s)")),
    ]
    return [
        "<header>",
        f"<h1>{esc(run.name or '(unnamed run)')}{_failed(view)}</h1>",
        f'<p class="sub">{esc(run_kind(run))}</p>',
        '<dl class="meta">',
        *(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows),
        "</dl>",
        f"<nav>{links}</nav>",
        "</header>",
    ]


def problems(views: Sequence[RunView]) -> list[str]:
    out = []
    for view in views:
        run = view.run
        if not run.problems:
            continue
        whose = f" in {esc(view.label)}" if len(views) > 1 else ""
        items = "".join(f"<li>{esc(p)}</li>" for p in run.problems)
        out += [
            f'<div class="problems" id="problems{"-" + str(view.index) if view.index else ""}">',
            f"<strong>Read with {len(run.problems)} problem(s){whose}</strong>; "
            "everything that could be decoded is shown.",
            f"<ul>{items}</ul>",
            "</div>",
        ]
    return out


def runs_table(views: Sequence[RunView]) -> list[str]:
    rows = []
    for view in views:
        run = view.run
        parts = f"{run.part_count} (resumed)" if run.part_count > 1 else "1"
        rows.append(
            f'<tr data-key="{view.index}"><td>{swatch(view.color)}{esc(view.label)}{_failed(view)}</td>'
            f"<td><code>{esc(run.run_id or '–')}</code></td><td>{esc(_created(view))}</td>"
            f"<td>{''.join(f'<span class=tag>{esc(t)}</span>' for t in run.tags) or '–'}</td>"
            f'<td class="num">{parts}</td><td class="num">{run.op_count} / {len(run.problems)}</td>'
            f"<td><code>{esc(where_read(run))}</code></td></tr>"
        )
    return [
        '<table id="runs-table"><thead><tr><th>run</th><th>id</th><th>created</th><th>tags</th><th>parts</th>'
        "<th>operations / problems</th><th>folder</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]


def _value(value: object) -> tuple[str, str]:
    """(shown text, type name) of a field value."""
    if isinstance(value, bool):
        return str(value).lower(), "bool"
    if isinstance(value, int):
        return str(value), "int"
    if isinstance(value, float):
        return num(value), "float"
    if isinstance(value, datetime):
        return value.isoformat(), "datetime"
    if isinstance(value, str):
        return value, "string"
    return str(value), type(value).__name__


def _field_keys(views: Sequence[RunView], system: bool) -> list[str]:
    keys = {k for v in views for k in v.run.fields if _system(k) == system}
    return sorted(keys, key=lambda k: (k.lower(), k))


def hyperparameters(views: Sequence[RunView]) -> list[str]:
    """The fields whose values differ between the runs (a field one run lacks differs)."""
    keys = _field_keys(views, system=False)
    missing = object()
    differ = []
    for key in keys:
        shown = {_value(v.run.fields[key]) if key in v.run.fields else missing for v in views}
        if len(shown) > 1:
            differ.append(key)
    head = "".join(f"<th>{swatch(v.color)}{esc(v.label)}</th>" for v in views)
    rows = []
    for key in differ:
        cells = "".join(
            f'<td class="differs">{esc(_value(v.run.fields[key])[0]) if key in v.run.fields else "–"}</td>'
            for v in views
        )
        rows.append(f'<tr data-key="{esc(key)}"><td><code>{esc(key)}</code></td>{cells}</tr>')
    same = len(keys) - len(differ)
    out = [f"<h3>Fields that differ <span class=step>{len(differ)} differ, {same} the same in every run</span></h3>"]
    if rows:
        out += [
            f'<table id="differs-table" class="compare"><thead><tr><th>field</th>{head}</tr></thead><tbody>',
            *rows,
            "</tbody></table>",
        ]
    else:
        out.append('<p class="empty">Every field has the same value in every run.</p>')
    return out


# --------------------------------------------------------------------------
# Images and files


def images_and_files(views: Sequence[RunView]) -> list[str]:
    slots, others = image_slots([v.run for v in views])
    return _images(views, slots) + _files(views, others)


def _pane(view: RunView, slot: ImageSlot, steps: list[int | None], compare: bool) -> str:
    per_step = slot.images.get(view.index, {})
    items = []
    for index, step in enumerate(steps):
        stepped = f' data-step-index="{index}"' + (" hidden" if index != len(steps) - 1 else "")
        image = per_step.get(step)
        if len(steps) == 1:
            stepped = ""
        if image is None:
            what = f"no image at step {step}" if step is not None else "not in this run"
            items.append(f'<div class="absent"{stepped}>{esc(what)}</div>')
        elif image.uri is None:
            where = esc(image.ref.file_path or image.ref.source or "(no path recorded)")
            items.append(f'<div class="placeholder"{stepped} title="{where}">missing</div>')
        else:
            items.append(f'<img class="thumb zoom"{stepped} src="{image.uri}" alt="{esc(image.key)}">')
    name = f'<span class="run-name">{swatch(view.color)}{esc(view.label)}</span>' if compare else ""
    return f'<div class="pane" data-run="{view.index}">{name}{"".join(items)}</div>'


def _slot(views: Sequence[RunView], slot: ImageSlot) -> str:
    steps = slot.steps
    compare = len(views) > 1
    images = [image for per in slot.images.values() for image in per.values()]
    lone: Image | None = images[0] if len(images) == 1 and not compare else None
    missing = lone is not None and lone.uri is None
    rel = slot.key[len(slot.namespace) + 1 :] if slot.namespace else slot.key
    caption = f"<code>{esc(rel)}</code>"
    if lone is not None and lone.ref.size is not None and not missing:
        caption += f' <span class="step">{fmt_size(lone.ref.size)}</span>'
    if lone is not None and missing:
        caption += f"<br><code>{esc(lone.ref.file_path or lone.ref.source or '(no path recorded)')}</code>"
    slider = ""
    if len(steps) > 1:
        labels = [s if s is not None else "–" for s in steps]
        slider = (
            f'<div class="slider"><input type="range" class="step-slider" min="0" max="{len(steps) - 1}" '
            f'value="{len(steps) - 1}" data-steps="{esc(json.dumps(labels))}" '
            f'aria-label="{esc("step of " + slot.key)}"><span class="step-label">step {labels[-1]}</span></div>'
        )
    panes = "".join(_pane(v, slot, steps, compare) for v in views if v.index in slot.images or compare)
    cls = "slot missing-image" if missing else "slot"
    stepped = f' data-steps="{len(steps)}"' if len(steps) > 1 else ""
    return (
        f'<figure class="{cls}" data-key="{esc(slot.key)}"{stepped}><div class="panes">{panes}</div>'
        f"<figcaption>{caption}</figcaption>{slider}</figure>"
    )


def _images(views: Sequence[RunView], slots: list[ImageSlot]) -> list[str]:
    out = ['<section id="images">', "<h2>Images</h2>"]
    if not slots:
        out.append('<p class="empty">No uploaded images.</p>')
    by_namespace: dict[str, list[ImageSlot]] = {}
    for slot in slots:
        by_namespace.setdefault(slot.namespace, []).append(slot)
    wide = " wide" if len(views) > 1 else ""
    for namespace, items in by_namespace.items():
        stepped = sum(1 for s in items if STEP_MARK in s.key and len(s.steps) > 1)
        note = f", {stepped} with a step slider" if stepped else ""
        out += [
            f'<section class="images" data-namespace="{esc(namespace)}">',
            f'<h3>{esc(namespace or "(top level)")} <span class="step">{len(items)}{note}</span></h3>',
            f'<div class="grid{wide}">',
            *(_slot(views, slot) for slot in items),
            "</div>",
            "</section>",
        ]
    out.append("</section>")
    return out


def _files(views: Sequence[RunView], others: list[tuple[int, Other]]) -> list[str]:
    compare = len(views) > 1
    out = ['<section id="files">', "<h2>Files</h2>"]
    rows = []
    ordered = sorted(others, key=lambda io: (_system(io[1].key), io[1].key.lower(), io[0]))
    for index, item in ordered:
        ref = item.ref
        if ref.file_path is None and ref.source:
            where = ref.source
        elif ref.file_path is None:
            where = "(stored in the operation log)" if ref.exists else "(no path recorded)"
        else:
            where = str(ref.file_path)
        if not ref.exists:
            size, status = "–", '<span class="missing">missing</span>'
        else:
            size = fmt_size(ref.size) if ref.size is not None else "?"
            status = esc(item.note) if item.note else "ok"
        who = f"<td>{swatch(views[index].color)}{esc(views[index].label)}</td>" if compare else ""
        rows.append(
            f'<tr data-key="{esc(item.key)}" data-run="{index}">{who}<td><code>{esc(item.key)}</code></td>'
            f'<td><code>{esc(where)}</code></td><td class="num">{esc(size)}</td><td>{status}</td></tr>'
        )
    for view in views:
        for key in sorted(view.run.file_sets):
            globs = ", ".join(view.run.file_sets[key]) or "(no globs)"
            who = f"<td>{swatch(view.color)}{esc(view.label)}</td>" if compare else ""
            rows.append(
                f'<tr data-key="{esc(key)}" data-run="{view.index}">{who}<td><code>{esc(key)}</code></td>'
                f'<td><code>{esc(globs)}</code></td><td class="num">–</td>'
                "<td>file set (globs only; the files are read at sync)</td></tr>"
            )
    if rows:
        run_head = "<th>run</th>" if compare else ""
        out += [
            f'<table id="files-table"><thead><tr>{run_head}<th>field</th><th>path</th><th>size</th><th>status</th>'
            "</tr></thead><tbody>",
            *rows,
            "</tbody></table>",
        ]
    else:
        out.append('<p class="empty">No other files.</p>')
    out.append("</section>")
    return out


# --------------------------------------------------------------------------
# Fields, system, logs, other


def _fields_table(views: Sequence[RunView], keys: list[str], table_id: str) -> list[str]:
    compare = len(views) > 1
    rows = []
    for key in keys:
        if compare:
            cells = "".join(
                f"<td>{esc(_value(v.run.fields[key])[0]) if key in v.run.fields else '–'}</td>" for v in views
            )
        else:
            shown, kind = _value(views[0].run.fields[key])
            cells = f"<td>{esc(shown)}</td><td>{kind}</td>"
        rows.append(f'<tr data-key="{esc(key)}"><td><code>{esc(key)}</code></td>{cells}</tr>')
    head = "<th>value</th><th>type</th>"
    if compare:
        head = "".join(f"<th>{swatch(v.color)}{esc(v.label)}</th>" for v in views)
    return [
        f'<table id="{table_id}"><thead><tr><th>field</th>{head}</tr></thead><tbody>',
        *rows,
        "</tbody></table>",
    ]


def fields_section(views: Sequence[RunView]) -> list[str]:
    out = ['<section id="fields">', "<h2>Fields</h2>"]
    keys = _field_keys(views, system=False)
    if not keys:
        out += ['<p class="empty">No assigned fields (Neptune\'s own are under System).</p>', "</section>"]
        return out
    out += [
        '<div class="filter"><input type="search" id="field-filter" placeholder="Filter fields" '
        f'aria-label="Filter fields"> <span class="step" id="field-count">{len(keys)} fields</span></div>',
        *_fields_table(views, keys, "fields-table"),
        "</section>",
    ]
    return out


def system_fields(views: Sequence[RunView]) -> list[str]:
    keys = _field_keys(views, system=True)
    if not keys:
        return []
    return [
        "<h3>Fields kept by the tracker and yaml-hooks</h3>",
        *_fields_table(views, keys, "system-fields"),
    ]


def logs(views: Sequence[RunView]) -> list[str]:
    """Captured stdout, stderr and any other text series: text, collapsed, one block per series."""
    out = []
    for view in views:
        for key in sorted(view.run.series, key=str.lower):
            points = view.run.series[key]
            if not points or points[0].kind != "string":
                continue
            lines = [str(p.value).rstrip("\n") for p in points]
            text = "\n".join(lines)
            cut = ""
            if len(text) > LOG_LIMIT:
                cut = f" · the last {LOG_LIMIT:,} characters of {len(text):,}"
                text = text[-LOG_LIMIT:]
            whose = f"{swatch(view.color)}{esc(view.label)} · " if len(views) > 1 else ""
            count = f"{len(points):,} {'line' if len(points) == 1 else 'lines'}"
            out.append(
                f'<details class="log" data-key="{esc(key)}" data-run="{view.index}"><summary>{whose}'
                f"<code>{esc(key)}</code> <span class=step>{count}{esc(cut)}</span></summary>"
                f"<pre>{esc(text)}</pre></details>"
            )
    return out


def other_section(views: Sequence[RunView]) -> list[str]:
    out = ['<section id="other">', "<h2>Other</h2>"]
    rows = []
    compare = len(views) > 1
    for view in views:
        for key, points in sorted(view.run.series.items(), key=lambda kv: kv[0].lower()):
            if not points or points[0].kind != "image":
                continue
            last = points[-1].value
            shown = ""
            if isinstance(last, ImageRef):
                shown = f"image {fmt_size(last.size)}" + (f" {last.name}" if last.name else "")
            who = f"{esc(view.label)}: " if compare else ""
            rows.append(
                f'<tr data-key="{esc(key)}"><td>{who}<code>{esc(key)}</code></td><td>image</td>'
                f'<td class="num">{len(points)}</td><td>{esc(shown)}</td></tr>'
            )
    if rows:
        out += [
            "<h3>Image series</h3>",
            '<table id="text-series"><thead><tr><th>series</th><th>kind</th><th>points</th><th>last</th></tr></thead>',
            "<tbody>",
            *rows,
            "</tbody></table>",
        ]
    unknown = Counter((view.label if compare else "", op.type, op.path) for view in views for op in view.run.unknown)
    if unknown:
        unknown_rows = (
            f"<tr><td>{esc(t)}</td><td><code>{esc(p or '(no path)')}</code>"
            f"{f' ({esc(who)})' if who else ''}</td><td class=num>{n}</td></tr>"
            for (who, t, p), n in sorted(unknown.items())
        )
        out += [
            "<h3>Operations not decoded</h3>",
            '<table id="unknown-ops"><thead><tr><th>operation</th><th>field</th><th>times</th></tr></thead><tbody>',
            *unknown_rows,
            "</tbody></table>",
        ]
    if not rows and not unknown:
        out.append('<p class="empty">No image series, every operation decoded.</p>')
    out.append("</section>")
    return out
