"""The cache of what was read of an offline run (``read_run(..., cache=)``): a run read before is not
decoded again, a run still being written is decoded only where it grew, and whatever happens to
the cache (damaged, foreign, another format, not writable) the result is what a full read gives."""

from __future__ import annotations

import json
import os
import pickle
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hooks.runs import Point, Series
from hooks.runs import Run as RunLog
from hooks.runs import cache as cache_mod
from hooks.runs.neptune.decode import State
from hooks.runs.neptune.read import find_runs, read_run, read_run_with
from hooks.runs.neptune.reading import Read
from tests.conftest import neptune_run

NEPTUNE_WARNINGS = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --------------------------------------------------------------------------------------- helpers
class Decoded:
    """How many complete lines the reader decoded, over every read since the fixture started."""

    def __init__(self) -> None:
        self.lines = 0

    def take(self) -> int:
        lines, self.lines = self.lines, 0
        return lines


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> Iterator[Decoded]:
    counter = Decoded()
    original = State._lines

    def counting(self: State, lines: list[bytes], name: str, before: int) -> None:
        counter.lines += len(lines)
        original(self, lines, name, before)

    monkeypatch.setattr(State, "_lines", counting)
    yield counter


def _op(op_type: str, path: str, **fields: Any) -> dict[str, Any]:
    return {"type": op_type, "path": path.split("/"), **fields}


def _line(op: dict[str, Any], version: int, **dumps: Any) -> str:
    return json.dumps({"obj": op, "version": version, "at": 1700000000.0 + version}, **dumps) + "\n"


def _point(path: str, step: float | None, value: float, version: int, **dumps: Any) -> str:
    values = [{"value": value, "step": step, "ts": 1700000000.0 + version}]
    return _line(_op("LogFloats", path, values=values), version, **dumps)


def _run_dir(root: Path, name: str = "run__abc__1__x", lines: str = "") -> Path:
    run_dir = root / ".neptune" / "offline" / name
    run_dir.mkdir(parents=True)
    meta = {"mode": "offline", "containerId": name.split("__")[1], "containerType": "run"}
    (run_dir / "metadata.json").write_text(json.dumps({**meta, "createdAt": "2026-01-02T03:04:05+00:00"}))
    (run_dir / "data-1.log").write_text(lines)
    return run_dir


def _points(path: str, first: int, count: int) -> str:
    return "".join(_point(path, step, step / 10, step) for step in range(first, first + count))


def same(a: RunLog, b: RunLog) -> None:
    """Two reads of one run give the same run, field by field."""
    assert a.series == b.series
    assert {k: s.steps() for k, s in a.series.items()} == {k: s.steps() for k, s in b.series.items()}
    for name in ("fields", "files", "file_sets", "string_sets", "unknown", "op_count", "problems", "tags", "spans"):
        assert getattr(a, name) == getattr(b, name), name


def cached_read(path: Path | tuple[Path, ...], folder: Path) -> tuple[RunLog, Read]:
    return read_run_with(path, folder)


# ------------------------------------------------------------------------------------ the cache
def test_a_second_read_decodes_nothing_and_gives_the_same_run(tmp_path: Path, decoded: Decoded) -> None:
    run_dir = _run_dir(tmp_path, lines=_line(_op("AssignString", "sys/name", value="n"), 1) + _points("m", 2, 500))
    folder = tmp_path / "cache"
    first, read = cached_read(run_dir, folder)
    assert read.how == "parsed" and decoded.take() == 501
    again, read = cached_read(run_dir, folder)
    assert read.how == "cached" and decoded.take() == 0
    same(again, first)
    same(again, read_run(run_dir))
    assert again.name == "n" and len(again.series["m"]) == 500
    assert decoded.take() == 501  # the uncached read decodes everything, every time
    # Nothing is written beside the run: only in the cache folder.
    assert sorted(p.name for p in run_dir.iterdir()) == ["data-1.log", "metadata.json"]
    assert sorted(p.suffix for p in folder.iterdir()) == [".state"]


