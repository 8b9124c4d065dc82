"""Make a real Ultralytics training run fully offline and self-contained on this machine.

Everything here is demo/test set-up: the product package ``hooks`` never imports it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

# Audit events that mean "about to reach another host".
NETWORK_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.sendto",
        "socket.sendmsg",
    }
)

# Fonts Ultralytics' check_font() looks for in its config dir before trying to download them.
_ULTRALYTICS_FONTS = ("Arial.ttf", "Arial.Unicode.ttf")

# Keeps the torch.library registrations alive: they are dropped when the Library object is collected.
_TORCHVISION_LIB: Any = None
_TORCHVISION_PATH: str | None = None


def prepare_offline_env(workdir: Path) -> dict[str, str]:
    """Point every Ultralytics/matplotlib/Neptune state dir into ``workdir`` and switch off network use.

    Must run before ``ultralytics`` is imported: it reads these variables once at import time.
    Returns the variables it set (they are also written to ``os.environ``).
    """
    workdir = Path(workdir).resolve()
    config_dir = workdir / "yolo-config"
    env = {
        # Makes ultralytics.utils.is_online() return False without its DNS probe, so ONLINE=False:
        # disables the analytics events, the pip-update check and every "download if online" branch.
        "YOLO_OFFLINE": "1",
        # check_requirements() would otherwise try `pip install` for a missing optional package.
        "YOLO_AUTOINSTALL": "0",
        # settings.json and the fonts live here instead of ~/.config/Ultralytics.
        "YOLO_CONFIG_DIR": str(config_dir),
        # matplotlib's font cache would otherwise go to ~/.config/matplotlib.
        "MPLCONFIGDIR": str(workdir / "mpl-config"),
        # Neptune offline runs are written under this folder instead of ./.neptune in the cwd.
        "NEPTUNE_DATA_DIRECTORY": str(workdir / ".neptune"),
    }
    if "ultralytics" in sys.modules:
        # Too late for the import-time switches; say so rather than pretend they took effect.
        warnings.warn(
            "ultralytics was imported before prepare_offline_env(); its config dir and ONLINE flag "
            "were fixed at that import",
            RuntimeWarning,
            stacklevel=2,
        )
    # matplotlib would fall back to a fresh temp dir (with a warning) if this did not exist.
    Path(env["MPLCONFIGDIR"]).mkdir(parents=True, exist_ok=True)
    _write_fonts(config_dir / "Ultralytics")
    os.environ.update(env)
    return env


def _write_fonts(font_dir: Path) -> None:
    """Copy matplotlib's DejaVuSans.ttf as the Arial fonts, so check_font() never downloads them."""
    spec = importlib.util.find_spec("matplotlib")  # locate without importing (MPLCONFIGDIR not set yet)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is required to provide a TTF font for Ultralytics")
    source = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
    font_dir.mkdir(parents=True, exist_ok=True)
    for name in _ULTRALYTICS_FONTS:
        target = font_dir / name
        if not target.exists():
            shutil.copyfile(source, target)


def configure_ultralytics(workdir: Path) -> Path:
    """Turn off Ultralytics sync and integrations and keep its default dirs inside ``workdir``.

    Imports ultralytics, so call it after ``prepare_offline_env``. Returns the settings file path.
    """
    from ultralytics.utils import SETTINGS, SETTINGS_FILE

    workdir = Path(workdir).resolve()
    SETTINGS.update(
        {
            "sync": False,  # analytics events (also off while ONLINE is False)
            # Integrations that would start their own loggers/uploads if their package were installed.
            "clearml": False,
            "comet": False,
            "dvc": False,
            "mlflow": False,
            "raytune": False,
            "tensorboard": False,
            "wandb": False,
            # Defaults derive from the git root (/work/main/runs, /work/datasets): keep them in workdir.
            "runs_dir": str(workdir / "runs"),
            "datasets_dir": str(workdir / "data"),
            "weights_dir": str(workdir / "weights"),
            "vscode_msg": False,
        }
    )
    return Path(SETTINGS_FILE)


