"""`upload`: one file (a named one such as best, or a path in a folder) uploaded to a field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, final

from ..config.confine import inside
from ..core.context import Context
from ..errors import Missing
from .base import ActionKind, Run, Session, field, folder_of, reader, run_folders, set_file, source_words

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec, SourceRef
    from ..core.templates import Template

__all__ = ["EXAMPLE", "KIND", "SCHEMA", "Upload"]


@final
@dataclass(frozen=True, slots=True)
class Upload:
    source: SourceRef | None
    path: str | None
    root: str | None
    to: Template
    register: str | None = None  # a registered model the file becomes a version of (MLflow)


def build(b: Builder, body: Mapping[str, Any]) -> Upload | None:
    one = ("from" in body) != ("path" in body)
    if not one:
        b.fail((), "give exactly one of `from` (best, last, …) or `path` (a file such as results.csv)")
    source = b.source(body["from"], ("from",), {"file"}) if "from" in body else None
    path = None
    if "path" in body:
        checked = b.names(body["path"], ("path",))
        path = checked[0] if checked else None
    to = b.template(body.get("to"), ("to",), b.file_heads)
    root = b.root(body.get("root"), ("root",))
    if not one or to is None or (source is None and path is None):
        return None
    return Upload(source, path, root, to, body.get("register"))


def compile(spec: ActionSpec) -> Run:
    o: Upload = spec.body
    read = reader(o.source) if o.source is not None else None
    to = field(o.to, spec)

    def run(ctx: Context, session: Session) -> None:
        if read is not None:
            file = Path(read(ctx))
            allowed = run_folders(ctx)
            folder = allowed[0] if allowed else None
        else:
            folder = folder_of(ctx, o.root)
            file = folder / str(o.path)
            allowed = (folder,)
        if not file.is_file():
            raise Missing(f"{file} does not exist; not uploaded")
        if not inside(file, allowed):
            raise PermissionError(f"{file} is outside the run's folders; not uploaded")
        set_file(ctx, file, folder)
        # The file checked, no symlink left.
        session.upload(ctx, spec, to(ctx, session), file.resolve(), register=o.register)

    return run


def explain(spec: ActionSpec) -> str:
    o: Upload = spec.body
    what = source_words(o.source) if o.source else f"the file {o.path}"
    registered = (
        f", and register it as a new version of the model '{o.register}' (MLflow; other trackers keep the file only)"
        if o.register
        else ""
    )
    return f"upload {what} to {o.to.text} (a warning if it does not exist){registered}"


# `upload:` in the config's JSON Schema ("#/$defs/…" refers to the whole schema's definitions),
# and the example the schema shows of it.
SCHEMA: Final[dict[str, Any]] = {
    "title": "upload",
    "description": (
        "Upload one file: a named file (best, last) or a path under the root folder. A missing file is a warning."
    ),
    "type": "object",
    "additionalProperties": False,
    "required": ["to"],
    "properties": {
        "from": {"$ref": "#/$defs/fileSource"},
        "path": {
            "type": "string",
            "minLength": 1,
            "title": "Path",
            "description": "A file relative to the root folder, such as results.csv.",
        },
        "root": {"$ref": "#/$defs/root"},
        "to": {
            "$ref": "#/$defs/fieldPath",
            "title": "Field",
            "description": "{file.name}, {stem}, … name the file.",
        },
        "register": {
            "type": "string",
            "minLength": 1,
            "maxLength": 256,
            "pattern": "^[^/\\\\:%]+$",
            "title": "Register as",
            "description": (
                "MLflow: the uploaded file also becomes a new version of this registered model (made if new). "
                "Trackers without a model registry keep the file only (hooks explain says so). Only the config you "
                "load may set it: a preset cannot add versions to a model."
            ),
            "examples": ["yolo-detector"],
        },
        "when": {"$ref": "#/$defs/when"},
        "id": {"$ref": "#/$defs/id"},
    },
    "examples": [
        {"from": "best", "to": "weights/{args.name}/{file.name}"},
        {"path": "results.csv", "to": "Results/results.csv"},
    ],
}
EXAMPLE: Final[dict[str, Any]] = {"from": "best", "to": "weights/{args.name}/{file.name}"}

KIND = ActionKind(
    "upload",
    build,
    compile,
    explain,
    schema=SCHEMA,
    example=EXAMPLE,
    user_only={"register": "a registered model the weights become a version of"},
)
