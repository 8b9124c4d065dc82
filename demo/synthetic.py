"""A tiny synthetic YOLO-format detection dataset: coloured shapes on a noisy background."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageDraw

CLASS_NAMES = ("circle", "square", "triangle")


def write_dataset(root: Path, n_train: int = 16, n_val: int = 8, imgsz: int = 128, seed: int = 0) -> Path:
    """Write images/labels for train and val under ``root`` plus a ``data.yaml``; return its path.

    The same arguments always give byte-identical files (one seeded generator, PNG output).
    """
    root = Path(root).resolve()
    rng = np.random.default_rng(seed)
    for split, count in (("train", n_train), ("val", n_val)):
        image_dir = root / "images" / split
        label_dir = root / "labels" / split
        image_dir.mkdir(parents=True, exist_ok=True)
        label_dir.mkdir(parents=True, exist_ok=True)
        for index in range(count):
            image, labels = _draw_sample(rng, imgsz)
            stem = f"{split}_{index:04d}"
            # PNG is lossless, so the files stay deterministic and the shapes keep sharp edges.
            image.save(image_dir / f"{stem}.png")
            (label_dir / f"{stem}.txt").write_text("".join(f"{line}\n" for line in labels))
    data_yaml = root / "data.yaml"
    data = {
        "path": str(root),  # absolute, so Ultralytics never resolves it against its datasets_dir
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(CLASS_NAMES)),
    }
    data_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    return data_yaml


def _draw_sample(rng: np.random.Generator, imgsz: int) -> tuple[Image.Image, list[str]]:
    """Draw 1-3 non-overlapping shapes on noise; return the image and its YOLO label lines."""
    noise = rng.integers(0, 96, size=(imgsz, imgsz, 3), dtype=np.uint8)
    image = Image.fromarray(noise)  # uint8 HxWx3 -> RGB
    draw = ImageDraw.Draw(image)
    labels: list[str] = []
    placed: list[tuple[int, int, int, int]] = []
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
            draw.polygon([((x0 + x1) / 2, y0), (x0, y1), (x1, y1)], fill=colour)
        cx, cy = (box[0] + box[2]) / 2 / imgsz, (box[1] + box[3]) / 2 / imgsz
        w, h = (box[2] - box[0]) / imgsz, (box[3] - box[1]) / imgsz
        labels.append(f"{cls} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
    return image, labels


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Return True if two (x0, y0, x1, y1) boxes intersect."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