def ensure_torchvision() -> str:
    """Make ``import torchvision`` work; return ``"native"`` or ``"patched"``.

    The installed torchvision is a CUDA build whose ``_C`` extension cannot load next to the CPU torch,
    and its import then fails registering fake kernels for ``torchvision::nms``/``qnms``. The check runs
    in a subprocess because a failed import leaves half-initialised modules behind. Only when it fails
    are the two ops defined with CPU kernels before torchvision is imported for the first time.
    """
    global _TORCHVISION_PATH
    if _TORCHVISION_PATH is not None:
        return _TORCHVISION_PATH
    if "torchvision" in sys.modules or _torchvision_imports_natively():
        _TORCHVISION_PATH = "native"
        return _TORCHVISION_PATH
    _register_cpu_nms_ops()
    import torchvision  # noqa: F401  (first import, now that the ops it needs exist)
    import torchvision.ops.boxes as tv_boxes

    # nms() asserts the C++ extension loaded; our Python kernels stand in for it.
    tv_boxes._assert_has_ops = _ops_available
    _TORCHVISION_PATH = "patched"
    return _TORCHVISION_PATH


def _ops_available() -> None:
    """Replacement for torchvision.extension._assert_has_ops once the CPU ops are registered."""


def _torchvision_imports_natively() -> bool:
    """Return True if a fresh interpreter can import torchvision."""
    result = subprocess.run(
        [sys.executable, "-c", "import torchvision"],
        capture_output=True,
        timeout=300,
        check=False,
    )
    return result.returncode == 0


def _register_cpu_nms_ops() -> None:
    """Define ``torchvision::nms`` and ``torchvision::qnms`` with pure-torch CPU kernels."""
    global _TORCHVISION_LIB
    import torch

    # FRAGMENT, not DEF: the namespace may gain other pieces (torchvision's own Meta registrations).
    lib = torch.library.Library("torchvision", "FRAGMENT")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.impl("nms", _nms_cpu, "CPU")
    lib.impl("qnms", _qnms_cpu, "CPU")
    _TORCHVISION_LIB = lib


def _nms_cpu(dets: Any, scores: Any, iou_threshold: float) -> Any:
    """Greedy NMS matching torchvision's CPU kernel: stable descending sort, suppress IoU > threshold."""
    import torch

    if dets.numel() == 0:
        return torch.empty(0, dtype=torch.long, device=dets.device)
    order = torch.sort(scores, descending=True, stable=True).indices
    boxes = dets[order]
    x1, y1, x2, y2 = boxes.unbind(1)
    areas = (x2 - x1) * (y2 - y1)
    remaining = torch.arange(order.numel(), device=dets.device)
    keep: list[Any] = []
    # One vectorised IoU row per kept box: O(N) memory, unlike a full N x N IoU matrix.
    while remaining.numel() > 0:
        i = remaining[0]
        keep.append(i)
        rest = remaining[1:]
        w = (torch.minimum(x2[i], x2[rest]) - torch.maximum(x1[i], x1[rest])).clamp(min=0)
        h = (torch.minimum(y2[i], y2[rest]) - torch.maximum(y1[i], y1[rest])).clamp(min=0)
        inter = w * h
        iou = inter / (areas[i] + areas[rest] - inter)
        remaining = rest[~(iou > iou_threshold)]  # NaN IoU (empty boxes) never suppresses, as in torchvision
    return order[torch.stack(keep)]


def _qnms_cpu(dets: Any, scores: Any, iou_threshold: float) -> Any:
    """Quantized NMS: torchvision passes integer representations; compare them as floats."""
    return _nms_cpu(dets.float(), scores.float(), iou_threshold)


def forbid_network() -> list[str]:
    """Install an audit hook that blocks and records any attempt to reach another host.

    Returns the (live) list of recorded attempts. Unix-domain sockets are local IPC and allowed.
    The hook raises ``ConnectionRefusedError`` so the attempt fails like it would with no network.
    """
    attempts: list[str] = []

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event not in NETWORK_EVENTS:
            return
        detail = args
        if event in ("socket.connect", "socket.sendto", "socket.sendmsg") and args:
            if getattr(args[0], "family", None) == getattr(socket, "AF_UNIX", object()):
                return
            detail = args[1:]  # args[0] is the socket object itself
        attempts.append(f"{event} {detail!r}")
        raise ConnectionRefusedError(f"network access forbidden in this run: {event} {detail!r}")

    sys.addaudithook(hook)
    return attempts
