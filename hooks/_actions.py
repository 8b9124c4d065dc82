"""Action kinds: how each is built from YAML, compiled into a closure, and explained in words."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, final

from ._context import Context
from ._fs import inside
from ._model import ActionSpec, SourceRef
from ._paths import Missing
from ._template import Template

if TYPE_CHECKING:
    from ._build import Builder
    from ._runtime import Session

__all__ = ["KINDS", "ActionKind", "Run"]

Run = Callable[[Context, "Session"], None]
_FILE_FIELDS: Final = ("file", "stem", "name", "suffix")


@final
@dataclass(frozen=True, slots=True)
class ActionKind:
    name: str
    summary: str
    build: Callable[[Builder, Mapping[str, Any]], Any]
    compile: Callable[[ActionSpec], Run]
    explain: Callable[[ActionSpec], str]


class FileFields:
    """``{file.name}``, ``{file.stem}``, ``{file.suffix}``, ``{file.path}`` (relative to the root)."""

    __slots__ = ("name", "path", "stem", "suffix")

    def __init__(self, path: Path, root: Path | None) -> None:
        self.name = path.name
        self.stem = path.stem
        self.suffix = path.suffix
        try:
            self.path = path.relative_to(root).as_posix() if root is not None else path.name
        except ValueError:
            self.path = path.name


def _set_file(ctx: Context, path: Path, root: Path | None) -> None:
    f = FileFields(path, root)
    ctx.extra = {"file": f, "stem": f.stem, "name": f.name, "suffix": f.suffix}


def _root_dir(ctx: Context, root: str | None) -> Path:
    if root is not None and root.startswith("/"):
        return Path(root)  # a folder the loaded config listed in allow_roots
    obj = ctx.root(root) if root else ctx.obj
    save_dir = getattr(obj, "save_dir", None)
    if save_dir is None:
        raise Missing(f"{root or ctx.obj_kind}.save_dir is not set on this event")
    return Path(save_dir)


def _run_roots(ctx: Context) -> tuple[Path, ...]:
    """The folders a run's files may come from: the trainer's and the validator's save_dir."""
    roots: list[Path] = []
    for name in ("trainer", "validator", ctx.obj_kind):
        try:
            save_dir = getattr(ctx.root(name), "save_dir", None)
        except Missing:
            continue
        if save_dir is not None and Path(save_dir) not in roots:
            roots.append(Path(save_dir))
    return tuple(roots)


