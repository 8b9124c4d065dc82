"""The reader of W&B runs from their local folders (offline runs, and the local copy of online
ones), straight from each run's ``.wandb`` log with W&B's own record classes: nobody needs to
`wandb sync` a run to look at it. ``log.py`` scans the log, bounded; ``read.py`` makes the run model
of a run's folders. A store is a ``wandb/`` folder, a folder holding one, or one run folder; the
folders of one run id (a resumed training) are one run."""

from __future__ import annotations

from pathlib import Path
from typing import Final, final

from ..model import Run
from ..overview import Overview, overview_of
from ..reader import Reader, RunRef, Store, grouped_refs_at
from .read import find_runs, read_run, run_folders, run_name

__all__ = ["READER", "WandbReader"]


def _ref(store: Store, parts: tuple[Path, ...]) -> RunRef:
    run_id = parts[-1].name.rsplit("-", 1)[-1] if parts else None
    bits = parts[0].name.split("-")
    created = None
    if len(bits) >= 3:  # offline-run-20261205_110444-<id>, run-20261205_110444-<id>
        stamp = bits[2] if bits[0] == "offline" else bits[1]
        if len(stamp) == 15 and stamp[8] == "_":
            created = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}"
    return RunRef(
        store=store,
        key=str(parts[-1].resolve()),
        id=run_id,
        aliases=tuple(p.name for p in parts),
        parts=parts,
        created=created,
    )


@final
class WandbReader:
    """W&B offline run folders (see the module's docstring)."""

    name: Final = "wandb"
    title: Final = "W&B offline run"

    def find(self, store: Store) -> list[RunRef]:
        return [_ref(store, parts) for parts in find_runs(Path(store.where))]

    def at(self, folder: Path) -> list[RunRef]:
        return grouped_refs_at(self.name, folder, lambda f: run_folders(f) == [f], find_runs, _ref)

    def run_name(self, ref: RunRef) -> str | None:
        return run_name(ref.parts[0]) if ref.parts else None

    def read(self, ref: RunRef, *, cache: bool | Path = False) -> Run:
        return read_run(ref.parts, trusted=ref.trusted)  # no cache: a log is read at some hundred MB/s

    def overview(self, ref: RunRef, *, cache: bool | Path = False) -> Overview:
        return overview_of(self.read(ref))

    def series_key(self, key: str) -> str:
        return key

    def no_runs_message(self, store: Store) -> str:
        where = Path(store.where)
        return (
            f"hooks: no W&B run found in {where} (looked in {where / 'wandb'} and {where}).\n"
            "A training logs W&B runs into wandb/ of `dir:` in `sink: {wandb: …}`, else of $WANDB_DIR, else of "
            "its run folder (save_dir); name that folder, e.g. `hooks runs --wandb-dir runs/detect/train`."
        )


READER: Final[Reader] = WandbReader()  # typed so that mypy checks it against the protocol
