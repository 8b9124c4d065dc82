"""The names `{args.X}` may use: Ultralytics' training arguments, read from the installed
Ultralytics' ``cfg/default.yaml`` (without importing it: that costs over a second), else this
package's copy of those of Ultralytics 8.4.190 (a test keeps it equal to the installed file)."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from typing import Any, Final

__all__ = ["DEFAULT_ARGS", "RUNTIME_ARGS", "ULTRALYTICS_VERSION", "installed_defaults", "training_args"]

ULTRALYTICS_VERSION: Final = "8.4.190"

# The keys of ultralytics/cfg/default.yaml (8.4.190), in that file's order.
DEFAULT_ARGS: Final[tuple[str, ...]] = (
    "task", "mode", "model", "data", "epochs", "time", "patience", "batch", "imgsz", "save", "save_period",
    "cache", "device", "workers", "project", "name", "exist_ok", "pretrained", "cls_remap", "optimizer",
    "verbose", "seed", "deterministic", "single_cls", "rect", "cos_lr", "close_mosaic", "resume", "amp",
    "fraction", "profile", "freeze", "multi_scale", "compile", "channels_last", "overlap_mask", "mask_ratio",
    "dropout", "val", "split", "save_json", "conf", "iou", "max_det", "quantize", "dnn", "plots", "nms",
    "source", "vid_stride", "stream_buffer", "visualize", "augment", "agnostic_nms", "classes", "retina_masks",
    "embed", "show", "save_frames", "save_txt", "save_conf", "save_crop", "show_labels", "show_conf",
    "show_boxes", "line_width", "format", "optimize", "dynamic", "simplify", "opset", "workspace", "lr0", "lrf",
    "momentum", "weight_decay", "warmup_epochs", "warmup_momentum", "warmup_bias_lr", "distill_model", "dis",
    "box", "cls", "cls_pw", "dfl", "pose", "kobj", "rle", "angle", "dlog", "dgrad", "dlam", "nbs", "hsv_h",
    "hsv_s", "hsv_v", "degrees", "translate", "scale", "shear", "perspective", "flipud", "fliplr", "bgr",
    "mosaic", "mixup", "cutmix", "copy_paste", "copy_paste_mode", "auto_augment", "erasing", "cfg", "tracker",
)  # fmt: skip

# The arguments beyond cfg/default.yaml that Ultralytics accepts (cfg.check_dict_alignment's
# allowed custom keys) and that the trainer sets itself: `save_dir` (BaseTrainer.__init__) and
# `augmentations` (custom Albumentations transforms).
RUNTIME_ARGS: Final[tuple[str, ...]] = ("augmentations", "save_dir")


@functools.cache
def training_args() -> frozenset[str]:
    """Every name `{args.X}` can stand for: the installed Ultralytics' arguments when it can be
    found, else those of Ultralytics 8.4.190."""
    return frozenset((*(_installed() or DEFAULT_ARGS), *RUNTIME_ARGS))


def _installed() -> tuple[str, ...] | None:
    defaults = installed_defaults()
    return tuple(defaults) if defaults else None


def installed_defaults() -> dict[str, Any] | None:
    """The installed Ultralytics' default arguments (``cfg/default.yaml``, its "none" read as None,
    as Ultralytics reads it), without importing Ultralytics; None when it cannot be found."""
    cfg = sys.modules.get("ultralytics.cfg")
    defaults = getattr(cfg, "DEFAULT_CFG_DICT", None)
    if isinstance(defaults, dict):
        return {str(k): v for k, v in defaults.items()}
    try:
        spec = importlib.util.find_spec("ultralytics")
    except (ImportError, ValueError):  # a module blocked with sys.modules[...] = None raises ValueError
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "cfg" / "default.yaml"
    try:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader
    except Exception:  # unreadable or malformed: the shipped list stands in
        return None
    if not isinstance(loaded, dict) or not loaded:
        return None
    return {str(k): (None if isinstance(v, str) and v.lower() == "none" else v) for k, v in loaded.items()}
