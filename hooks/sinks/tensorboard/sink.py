"""TensorBoard event files as a Sink, written by TensorBoard's own ``EventFileWriter`` (its
background thread writes the file; torch is not needed). ``tensorboard`` is imported when a run
opens, never at load.

How each call maps (docs/format.md, "TensorBoard"):
- ``append`` → a scalar at the step (a float64 tensor with the scalars plugin's metadata, as
  TensorBoard's own summaries write: no float32 rounding); a step of None: the tag's own counter from 0;
- ``assign`` → a text summary per leaf ('/'-joined keys) at step 0, the latest written wins; a
  value that is not text is its JSON, which the reader decodes; plain numbers, booleans and text are
  also TensorBoard hyperparameters, written when the run stops (``hparams: false``: not);
- ``upload`` of an image (``fields.IMAGE_SUFFIXES``) and ``upload_figure`` (PNG) → an image at the
  step of the epoch in progress (the trainer's epoch + 1, as epoch series count; outside a
  training: the tag's own counter); its bytes count against the run's snapshot budget, as the
  MLflow sink's copies do; any other file is not logged: one warning, and the end's sentence
  counts them (``hooks explain`` names the actions at load, ``holds.py``).

A training's events are handed to the writer at each epoch end (``flush``) and written out then;
until then they are the epoch's uncommitted tail, in memory, as the MLflow sink keeps its metric
points: a training killed mid-epoch and resumed runs that epoch again, and TensorBoard would show
both values at its steps. A training that raises drops its unfinished epoch (said at the end). A
resumed training (the same save_dir) writes a new event file into the same folder: TensorBoard
shows one run, its series going on from the last epoch written; ``yaml_hooks/part`` says which part
wrote last.
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, final

from ...core.templates import Template
from ...errors import Missing
from ...log import logger
from ..base import COPY_BUDGET, BaseSink, BaseSinkFactory, CopyBudget
from ..files import read_regular
from ..resume import training_identity
from ..ultralytics import run_object
from .fields import FILE_SUFFIX, IMAGE_SUFFIXES, JSON_DESCRIPTION, PART_TAG, RUN_ID_TAG, STATUS_TAG, TEXT_STEP

__all__ = ["TensorBoardSink", "TensorBoardSinkFactory", "image_size"]

# The writer's queue: the training thread blocks only when this many events wait to be written.
_QUEUE: Final = 100_000
_FLUSH_SECS: Final = 120  # the writer's own flush between epoch ends


@final
@dataclass(frozen=True)
class TensorBoardSinkFactory(BaseSinkFactory):
    """What `sink.tensorboard` configures. Holds no writer, so it pickles for DDP workers."""

    logdir: Template | None
    hparams: bool = True
    unheld: tuple[str, ...] = ()  # the actions uploading what TensorBoard cannot hold (``holds.py``)

    def notes(self) -> tuple[str, ...]:
        return self.unheld

    def describe(self) -> str:
        where = f"the folder {self.logdir.text!r}" if self.logdir else "the run's folder (save_dir)"
        if self.logdir and not Path(self.logdir.text).is_absolute():
            where += " of the run's folder"
        return f"TensorBoard event files in {where}, written in the background, flushed at every epoch end"

    def folder(self, lookup: Callable[[str], Any]) -> Path:
        obj = run_object(lookup)
        save_dir = getattr(obj, "save_dir", None)
        base = Path(save_dir) if save_dir is not None else Path.cwd()
        rendered = self.logdir.render(lookup) if self.logdir else ""
        return base / rendered if rendered else base  # an absolute one replaces the base

    def open(self, lookup: Callable[[str], Any]) -> TensorBoardSink:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter  # type: ignore[import-untyped,import-not-found,unused-ignore]

        folder = self.folder(lookup)
        folder.mkdir(parents=True, exist_ok=True)
        identity = training_identity(lookup, "tensorboard")
        try:
            trainer = lookup("trainer")
        except Missing:
            trainer = None
        try:
            budget = lookup(COPY_BUDGET)
        except Missing:
            budget = None
        writer = EventFileWriter(
            str(folder), max_queue_size=_QUEUE, flush_secs=_FLUSH_SECS, filename_suffix=FILE_SUFFIX
        )
        sink = TensorBoardSink(
            writer, folder, trainer, hparams=self.hparams, budget=budget, training=identity is not None
        )
        if identity is not None:
            sink.text(RUN_ID_TAG, identity.run_id)
            sink.text(PART_TAG, identity.part)
        # "finished" or "failed" when the sink stops; still "running" in a run whose process was killed.
        sink.text(STATUS_TAG, "running")
        sink.flush()
        return sink


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, GIF or JPEG from its header; (0, 0) when not found (TensorBoard
    shows the image from its bytes either way; the sizes are what its proto records)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:4] == b"GIF8" and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
            i += 2 + length
    return 0, 0


def _leaves(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(f"{path}/{key}" if path else str(key), item)
    else:
        yield path, value


@final
class TensorBoardSink(BaseSink):
    """An open log folder: each call becomes an event, handed to the writer at the epoch's end."""

    def __init__(
        self,
        writer: Any,
        folder: Path,
        trainer: Any = None,
        *,
        hparams: bool = True,
        budget: CopyBudget | None = None,
        training: bool = False,
    ) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from tensorboard.plugins.scalar import metadata as scalar_metadata  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from tensorboard.plugins.text import metadata as text_metadata  # type: ignore[import-untyped,import-not-found,unused-ignore]

        self._writer = writer
        self.folder = folder
        self._trainer = trainer
        self._hparams_on = hparams
        self.budget = budget if budget is not None else CopyBudget()  # none from the runtime: its own
        self._own_budget = budget is None
        self._training = training
        self._event, self._summary = event_pb2.Event, summary_pb2.Summary
        self._tensor, self._double, self._string = tensor_pb2.TensorProto, types_pb2.DT_DOUBLE, types_pb2.DT_STRING
        self._scalar_shape = tensor_shape_pb2.TensorShapeProto()
        self._scalar_meta = scalar_metadata.create_summary_metadata("", "")
        self._text_meta = text_metadata.create_summary_metadata("", "")
        self._json_meta = text_metadata.create_summary_metadata("", JSON_DESCRIPTION)
        self._tail: list[Any] = []  # events of the epoch in progress (handed to the writer at flush)
        self._described: set[str] = set()  # tags whose metadata was written (on their first event)
        self._counters: dict[str, int] = {}
        self._hparams: dict[str, bool | int | float | str] = {}
        self._unheld: list[str] = []
        self._dropped = 0
        self._failed = False

    # ------------------------------------------------------------ building events
    def _add(self, tag: str, step: float | None, value: Any) -> None:
        if step is None:
            step = self._counters.get(tag, 0)
            self._counters[tag] = int(step) + 1
        self._tail.append(self._event(wall_time=time.time(), step=int(step), summary=self._summary(value=[value])))

    def _meta(self, tag: str, metadata: Any) -> Any:
        if tag in self._described:
            return None
        self._described.add(tag)
        return metadata

    def _step_now(self, tag: str) -> int | None:
        epoch = getattr(self._trainer, "epoch", None) if self._trainer is not None else None
        return int(epoch) + 1 if isinstance(epoch, int) else None

    def text(self, tag: str, value: Any) -> None:
        """A text summary at step 0 (a value that is not text as JSON, marked so)."""
        is_text = isinstance(value, str)
        data = value if is_text else json.dumps(value, default=str, allow_nan=True)
        meta = self._meta(tag, self._text_meta if is_text else self._json_meta)
        tensor = self._tensor(dtype=self._string, string_val=[data.encode("utf-8")], tensor_shape=self._scalar_shape)
        self._add(tag, TEXT_STEP, self._summary.Value(tag=tag, tensor=tensor, metadata=meta))

    def _image(self, tag: str, data: bytes, what: str, *, counted: bool = False) -> None:
        budget = self.budget
        if counted:
            pass  # a snapshot: the runtime counted its copy against the budget already
        elif not budget.take(len(data)):
            if budget.just_reached:
                logger.warning(
                    "TensorBoard: the run's snapshot budget (%.1f MB) is reached: %s was not written to '%s', and "
                    "no later image of this run will be; `snapshot_budget_mb:` in the config you load sets it",
                    budget.snapshot_budget / (1 << 20),
                    what,
                    tag,
                )
            return
        width, height = image_size(data)
        image = self._summary.Image(height=height, width=width, colorspace=0, encoded_image_string=data)
        self._add(tag, self._step_now(tag), self._summary.Value(tag=tag, image=image))

    # ------------------------------------------------------------ the Sink protocol
    def append(self, path: str, value: float, step: float | None) -> None:
        tensor = self._tensor(dtype=self._double, double_val=[value], tensor_shape=self._scalar_shape)
        self._add(
            path, step, self._summary.Value(tag=path, tensor=tensor, metadata=self._meta(path, self._scalar_meta))
        )

    def assign(self, path: str, value: Any) -> None:
        for leaf, item in _leaves(path, value):
            self.text(leaf, item)
            if isinstance(item, (bool, int, str)) or (isinstance(item, float) and math.isfinite(item)):
                self._hparams[leaf] = item

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        if file.suffix.lower() not in IMAGE_SUFFIXES:
            if not self._unheld:
                logger.warning(
                    "TensorBoard cannot hold %s (only numbers, text and images): not written to '%s' in its event "
                    "files, nor any later such file of this run (`hooks explain` names the actions that upload them)",
                    file.name,
                    path,
                )
            self._unheld.append(file.name)
            return
        self._image(path, read_regular(file), str(file), counted=snapshot)

    def upload_figure(self, path: str, figure: Any) -> None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        self._image(path, buffer.getvalue(), f"the figure for '{path}'")

    def flush(self) -> None:
        """An epoch ended: its events go to the writer, and are in the file when this returns (the
        writer's thread writes them; this waits for it, disk only)."""
        self._commit()
        self._writer.flush()

    def _commit(self) -> None:
        tail, self._tail = self._tail, []
        for event in tail:
            self._writer.add_event(event)

    def fail(self) -> None:
        """The training raised: its unfinished epoch is not written (a resume logs it again)."""
        self._failed = True
        if self._training:
            self._dropped += len(self._tail)
            self._tail = []

    def stop(self) -> str:
        if self._hparams_on and self._hparams:
            from tensorboard.plugins.hparams.summary_v2 import hparams_pb  # type: ignore[import-untyped,import-not-found,unused-ignore]

            summary = hparams_pb(dict(self._hparams))
            self._tail.extend(
                self._event(wall_time=time.time(), step=TEXT_STEP, summary=self._summary(value=[v]))
                for v in summary.value
            )
        self.text(STATUS_TAG, "failed" if self._failed else "finished")
        self._commit()
        self._writer.close()
        notes = [f"TensorBoard event files in {self.folder} (look at them: tensorboard --logdir {self.folder})"]
        if self._unheld:
            shown = ", ".join(sorted(set(self._unheld))[:5])
            notes.append(f"{len(self._unheld)} file(s) TensorBoard cannot hold were not written there ({shown})")
        if self._dropped:
            notes.append(
                f"the {self._dropped} event(s) of the unfinished epoch were not written (a resumed training logs "
                "that epoch again; TensorBoard would show both)"
            )
        if self._own_budget and (skipped := self.budget.skipped("image(s)")):
            notes.append(skipped)
        return "; ".join(notes)
