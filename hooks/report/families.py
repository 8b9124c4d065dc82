"""Which numeric series share a chart: one chart per series *family*, never per top namespace.

A family is the series' folder (the key without its last segment) and its kind:

* ``loss``: the last segment says ``loss`` (``train/box_loss``, ``val/dfl_loss``);
* ``lr``: a learning rate (a segment ``lr``, or a last segment starting with ``lr``);
* ``metric``: anything else of the training (mAP, precision, fitness);
* ``system``: Neptune's and yaml-hooks' own namespaces (``monitoring/`` …). Hardware monitoring
  (``monitoring/<hash>/cpu``, ``…/gpu_0``) is one family per measure (cpu, memory, gpu,
  gpu_memory) across processes and devices, since a CPU percentage and gigabytes of memory never
  share an axis.

So a config that puts everything under the run's name (``res/train/box_loss``,
``res/metrics/mAP50(B)``, ``res/lr/pg0``) still gets losses, metrics and learning rates on
separate axes, and per-batch losses (``train/batch/box_loss``) apart from per-epoch ones.

Per-class series (``…/per_class/<class>/<metric>``) are not charted here: the report shows
them as a table with a sparkline per class (:func:`per_class_key`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ..runs.model import SYSTEM_NAMESPACES

__all__ = ["Family", "FamilyKind", "PerClassKey", "families", "per_class_key", "series_kind"]

FamilyKind = Literal["loss", "metric", "lr", "system"]

_KIND_ORDER: tuple[FamilyKind, ...] = ("loss", "metric", "lr", "system")
_KIND_LABEL: dict[FamilyKind, str] = {"loss": "losses", "metric": "metrics", "lr": "learning rates", "system": ""}
_FIRST: tuple[str, ...] = ("train", "val", "metrics", "lr")
_DEVICE_NUMBER = re.compile(r"_\d+(?=_|$)")  # gpu_0 -> gpu, gpu_1_memory -> gpu_memory


@dataclass(frozen=True)
class Family:
    """Series drawn on one set of axes; ``label`` is what sets each apart inside the family."""

    id: str
    title: str
    kind: FamilyKind
    keys: tuple[str, ...]

    def label(self, key: str) -> str:
        folder = self.id.split("|", 1)[0]
        if self.kind == "system" and key.startswith("monitoring/"):
            return key[len("monitoring/") :]
        return key[len(folder) + 1 :] if folder and key.startswith(folder + "/") else key


@dataclass(frozen=True)
class PerClassKey:
    """``<prefix>/per_class/<class>/<metric>`` taken apart."""

    prefix: str
    name: str
    metric: str


def per_class_key(key: str) -> PerClassKey | None:
    """The class is the second-to-last segment and the metric the last (the ``per_class`` source
    never puts a "/" in a class name), so a class named ``per_class`` is a class like any other."""
    parts = key.split("/")
    if len(parts) < 3 or parts[-3] != "per_class":
        return None
    return PerClassKey("/".join(parts[:-3]), parts[-2], parts[-1])


def series_kind(key: str) -> FamilyKind:
    parts = key.split("/")
    if len(parts) > 1 and parts[0] in SYSTEM_NAMESPACES:
        return "system"
    leaf = parts[-1].lower()
    if "lr" in parts[:-1] or leaf.startswith("lr"):
        return "lr"
    if "loss" in leaf:
        return "loss"
    return "metric"


def _folder(key: str, kind: FamilyKind) -> str:
    parts = key.split("/")
    if kind == "system" and parts[0] == "monitoring" and len(parts) >= 3:
        # monitoring/<process hash>/<measure>: one family per measure, whatever the process.
        return "monitoring/" + _DEVICE_NUMBER.sub("", parts[-1])
    return "/".join(parts[:-1])


def families(keys: Iterable[str]) -> list[Family]:
    """The charts for ``keys``, in the order one reads a training: losses, metrics, the learning
    rate, then any other folder alphabetically, Neptune's own last."""
    grouped: dict[tuple[str, FamilyKind], list[str]] = {}
    for key in keys:
        if per_class_key(key) is not None:
            continue
        kind = series_kind(key)
        grouped.setdefault((_folder(key, kind), kind), []).append(key)
    kinds_of: dict[str, set[FamilyKind]] = {}
    for folder, kind in grouped:
        kinds_of.setdefault(folder, set()).add(kind)

    def order(item: tuple[str, FamilyKind]) -> tuple[bool, int, str, int]:
        folder, kind = item
        top = folder.split("/", 1)[0]
        known = _FIRST.index(top) if top in _FIRST else len(_FIRST)
        return (kind == "system", known, folder.lower(), _KIND_ORDER.index(kind))

    out = []
    for folder, kind in sorted(grouped, key=order):
        title = f"{folder}/" if folder else "(top level)"
        if kind == "system" and folder.startswith("monitoring/"):
            title = f"monitoring: {folder.split('/', 1)[1]}"
        elif len(kinds_of[folder]) > 1:
            title = f"{title} {_KIND_LABEL[kind]}"
        out.append(Family(f"{folder}|{kind}", title, kind, tuple(sorted(grouped[folder, kind]))))
    return out
