"""The spool: everything an MLflow run is sent, written to disk before it is sent, so that a server
that is down, or goes down mid-training, loses nothing.

A spool is a folder: ``run.json`` (where the run goes: tracking URI, experiment, name, tags, and
the MLflow run id once the run exists), ``ops.jsonl`` (one operation a line, in order), ``sent``
(how many of them the server has), ``blobs/`` (copies of snapshots and rendered figures),
``rejected.jsonl`` (what the server refused for good, with its reason) and ``lock`` (held by the
one process sending it). A spool whose operations are all sent is deleted; one that is not stays,
and `hooks sync` sends it later.

Operations (JSON objects):
  {"m": [[key, value, timestamp_ms, step], …]}   metrics
  {"p": {key: text}}  params          {"t": {key: text}}  tags
  {"a": [folder, name, source_path, owned]}      an artifact (owned: a copy in blobs/, deleted once sent)
  {"r": [artifact_path, model_name, how]}         a new version of a registered model; ``how`` (optional):
      {"model": false (the file itself, not a pyfunc model), "fitness": number, "aliases": {alias: rule}}
  {"i": {"name", "digest", "source", "profile": {…}, "context"}}   the run's dataset (log_inputs)
  {"end": status, "ts": timestamp_ms}             the run ends

A spool found on disk is not trusted (`hooks sync` may meet one planted in a cloned dataset):
:meth:`Spool.load_run` and :meth:`Spool.load_ops` read only regular files of the spool's own folder,
never through a link, bounded in size and JSON depth, and check every record against its shape;
:meth:`Spool.open_source` opens an artifact's file only inside the spool's ``blobs/`` (owned
copies) or the training's folder that holds the spool (files uploaded in place), never through a
link. docs/reliability.md, "A spool from someone else", states the rule.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, TextIO, final

from ...core.aliases import ALIAS_NAME, ALIAS_RULES
from ...core.masking import mask_uri
from ...core.untrusted import depth_problem, kind_of

__all__ = [
    "MAX_DEPTH",
    "MAX_LINE_BYTES",
    "MAX_OPS_BYTES",
    "MAX_RUN_BYTES",
    "RUN_FILE",
    "SPOOL_DIR",
    "Spool",
    "SpoolError",
    "describe",
    "find_spools",
    "status",
]

SPOOL_DIR: Final = Path(".yaml-hooks") / "mlflow"  # under a run's save_dir
RUN_FILE: Final = "run.json"
OPS_FILE: Final = "ops.jsonl"
MAX_RUN_BYTES: Final = 1 << 20  # run.json: a few hundred bytes from a training
MAX_OPS_BYTES: Final = 1 << 30  # ops.jsonl: read into memory whole
MAX_LINE_BYTES: Final = 16 << 20  # one operation: 100 params of 6,000 characters, escaped, fit
MAX_DEPTH: Final = 8  # nesting of one record: a training's are at most 3 deep
_READ_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
)
_DIR_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)
_DRIVE = re.compile(r"^[A-Za-z]:")


class SpoolError(Exception):
    """A spool's file or record that is not what a training writes: the message says where and why."""