def _patterns(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _matcher(include: tuple[str, ...], exclude: tuple[str, ...]) -> Callable[[str], bool] | None:
    if not include and not exclude:
        return None

    def keep(name: str) -> bool:
        if include and not any(fnmatch.fnmatchcase(name, p) for p in include):
            return False
        return not any(fnmatch.fnmatchcase(name, p) for p in exclude)

    return keep


def _join(namespace: str, name: str) -> str:
    return f"{namespace.rstrip('/')}/{name}" if namespace else name


def _field(template: Template) -> Callable[[Context], str]:
    if template.is_constant:
        text = template.render(lambda _: None)
        return lambda ctx: text
    return lambda ctx: template.render(ctx.root).strip("/")


# ------------------------------------------------------------------------------------------ scalars
@final
@dataclass(frozen=True, slots=True)
class Scalars:
    source: SourceRef
    to: Template | None
    prefix: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    step: Literal["epoch", "auto"]


def _build_scalars(b: Builder, body: Mapping[str, Any]) -> Scalars | None:
    source = b.source(body["from"], ("from",), {"mapping"})
    to = b.template(body.get("to"), ("to",), b.context_roots)
    if source is None:
        return None
    return Scalars(
        source,
        to,
        body.get("prefix", ""),
        _patterns(body.get("include")),
        _patterns(body.get("exclude")),
        body.get("step", "epoch"),
    )


def _compile_scalars(spec: ActionSpec) -> Run:
    o: Scalars = spec.body
    read = o.source.reader()
    to = _field(o.to) if o.to else None
    keep = _matcher(o.include, o.exclude)
    prefix = o.prefix
    by_epoch = o.step == "epoch"
    names: dict[str, dict[Any, str | None]] = {}  # namespace -> key -> series path

    def run(ctx: Context, session: Session) -> None:
        value = read(ctx)
        step = ctx.epoch if by_epoch else None
        namespace = to(ctx) if to is not None else ""
        append = session.sink(ctx).append
        if not isinstance(value, Mapping):
            if not namespace:
                raise Missing(f"{o.source.text} is one value, not a mapping; give `to:` to name its series")
            append(namespace, _number(value, namespace), step)
            return
        # The names repeat every epoch: their series paths (or None: filtered out) are worked out once.
        paths = names.get(namespace)
        if paths is None:
            paths = names[namespace] = {}
        for key, v in value.items():
            path = paths.get(key, "")
            if path == "":
                name = f"{prefix}{key}"
                path = paths[key] = _join(namespace, name) if keep is None or keep(name) else None
            if path is None:
                continue
            if type(v) is not float:
                try:
                    v = _number(v, path)
                except TypeError as e:
                    session.warn_once(spec, f"skip:{path}", str(e))
                    continue
            append(path, v, step)

    return run


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not hasattr(value, "__float__"):
        raise TypeError(f"{path}: {type(value).__name__} is not a number; not logged")
    return float(value)


def _explain_scalars(spec: ActionSpec) -> str:
    o: Scalars = spec.body
    where = f" under {o.to.text}" if o.to else ""
    prefix = f" with prefix {o.prefix!r}" if o.prefix else ""
    filt = _filter_words(o.include, o.exclude)
    step = "at step = epoch (1-based)" if o.step == "epoch" else "at Neptune's own step counter"
    return f"append {_source_words(o.source)} as series{where}{prefix}{filt}, {step}"


# -------------------------------------------------------------------------------------------- files
@final
@dataclass(frozen=True, slots=True)
class Files:
    globs: tuple[str, ...]
    root: str | None
    to: Template
    once: bool
    snapshot: bool


def _build_files(b: Builder, body: Mapping[str, Any]) -> Files | None:
    globs = b.relative_patterns(body["glob"], ("glob",))
    to = b.template(body["to"], ("to",), b.file_roots)
    if to is None or globs is None:
        return None
    root = b.root(body.get("root"), ("root",))
    return Files(globs, root, to, body.get("once", True), body.get("snapshot", False))


class _Folder:
    """What a `files` action knows of one folder: every name it has listed there, the matching
    ones (in name order), and the matching ones it already uploaded."""

    __slots__ = ("done", "listed", "matched", "mtime_ns", "stable")

    def __init__(self) -> None:
        self.mtime_ns = -1
        self.stable = False  # listed long enough after the folder's last change to trust its mtime
        self.listed: set[str] = set()
        self.matched: list[str] = []
        self.done: set[str] = set()


# A listing taken long enough after a folder's last change can be trusted until its mtime moves:
# any later change lands at a later timestamp. How long depends on the timestamps' resolution:
# sub-second ones (ext4, xfs, tmpfs, …) tick at least every 10 ms; whole seconds (FAT: 2 s) do not.
_SETTLED_FINE_S = 0.05
_SETTLED_COARSE_S = 2.0


def _listing(root: Path, regex: re.Pattern[str], folder: _Folder) -> list[str]:
    """The names in ``root`` that match, re-listing only a folder that may have changed, and
    matching only names not seen before (a save_dir of 10,000 files costs one listdir)."""
    try:
        st = os.stat(root)
    except FileNotFoundError:
        raise Missing(f"{root} does not exist yet") from None
    if folder.stable and st.st_mtime_ns == folder.mtime_ns:
        return folder.matched
    new = set(os.listdir(root)).difference(folder.listed)
    if new:
        folder.listed.update(new)
        hits = [n for n in new if regex.match(n)]
        if hits:
            folder.matched = sorted([*folder.matched, *hits])
    folder.mtime_ns = st.st_mtime_ns
    settle = _SETTLED_FINE_S if st.st_mtime_ns % 1_000_000_000 else _SETTLED_COARSE_S
    folder.stable = time.time() - st.st_mtime >= settle
    return folder.matched


def _compile_files(spec: ActionSpec) -> Run:
    o: Files = spec.body
    to = o.to
    # Patterns without a folder part are matched against one os.listdir() with one regex; the
    # others (weights/*.pt, **/x) go through pathlib's glob.
    flat = tuple(p for p in o.globs if "/" not in p)
    nested = tuple(p for p in o.globs if "/" in p)
    regex = re.compile("|".join(fnmatch.translate(p) for p in flat)) if flat else None

    def upload(ctx: Context, session: Session, path: Path, root: Path) -> None:
        _set_file(ctx, path, root)
        session.sink(ctx).upload(to.render(ctx.root).strip("/"), path, snapshot=o.snapshot)

    def run(ctx: Context, session: Session) -> None:
        root = _root_dir(ctx, o.root)
        folders: dict[str, _Folder] = session.cache(spec)
        folder = folders.get(str(root))
        if folder is None:
            folder = folders[str(root)] = _Folder()
        try:
            if regex is not None:
                names = _listing(root, regex, folder)
                todo = [n for n in names if n not in folder.done] if o.once else names
                for name in todo:
                    path = root / name
                    try:
                        mode = os.lstat(path).st_mode
                    except FileNotFoundError:
                        continue
                    if stat.S_ISLNK(mode):
                        if not (path.is_file() and inside(path, (root,))):
                            session.warn_once(spec, f"outside:{path}", f"{path} leads outside {root}; not uploaded")
                            continue
                    elif not stat.S_ISREG(mode):
                        continue
                    upload(ctx, session, path, root)
                    folder.done.add(name)
            for pattern in nested:
                for path in sorted(root.glob(pattern)):
                    key = path.relative_to(root).as_posix()
                    if (o.once and key in folder.done) or not path.is_file():
                        continue
                    if not inside(path, (root,)):
                        session.warn_once(spec, f"outside:{path}", f"{path} leads outside {root}; not uploaded")
                        continue
                    upload(ctx, session, path, root)
                    folder.done.add(key)
        finally:
            ctx.extra = None

    return run


def _explain_files(spec: ActionSpec) -> str:
    o: Files = spec.body
    root = f"the {o.root}'s save_dir" if o.root else "the save_dir of the event's object"
    each = "each file once per run" if o.once else "every time"
    copy = " (a copy of the bytes at that moment)" if o.snapshot else ""
    return f"upload files matching {', '.join(o.globs)} in {root} to {o.to.text}{copy}, {each}"


# -------------------------------------------------------------------------------------------- plots
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


def _build_plots(b: Builder, body: Mapping[str, Any]) -> Plots | None:
    if ("from" in body) == ("files" in body):
        b.fail((), "give exactly one of `from` (a registry such as plot_registry) or `files` (a list of names)")
        return None
    source = b.source(body["from"], ("from",), {"files"}) if "from" in body else None
    files = b.relative_patterns(body["files"], ("files",)) if "files" in body else ()
    to = b.template(body["to"], ("to",), b.file_roots)
    if to is None or files is None or ("from" in body and source is None):
        return None
    return Plots(
        source,
        files,
        b.root(body.get("root"), ("root",)),
        _patterns(body.get("include")),
        _patterns(body.get("exclude")),
        to,
        body.get("render", "file"),
    )


def _compile_plots(spec: ActionSpec) -> Run:
    o: Plots = spec.body
    keep = _matcher(o.include, o.exclude)
    figure = o.render == "figure"

    def run(ctx: Context, session: Session) -> None:
        root: Path | None
        if o.source is not None:
            paths = [Path(p) for p in o.source.read(ctx)]
            root = None
        else:
            root = _root_dir(ctx, o.root)
            paths = [root / name for name in o.files]
        roots = _run_roots(ctx) if root is None else (root,)
        done: set[str] = session.cache(spec).setdefault("done", set())
        for path in paths:
            if keep is not None and not keep(path.name):
                continue
            key = str(path)
            if key in done or not path.is_file():
                continue
            if not inside(path, roots):
                session.warn_once(spec, f"outside:{key}", f"{path} is outside the run's folders; not uploaded")
                continue
            _set_file(ctx, path, root or path.parent)
            field = o.to.render(ctx.root).strip("/")
            sink = session.sink(ctx)
            if figure:
                fig = _figure(path)
                sink.upload_figure(field, fig)
            else:
                sink.upload(field, path)
            done.add(key)
        ctx.extra = None

    return run


def _figure(path: Path) -> Any:
    # A bare Figure (not pyplot): no global figure registry to leak into, no GUI backend.
    import matplotlib.image as mpimg
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0), frameon=False, aspect="auto", xticks=[], yticks=[])
    ax.imshow(mpimg.imread(str(path)))
    return fig


