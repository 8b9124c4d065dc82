"""The seam between actions and a tracker. Actions only ever call a Sink's methods with plain
values; how a tracker stores them (what it cannot hold, how it names fields) is its sink's
business. A tracker is a SinkType registered under its key in `sink:`.

Every method yaml-hooks may call is in the protocols; the optional ones (``Sink.fail``,
``Sink.register``, ``SinkFactory.prepare``) have no-op defaults in ``BaseSink`` and
``BaseSinkFactory``, which a tracker's classes subclass (nothing is looked up with getattr)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, final

from ..config.model import SNAPSHOT_BUDGET_MB

if TYPE_CHECKING:
    from ..config.builder import Builder
    from .replay import ReplayTarget

__all__ = [
    "COPY_BUDGET",
    "FACTORY_METHODS",
    "SINK_METHODS",
    "BaseSink",
    "BaseSinkFactory",
    "CopyBudget",
    "Sink",
    "SinkFactory",
    "SinkType",
    "first_line",
    "mb",
    "missing_methods",
    "open_sink",
]


class Sink(Protocol):
    """An open run of a tracker. ``path`` is a field path: names separated by '/'. Values are
    plain: numbers, booleans, text, None, and mappings, lists and tuples of them."""

    def append(self, path: str, value: float, step: float | None) -> None:
        """Append one value to the series at ``path`` (``step`` None: the tracker's own counter)."""

    def assign(self, path: str, value: Any) -> None:
        """Write a value, or a mapping of values (keys may hold '/'), under ``path`` ("": a
        mapping's keys are top-level fields)."""

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        """Upload a file. ``snapshot``: take its bytes now, because the file will be overwritten
        (otherwise a tracker may keep only the path and read the file later)."""

    def upload_figure(self, path: str, figure: Any) -> None:
        """Upload a matplotlib figure (the sink renders it)."""

    def flush(self) -> None:
        """Make everything logged so far durable."""

    def stop(self) -> str:
        """Close the run; return a sentence telling the user where its data is."""

    def fail(self) -> None:
        """Called just before ``stop()`` when the training raised or was interrupted (a tracker that
        records a run's status marks it failed). ``BaseSink``'s does nothing."""

    def event(self, name: str, step: int | None, *, batch: bool) -> None:
        """The event whose actions log next: its name, its step (``Context.step``: the epoch's, or
        the batch's global index) and whether it is a batch event. Told once per event, before
        the first call an action makes, so a tracker whose own step must only grow (W&B) can keep
        batch and epoch series apart, and place an upload at the event's step. ``BaseSink``'s
        ignores it."""

    def register(self, path: str, file: Path, model: str) -> bool:
        """The file just uploaded to ``path`` is a new version of the registered model ``model``.
        Return whether the tracker has a model registry: ``BaseSink``'s has none, does nothing and
        returns False (the action then warns once that the file is uploaded only)."""


class SinkFactory(Protocol):
    """Opens a Sink when the first event logs; must be picklable (it travels to DDP workers)."""

    def open(self, lookup: Callable[[str], Any]) -> Sink:
        """Open a run; ``lookup`` gives the template heads (args, trainer, …) for its name and tags."""

    def describe(self) -> str:
        """One line for `hooks explain`."""

    def prepare(self, trainer: Any) -> None:
        """Called once per training, before anything is logged, with the trainer (after
        Ultralytics' own tracker callbacks the config does not keep are switched off, which the
        runtime does for every tracker). ``BaseSinkFactory``'s does nothing."""

    def notes(self) -> tuple[str, ...]:
        """What this tracker will not hold of the config, each with its place (TensorBoard keeps no
        weights): said by `hooks validate` and `hooks explain`, so nothing is dropped in silence.
        ``BaseSinkFactory``'s has none."""


class BaseSink:
    """The no-op defaults of a Sink's optional methods: subclass it and write the six others."""

    __slots__ = ()

    def fail(self) -> None:
        """Nothing to mark: the tracker keeps no run status."""

    def register(self, path: str, file: Path, model: str) -> bool:
        """No model registry: nothing done."""
        return False

    def event(self, name: str, step: int | None, *, batch: bool) -> None:
        """Nothing to keep of the event."""


class BaseSinkFactory:
    """The no-op defaults of a SinkFactory's optional methods: subclass it and write open and describe."""

    __slots__ = ()

    def prepare(self, trainer: Any) -> None:
        """Nothing to do before a training."""

    def notes(self) -> tuple[str, ...]:
        """Nothing this tracker leaves out."""
        return ()


SINK_METHODS: Final = ("append", "assign", "upload", "upload_figure", "flush", "stop", "fail", "register", "event")
FACTORY_METHODS: Final = ("open", "describe", "prepare", "notes")


def missing_methods(obj: object, names: tuple[str, ...]) -> str | None:
    """What ``obj`` lacks of a protocol's methods, in words, or None. A plugin's factory is checked
    once when it is built and its sink when opened: a missing method is said then, not met in the
    middle of a training."""
    missing = [f"{name}()" for name in names if not callable(getattr(obj, name, None))]
    if not missing:
        return None
    base = "hooks.BaseSinkFactory" if names == FACTORY_METHODS else "hooks.BaseSink"
    return (
        f"{type(obj).__name__} has no {', '.join(missing)}; subclass {base}, which has the no-op "
        "defaults of the optional ones"
    )


# The name under which the lookup a factory's ``open`` gets answers the run's copy budget (the
# runtime's Session): a tracker that copies files (MLflow's spool, a W&B artifact) counts them
# against the same `snapshot_budget_mb:` as Neptune's snapshots. Not a template head (a template
# cannot name it).
COPY_BUDGET: Final = "yaml-hooks:copy-budget"


@dataclass
class CopyBudget:
    """What a run may copy (``snapshot_budget_mb:``) and has copied: one per run, the runtime's,
    shared by its snapshots and every tracker's copies (a sink that gets none keeps its own, of
    the default size). Once a copy does not fit, no later one is made; the sizes of those skipped
    are kept for the end's words."""

    snapshot_budget: int = SNAPSHOT_BUDGET_MB << 20
    snapshot_bytes: int = 0
    snapshots_skipped: list[int] = field(default_factory=list)

    def take(self, size: int) -> bool:
        """Whether a copy of ``size`` bytes may be made (and is counted); False once one did not fit."""
        if not self.snapshots_skipped and self.snapshot_bytes + size <= self.snapshot_budget:
            self.snapshot_bytes += size
            return True
        self.snapshots_skipped.append(size)
        return False

    @property
    def just_reached(self) -> bool:
        """True right after the first copy that did not fit: the moment to say so, once."""
        return len(self.snapshots_skipped) == 1

    def skipped(self, what: str) -> str | None:
        """The end's words for the ``what`` skipped ("3 image(s) (1.2 MB) were skipped: …"), or None."""
        if not self.snapshots_skipped:
            return None
        return (
            f"{len(self.snapshots_skipped)} {what} ({mb(sum(self.snapshots_skipped))}) were skipped: the snapshot "
            f"budget of {mb(self.snapshot_budget)} was reached"
        )


def mb(size: int) -> str:
    """A size in MB as the messages say it: "1.5 MB"."""
    return f"{size / (1 << 20):,.1f} MB"


def open_sink(factory: SinkFactory, lookup: Callable[[str], Any]) -> Sink:
    """``factory.open(lookup)``, checked to be a whole Sink (TypeError otherwise)."""
    sink = factory.open(lookup)
    problem = missing_methods(sink, SINK_METHODS)
    if problem:
        raise TypeError(f"the sink {factory.describe()!r} opened is not a Sink: {problem}")
    return sink


@final
@dataclass(frozen=True, slots=True)
class SinkType:
    """A tracker, registered under ``name``, its key in `sink:` (``hooks.register_sink``)."""

    name: str
    schema: Mapping[str, Any]  # JSON Schema of its options (an object schema, closed)
    build: Callable[[Builder, Mapping[str, Any]], SinkFactory]  # options → factory; errors via Builder.fail
    # Options that choose where a run goes (server, project, experiment, mode) or how long it may hold
    # a training: option → what it chooses. Only the config loaded may set them, never a preset
    # (``Builder.user_only``: one rule for every tracker, a package's too).
    user_only: Mapping[str, str] = field(default_factory=dict)
    # `hooks export --to NAME`: the command line's options → a target that takes a finished run again
    # (``hooks.sinks.replay``); None: this tracker cannot take a replay.
    replay: Callable[[Mapping[str, Any]], ReplayTarget] | None = None


def first_line(error: Exception) -> str:
    """A tracker's error in one line, for a warning: its first real sentence (trackers' exceptions
    carry banners and ANSI colours), else the exception's type."""
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("----")]
    return lines[0] if lines else type(error).__name__
