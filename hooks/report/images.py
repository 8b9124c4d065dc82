"""The run's uploaded images, embedded, and grouped into slots: one image per run, or one per step
when the same image was uploaded at several epochs.

A file is an image when its name says so *and* its bytes start like a PNG, JPEG, GIF, WebP or BMP;
an image file whose bytes are something else is listed with the other files, so every ``<img>`` in
the report decodes.

Steps come from the field's key: a number right after ``epoch``, ``step`` or ``iter`` (``-`` or
``_`` between allowed), or a whole path segment that is a number. ``Validation/epoch-5/val_batch0_pred``
and ``Validation/epoch-10/val_batch0_pred`` are one slot, ``Validation/epoch-{step}/val_batch0_pred``,
shown with a step slider; ``val_batch0`` and ``val_batch1`` stay apart (``batch`` is not a step).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..core.untrusted import Untrusted, read_regular
from ..runs.model import SYSTEM_NAMESPACES, FileRef, Run
from ..runs.summary import fmt_size

__all__ = ["IMAGE_EXTS", "MAX_EMBED_BYTES", "Image", "ImageSlot", "Other", "data_uri", "image_slots"]

MAX_EMBED_BYTES = 20 * 1024 * 1024
IMAGE_EXTS: frozenset[str] = frozenset({"png", "jpg", "jpeg", "gif", "webp", "bmp"})
STEP_MARK = "{step}"

_STEP_AFTER_WORD = re.compile(r"(?i)(epoch|step|iter)([-_]?)(\d+)")
_NUMBER_SEGMENT = re.compile(r"\d+")


def _sniff(data: bytes) -> str | None:
    """The image MIME type the bytes really are; the extension alone is not trusted."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"BM") and len(data) > 26:
        return "image/bmp"
    return None


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass(frozen=True)
class Image:
    key: str
    ref: FileRef
    uri: str | None  # None: the file is missing or unreadable, shown as a placeholder


@dataclass(frozen=True)
class Other:
    key: str
    ref: FileRef
    note: str  # "" when the file is there and is simply not an image


def classify(key: str, ref: FileRef) -> Image | Other:
    ext = (ref.ext or (ref.file_path.suffix.lstrip(".") if ref.file_path else "")).lower()
    if ext not in IMAGE_EXTS:
        return Other(key, ref, "")
    if not ref.exists or (ref.file_path is None and ref.fetch is None):
        return Image(key, ref, None)
    if ref.size is not None and ref.size > MAX_EMBED_BYTES:
        return Other(key, ref, f"image too large to embed (over {fmt_size(MAX_EMBED_BYTES)})")
    local = ref.local()  # a file kept by a server: fetched now
    if local is None:
        return Image(key, ref, None)
    try:  # a regular file, never through a link, at most what is embedded (a run may come from someone else)
        data = read_regular(local, MAX_EMBED_BYTES)
    except (OSError, Untrusted):
        # Deleted between reading the log and writing the report, or not readable.
        return Image(key, ref, None)
    mime = _sniff(data)
    if mime is None:
        return Other(key, ref, "named like an image, but its bytes are not one")
    return Image(key, ref, data_uri(mime, data))


def step_of(key: str) -> tuple[str, int] | None:
    """(``key`` with its step replaced by ``{step}``, the step), or None for a key without one."""
    found = list(_STEP_AFTER_WORD.finditer(key))
    if found:
        last = found[-1]
        template = key[: last.start(3)] + STEP_MARK + key[last.end(3) :]
        return template, int(last.group(3))
    parts = key.split("/")
    for index in range(len(parts) - 2, -1, -1):  # a folder named by a number, never the last segment
        if _NUMBER_SEGMENT.fullmatch(parts[index]):
            return "/".join([*parts[:index], STEP_MARK, *parts[index + 1 :]]), int(parts[index])
    return None


@dataclass
class ImageSlot:
    """One place on the page: ``key`` (with ``{step}`` when it has steps), and for each run
    (by index) its image per step (step None when the key has no step)."""

    key: str
    namespace: str
    images: dict[int, dict[int | None, Image]] = field(default_factory=dict)

    @property
    def steps(self) -> list[int | None]:
        found = {step for per_run in self.images.values() for step in per_run}
        return sorted(found, key=lambda s: -1 if s is None else s)


def image_slots(runs: Sequence[Run]) -> tuple[list[ImageSlot], list[tuple[int, Other]]]:
    """Every uploaded image of ``runs`` in slots (sorted by namespace, Neptune's own last, then
    key), and the other files with the index of their run."""
    slots: dict[str, ImageSlot] = {}
    others: list[tuple[int, Other]] = []
    candidates: list[tuple[int, Image]] = []
    for index, run in enumerate(runs):
        for key in sorted(run.files):
            item = classify(key, run.files[key])
            if isinstance(item, Image):
                candidates.append((index, item))
            else:
                others.append((index, item))
    # A key with a step only becomes a slider when at least two steps share its template.
    templates: dict[str, set[int]] = {}
    for _, image in candidates:
        found = step_of(image.key)
        if found:
            templates.setdefault(found[0], set()).add(found[1])
    for index, image in candidates:
        found = step_of(image.key)
        key, step = (found[0], found[1]) if found and len(templates[found[0]]) > 1 else (image.key, None)
        namespace = key.split("/", 1)[0] if "/" in key else ""
        slot = slots.setdefault(key, ImageSlot(key, namespace))
        slot.images.setdefault(index, {})[step] = image
    ordered = sorted(slots.values(), key=lambda s: (s.namespace in SYSTEM_NAMESPACES, s.namespace.lower(), s.key))
    return ordered, others
