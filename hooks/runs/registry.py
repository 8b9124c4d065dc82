"""The readers, one line per tracker: its name, the module that holds its ``READER`` (imported the
first time a store of that tracker is read, so ``import hooks.runs`` imports no tracker's client),
and how a command names one of its stores (:class:`StoreOption`: the option `hooks runs`,
`hooks report` and `hooks export` take for it, the environment variable that names one when the
option does not, and the store looked in when neither does). Adding a tracker's reader is a folder
``hooks/runs/<tracker>/`` and a line here; the commands' options follow. A package adds its own
with :func:`add`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Final

from ..errors import HooksError
from .reader import Reader

__all__ = ["READERS", "ReaderEntry", "StoreOption", "UnknownTracker", "add", "reader", "trackers"]


@dataclass(frozen=True)
class StoreOption:
    """How a command names a store of one tracker. ``flag``: its command-line option; ``env``: the
    environment variable that names a store when the option does not; ``default``: the store looked
    in when neither does (passed over in silence when it holds no run and another store is read);
    ``folder``: its stores are folders, so a folder named without an option (`hooks runs DIR`) is
    looked in as one."""

    flag: str
    metavar: str
    help: str
    env: str | None = None
    default: str | None = None
    folder: bool = False  # its stores are folders: a folder `hooks runs DIR` names is one of them

    @property
    def dest(self) -> str:
        """The option's attribute on the parsed arguments (``--tracking-uri`` → ``tracking_uri``)."""
        return self.flag.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class ReaderEntry:
    module: str  # holds the reader as ``READER``
    store: StoreOption


READERS: Final[dict[str, ReaderEntry]] = {
    "neptune": ReaderEntry(
        "hooks.runs.neptune",
        StoreOption(
            "--dir",
            "DIR",
            "a Neptune data folder, a folder holding .neptune, or an offline/ folder",
            env="NEPTUNE_DATA_DIRECTORY",
            default=".neptune",
            folder=True,
        ),
    ),
    "mlflow": ReaderEntry(
        "hooks.runs.mlflow",
        StoreOption(
            "--tracking-uri",
            "URI",
            "an MLflow tracking server or store, e.g. http://mlflow:5000 or sqlite:///mlflow.db",
            env="MLFLOW_TRACKING_URI",
        ),
    ),
    "wandb": ReaderEntry(
        "hooks.runs.wandb",
        StoreOption(
            "--wandb-dir",
            "DIR",
            "a W&B wandb/ folder, a folder holding one (as WANDB_DIR names it), or one run folder",
            env="WANDB_DIR",
            default="wandb",
            folder=True,
        ),
    ),
    "tensorboard": ReaderEntry(
        "hooks.runs.tensorboard",
        StoreOption(
            "--logdir",
            "DIR",
            "a TensorBoard log folder: a run's folder, or one above runs' folders (as `tensorboard --logdir`)",
            folder=True,
        ),
    ),
}
_loaded: dict[str, Reader] = {}


class UnknownTracker(HooksError):
    """A tracker no reader is registered for."""


def add(name: str, module: str, store: StoreOption) -> None:
    """Register the reader of tracker ``name``: ``module`` holds it as ``READER``; ``store`` is how
    a command names one of its stores (its flag may not be another reader's)."""
    if name in READERS:
        raise ValueError(f"a reader of {name!r} is already registered ({READERS[name].module})")
    taken = {entry.store.flag: other for other, entry in READERS.items()}
    if store.flag in taken:
        raise ValueError(f"the option {store.flag} names {taken[store.flag]!r} stores already")
    READERS[name] = ReaderEntry(module, store)


def trackers() -> tuple[str, ...]:
    return tuple(READERS)


def reader(name: str) -> Reader:
    """The reader of tracker ``name``, its module imported now if it was not yet."""
    found = _loaded.get(name)
    if found is not None:
        return found
    entry = READERS.get(name)
    if entry is None:
        raise UnknownTracker(f"no reader of {name!r} runs; readers: {', '.join(sorted(READERS))}")
    loaded: Reader = importlib.import_module(entry.module).READER
    if loaded.name != name:
        raise UnknownTracker(f"{entry.module}.READER reads {loaded.name!r} runs, registered as {name!r}")
    _loaded[name] = loaded
    return loaded
