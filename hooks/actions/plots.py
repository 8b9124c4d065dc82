"""`plots`: plot images, from a list of names or a registry, uploaded as files or re-drawn figures."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, final

from ..config.confine import inside
from ..core.context import Context
from .base import (
    ActionKind,
    Run,
    Session,
    field,
    filter_words,
    folder_of,
    matcher,
    reader,
    run_folders,
    set_file,
    source_words,
)

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec, SourceRef
    from ..core.templates import Template

__all__ = ["EXAMPLE", "KIND", "SCHEMA", "Plots"]


@final
@dataclass(frozen=True, slots=True)
class Plots:
    source: SourceRef | None
    files: tuple[str, ...]
    root: str | None
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    to: Template
    render: Literal["file", "figure"]
    again: Literal["never", "changed"] = "never"


def build(b: Builder, body: Mapping[str, Any]) -> Plots | None:
    one = ("from" in body) != ("files" in body)
    if not one:
        b.fail((), "give exactly one of `from` (a registry such as plot_registry) or `files` (a list of names)")
    source = b.source(body["from"], ("from",), {"files"}) if "from" in body else None
    files = b.names(body["files"], ("files",)) if "files" in body else ()
    to = b.template(body.get("to"), ("to",), b.file_heads)
    include = b.filters(body.get("include"), ("include",))
    exclude = b.filters(body.get("exclude"), ("exclude",))
    root = b.root(body.get("root"), ("root",))
    if not one or to is None or files is None or include is None or exclude is None:
        return None
    if "from" in body and source is None:
        return None
    return Plots(source, files, root, include, exclude, to, body.get("render", "file"), body.get("again", "never"))


def compile(spec: ActionSpec) -> Run:
    o: Plots = spec.body
    keep = matcher(o.include, o.exclude)
    figure = o.render == "figure"
    read = reader(o.source) if o.source is not None else None
    to = field(o.to, spec)
    changed = o.again == "changed"

    def run(ctx: Context, session: Session) -> None:
        folder: Path | None
        if read is not None:
            paths = [Path(p) for p in read(ctx)]
            folder = None
        else:
            folder = folder_of(ctx, o.root)
            paths = [folder / name for name in o.files]
        for looked in run_folders(ctx) if folder is None else (folder,):
            session.look(spec, looked)
        allowed = run_folders(ctx) if folder is None else (folder,)
        done: set[str] = session.cache(spec).setdefault("done", set())
        # `again: changed`: what the run uploaded where, shared by every such action (field, file -> mtime).
        sent: dict[Any, Any] = session.cache(_SENT) if changed else {}
        for path in paths:
            if keep is not None and not keep(path.name):
                continue
            key = str(path)
            if (key in done and not changed) or not path.is_file():
                continue
            if not inside(path, allowed):
                session.warn_once(spec, f"outside:{key}", f"{path} is outside the run's folders; not uploaded")
                continue
            set_file(ctx, path, folder or path.parent)
            target = to(ctx, session)
            if changed:
                stamp = path.stat().st_mtime_ns
                if sent.get((target, key)) == stamp:
                    continue
                sent[(target, key)] = stamp
            real = path.resolve()  # the file checked, no symlink left for the tracker to follow
            session.upload(ctx, spec, target, real, figure=_figure(real) if figure else None)
            done.add(key)

    return run


_SENT: Final = "plots:sent"  # the run's memory of `again: changed` (Session.cache by name)


def _figure(path: Path) -> Any:
    # A bare Figure (not pyplot): no global figure registry to leak into, no GUI backend.
    import matplotlib.image as mpimg
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0), frameon=False, aspect="auto", xticks=[], yticks=[])
    ax.imshow(mpimg.imread(str(path)))
    return fig


def explain(spec: ActionSpec) -> str:
    o: Plots = spec.body
    what = source_words(o.source) if o.source else "the files " + ", ".join(o.files)
    filt = filter_words(o.include, o.exclude)
    how = "re-drawn as matplotlib figures" if o.render == "figure" else "as the image files themselves"
    again = "; again each time a plot's file changed since the run uploaded it there" if o.again == "changed" else ""
    return f"upload the plots in {what}{filt} to {o.to.text}, {how} (those that exist){again}"


def looks_for(spec: ActionSpec) -> str:
    o: Plots = spec.body
    return f"plot in {o.source.text}" if o.source else f"plot among {', '.join(o.files)}"


def would_take(spec: ActionSpec, name: str) -> bool:
    o: Plots = spec.body
    keep = matcher(o.include, o.exclude)
    if keep is not None and not keep(name):
        return False
    return o.source is not None or any(fnmatch.fnmatchcase(name, p) for p in o.files)


# `plots:` in the config's JSON Schema ("#/$defs/…" refers to the whole schema's definitions),
# and the example the schema shows of it.
SCHEMA: Final[dict[str, Any]] = {
    "title": "plots",
    "description": (
        "Upload plot images: a list of files or a registry, filtered by include and exclude, as the file itself or "
        "re-drawn as a matplotlib figure."
    ),
    "type": "object",
    "additionalProperties": False,
    "required": ["to"],
    "properties": {
        "from": {"$ref": "#/$defs/filesSource"},
        "files": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
            "title": "Files",
            "description": "File names relative to the root folder; missing ones are skipped.",
        },
        "root": {"$ref": "#/$defs/root"},
        "include": {
            "$ref": "#/$defs/patterns",
            "title": "Include",
            "description": "Only files whose name matches one of these globs.",
        },
        "exclude": {
            "$ref": "#/$defs/patterns",
            "title": "Exclude",
            "description": "Skip files whose name matches one of these globs.",
        },
        "to": {"$ref": "#/$defs/fieldPath", "title": "Field"},
        "render": {
            "title": "Render",
            "description": (
                "file: upload the image as it is (lossless, fast; default). figure: re-draw it into a matplotlib "
                "figure first (the original integration's way)."
            ),
            "enum": ["file", "figure"],
        },
        "again": {
            "title": "Again",
            "description": (
                "never (default): each plot is uploaded once by this action. changed: again each time its file "
                "changed (its modification time) since the run uploaded it to that field, by this action or another "
                "with `again: changed` (Ultralytics' W&B callback's way: a plot re-drawn by the final validation is "
                "logged again)."
            ),
            "enum": ["never", "changed"],
        },
        "when": {"$ref": "#/$defs/when"},
        "id": {"$ref": "#/$defs/id"},
    },
    "examples": [{"from": "plot_registry", "exclude": ["*batch*"], "to": "Plots/{stem}"}],
}
EXAMPLE: Final[dict[str, Any]] = {"from": "plot_registry", "exclude": ["*batch*"], "to": "Plots/{stem}"}

KIND = ActionKind("plots", build, compile, explain, looks_for, would_take, schema=SCHEMA, example=EXAMPLE)
