"""Image files, small but valid, so uploaders and image readers accept them."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

Callback = Callable[[Any], None]


def clamp(v: int, lo: int = 64, hi: int = 320) -> int:
    return max(lo, min(hi, v))


def write_mosaic(path: Path, size: int, seed: str) -> None:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (size, size), (114, 114, 114))
    draw = ImageDraw.Draw(img)
    half = size // 2
    for tx in (0, half):
        for ty in (0, half):
            draw.rectangle((tx, ty, tx + half - 1, ty + half - 1), fill=tuple(rng.randrange(40, 220) for _ in "rgb"))
            for _ in range(2):
                x0, y0 = tx + rng.randrange(half // 2), ty + rng.randrange(half // 2)
                x1, y1 = x0 + rng.randrange(4, half // 2), y0 + rng.randrange(4, half // 2)
                draw.rectangle((x0, y0, x1, y1), outline=(255, 56, 56), width=1)
    img.save(path, quality=85)


def write_chart(path: Path, width: int, height: int, series: Sequence[Sequence[float]]) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    m = 6
    draw.line((m, m, m, height - m, width - m, height - m), fill=(0, 0, 0))
    palette = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189))
    for k, ys in enumerate(series):
        if not ys:
            continue
        lo, hi = min(ys), max(ys)
        span = (hi - lo) or 1.0
        n = max(len(ys) - 1, 1)
        pts = [(m + (width - 2 * m) * i / n, height - m - (height - 2 * m) * (y - lo) / span) for i, y in enumerate(ys)]
        if len(pts) == 1:
            pts.append((width - m, pts[0][1]))
        draw.line(pts, fill=palette[k % len(palette)], width=1)
    img.save(path)


def write_matrix(path: Path, size: int, matrix: np.ndarray[Any, Any]) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    n = matrix.shape[0]
    cell = size / n
    top = float(matrix.max()) or 1.0
    for i in range(n):
        for j in range(n):
            shade = int(255 - 200 * float(matrix[i, j]) / top)
            draw.rectangle((j * cell, i * cell, (j + 1) * cell - 1, (i + 1) * cell - 1), fill=(shade, shade, 255))
    img.save(path)
