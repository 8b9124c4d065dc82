"""Tiny synthetic YOLO-format datasets: coloured shapes on a noisy background, labelled as boxes
(detection, ``write_dataset``) or as polygons (segmentation, ``write_segment_dataset``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageDraw

CLASS_NAMES = ("circle", "square", "triangle")
CIRCLE_VERTICES = 24  # a circle's polygon label: this many points on its outline

Box = tuple[int, int, int, int]
Shape = tuple[int, Box]  # (class, box x0 y0 x1 y1)
Labeller = Callable[[Shape, int], str]


def write_dataset(root: Path, n_train: int = 16, n_val: int = 8, imgsz: int = 128, seed: int = 0) -> Path:
    """Write images/labels for train and val under ``root`` plus a ``data.yaml``; return its path.

    The same arguments always give byte-identical files (one seeded generator, PNG output).
    """
    return _write(root, n_train, n_val, imgsz, seed, _box_label)


def write_segment_dataset(root: Path, n_train: int = 16, n_val: int = 8, imgsz: int = 128, seed: int = 0) -> Path:
    """Like ``write_dataset`` (the same images for the same arguments), labelled for segmentation:
    each shape's outline as a polygon (``class x1 y1 x2 y2 …``, normalised): a circle as
    ``CIRCLE_VERTICES`` points, a square as its 4 corners, a triangle as its 3."""
    return _write(root, n_train, n_val, imgsz, seed, _polygon_label)


def _write(root: Path, n_train: int, n_val: int, imgsz: int, seed: int, label: Labeller) -> Path:
    root = Path(root).resolve()
    rng = np.random.default_rng(seed)
    for split, count in (("train", n_train), ("val", n_val)):
        image_dir = root / "images" / split
        label_dir = root / "labels" / split
        image_dir.mkdir(parents=True, exist_ok=True)
        label_dir.mkdir(parents=True, exist_ok=True)
        for index in range(count):
            image, shapes = _draw_sample(rng, imgsz)
            stem = f"{split}_{index:04d}"
            # PNG is lossless, so the files stay deterministic and the shapes keep sharp edges.
            image.save(image_dir / f"{stem}.png")
            (label_dir / f"{stem}.txt").write_text("".join(f"{label(shape, imgsz)}\n" for shape in shapes))
    data_yaml = root / "data.yaml"
    data = {
        "path": str(root),  # absolute, so Ultralytics never resolves it against its datasets_dir
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(CLASS_NAMES)),
    }
    data_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    return data_yaml


def _draw_sample(rng: np.random.Generator, imgsz: int) -> tuple[Image.Image, list[Shape]]:
    """Draw 1-3 non-overlapping shapes on noise; return the image and its shapes."""
    noise = rng.integers(0, 96, size=(imgsz, imgsz, 3), dtype=np.uint8)
    image = Image.fromarray(noise)  # uint8 HxWx3 -> RGB
    draw = ImageDraw.Draw(image)
    shapes: list[Shape] = []
    placed: list[Box] = []
    for _ in range(int(rng.integers(1, 4))):
        cls = int(rng.integers(0, len(CLASS_NAMES)))
        size = int(rng.integers(imgsz // 6, imgsz // 3))
        for _attempt in range(20):  # a few tries to find a free spot; skip the shape otherwise
            x0 = int(rng.integers(0, imgsz - size))
            y0 = int(rng.integers(0, imgsz - size))
            box = (x0, y0, x0 + size, y0 + size)
            if not any(_overlaps(box, other) for other in placed):
                break
        else:
            continue
        placed.append(box)
        # Bright colours so shapes stand out from the dark noise.
        colour = tuple(int(c) for c in rng.integers(140, 256, size=3))
        x1, y1 = box[2] - 1, box[3] - 1  # PIL draws inclusive coordinates
        if cls == 0:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif cls == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.polygon(_triangle(box), fill=colour)
        shapes.append((cls, box))
    return image, shapes


def _triangle(box: Box) -> list[tuple[float, float]]:
    """The triangle drawn in ``box``: apex at the top centre, base along the bottom (inclusive pixels)."""
    x0, y0, x1, y1 = box[0], box[1], box[2] - 1, box[3] - 1
    return [((x0 + x1) / 2, y0), (x0, y1), (x1, y1)]


def _box_label(shape: Shape, imgsz: int) -> str:
    cls, box = shape
    cx, cy = (box[0] + box[2]) / 2 / imgsz, (box[1] + box[3]) / 2 / imgsz
    w, h = (box[2] - box[0]) / imgsz, (box[3] - box[1]) / imgsz
    return f"{cls} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}"


def _polygon_label(shape: Shape, imgsz: int) -> str:
    """The shape's outline in continuous coordinates, the box label's: a box (x0, y0, x1, y1) spans
    pixels x0 … x1 - 1, so its edges lie at x0 and x1."""
    cls, (x0, y0, x1, y1) = shape
    if cls == 0:
        cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
        turns = (2 * math.pi * k / CIRCLE_VERTICES for k in range(CIRCLE_VERTICES))
        points = [(cx + r * math.cos(t), cy + r * math.sin(t)) for t in turns]
    elif cls == 1:
        points = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    else:
        points = [((x0 + x1) / 2, y0), (x0, y1), (x1, y1)]
    return " ".join([str(cls), *(f"{_unit(x / imgsz):.6f} {_unit(y / imgsz):.6f}" for x, y in points)])


def _unit(v: float) -> float:
    return min(max(v, 0.0), 1.0)


def _overlaps(a: Box, b: Box) -> bool:
    """Return True if two (x0, y0, x1, y1) boxes intersect."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