def _explain_plots(spec: ActionSpec) -> str:
    o: Plots = spec.body
    what = _source_words(o.source) if o.source else "the files " + ", ".join(o.files)
    filt = _filter_words(o.include, o.exclude)
    how = "re-drawn as matplotlib figures" if o.render == "figure" else "as the image files themselves"
    return f"upload the plots in {what}{filt} to {o.to.text}, {how} (those that exist)"


# ------------------------------------------------------------------------------------------- assign
@final
@dataclass(frozen=True, slots=True)
class Assign:
    source: SourceRef
    to: Template
    mask: tuple[str, ...]


def _build_assign(b: Builder, body: Mapping[str, Any]) -> Assign | None:
    source = b.source(body["from"], ("from",), {"mapping"})
    to = b.template(body["to"], ("to",), b.context_roots)
    return Assign(source, to, b.mask) if source is not None and to is not None else None


MASKED: Final = "****"


def _compile_assign(spec: ActionSpec) -> Run:
    o: Assign = spec.body
    read = o.source.reader()
    to = _field(o.to)
    secret: dict[str, bool] = {}

    def is_secret(key: str) -> bool:
        hit = secret.get(key)
        if hit is None:
            name = key.rsplit("/", 1)[-1].lower()
            hit = secret[key] = any(fnmatch.fnmatchcase(name, p) for p in o.mask)
        return hit

    def run(ctx: Context, session: Session) -> None:
        value = read(ctx)
        session.sink(ctx).assign(to(ctx), plain(value, is_secret))

    return run