def test_read_run_without_cache_writes_no_cache(
    tmp_path: Path, decoded: Decoded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache_mod.ENV, str(tmp_path / "default-cache"))
    run_dir = _run_dir(tmp_path, lines=_points("m", 1, 3))
    read_run(run_dir)
    read_run(run_dir)
    assert decoded.take() == 6 and not (tmp_path / "default-cache").exists()
    read_run(run_dir, cache=True)  # True: the default folder, $YAML_HOOKS_CACHE_DIR
    read_run(run_dir, cache=True)
    assert decoded.take() == 3 and len(list((tmp_path / "default-cache").glob("*.state"))) == 1


def test_the_cache_folder_follows_the_environment(tmp_path: Path) -> None:
    home = Path.home()
    assert cache_mod.default_dir({}) == home / ".cache" / "yaml-hooks"
    assert cache_mod.default_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "yaml-hooks"
    env = {"XDG_CACHE_HOME": str(tmp_path), cache_mod.ENV: str(tmp_path / "mine")}
    assert cache_mod.default_dir(env) == tmp_path / "mine"


def test_a_file_of_another_size_or_time_is_read_again(tmp_path: Path, decoded: Decoded) -> None:
    run_dir = _run_dir(tmp_path, lines=_points("m", 1, 10))
    (run_dir / "data-11.log").write_text(_points("m", 11, 10))
    folder = tmp_path / "cache"
    cached_read(run_dir, folder)
    assert decoded.take() == 20

    # The same bytes with a new modification time: an earlier file is looked at whole again.
    stat = (run_dir / "data-1.log").stat()
    os.utime(run_dir / "data-1.log", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    log, read = cached_read(run_dir, folder)
    assert read.how == "parsed" and decoded.take() == 20
    same(log, read_run(run_dir))
    decoded.take()

    # The last file rewritten with other values of the same length, at another time.
    text = (run_dir / "data-11.log").read_text()
    (run_dir / "data-11.log").write_text(text.replace('"value": 2.0', '"value": 9.0'))
    stat = (run_dir / "data-11.log").stat()
    os.utime(run_dir / "data-11.log", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # whatever the clock's grain
    assert stat.st_size == len(text)
    log, read = cached_read(run_dir, folder)
    assert read.how == "parsed" and decoded.take() == 20
    assert log.series["m"][-1].value == 9.0

    # Shortened: read from the start again.
    (run_dir / "data-11.log").write_text(_points("m", 11, 3))
    log, read = cached_read(run_dir, folder)
    assert read.how == "parsed" and decoded.take() == 13
    assert len(log.series["m"]) == 13

    # metadata.json changed.
    (run_dir / "metadata.json").write_text((run_dir / "metadata.json").read_text() + " ")
    log, read = cached_read(run_dir, folder)
    assert read.how == "parsed" and decoded.take() == 13


def test_appended_lines_alone_are_decoded_and_the_run_equals_a_full_read(tmp_path: Path, decoded: Decoded) -> None:
    run_dir = _run_dir(tmp_path, lines=_line(_op("AssignString", "sys/name", value="n"), 1) + _points("m", 2, 100))
    data = run_dir / "data-1.log"
    folder = tmp_path / "cache"
    cached_read(run_dir, folder)
    assert decoded.take() == 101

    with data.open("a") as handle:
        handle.write(_points("m", 102, 5) + _line(_op("AssignInt", "epochs", value=3), 107))
    log, read = cached_read(run_dir, folder)
    assert read.how == "resumed" and decoded.take() == 6
    same(log, read_run(run_dir))
    decoded.take()

    # The client mid-write: half a line. Shown as a problem of this read, never cached.
    line = _point("m", 108, 10.8, 108)
    with data.open("a") as handle:
        handle.write(line[:30])
    log, read = cached_read(run_dir, folder)
    assert read.how == "resumed" and decoded.take() == 0
    assert log.problems == ("data-1.log:108: incomplete last line (run still being written?)",)
    same(log, read_run(run_dir))
    decoded.take()
    # ... then the rest of it.
    with data.open("a") as handle:
        handle.write(line[30:])
    log, read = cached_read(run_dir, folder)
    assert read.how == "resumed" and decoded.take() == 1
    assert log.problems == () and log.series["m"][-1] == Point(108.0, 10.8, 1700000108.0, "float")
    same(log, read_run(run_dir))
    decoded.take()

    # A last line complete but for its newline is applied, and read again once the newline comes.
    with data.open("a") as handle:
        handle.write(_point("m", 109, 10.9, 109).rstrip("\n"))
    log, read = cached_read(run_dir, folder)
    assert log.series["m"][-1].step == 109.0 and log.problems == ()
    same(log, read_run(run_dir))
    with data.open("a") as handle:
        handle.write("\n")
    log, read = cached_read(run_dir, folder)
    assert read.how == "resumed" and [p.step for p in log.series["m"][-2:]] == [108.0, 109.0]
    same(log, read_run(run_dir))

    # A new data file (the client starts one every 64 MiB) is read on its own.
    decoded.take()
    (run_dir / "data-200.log").write_text(_points("m", 200, 4))
    log, read = cached_read(run_dir, folder)
    assert read.how == "resumed" and decoded.take() == 4
    same(log, read_run(run_dir))


@NEPTUNE_WARNINGS
def test_a_run_the_client_is_writing_is_read_as_it_grows(tmp_path: Path, decoded: Decoded) -> None:
    run = neptune_run("growing")
    folder = tmp_path / "cache"
    try:
        for step in range(1, 51):
            run["train/box_loss"].append(1 / step, step=step)
        run.wait()
        (run_dir,) = find_runs(tmp_path / ".neptune")
        first, read = cached_read(run_dir, folder)
        total = decoded.take()
        assert read.how == "parsed" and len(first.series["train/box_loss"]) == 50
        for step in range(51, 61):
            run["train/box_loss"].append(1 / step, step=step)
        run["params/epochs"] = 60
        run.wait()
        log, read = cached_read(run_dir, folder)
        assert read.how == "resumed" and decoded.take() == 11
        same(log, read_run(run_dir))
        assert [p.step for p in log.series["train/box_loss"]] == [float(s) for s in range(1, 61)]
        assert log.op_count == first.op_count + 11 and total == first.op_count
    finally:
        run.stop()


def test_a_resumed_trainings_folders_are_cached_as_one_run(tmp_path: Path, decoded: Decoded) -> None:
    def run_id(value: str, part: int, version: int) -> str:
        return _line(_op("AssignString", "yaml_hooks/run_id", value=value), version) + _line(
            _op("AssignInt", "yaml_hooks/part", value=part), version + 1
        )

    one = _run_dir(tmp_path, "run__one__1__x", run_id("t", 1, 1) + _points("m", 1, 4))
    two = _run_dir(tmp_path, "run__two__2__x", run_id("t", 2, 1) + _points("m", 3, 3))
    folder = tmp_path / "cache"
    parts = (one, two)
    log, read = cached_read(parts, folder)
    assert read.how == "parsed" and [p.step for p in log.series["m"]] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert log.parts == parts and len(log.spans) == 2
    decoded.take()
    again, read = cached_read(parts, folder)
    assert read.how == "cached" and decoded.take() == 0
    same(again, log)
    with (two / "data-1.log").open("a") as handle:
        handle.write(_points("m", 6, 2))
    grown, read = cached_read(parts, folder)
    assert read.how == "resumed" and decoded.take() == 2
    same(grown, read_run(parts))
    # One folder alone is another run: its own entry, the joined one kept.
    alone, read = cached_read(one, folder)
    assert read.how == "parsed" and [p.step for p in alone.series["m"]] == [1.0, 2.0, 3.0, 4.0]
    assert cached_read(parts, folder)[1].how == "cached"


def test_a_file_added_to_the_first_part_of_a_resumed_training_is_seen_by_a_cached_read(
    tmp_path: Path, decoded: Decoded
) -> None:
    """The cache goes on from the last part only: what is added to an earlier part (a line appended
    to its log, or a new data file) must make the read start again, not be passed over."""

    def run_id(part: int) -> str:
        return _line(_op("AssignString", "yaml_hooks/run_id", value="t"), 1) + _line(
            _op("AssignInt", "yaml_hooks/part", value=part), 2
        )

    one = _run_dir(tmp_path, "run__one__1__x", run_id(1) + _points("m", 3, 2))
    two = _run_dir(tmp_path, "run__two__2__x", run_id(2) + _points("m", 5, 2))
    folder = tmp_path / "cache"
    parts = (one, two)
    log, read = cached_read(parts, folder)
    assert read.how == "parsed" and log.files == {}
    assert cached_read(parts, folder)[1].how == "cached"

    weights = tmp_path / "best.pt"
    weights.write_bytes(b"0123456789")
    upload = _op("UploadFile", "weights/best", ext="pt", file_path=str(weights), tmp_file_name=None)
    with (one / "data-1.log").open("a") as handle:  # part 1's log grows
        handle.write(_line(upload, 5))
    log, read = cached_read(parts, folder)
    assert sorted(log.files) == ["weights/best"]
    assert (log.files["weights/best"].file_path, log.files["weights/best"].size) == (weights, 10)
    assert read.how == "parsed"

    plot = tmp_path / "results.png"
    plot.write_bytes(b"png")
    upload = _op("UploadFile", "plots/results", ext="png", file_path=str(plot), tmp_file_name=None)
    (one / "data-6.log").write_text(_line(upload, 6))  # part 1 gets a second data file
    log, read = cached_read(parts, folder)
    assert sorted(log.files) == ["plots/results", "weights/best"]
    assert (log.files["plots/results"].file_path, log.files["plots/results"].size) == (plot, 3)
    assert read.how == "parsed"
    assert [p.step for p in log.series["m"]] == [3.0, 4.0, 5.0, 6.0]
    same(log, read_run(parts))


# ---------------------------------------------------------------------------- the cache's own state
def _entry(folder: Path) -> Path:
    (entry,) = folder.glob("*.state")
    return entry


@pytest.mark.parametrize(
    "damage",
    [
        "garbage",
        "truncated",
        "other format",
        "foreign pickle",
        "class not allowed",
        "wrong shape",
        "empty",
    ],
)
def test_a_damaged_or_foreign_cache_entry_is_ignored_and_replaced(
    tmp_path: Path, decoded: Decoded, damage: str
) -> None:
    run_dir = _run_dir(tmp_path, lines=_points("m", 1, 20))
    folder = tmp_path / "cache"
    full = cached_read(run_dir, folder)[0]
    entry = _entry(folder)
    good = entry.read_bytes()
    header = good[: good.index(b"\n") + 3]  # magic line and the 2-byte format
    bad = {
        "garbage": b"\x00\x01 not a cache entry",
        "truncated": good[: len(good) // 2],
        "other format": good[: len(header) - 2] + (cache_mod.FORMAT + 1).to_bytes(2, "big") + good[len(header) :],
        "foreign pickle": pickle.dumps({"a": 1}),
        "class not allowed": header + pickle.dumps({"x": os.getcwd}),  # a function: never looked up
        "wrong shape": header + pickle.dumps({"parts": [str(run_dir.resolve())], "marks": 3, "metas": []}),
        "empty": b"",
    }[damage]
    entry.write_bytes(bad)
    decoded.take()
    log, read = cached_read(run_dir, folder)
    assert read.how == "parsed" and decoded.take() == 20
    same(log, full)
    assert entry.read_bytes() != bad  # replaced by a good entry
    assert cached_read(run_dir, folder)[1].how == "cached" and decoded.take() == 0


def test_the_unpickler_refuses_anything_but_builtins_and_arrays(tmp_path: Path) -> None:
    class Boom:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.remove, (str(tmp_path / "victim"),))

    (tmp_path / "victim").write_text("still here")
    assert cache_mod.store(tmp_path, "x", ".state", {"boom": Boom()})
    assert cache_mod.load(tmp_path, "x", ".state") is None
    assert (tmp_path / "victim").read_text() == "still here"
    from array import array
    from datetime import datetime, timezone

    content = {
        "a": array("d", [1.5]),
        "when": datetime(2026, 1, 1, tzinfo=timezone.utc),
        "s": {1},
        "b": bytearray(b"x"),
    }
    assert cache_mod.store(tmp_path, "y", ".state", content)
    assert cache_mod.load(tmp_path, "y", ".state") == content


def test_an_unwritable_cache_folder_means_no_cache_not_an_error(tmp_path: Path, decoded: Decoded) -> None:
    run_dir = _run_dir(tmp_path, lines=_points("m", 1, 5))
    (tmp_path / "a-file").write_text("not a folder")
    folder = tmp_path / "a-file" / "cache"  # cannot be created
    for _ in range(2):
        log, read = cached_read(run_dir, folder)
        assert read.how == "parsed" and decoded.take() == 5
        same(log, read_run(run_dir))
        decoded.take()
    assert not cache_mod.store(folder, "x", ".state", {})


def test_an_uploaded_file_deleted_later_is_missing_in_a_cached_read(tmp_path: Path, decoded: Decoded) -> None:
    weights = tmp_path / "best.pt"
    weights.write_bytes(b"0123456789")
    upload = _op("UploadFile", "weights/best", ext="pt", file_path=str(weights), tmp_file_name=None)
    run_dir = _run_dir(tmp_path, lines=_line(upload, 1) + _points("m", 2, 3))
    folder = tmp_path / "cache"
    log = cached_read(run_dir, folder)[0]
    assert (log.files["weights/best"].exists, log.files["weights/best"].size) == (True, 10)
    weights.write_bytes(b"01234")
    log, read = cached_read(run_dir, folder)
    assert read.how == "cached" and log.files["weights/best"].size == 5
    weights.unlink()
    log, read = cached_read(run_dir, folder)
    assert read.how == "cached" and decoded.take() == 4
    assert (log.files["weights/best"].exists, log.files["weights/best"].size) == (False, None)


# ------------------------------------------------------------------------------ decoding and series
def test_lines_the_fast_path_takes_decode_as_the_json_decoder_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same operations written as the client writes them (most lines take the fast path) and
    compactly (every line goes through the JSON decoder) read the same, including the values the
    fast path leaves to JSON (NaN, infinities) and a series' first point, kind change and clearing."""
    cases: list[tuple[float | None, float]] = [
        (1, 0.5),
        (2, -3),
        (3, 1e-05),
        (4, 1.7976931348623157e308),
        (None, 2.5),
        (5, float("nan")),
        (6, float("inf")),
        (7, 12345678901234567890),
        (8.5, -0.0),
    ]

    def lines(**dumps: Any) -> str:
        text = _line(_op("AssignString", "sys/name", value="n"), 1, **dumps)
        for version, (step, value) in enumerate(cases, 2):
            text += _point("f", step, value, version, **dumps)
        text += _line(_op("LogStrings", "s", values=[{"value": "x", "step": 1, "ts": 1.0}]), 20, **dumps)
        text += _point("s", 2, 1.0, 21, **dumps)  # a float after a string: the series is replaced
        text += _point("c", 1, 1.0, 22, **dumps) + _line(_op("ClearFloatLog", "c"), 23, **dumps)
        return text + _point("c", 2, 2.0, 24, **dumps)

    json_lines = 0
    original = State.apply_line

    def counting(self: State, line: bytes, where: str, *, partial: bool) -> None:
        nonlocal json_lines
        json_lines += 1
        original(self, line, where, partial=partial)

    monkeypatch.setattr(State, "apply_line", counting)
    fast = read_run(_run_dir(tmp_path / "fast", lines=lines()))
    assert json_lines == 9  # name, f's first point, NaN, inf, the string, s's float, c's first, clear, c again
    json_lines = 0
    slow = read_run(_run_dir(tmp_path / "slow", lines=lines(separators=(",", ":"))))
    assert json_lines == 15

    def shown(log: RunLog) -> dict[str, list[tuple[object, ...]]]:
        return {k: [(p.step, repr(p.value), p.ts, p.kind) for p in s] for k, s in log.series.items()}

    assert shown(fast) == shown(slow)
    assert fast.op_count == slow.op_count == 15 and fast.problems == slow.problems == ()
    assert fast.spans == slow.spans == ((1700000001.0, 1700000024.0),)
    assert [p.step for p in fast.series["f"]] == [None if s is None else float(s) for s, _ in cases]
    for point, (_, value) in zip(fast.series["f"], cases, strict=True):
        assert repr(point.value) == repr(float(value))
    assert fast.series["s"] == (Point(2.0, 1.0, 1700000021.0, "float"),)
    assert fast.series["c"] == (Point(2.0, 2.0, 1700000024.0, "float"),)


def test_a_series_is_a_sequence_of_points() -> None:
    points = (Point(1.0, 0.5, 10.0, "float"), Point(None, 0.25, None, "float"), Point(3.0, 0.125, 30.0, "float"))
    series = Series.of(points)
    assert series == points and points == series and list(series) == list(points)
    assert len(series) == 3 and series[0] == points[0] and series[-1] == points[-1] and series[1].step is None
    assert series[1:] == points[1:] and isinstance(series[1:], Series)
    assert series.steps() == [1.0, None, 3.0] and series.values() == [0.5, 0.25, 0.125]
    assert series.timestamps() == [10.0, None, 30.0] and series.highest_step() == 3.0
    assert list(series.float_values()) == [0.5, 0.25, 0.125]
    assert series == Series.of(points) and series != Series.of(points[:2]) and series != points[::-1]
    assert hash(series) == hash(points) and points[2] in series
    with pytest.raises(IndexError):
        series[3]
    strings = Series.of((Point(None, "a", 1.0, "string"),))
    assert strings.kind == "string" and strings.values() == ["a"]
    with pytest.raises(TypeError):
        strings.float_values()
    assert "Point(step=1.0" in repr(series)


@pytest.mark.parametrize("seed", range(4))
def test_a_log_written_in_pieces_of_any_size_reads_as_a_full_read_after_each(tmp_path: Path, seed: int) -> None:
    """The client's buffer reaches the disk in pieces that cut lines anywhere; a cached read after
    each piece gives what a full read gives (the unfinished line included, as a problem)."""
    rng = random.Random(seed)
    ops: list[str] = []
    for version in range(1, 160):
        pick = rng.random()
        if pick < 0.6:
            ops.append(_point(rng.choice(["a", "b/c"]), rng.choice([version, None]), rng.random(), version))
        elif pick < 0.7:
            ops.append(_point("a", version, rng.choice([float("nan"), float("inf"), 2**70]), version))
        elif pick < 0.8:
            ops.append(_line(_op("AssignInt", f"f/{rng.randint(1, 5)}", value=version), version))
        elif pick < 0.85:
            ops.append(_line(_op("ClearFloatLog", rng.choice(["a", "b/c"])), version))
        elif pick < 0.95:
            values = [{"value": f"s{version}", "step": version, "ts": 1.0}]
            ops.append(_line(_op("LogStrings", rng.choice(["s", "a"]), values=values), version))
        else:
            ops.append("not json at all\n")
    first, second = "".join(ops[:100]).encode(), "".join(ops[100:]).encode()
    run_dir = _run_dir(tmp_path)
    folder = tmp_path / "cache"
    for name, data in (("data-1.log", first), ("data-101.log", second)):
        written = 0
        while written < len(data):
            piece = rng.randint(1, 400)
            with (run_dir / name).open("ab") as handle:
                handle.write(data[written : written + piece])
            written += piece
            log = cached_read(run_dir, folder)[0]
            full = read_run(run_dir)
            assert _shown(log) == _shown(full)
            for attr in ("fields", "op_count", "problems", "spans", "string_sets"):
                assert getattr(log, attr) == getattr(full, attr), (attr, name, written)


def _shown(log: RunLog) -> dict[str, list[tuple[object, ...]]]:
    """Series as comparable values (NaN is not equal to itself)."""
    return {k: [(p.step, repr(p.value), p.ts, p.kind) for p in s] for k, s in log.series.items()}