@final
class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.blobs = folder / "blobs"
        self._ops: TextIO | None = None
        self._lock: TextIO | None = None

    # ------------------------------------------------------------ the run's identity
    def read_run(self) -> dict[str, Any]:
        """run.json, checked (:meth:`load_run`); {} when it is missing or not what a training writes."""
        try:
            return self.load_run()
        except (SpoolError, OSError):
            return {}

    def load_run(self) -> dict[str, Any]:
        """run.json: a regular file of at most MAX_RUN_BYTES, an object of the keys a training writes
        (SpoolError, FileNotFoundError when there is none)."""
        where = self.folder / RUN_FILE
        data = _loads(_read_regular(where, MAX_RUN_BYTES).decode("utf-8", "replace"), str(where))
        problem = _check_run(data)
        if problem:
            raise SpoolError(f"{where}: {problem}; not an MLflow spool of yaml-hooks")
        return data  # type: ignore[no-any-return]

    def write_run(self, run: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic(self.folder / RUN_FILE, json.dumps(run, indent=1) + "\n")

    # ------------------------------------------------------------ operations
    def append(self, ops: list[dict[str, Any]]) -> None:
        """Write operations at the end of the journal (flushed to the OS: a crash of the process
        keeps them; only the machine going down may lose the last ones)."""
        if self._ops is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._ops = _open_text(self.folder / OPS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        self._ops.write("".join(json.dumps(op, separators=(",", ":")) + "\n" for op in ops))
        self._ops.flush()

    def read_ops(self) -> list[dict[str, Any]]:
        """Every good operation in the journal (bad ones left out; see :meth:`load_ops`)."""
        try:
            ops, _ = self.load_ops()
        except SpoolError:
            return []
        return [op for op in ops if op is not None]

    def load_ops(self) -> tuple[list[dict[str, Any] | None], list[tuple[int, str]]]:
        """The journal's operations in order, each checked against its shape: a bad one is None in
        the list (so that the count of sent operations still lines up) and an error (its index,
        and the line ``<folder>/ops.jsonl:<line number>: why``). A last line cut short by a crash is left out, silently.
        Raises SpoolError when the file itself cannot be read (a link, not a regular file, too big)."""
        where = self.folder / OPS_FILE
        try:
            raw = _read_regular(where, MAX_OPS_BYTES)
        except FileNotFoundError:
            return [], []
        lines = raw.split(b"\n")
        cut_short = lines.pop()  # after the last newline: b"" unless a crash cut the last line short
        ops: list[dict[str, Any] | None] = []
        errors: list[tuple[int, str]] = []
        check = _op_checker(self)
        for number, line in enumerate(lines, 1):
            try:
                if len(line) > MAX_LINE_BYTES:
                    raise SpoolError(f"{len(line)} bytes, over the limit of {MAX_LINE_BYTES} for one operation")
                op = _loads(line.decode("utf-8"), "")
                check(op)
            except (SpoolError, UnicodeDecodeError) as e:
                errors.append((number - 1, f"{where}:{number}: {str(e).lstrip(': ')}"))
                ops.append(None)
                continue
            ops.append(op)
        if cut_short:
            with contextlib.suppress(SpoolError, UnicodeDecodeError):
                op = _loads(cut_short.decode("utf-8"), "")
                check(op)
                ops.append(op)  # whole after all: only its newline was lost
        return ops, errors

    def sent(self) -> int:
        try:
            return int(_read_regular(self.folder / "sent", 64).decode("ascii").strip() or 0)
        except (OSError, SpoolError, ValueError):
            return 0

    def mark_sent(self, count: int) -> None:
        _atomic(self.folder / "sent", f"{count}\n")

    def reject(self, op: dict[str, Any] | None, reason: str) -> None:
        with _open_text(self.folder / "rejected.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT) as f:
            f.write(json.dumps({"op": op, "reason": reason}) + "\n")

    def rejected(self) -> int:
        try:
            return _read_regular(self.folder / "rejected.jsonl", MAX_OPS_BYTES).count(b"\n")
        except FileNotFoundError:
            return 0
        except (OSError, SpoolError):
            return 1  # there, but not readable as it should be: keep the spool

    def blob(self, name: str) -> Path:
        self.blobs.mkdir(parents=True, exist_ok=True)
        return self.blobs / name

    # ------------------------------------------------------------ an artifact's file, confined
    def run_folder(self) -> Path | None:
        """The training's folder that holds this spool (its save_dir), when the spool sits where
        a training puts it (``<save_dir>/.yaml-hooks/mlflow/<label>``)."""
        folder = Path(os.path.abspath(self.folder))
        if folder.parent.name == SPOOL_DIR.name and folder.parent.parent.name == SPOOL_DIR.parent.name:
            return folder.parent.parent.parent
        return None

    def open_source(self, source: str, owned: bool) -> int:
        """A descriptor on an artifact's file: an owned copy by its name in this spool's own
        ``blobs/``; a file uploaded in place only inside :meth:`run_folder`. Every folder on the
        way and the file are opened without following a link; the file must be regular."""
        if owned:
            return _open_below(Path(os.path.abspath(self.folder)), ("blobs", Path(source).name))
        root = self.run_folder()
        inside = _inside(root, source)
        if root is None or inside is None:
            raise SpoolError(f"{source} is outside the training's folder that holds this spool; not read")
        return _open_below(root, inside)

    def delete_blob(self, source: str) -> None:
        """Delete an owned copy once sent: only a file of this spool's own ``blobs/``, by its name."""
        try:
            fd = os.open(self.folder, _DIR_FLAGS)
        except OSError:
            return
        try:
            blobs = os.open("blobs", _DIR_FLAGS, dir_fd=fd)
            try:
                os.unlink(Path(source).name, dir_fd=blobs)  # a link is removed, never what it leads to
            except OSError:
                pass
            finally:
                os.close(blobs)
        except OSError:
            pass
        finally:
            os.close(fd)

    # ------------------------------------------------------------ one sender at a time
    def lock(self) -> bool:
        """Take the spool for this process; False when another process is sending it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            f = _open_text(self.folder / "lock", os.O_RDWR | os.O_CREAT, regular=True)
        except (OSError, SpoolError):
            return False
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            return False
        self._lock = f
        return True

    def close(self) -> None:
        for f in (self._ops, self._lock):
            if f is not None:
                with contextlib.suppress(OSError, ValueError):
                    f.close()
        self._ops = self._lock = None

    def remove(self) -> None:
        """Delete a spool whose every operation is sent (what the server refused stays, with why).
        Only what is inside the folder goes: a link is removed as a link, never followed."""
        self.close()
        if self.rejected():
            return
        for top, dirs, files in os.walk(self.folder, topdown=False, followlinks=False):
            for name in files:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(top, name))
            for name in dirs:
                path = os.path.join(top, name)
                with contextlib.suppress(OSError):
                    os.unlink(path) if os.path.islink(path) else os.rmdir(path)
        with contextlib.suppress(OSError):
            self.folder.rmdir()


def describe(ops: list[dict[str, Any] | None] | list[dict[str, Any]]) -> str:
    """What operations hold, in words: "12 metric points, 2 params, 3 files and the run's end"."""
    counts = {"metric points": 0, "params": 0, "tags": 0, "files": 0, "model versions": 0, "datasets": 0}
    end = False
    for op in ops:
        if not op:
            continue
        kind = next(iter(op))
        if kind == "end":
            end = True
        elif kind in _WHAT:
            what = _WHAT[kind]
            counts[what] += len(op[kind]) if kind in ("m", "p", "t") else 1
    parts = [f"{n} {what}" for what, n in counts.items() if n] + (["the run's end"] if end else [])
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


_WHAT: Final = {"m": "metric points", "p": "params", "t": "tags", "a": "files", "r": "model versions", "i": "datasets"}


def find_spools(where: Path) -> Iterator[Path]:
    """The spool folders at or under ``where`` (a spool, a run's save_dir, or any folder above)."""
    if (where / RUN_FILE).is_file():
        yield where
        return
    for run_file in sorted(where.rglob(f"mlflow/*/{RUN_FILE}")):
        if run_file.parent.parent.parent.name == SPOOL_DIR.parts[0]:
            yield run_file.parent


def status(folder: Path) -> str:
    """One line on a spool, sending nothing (`hooks sync --status`): where its run goes, what it
    holds that is not sent, what the server refused, and whether a process is sending it now. Its
    files are read as `hooks sync` reads them (bounded, no links); a bad one is said, never raised."""
    spool = Spool(folder)
    try:
        run = spool.load_run()
    except FileNotFoundError:
        return f"{folder}: not an MLflow spool of yaml-hooks (no run.json)"
    except (SpoolError, OSError) as e:
        return f"{folder}: {e}"
    try:
        ops, errors = spool.load_ops()
    except (SpoolError, OSError) as e:
        return f"{folder}: {e}"
    unsent = ops[min(spool.sent(), len(ops)) :]
    where = mask_uri(str(run.get("tracking_uri") or "")) or "MLflow's default store"
    name = run.get("name") or run.get("training_id") or "?"
    held = describe(unsent) if any(op is not None for op in unsent) else "nothing left to send"
    notes = []
    if errors:
        notes.append(f"{len(errors)} bad record(s)")
    if rejected := spool.rejected():
        notes.append(f"{rejected} refused by MLflow (rejected.jsonl)")
    busy = not spool.lock()
    spool.close()
    if busy:
        notes.append("being sent by a training or `hooks sync` now")
    try:
        age = time.time() - os.stat(folder / OPS_FILE).st_mtime
        notes.append(f"last written {_age(age)} ago")
    except OSError:
        pass
    extra = f" ({'; '.join(notes)})" if notes else ""
    return f"{folder}: run {name!r}, experiment {run.get('experiment')!r} at {where}: {held}{extra}"


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86_400:.0f} days"


# ---------------------------------------------------------------- reading and writing, confined
def _read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, opened without following a link (a FIFO does not block the
    open), checked on the descriptor, at most ``limit`` bytes (else SpoolError naming the limit).
    FileNotFoundError when it is not there."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        raise
    except OSError as e:
        if os.path.islink(path):
            raise SpoolError(
                f"{path} is a link; a spool's files are read only as regular files, not through links"
            ) from e
        raise SpoolError(f"{path}: cannot be read ({e.strerror})") from e
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SpoolError(f"{path} is not a regular file ({kind_of(st.st_mode)}); not read")
        if st.st_size > limit:
            raise SpoolError(f"{path} is {st.st_size} bytes, over the limit of {limit}; not read")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise SpoolError(f"{path} is over the limit of {limit} bytes; not read")
    return data


def _open_text(path: Path, flags: int, *, regular: bool = True) -> TextIO:
    """A file of the spool opened for writing without following a link (O_NOFOLLOW: a planted link
    to a file elsewhere is refused, not written through)."""
    fd = os.open(
        path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0), 0o644
    )
    if regular and not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise SpoolError(f"{path} is not a regular file; not written")
    if flags & os.O_RDWR:
        return open(fd, "a+", encoding="utf-8")
    return open(fd, "a", encoding="utf-8")


def _open_below(root: Path, parts: tuple[str, ...]) -> int:
    """Open ``root/parts…``: each folder and the file without following a link; the file regular."""
    where = root.joinpath(*parts)
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts[:-1]:
            try:
                next_fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as e:
                raise SpoolError(f"{where}: {part} is not a folder of its own (a link?): {e.strerror}; not read") from e
            os.close(fd)
            fd = next_fd
        try:
            file = os.open(parts[-1], _READ_FLAGS, dir_fd=fd)
        except FileNotFoundError:
            raise SpoolError(f"{where} is gone; it was not uploaded") from None
        except OSError as e:
            raise SpoolError(f"{where} is a link or cannot be opened ({e.strerror}); not read") from e
    finally:
        os.close(fd)
    mode = os.fstat(file).st_mode
    if not stat.S_ISREG(mode):
        os.close(file)
        raise SpoolError(f"{where} is not a regular file ({kind_of(mode)}); not read")
    os.set_blocking(file, True)
    return file


def _inside(root: Path | None, source: str) -> tuple[str, ...] | None:
    """``source``'s parts below ``root`` (lexically, after making it absolute), or None when it is
    not below it."""
    if root is None:
        return None
    path = os.path.abspath(source)
    base = os.path.abspath(root)
    try:
        if os.path.commonpath([path, base]) != base or path == base:
            return None
    except ValueError:
        return None
    return tuple(Path(os.path.relpath(path, base)).parts)


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)  # a link planted there is removed, not written through
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    with os.fdopen(os.open(tmp, flags, 0o644), "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)  # replaces the name, a link there included, never what it leads to


# ---------------------------------------------------------------- the records' shapes
def _loads(text: str, where: str) -> Any:
    """JSON of at most MAX_DEPTH levels (deeper is refused before parsing: no RecursionError)."""
    problem = depth_problem(text, MAX_DEPTH)
    if problem is not None:
        raise SpoolError(f"{where}: {problem}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise SpoolError(f"{where}: not JSON ({str(e)[:120]})") from None


_RUN_KEYS: Final[dict[str, Callable[[Any], bool]]] = {
    "tracking_uri": lambda v: isinstance(v, str),
    "experiment": lambda v: isinstance(v, str),
    "name": lambda v: isinstance(v, str),
    "tags": lambda v: isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items()),
    "start_ms": lambda v: _whole(v),
    "run_id": lambda v: v is None or isinstance(v, str),
    "training_id": lambda v: isinstance(v, str),
    "part": lambda v: _whole(v),
}


def _check_run(data: Any) -> str:
    if not isinstance(data, dict):
        return f"an object expected, not {type(data).__name__}"
    unknown = sorted(set(data) - set(_RUN_KEYS))
    if unknown:
        return f"unknown key(s) {', '.join(map(repr, unknown[:5]))}"
    wrong = [k for k, ok in _RUN_KEYS.items() if k in data and not ok(data[k])]
    return f"wrong type for {', '.join(wrong)}" if wrong else ""


def _whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _plain_path(text: str, *, one_part: bool) -> str:
    """Why an artifact folder or name is not relative and plain ("" when it is)."""
    if "\\" in text or "\x00" in text or _DRIVE.match(text):
        return "a backslash, NUL or drive letter"
    if text.startswith("/"):
        return "an absolute path"
    parts = text.split("/")
    if one_part and len(parts) > 1:
        return "a '/'"
    if any(p in ("", ".", "..") for p in parts):
        return "an empty, '.' or '..' part"
    return ""


def _registration_problem(how: Any) -> str:
    """Why a model version's ``how`` is not what a training writes ("" when it is)."""
    if not isinstance(how, dict) or set(how) - {"model", "fitness", "aliases"}:
        return "how is an object of model, fitness and aliases"
    if "model" in how and not isinstance(how["model"], bool):
        return "model is true or false"
    if how.get("fitness") is not None and not _number(how["fitness"]):
        return "fitness is a number"
    aliases = how.get("aliases", {})
    if not isinstance(aliases, dict) or len(aliases) > 20:
        return "aliases map at most 20 names to a rule"
    for name, rule in aliases.items():
        if not (isinstance(name, str) and ALIAS_NAME.match(name)) or rule not in ALIAS_RULES:
            return "an alias is letters, digits, '_' or '-', and its rule best or newest"
    return ""


def _op_checker(spool: Spool) -> Callable[[Any], None]:
    def fail(message: str) -> None:
        raise SpoolError(message)

    def check(op: Any) -> None:
        if not isinstance(op, dict) or not op:
            fail(f"an operation is an object with one kind (m, p, t, a, r, i, end), not {json.dumps(op)[:60]}")
        kind = next(iter(op))
        if kind == "end":
            if set(op) - {"end", "ts"} or op["end"] not in ("FINISHED", "FAILED", "KILLED"):
                fail('the run\'s end is {"end": FINISHED, FAILED or KILLED, "ts": ms}')
            if "ts" in op and not _whole(op["ts"]):
                fail("the run's end time (ts) is a whole number of ms")
            return
        if len(op) != 1 or kind not in _WHAT:
            fail(f"unknown operation {', '.join(map(repr, list(op)[:5]))}; one of m, p, t, a, r, i, end")
        body = op[kind]
        if kind == "m":
            if not isinstance(body, list) or not 0 < len(body) <= 1000:
                fail("metrics are a list of 1 to 1000 points")
            for p in body:
                if not (
                    isinstance(p, list)
                    and len(p) == 4
                    and isinstance(p[0], str)
                    and p[0]
                    and _number(p[1])
                    and _whole(p[2])
                    and _whole(p[3])
                ):
                    fail(f"a metric point is [key, value, timestamp_ms, step], not {json.dumps(p)[:80]}")
        elif kind in ("p", "t"):
            what = "params" if kind == "p" else "tags"
            if not isinstance(body, dict) or not 0 < len(body) <= 100:
                fail(f"{what} are an object of 1 to 100 names")
            if not all(isinstance(k, str) and k and isinstance(v, str) for k, v in body.items()):
                fail(f"{what} map names to text")
        elif kind == "a":
            if not (
                isinstance(body, list)
                and len(body) == 4
                and all(isinstance(x, str) for x in body[:3])
                and isinstance(body[3], bool)
            ):
                fail("an artifact is [folder, name, source, owned]")
            folder, name, source, owned = body
            why = (folder and _plain_path(folder, one_part=False)) or _plain_path(name, one_part=True)
            if why:
                fail(f"the artifact {folder}/{name} has {why} in its name; artifact names are relative and plain")
            if owned:
                blob = Path(source)
                if blob.parent.name != "blobs" or _plain_path(blob.name, one_part=True):
                    fail(f"{source} is marked as the spool's own copy but is not in its blobs/ folder")
            elif _inside(spool.run_folder(), source) is None:
                fail(f"{source} is outside the training's folder that holds this spool; not read")
        elif kind == "r":
            if not (
                isinstance(body, list)
                and len(body) in (2, 3)
                and all(isinstance(x, str) and x for x in body[:2])
                and (len(body) == 2 or _registration_problem(body[2]) == "")
            ):
                why = _registration_problem(body[2]) if isinstance(body, list) and len(body) == 3 else ""
                fail(f"a model version is [artifact_path, model_name, how]{': ' + why if why else ''}")
            why = _plain_path(body[0], one_part=False)
            if why:
                fail(f"the artifact path {body[0]} has {why}; artifact names are relative and plain")
        elif kind == "i":
            if not isinstance(body, dict) or set(body) - {"name", "digest", "source", "profile", "context"}:
                fail("a dataset is an object of name, digest, source, profile and context")
            texts = {"name": 500, "digest": 36, "source": 60_000, "context": 500}  # MLflow's limits
            for key, limit in texts.items():
                if key in body and not (isinstance(body[key], str) and 0 < len(body[key]) <= limit):
                    fail(f"a dataset's {key} is text of 1 to {limit} characters")
            if not all(k in body for k in ("name", "digest", "source")):
                fail("a dataset has a name, a digest and a source")
            if "profile" in body and not isinstance(body["profile"], dict):
                fail("a dataset's profile is an object")

    return check