def plain(value: Any, is_secret: Callable[[str], bool] = lambda key: False) -> Any:
    """What a tracker can store: numbers, booleans and text, nested mappings of them; the values
    of keys that look secret replaced by ``****``."""
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): MASKED if is_secret(str(k)) else plain(v, is_secret) for k, v in value.items()}
    if value is None:
        return ""
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy and torch scalars
        return value.item()
    return str(value)


def _explain_assign(spec: ActionSpec) -> str:
    o: Assign = spec.body
    return f"write {_source_words(o.source)} under {o.to.text}"


# ------------------------------------------------------------------------------------------- upload
@final
@dataclass(frozen=True, slots=True)
class Upload:
    source: SourceRef | None
    path: str | None
    root: str | None
    to: Template


def _build_upload(b: Builder, body: Mapping[str, Any]) -> Upload | None:
    if ("from" in body) == ("path" in body):
        b.fail((), "give exactly one of `from` (best, last, …) or `path` (a file such as results.csv)")
        return None
    source = b.source(body["from"], ("from",), {"file"}) if "from" in body else None
    path = None
    if "path" in body:
        checked = b.relative_patterns(body["path"], ("path",))
        path = checked[0] if checked else None
    to = b.template(body["to"], ("to",), b.file_roots)
    if to is None or (source is None and path is None):
        return None
    return Upload(source, path, b.root(body.get("root"), ("root",)), to)


def _compile_upload(spec: ActionSpec) -> Run:
    o: Upload = spec.body

    def run(ctx: Context, session: Session) -> None:
        if o.source is not None:
            file = Path(o.source.read(ctx))
            roots = _run_roots(ctx)
            root = roots[0] if roots else None
        else:
            root = _root_dir(ctx, o.root)
            file = root / str(o.path)
            roots = (root,)
        if not file.is_file():
            raise Missing(f"{file} does not exist; not uploaded")
        if not inside(file, roots):
            raise PermissionError(f"{file} is outside the run's folders; not uploaded")
        _set_file(ctx, file, root)
        field = o.to.render(ctx.root).strip("/")
        ctx.extra = None
        session.sink(ctx).upload(field, file)

    return run


def _explain_upload(spec: ActionSpec) -> str:
    o: Upload = spec.body
    what = _source_words(o.source) if o.source else f"the file {o.path}"
    return f"upload {what} to {o.to.text} (a warning if it does not exist)"


def _filter_words(include: tuple[str, ...], exclude: tuple[str, ...]) -> str:
    only = f", only {', '.join(include)}" if include else ""
    return only + (f", except {', '.join(exclude)}" if exclude else "")


def _source_words(source: SourceRef | None) -> str:
    if source is None:
        return ""
    if source.named is not None:
        return f"{source.text} ({source.named.description})"
    return source.text


KINDS: Final[dict[str, ActionKind]] = {
    k.name: k
    for k in (
        ActionKind("scalars", "numbers appended as series", _build_scalars, _compile_scalars, _explain_scalars),
        ActionKind("files", "files found by glob, uploaded once", _build_files, _compile_files, _explain_files),
        ActionKind("plots", "plot images, as files or figures", _build_plots, _compile_plots, _explain_plots),
        ActionKind("assign", "a mapping written under a namespace", _build_assign, _compile_assign, _explain_assign),
        ActionKind("upload", "one file uploaded", _build_upload, _compile_upload, _explain_upload),
    )
}
