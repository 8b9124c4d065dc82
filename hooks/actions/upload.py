"""`upload`: one file (a named one such as best, or a path in a folder) uploaded to a field."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, final

from ..config.confine import inside
from ..core.aliases import ALIAS_RULES, alias_problem
from ..core.context import Context
from ..errors import Missing
from .base import ActionKind, Run, Session, field, folder_of, reader, run_folders, set_file, source_words

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec, SourceRef
    from ..core.templates import Template

__all__ = ["EXAMPLE", "KIND", "SCHEMA", "Registration", "Upload"]


class Registration(str):
    """``register``'s model name, carrying to the tracker the alias rules (alias → rule) and the
    fitness of the weights registered (None when unknown). A str: a tracker that only knows names
    takes it as one."""

    aliases: Mapping[str, str]
    fitness: float | None
    pyfunc: bool  # weights as a loadable pyfunc model (True), or the file itself

    def __new__(
        cls, name: str, aliases: Mapping[str, str] | None = None, fitness: float | None = None, pyfunc: bool = True
    ) -> Registration:
        self = super().__new__(cls, name)
        self.aliases = dict(aliases or {})
        self.fitness = fitness
        self.pyfunc = pyfunc
        return self


@final
@dataclass(frozen=True, slots=True)
class Upload:
    source: SourceRef | None
    path: str | None
    root: str | None
    to: Template
    register: str | None = None  # a registered model the file becomes a version of (MLflow)
    aliases: tuple[tuple[str, str], ...] = ()  # alias -> rule (core.aliases.ALIAS_RULES), moved at each version
    pyfunc: bool = True  # `register: {pyfunc: false}`: weights registered as the file itself


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
    model, aliases = _registration(b, body.get("register"))
    if not one or to is None or (source is None and path is None):
        return None
    register = body.get("register")
    pyfunc = not isinstance(register, Mapping) or register.get("pyfunc", True) is not False
    return Upload(source, path, root, to, model, aliases, pyfunc)


def _registration(b: Builder, value: Any) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """``register: NAME`` or ``register: {model: NAME, aliases: {alias: best|newest}}`` (the schema
    checked the shapes); an alias name MLflow does not take, or reserves, is an error here."""
    if value is None or isinstance(value, str):
        return value, ()
    aliases = []
    for alias, rule in (value.get("aliases") or {}).items():
        alias = str(alias)
        problem = alias_problem(alias)
        if problem:
            b.fail(("register", "aliases", alias), problem)
        else:
            aliases.append((alias, str(rule)))
    return value.get("model"), tuple(aliases)


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
        resolved = file.resolve()
        register = Registration(o.register, dict(o.aliases), _fitness(ctx, resolved), o.pyfunc) if o.register else None
        session.upload(ctx, spec, to(ctx, session), resolved, register=register)

    return run


def _fitness(ctx: Context, file: Path) -> float | None:
    """The fitness of the weights registered: the trainer's best_fitness for its best weights, its
    fitness of the epoch just ended for any other file; None outside a training or when unknown."""
    try:
        trainer = ctx.lookup("trainer")
    except Missing:
        return None
    best = getattr(trainer, "best", None)
    try:
        is_best = best is not None and Path(best).resolve() == file
    except (OSError, TypeError, ValueError):
        is_best = False
    value: Any = getattr(trainer, "best_fitness" if is_best else "fitness", None)
    try:
        number = float(value)  # a tensor or numpy scalar too
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def explain(spec: ActionSpec) -> str:
    o: Upload = spec.body
    what = source_words(o.source) if o.source else f"the file {o.path}"
    rules = "; ".join(f"alias {alias}: {ALIAS_RULES[rule]}" for alias, rule in o.aliases)
    registered = (
        f", and register it as a new version of the model '{o.register}' (MLflow; other trackers keep the file only)"
        + ("" if o.pyfunc else ", as the file itself (no pyfunc model)")
        + (f" ({rules})" if rules else "")
        if o.register
        else ""
    )
    return f"upload {what} to {o.to.text} (a warning if it does not exist){registered}"


# A registered model's name, in both forms of `register`.
REGISTERED_MODEL: Final[dict[str, Any]] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 256,
    "pattern": "^[^/\\\\:%]+$",
    "title": "Registered model",
    "examples": ["yolo-detector"],
}

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
            "title": "Register as",
            "description": (
                "MLflow: the uploaded file also becomes a new version of this registered model (made if new): "
                "weights (.pt) as a pyfunc model that mlflow.pyfunc.load_model loads and that predicts on images, "
                "any other file as the file. A name, or {model: NAME, aliases: {ALIAS: best | newest}}: `best` moves "
                "the alias to the version with the highest fitness so far, `newest` to each new version. Trackers "
                "without a model registry keep the file only (hooks explain says so). Only the config you load may "
                "set it: a preset cannot add versions to a model."
            ),
            "oneOf": [
                REGISTERED_MODEL,
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["model"],
                    "properties": {
                        "model": REGISTERED_MODEL,
                        "aliases": {
                            "title": "Aliases",
                            "description": (
                                "Alias to the rule that moves it: best (the version with the highest fitness so "
                                "far; one without a fitness never takes it from one with one) or newest (each "
                                "new version). MLflow reserves latest and v<number>."
                            ),
                            "type": "object",
                            "maxProperties": 20,
                            "additionalProperties": {"enum": list(ALIAS_RULES)},
                        },
                        "pyfunc": {
                            "title": "As a pyfunc model",
                            "description": (
                                "true (default): weights (.pt) become a pyfunc model that loads and predicts (about "
                                "2 s of the sender's at the registration, a copy of the weights in the run). false: "
                                "the version is the file itself (load it with YOLO(...) after downloading)."
                            ),
                            "type": "boolean",
                        },
                    },
                },
            ],
            "examples": [
                "yolo-detector",
                {"model": "yolo-detector", "aliases": {"champion": "best", "recent": "newest"}},
            ],
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
    user_only={"register": "a registered model the weights become a version of, and its aliases"},
)
