"""This machine's torchvision work-around, for the demo and the tests only; `hooks` never imports it.

The only torchvision wheels here are CUDA builds: next to the CPU torch their compiled ops
(`_C.so`) cannot load, and `import torchvision` then fails on `torchvision::nms`. scripts/setup.sh
puts a `.pth` line in `.venv` that calls `install()` at start-up, which only adds an import hook:
nothing happens until something imports torchvision. Then, only if `_C.so` cannot load, the two
ops torchvision's import needs get pure-torch CPU kernels, and `nms()` is let through without the
extension. Where torchvision works (a normal install), nothing is changed.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_LIB: Any = None  # the torch.library registration dies with this object: keep it
state = "untouched"  # then "native" or "patched"


def install() -> None:
    """Add the import hook (cheap: imports nothing)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def prepare() -> str:
    """Make `import torchvision` work; return "native" or "patched". Call before the first import."""
    global state
    if state != "untouched":
        return state
    spec = importlib.machinery.PathFinder.find_spec("torchvision")  # not via the hook: no recursion
    if spec is None or spec.origin is None or "torchvision" in sys.modules:
        state = "native"
        return state
    folder = os.path.dirname(spec.origin)
    libs = [f for f in os.listdir(folder) if f.startswith("_C.") and f.endswith((".so", ".pyd"))]
    import torch

    try:
        if libs:
            torch.ops.load_library(os.path.join(folder, libs[0]))
            state = "native"
            return state
    except OSError:
        pass
    _register_cpu_ops(torch)
    state = "patched"
    return state


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name == "torchvision":
            prepare()
            if state == "native":
                sys.meta_path.remove(self)
            return None
        if name == "torchvision.ops.boxes" and state == "patched":
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchBoxes(spec.loader)
            return spec
        return None


class _PatchBoxes(importlib.abc.Loader):
    """Runs torchvision.ops.boxes, then lets nms() run on the CPU kernels registered below."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        module._assert_has_ops = _ops_available  # type: ignore[attr-defined]


def _ops_available() -> None:
    """Stands for torchvision.extension._assert_has_ops once the CPU ops exist."""


def _register_cpu_ops(torch: Any) -> None:
    global _LIB
    lib = torch.library.Library("torchvision", "FRAGMENT")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.impl("nms", _nms_cpu, "CPU")
    lib.impl("qnms", _qnms_cpu, "CPU")
    _LIB = lib


def _nms_cpu(dets: Any, scores: Any, iou_threshold: float) -> Any:
    """Greedy NMS as torchvision's CPU kernel does it: stable descending sort, suppress IoU > threshold."""
    import torch

    if dets.numel() == 0:
        return torch.empty(0, dtype=torch.long, device=dets.device)
    order = torch.sort(scores, descending=True, stable=True).indices
    boxes = dets[order]
    x1, y1, x2, y2 = boxes.unbind(1)
    areas = (x2 - x1) * (y2 - y1)
    remaining = torch.arange(order.numel(), device=dets.device)
    keep: list[Any] = []
    while remaining.numel() > 0:  # one IoU row per kept box: O(N) memory
        i = remaining[0]
        keep.append(i)
        rest = remaining[1:]
        w = (torch.minimum(x2[i], x2[rest]) - torch.maximum(x1[i], x1[rest])).clamp(min=0)
        h = (torch.minimum(y2[i], y2[rest]) - torch.maximum(y1[i], y1[rest])).clamp(min=0)
        inter = w * h
        iou = inter / (areas[i] + areas[rest] - inter)
        remaining = rest[~(iou > iou_threshold)]  # a NaN IoU (empty box) never suppresses
    return order[torch.stack(keep)]


def _qnms_cpu(dets: Any, scores: Any, iou_threshold: float) -> Any:
    return _nms_cpu(dets.float(), scores.float(), iou_threshold)
