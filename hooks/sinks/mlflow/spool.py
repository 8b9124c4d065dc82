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
  {"r": [artifact_path, model_name]}              a new version of a registered model
  {"end": status, "ts": timestamp_ms}             the run ends
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, TextIO, final

__all__ = ["RUN_FILE", "SPOOL_DIR", "Spool", "describe", "find_spools"]

SPOOL_DIR: Final = Path(".yaml-hooks") / "mlflow"  # under a run's save_dir
RUN_FILE: Final = "run.json"


@final
class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.blobs = folder / "blobs"
        self._ops: TextIO | None = None
        self._lock: TextIO | None = None

    # ------------------------------------------------------------ the run's identity
    def read_run(self) -> dict[str, Any]:
        try:
            data = json.loads((self.folder / RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def write_run(self, run: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic(self.folder / RUN_FILE, json.dumps(run, indent=1) + "\n")

    # ------------------------------------------------------------ operations
    def append(self, ops: list[dict[str, Any]]) -> None:
        """Write operations at the end of the journal (flushed to the OS: a crash of the process
        keeps them; only the machine going down may lose the last ones)."""
        if self._ops is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._ops = open(self.folder / "ops.jsonl", "a", encoding="utf-8")  # noqa: SIM115  (kept open)
        self._ops.write("".join(json.dumps(op, separators=(",", ":")) + "\n" for op in ops))
        self._ops.flush()

    def read_ops(self) -> list[dict[str, Any]]:
        """Every operation in the journal; a last line cut short by a crash is left out."""
        try:
            text = (self.folder / "ops.jsonl").read_text(encoding="utf-8")
        except OSError:
            return []
        ops: list[dict[str, Any]] = []
        for line in text.splitlines():
            try:
                ops.append(json.loads(line))
            except ValueError:
                break
        return ops

    def sent(self) -> int:
        try:
            return int((self.folder / "sent").read_text(encoding="ascii").strip() or 0)
        except (OSError, ValueError):
            return 0

    def mark_sent(self, count: int) -> None:
        _atomic(self.folder / "sent", f"{count}\n")

    def reject(self, op: dict[str, Any], reason: str) -> None:
        with open(self.folder / "rejected.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"op": op, "reason": reason}) + "\n")

    def rejected(self) -> int:
        try:
            with open(self.folder / "rejected.jsonl", encoding="utf-8") as f:
                return sum(1 for _ in f)
        except OSError:
            return 0

    def blob(self, name: str) -> Path:
        self.blobs.mkdir(parents=True, exist_ok=True)
        return self.blobs / name

    # ------------------------------------------------------------ one sender at a time
    def lock(self) -> bool:
        """Take the spool for this process; False when another process is sending it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        f = open(self.folder / "lock", "a+", encoding="ascii")  # noqa: SIM115  (held while sending)
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
        """Delete a spool whose every operation is sent (what the server refused stays, with why)."""
        self.close()
        if self.rejected():
            return
        for path in sorted(self.folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):
                path.rmdir() if path.is_dir() else path.unlink()
        with contextlib.suppress(OSError):
            self.folder.rmdir()


def describe(ops: list[dict[str, Any]]) -> str:
    """What operations hold, in words: "12 metric points, 2 params, 3 files and the run's end"."""
    counts = {"metric points": 0, "params": 0, "tags": 0, "files": 0, "model versions": 0}
    end = False
    for op in ops:
        kind = next(iter(op))
        if kind == "end":
            end = True
        else:
            what = {"m": "metric points", "p": "params", "t": "tags", "a": "files", "r": "model versions"}[kind]
            counts[what] += len(op[kind]) if kind in ("m", "p", "t") else 1
    parts = [f"{n} {what}" for what, n in counts.items() if n] + (["the run's end"] if end else [])
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def find_spools(where: Path) -> Iterator[Path]:
    """The spool folders at or under ``where`` (a spool, a run's save_dir, or any folder above)."""
    if (where / RUN_FILE).is_file():
        yield where
        return
    for run_file in sorted(where.rglob(f"mlflow/*/{RUN_FILE}")):
        if run_file.parent.parent.parent.name == SPOOL_DIR.parts[0]:
            yield run_file.parent


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
