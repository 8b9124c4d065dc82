"""What yaml-hooks' TensorBoard sink writes besides the actions' values, and how, so that the
reader (``hooks.runs.tensorboard``) reads back what the sink wrote: the tags of its own text
summaries (the training id, the part, the status: "running" from the start, then "finished" or
"failed" when the sink stops), the suffix of its event files, and which uploads are images."""

from __future__ import annotations

from typing import Final

__all__ = [
    "FILE_SUFFIX",
    "IMAGE_SUFFIXES",
    "JSON_DESCRIPTION",
    "PART_TAG",
    "RUN_ID_TAG",
    "RUN_NAMESPACE",
    "STATUS_TAG",
    "TEXT_STEP",
]

RUN_NAMESPACE: Final = "yaml_hooks"
RUN_ID_TAG: Final = f"{RUN_NAMESPACE}/run_id"
PART_TAG: Final = f"{RUN_NAMESPACE}/part"
STATUS_TAG: Final = f"{RUN_NAMESPACE}/status"

# Event files written by this sink end so (``events.out.tfevents.<time>.<host>.<pid>.<n>.yaml-hooks``),
# beside Ultralytics' own (no suffix) when both write into one folder.
FILE_SUFFIX: Final = ".yaml-hooks"

# An assigned value that is not text is written as its JSON (a text summary holds text only);
# the summary's description says so, and the reader decodes it back into the value.
JSON_DESCRIPTION: Final = "yaml-hooks: JSON"

# Assigned values and the sink's own fields are text summaries at this step: the latest written
# wins (TensorBoard drops a tag's points at and after a step written again at a lower step).
TEXT_STEP: Final = 0

# What TensorBoard's image dashboard shows (the browser decodes the bytes).
IMAGE_SUFFIXES: Final = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"})
