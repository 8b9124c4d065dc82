"""The reader of Neptune 1.x offline runs, straight from their files (``neptune`` is never imported).

``read.py`` locates and reads runs (``decode.py`` decodes the operations, ``reading.py`` goes on
from a cached read), ``status.py`` tells a run's status, ``overview.py`` is what `hooks runs`
shows of one (cached). A store is a Neptune data folder (``.neptune``), a folder holding one, an
``offline/`` folder or one run folder; a resumed training's folders are one run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, final

from ..model import Run
from ..overview import Overview
from ..reader import Reader, RunRef, Store, grouped_refs_at
from .decode import load_metadata
from .overview import read_overview
from .read import early_string, find_run_groups, find_runs, read_run

__all__ = ["READER", "NeptuneReader"]


def _folder_id(folder: Path) -> str | None:
    # Folder names are run__<id>__<pid>__<random>; the id is the run's containerId.
    bits = folder.name.split("__")
    return bits[1] if len(bits) > 1 and bits[1] else None


def _ref(store: Store, parts: tuple[Path, ...]) -> RunRef:
    created = load_metadata(parts[0]).get("createdAt")
    return RunRef(
        store=store,
        key=str(parts[-1].resolve()),
        id=_folder_id(parts[-1]),
        aliases=tuple(p.name for p in parts) + tuple(i for i in map(_folder_id, parts[:-1]) if i),
        parts=parts,
        created=created if isinstance(created, str) else None,
    )


@final
class NeptuneReader:
    """Neptune offline runs (see the module's docstring)."""

    name: Final = "neptune"
    title: Final = "Neptune offline run"

    def find(self, store: Store) -> list[RunRef]:
        return [_ref(store, parts) for parts in find_run_groups(Path(store.where))]

    def at(self, folder: Path) -> list[RunRef]:
        return grouped_refs_at(self.name, folder, lambda f: find_runs(f) == [f], find_run_groups, _ref)

    def run_name(self, ref: RunRef) -> str | None:
        return early_string(ref.parts[0], "sys/name") if ref.parts else None

    def read(self, ref: RunRef, *, cache: bool | Path = False) -> Run:
        return read_run(ref.parts, cache=cache, trusted=ref.trusted)

    def overview(self, ref: RunRef, *, cache: bool | Path = False) -> Overview:
        return read_overview(ref.parts, cache=cache)

    def series_key(self, key: str) -> str:
        return key

    def no_runs_message(self, store: Store) -> str:
        where = Path(store.where)
        looked = [where / "offline", where / ".neptune" / "offline", where]
        return (
            f"hooks: no Neptune offline run found in {where} (looked in {', '.join(str(p) for p in looked)}).\n"
            "A training logs offline runs under $NEPTUNE_DATA_DIRECTORY, else under .neptune/ of the folder it "
            "ran in; name that folder, e.g. `hooks runs demo-work` for the demo."
        )


READER: Final[Reader] = NeptuneReader()  # typed so that mypy checks it against the protocol
