"""What a tracker offers to take a replay: a finished run of any tracker written into it again.

`hooks export RUN --to TRACKER` reads a run with its tracker's reader and replays it through the
public methods of a :class:`~hooks.sinks.base.Sink` (``hooks.runs.replay`` is the driver). A live
sink cannot take a replay as it is: a replay writes a run that has already happened, so it must keep
each point's time, it must write once per source run, and it must never leave half a run behind.
The optional capability below adds exactly that, and nothing in it knows which tracker the run came
from:

- :class:`ReplayTarget`: finds the complete copies of a source run written before
  (:meth:`~ReplayTarget.find`, by the source's key such as ``neptune:<id>``), opens a sink for a
  new one (:meth:`~ReplayTarget.open`, told the run's :class:`ReplayMeta` first, so that a tracker
  that needs its name, start time or tags up front has them), and deletes an earlier copy
  (:meth:`~ReplayTarget.discard`, for ``--force``, called only once the new copy is complete).
- :class:`ReplaySink`: the Sink protocol, writing synchronously (a replay does not race a
  training), with a ``timestamp`` on :meth:`~ReplaySink.append`, ``fail()`` (the source run
  failed), and :meth:`~ReplaySink.abort` (called instead of ``stop()`` when the replay cannot
  finish: remove whatever was written). ``stop()`` makes the copy complete, and only a complete
  copy is found by ``find``; :attr:`~ReplaySink.written` says afterwards what it wrote.

A tracker offers the capability through its registration: ``SinkType.replay``, a function of
the export's options (``--tracking-uri``, ``--experiment``) that builds its target, importing the
tracker's replay module only then. yaml-hooks' MLflow has one; a package's tracker adds its own in
the ``SinkType`` it registers with ``hooks.register_sink``. :func:`replay_target` looks it up in
the one registry of trackers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, final

from ..errors import HooksError

__all__ = [
    "ReplayCopy",
    "ReplayError",
    "ReplayFactory",
    "ReplayMeta",
    "ReplaySink",
    "ReplayTarget",
    "Written",
]

ReplayStatus = Literal["finished", "failed", "killed"]


class ReplayError(HooksError):
    """A replay could not be done (the target's client is missing, its server refuses); whatever
    the target had begun to write is removed. The message is what the user reads."""


@final
@dataclass(frozen=True, slots=True)
class ReplayMeta:
    """What a target is told of the source run before anything is written.

    ``source``: the key the copy is found by again, ``<tracker>:<run id>`` (``neptune:ABC-1``).
    ``start``/``end``: seconds since the epoch (when the run was created; its last logged point);
    None when unknown. ``parts``: how many pieces the source was read from (the folders of a
    resumed training). ``status``: how the source ended (``fail()`` is called as well when it
    failed). ``system``: the first path segments of fields the source tracker or yaml-hooks filled
    by itself (``sys``, ``monitoring``, ``yaml_hooks`` …): a target may keep those apart from the
    user's own (MLflow: as tags, not params). ``name_field``/``description_field``: the field paths
    that hold the run's name and description; they are assigned like any field, and a target that
    has a place of its own for them (MLflow's run name and note) may use it instead.
    """

    source: str
    name: str | None = None
    tags: tuple[str, ...] = ()
    start: float | None = None
    end: float | None = None
    parts: int = 1
    status: ReplayStatus = "finished"
    system: frozenset[str] = frozenset()
    name_field: str | None = None
    description_field: str | None = None

    @property
    def tracker(self) -> str:
        """The source's tracker: ``source`` up to its first ':'."""
        return self.source.partition(":")[0]

    @property
    def run_id(self) -> str:
        """The source run's id: ``source`` after its first ':'."""
        return self.source.partition(":")[2]


@final
@dataclass(frozen=True, slots=True)
class ReplayCopy:
    """A complete copy of a source run that a target holds: its id there, and how many parts the
    source had when it was written (None: not recorded)."""

    id: str
    parts: int | None = None


@final
@dataclass(frozen=True, slots=True)
class Written:
    """What a replay sink wrote, known after ``stop()``: the copy's ``id``, counts of what the
    target made of the fields (``{"params": 12, "tags": 40}``: its own words), and ``notes``: what
    it could not keep as it was (a name it had to change, a value it had to cut)."""

    id: str
    counts: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


class ReplaySink(Protocol):
    """An open copy of a run being replayed: the Sink protocol (``hooks.sinks.base.Sink``), with a
    timestamp on ``append``, writing synchronously. Every file handed to ``upload`` stays where it
    is, unchanged, until ``stop()`` or ``abort()`` returns, so a sink may keep its path until then."""

    def append(self, path: str, value: float, step: float | None, *, timestamp: float | None = None) -> None:
        """One point of the series at ``path``; ``timestamp``: when it was logged (seconds since
        the epoch; None: unknown, the sink picks one, such as the run's start)."""

    def assign(self, path: str, value: Any) -> None:
        """A field's value, as ``Sink.assign``."""

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        """A file, as ``Sink.upload``; its name's suffix is the file's type."""

    def upload_figure(self, path: str, figure: Any) -> None:
        """As ``Sink.upload_figure`` (a replay does not call it: a run read back holds no figures)."""

    def flush(self) -> None:
        """As ``Sink.flush``."""

    def fail(self) -> None:
        """The source run failed: end the copy with that status."""

    def stop(self) -> str:
        """Write whatever is left and make the copy complete (from now on ``find`` finds it); a
        sentence saying where it is. On an error, remove what was written, then raise."""

    def abort(self) -> None:
        """Called instead of ``stop()`` (or after it raised): remove whatever was written."""

    @property
    def written(self) -> Written:
        """What was written; valid once ``stop()`` returned."""


class ReplayTarget(Protocol):
    """A tracker, with the options an export gives it (where, which experiment), as a replay's
    destination."""

    def find(self, source: str) -> list[ReplayCopy]:
        """The complete copies of source run ``source`` (a ``ReplayMeta.source``) it holds, newest
        first."""

    def open(self, meta: ReplayMeta) -> ReplaySink:
        """A sink for a new copy of the run ``meta`` describes."""

    def discard(self, copy_id: str) -> None:
        """Delete an earlier copy (``--force``, once its replacement is complete)."""

    def place(self) -> str:
        """Where the copies are, as words that follow "in" ("experiment 'runs'")."""

    def where(self) -> str:
        """One line telling the user where the copies are (the CLI's last line)."""


ReplayFactory = Callable[[Mapping[str, Any]], ReplayTarget]
