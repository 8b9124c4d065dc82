"""Tests for the Neptune reader (hooks.runs.neptune): real Neptune offline runs and hand-written logs."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from hooks.runs import FileRef, ImageRef, Point, UnknownOp, namespaces
from hooks.runs.neptune.read import find_runs, read_run
from hooks.runs.summary import summarize
from tests.conftest import neptune_run

# neptune's dependencies warn about deprecated jsonschema APIs at import time.
NEPTUNE_WARNINGS = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------
# Helpers


def _op(op_type: str, path: str, **fields: Any) -> dict[str, Any]:
    return {"type": op_type, "path": path.split("/"), **fields}


def _line(op: dict[str, Any], version: int = 1) -> str:
    return json.dumps({"obj": op, "version": version, "at": 1700000000.0 + version}) + "\n"


def _floats(path: str, *points: tuple[float | None, float]) -> dict[str, Any]:
    values = [{"value": v, "step": s, "ts": 1700000000.0} for s, v in points]
    return _op("LogFloats", path, values=values)


def _make_run(
    offline: Path, name: str, ops: list[dict[str, Any]], created: str | None = "2026-01-02T03:04:05+00:00"
) -> Path:
    """A run folder as the offline client lays it out, with one data-1.log."""
    run_dir = offline / name
    run_dir.mkdir(parents=True)
    if created is not None:
        meta = {"mode": "offline", "containerId": name.split("__")[1], "containerType": "run"}
        meta["createdAt"] = created
        (run_dir / "metadata.json").write_text(json.dumps(meta))
    (run_dir / "data-1.log").write_text("".join(_line(op, i) for i, op in enumerate(ops, 1)))
    return run_dir


def _squash(text: str) -> list[str]:
    """Lines with runs of spaces collapsed, for widths that depend on tmp names."""
    return [" ".join(line.split()) for line in text.splitlines()]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / ".neptune"
    monkeypatch.setenv("NEPTUNE_DATA_DIRECTORY", str(target))
    # Anything the client writes relative to the cwd stays inside tmp_path.
    monkeypatch.chdir(tmp_path)
    return target


def _write_real_run(tmp_path: Path) -> dict[str, Path]:
    """Log a little of everything with the real client; return helper paths."""
    from matplotlib.figure import Figure
    from neptune.types import File

    keep = tmp_path / "keep.txt"
    keep.write_text("keep")
    gone = tmp_path / "gone.txt"
    gone.write_text("soon gone")

    run = neptune_run("yolo-test", tags=("exp", "yolo"))
    run["sys/tags"].add("extra")
    run["sys/tags"].remove("exp")
    for step, loss in ((1, 1.5), (2, 1.25), (3, 1.0)):
        run["train/box_loss"].append(loss, step=step)
    run["metrics/mAP50"].append(0.5, step=1)
    run["logs/status"].append("start")
    run["logs/status"].append("done")
    run["params"] = {"epochs": 3, "lr": 0.125, "model": "yolov8n.pt", "amp": True, "nested": {"imgsz": 640}}
    run["when"] = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    run["files/keep"].upload(File(str(keep)))
    run["files/gone"].upload(str(gone))
    fig = Figure()
    fig.add_subplot().plot([1, 2, 3])
    run["plots/curve"].upload(fig)
    run["plots/again"].upload(File.from_content("first", extension="txt"))
    run["plots/again"].upload(File.from_content("second!", extension="txt"))
    run.stop()
    gone.unlink()
    return {"keep": keep, "gone": gone}


# --------------------------------------------------------------------------
# Real client


@NEPTUNE_WARNINGS
def test_real_run_is_decoded(data_dir: Path, tmp_path: Path) -> None:
    paths = _write_real_run(tmp_path)

    runs = find_runs(data_dir)
    assert len(runs) == 1
    assert runs[0].parent == data_dir / "offline"
    assert runs[0].name.startswith("run__")
    run = read_run(runs[0])

    assert run.problems == ()
    assert run.unknown == ()
    assert run.metadata["mode"] == "offline"
    assert run.metadata["containerType"] == "run"
    assert run.created == run.metadata["createdAt"]
    assert run.run_id is not None and run.run_id in runs[0].name
    assert run.name == "yolo-test"
    assert run.tags == ("extra", "yolo")
    lines = sum(len(p.read_text().splitlines()) for p in runs[0].glob("data-*.log"))
    assert run.op_count == lines

    box = run.series["train/box_loss"]
    assert [(p.step, p.value, p.kind) for p in box] == [
        (1.0, 1.5, "float"),
        (2.0, 1.25, "float"),
        (3.0, 1.0, "float"),
    ]
    assert all(isinstance(p.ts, float) for p in box)
    assert [(p.step, p.value) for p in run.series["metrics/mAP50"]] == [(1.0, 0.5)]
    status = run.series["logs/status"]
    assert [(p.step, p.value, p.kind) for p in status] == [
        (None, "start", "string"),
        (None, "done", "string"),
    ]
    assert run.series_kind("logs/status") == "string"
    assert set(run.float_series()) == {"train/box_loss", "metrics/mAP50"}

    assert run.fields["params/epochs"] == 3
    assert run.fields["params/lr"] == 0.125
    assert run.fields["params/model"] == "yolov8n.pt"
    assert run.fields["params/amp"] is True
    assert run.fields["params/nested/imgsz"] == 640
    assert run.fields["when"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert run.fields["sys/name"] == "yolo-test"

    assert run.files["files/keep"] == FileRef(paths["keep"].resolve(), "txt", True, 4)
    assert run.files["files/gone"] == FileRef(paths["gone"].resolve(), "txt", False, None)

    curve = run.files["plots/curve"]
    assert curve.ext == "png" and curve.exists
    assert curve.file_path is not None
    assert curve.file_path.parent == runs[0] / "upload_path"
    assert curve.file_path.read_bytes().startswith(PNG_MAGIC)
    assert curve.size == curve.file_path.stat().st_size > 1000

    # Repeated upload: the last one wins, the first file stays on disk.
    again = run.files["plots/again"]
    assert again.file_path is not None and again.file_path.read_text() == "second!"
    assert again.size == 7
    assert len(list((runs[0] / "upload_path").glob("plots_again-*.txt"))) == 2


@NEPTUNE_WARNINGS
def test_real_run_summary(data_dir: Path, tmp_path: Path) -> None:
    _write_real_run(tmp_path)
    run = read_run(find_runs(data_dir)[0])
    text = summarize(run)
    assert text.endswith("\n")
    assert run.files["plots/curve"].file_path is not None
    assert run.files["plots/again"].file_path is not None
    curve = run.files["plots/curve"].file_path.name
    again = run.files["plots/again"].file_path.name
    size = run.files["plots/curve"].size
    assert size is not None
    curve_size = f"{size / 1024:.1f} KiB"

    expected = [
        "Neptune offline run",
        f"folder {run.path}",
        "name yolo-test",
        f"id {run.run_id}",
        f"created {run.created}",
        "tags extra, yolo",
        f"log {run.op_count} operations, 0 problem(s)",
        "",
        "Float series points steps last",
        "metrics/",
        "mAP50 1 1 0.5",
        "train/",
        "box_loss 3 1..3 1",
        "",
        "String series points steps last",
        "logs/",
        "status 2 - 'done'",
        "",
        "Files file size",
        "files/",
        "gone gone.txt missing",
        "keep keep.txt 4 B",
        "plots/",
        f"again {again} 7 B",
        f"curve {curve} {curve_size}",
        "",
        "Fields count examples",
        "(top level) 1 when=2026-01-02T03:04:05+00:00",
        "params/ 5 amp=True, epochs=3, lr=0.125, ...",
    ]
    lines = _squash(text)
    assert lines[: len(expected)] == expected
    # The client decides what lands in sys/ and source_code/; only check shape.
    assert len(lines) == len(expected) + 1
    assert lines[-1].startswith("(system fields hidden: ")
    assert "sys 3" in lines[-1]

    full = summarize(run, include_system=True)
    assert "system fields hidden" not in full
    assert " sys/ " in " ".join(_squash(full))
    assert "name='yolo-test'" in full


@NEPTUNE_WARNINGS
def test_find_runs_newest_first_with_real_client(data_dir: Path, tmp_path: Path) -> None:
    first = neptune_run("first")
    first.stop()
    second = neptune_run("second")
    second.stop()
    runs = find_runs(data_dir)
    assert [read_run(r).name for r in runs] == ["second", "first"]
    # Same answer from the offline folder, the project folder and a run folder.
    assert find_runs(data_dir / "offline") == runs
    assert find_runs(tmp_path) == runs
    assert find_runs(runs[1]) == [runs[1]]


# --------------------------------------------------------------------------
# Hand-written layouts


def test_find_runs_sorts_by_created_at_not_name_or_mtime(tmp_path: Path) -> None:
    offline = tmp_path / ".neptune" / "offline"
    a = _make_run(offline, "run__a__1__x", [], created="2026-03-01T00:00:00+00:00")
    b = _make_run(offline, "run__b__1__x", [], created="2025-01-01T00:00:00+00:00")
    # 2026-05-01 01:00 at +02:00 is still after 2026-03-01 UTC.
    c = _make_run(offline, "run__c__1__x", [], created="2026-05-01T01:00:00+02:00")
    _make_run(offline, "model__m__1__x", [])  # not a run
    (offline / "junk").mkdir()  # no metadata, no data files
    (offline / "notes.txt").write_text("x")
    for age, run_dir in enumerate((c, a, b)):
        os.utime(run_dir, (1000.0 + age, 1000.0 + age))  # mtime order opposite to createdAt
    assert find_runs(tmp_path / ".neptune") == [c, a, b]
    assert find_runs(offline) == [c, a, b]
    assert find_runs(tmp_path) == [c, a, b]
    assert find_runs(tmp_path / "nowhere") == []


def test_run_without_metadata_falls_back_to_mtime(tmp_path: Path) -> None:
    offline = tmp_path / "offline"
    old = _make_run(offline, "run__old__1__x", [], created="2020-01-01T00:00:00+00:00")
    bare = _make_run(offline, "run__bare__1__x", [_op("AssignString", "sys/name", value="bare")], created=None)
    os.utime(bare, (1.6e9, 1.6e9))  # 2020-09-13, after "old"
    assert find_runs(offline) == [bare, old]
    run = read_run(bare)
    assert run.metadata == {}
    assert run.created is None
    assert run.name == "bare"
    assert run.problems == ("metadata.json missing or unreadable",)


def test_data_files_are_read_in_numeric_order(tmp_path: Path) -> None:
    run_dir = _make_run(
        tmp_path, "run__n__1__x", [_floats("m", (1, 10.0)), _op("AssignString", "sys/name", value="one")]
    )
    (run_dir / "data-2.log").write_text(
        _line(_floats("m", (2, 20.0)), 3) + _line(_op("AssignString", "sys/name", value="two"), 4)
    )
    (run_dir / "data-10.log").write_text(
        _line(_floats("m", (3, 30.0)), 10) + _line(_op("AssignString", "sys/name", value="ten"), 11)
    )
    (run_dir / "data-old.log").write_text("not a queue file\n")  # ignored: N is not a number
    run = read_run(run_dir)
    assert [(p.step, p.value) for p in run.series["m"]] == [(1.0, 10.0), (2.0, 20.0), (3.0, 30.0)]
    assert run.name == "ten"
    assert run.op_count == 6
    assert run.problems == ()


def test_truncated_last_line_is_skipped(tmp_path: Path) -> None:
    ops = [_floats("m", (1, 1.0)), _floats("m", (2, 2.0))]
    run_dir = _make_run(tmp_path, "run__t__1__x", ops)
    partial = _line(_floats("m", (3, 3.0)), 3)[:40]
    with (run_dir / "data-1.log").open("a") as handle:
        handle.write(partial)
    run = read_run(run_dir)
    assert [p.value for p in run.series["m"]] == [1.0, 2.0]
    assert run.problems == ("data-1.log:3: incomplete last line (run still being written?)",)

    # The same damage mid-file, or in an earlier data file, is real corruption.
    with (run_dir / "data-1.log").open("a") as handle:
        handle.write("\n")
    (run_dir / "data-4.log").write_text(_line(_floats("m", (4, 4.0)), 4))
    run = read_run(run_dir)
    assert [p.value for p in run.series["m"]] == [1.0, 2.0, 4.0]
    assert run.problems == ("data-1.log:3: not valid JSON",)


def test_unknown_and_unmodelled_operations_are_kept(tmp_path: Path) -> None:
    ops = [
        _op("FancyNewOp", "a/b", payload=1),
        _op("DeleteFiles", "fs", file_paths=["x.txt"]),
        _op("ConfigFloatSeries", "m", min=0.0, max=1.0, unit="%"),  # ignored on purpose
        {"type": "AssignArtifact", "hash": "abc"},  # no path at all
        _floats("m", (1, 0.5)),
    ]
    run = read_run(_make_run(tmp_path, "run__u__1__x", ops))
    assert run.unknown == (
        UnknownOp("FancyNewOp", "a/b"),
        UnknownOp("DeleteFiles", "fs"),
        UnknownOp("AssignArtifact", ""),
    )
    assert [p.value for p in run.series["m"]] == [0.5]
    assert run.problems == ()
    assert "Not decoded: AssignArtifact x1, DeleteFiles x1, FancyNewOp x1" in summarize(run)


def test_garbage_lines_never_crash(tmp_path: Path) -> None:
    run_dir = tmp_path / "run__g__1__x"
    run_dir.mkdir()
    good = _line(_op("AssignInt", "ok", value=1))
    lines = [
        good,
        "this is not json\n",
        "\n",
        "[1, 2]\n",
        '{"version": 3}\n',
        '{"obj": {"path": ["x"]}}\n',
        '{"obj": {"type": "LogFloats"}}\n',
        _line(_op("AssignInt", "nothing")),
        _line(_op("LogFloats", "m", values=[{"value": "oops", "step": 1}, {"value": 2, "ts": 5}, "junk"])),
        _line(_op("AssignInt", "ok", value=2)).rstrip("\n") + " trailing junk\n",
        _line(_op("AssignInt", "after", value=3)),
    ]
    (run_dir / "data-1.log").write_text("".join(lines))
    with (run_dir / "data-1.log").open("ab") as handle:
        handle.write(b"\xff\xfe\x00 binary\n")
    run = read_run(run_dir)
    assert run.fields == {"ok": 2, "after": 3}
    assert run.series == {"m": (Point(None, 2.0, 5.0, "float"),)}
    assert run.problems == (
        "data-1.log:2: not valid JSON",
        "data-1.log:4: not a JSON object",
        "data-1.log:5: entry without an operation",
        "data-1.log:6: operation without a type",
        "(no path): log operation without values",
        "AssignInt nothing: no value",
        "m: 2 unreadable float value(s) skipped",
        "data-1.log:10: not valid JSON",
        "data-1.log:12: not valid JSON",
        "metadata.json missing or unreadable",
    )
    assert run.op_count == 6


def test_state_changes_clear_delete_reset(tmp_path: Path) -> None:
    (tmp_path / "in.bin").write_bytes(b"12345")
    ops = [
        _floats("gone/series", (1, 1.0)),
        _op("ClearFloatLog", "gone/series"),
        _floats("re/series", (1, 1.0)),
        _op("ClearFloatLog", "re/series"),
        _floats("re/series", (5, 5.0)),
        _op("AssignInt", "gone/field", value=1),
        _op("DeleteAttribute", "gone/field"),
        _op("AddStrings", "sys/tags", values=["a", "b"]),
        _op("ClearStringSet", "sys/tags"),
        _op("AddStrings", "sys/tags", values=["c", "d"]),
        _op("RemoveStrings", "sys/tags", values=["d", "never-added"]),
        _op("UploadFileSet", "set", file_globs=["*.py"], reset="False"),
        _op("UploadFileSet", "set", file_globs=["*.yaml", "*.py"], reset="False"),
        _op("UploadFileSet", "reset", file_globs=["*.py"], reset="False"),
        _op("UploadFileSet", "reset", file_globs=["*.txt"], reset="True"),
        _op("UploadFile", "f", ext="bin", file_path=str(tmp_path / "in.bin"), tmp_file_name=None),
        _op("UploadFile", "f", ext="txt", file_path=None, tmp_file_name="f-1.txt"),
        _op("UploadFile", "nowhere", ext="txt"),
        _op("UploadFileContent", "inline", ext="txt", file_content="aGVsbG8="),
        _op(
            "LogImages",
            "img",
            values=[{"value": {"data": "AAEC", "name": "n", "description": None}, "ts": 1}],
        ),
        _op("LogImages", "img", values=[{"value": "AAECAw==", "step": 2, "ts": 2}]),
        _op("AssignDatetime", "when", value=0),
        _op("LogStrings", "mixed", values=[{"value": "s", "step": 1, "ts": 1}]),
        _floats("mixed", (2, 2.0)),
    ]
    run_dir = _make_run(tmp_path, "run__s__1__x", ops)
    (run_dir / "upload_path").mkdir()
    (run_dir / "upload_path" / "f-1.txt").write_text("abc")
    run = read_run(run_dir)
    assert "gone/series" not in run.series
    assert run.series["re/series"] == (Point(5.0, 5.0, 1700000000.0, "float"),)
    assert "gone/field" not in run.fields
    assert run.tags == ("c",)
    assert run.string_sets == {"sys/tags": ("c",)}
    assert run.file_sets == {"set": ("*.py", "*.yaml"), "reset": ("*.txt",)}
    assert run.files == {
        "f": FileRef(run_dir / "upload_path" / "f-1.txt", "txt", True, 3),
        "nowhere": FileRef(None, "txt", False, None),
        "inline": FileRef(None, "txt", True, 5),
    }
    assert run.series["img"] == (
        Point(None, ImageRef("n", None, 3), 1.0, "image"),
        Point(2.0, ImageRef(None, None, 4), 2.0, "image"),
    )
    assert run.fields["when"] == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert run.series["mixed"] == (Point(2.0, 2.0, 1700000000.0, "float"),)
    assert run.problems == ()


def _summary_run(tmp_path: Path) -> Path:
    (tmp_path / "last.pt").write_bytes(b"0123456789")
    ops = [
        _op("AssignString", "sys/name", value="demo"),
        _op("AddStrings", "sys/tags", values=["yolo", "baseline"]),
        _op("AssignBool", "sys/failed", value=False),
        _floats("train/box_loss", (1, 1.5), (2, 1.25), (3, 1.0)),
        _floats("metrics/mAP50", (1, 0.5), (2, 0.625)),
        _op("LogStrings", "logs/status", values=[{"value": "start", "ts": 1.0}, {"value": "done", "ts": 2.0}]),
        _op("AssignInt", "params/epochs", value=3),
        _op("AssignFloat", "params/lr", value=0.125),
        _op("AssignString", "params/model", value="yolov8n.pt"),
        _op("AssignBool", "params/amp", value=True),
        _op("UploadFile", "plots/results", ext="png", tmp_file_name="plots_results-1.png"),
        _op("UploadFile", "weights/best", ext="pt", file_path=str(tmp_path / "best.pt")),
        _op("UploadFile", "weights/last", ext="pt", file_path=str(tmp_path / "last.pt")),
    ]
    run_dir = _make_run(tmp_path / ".neptune" / "offline", "run__abc__1__x", ops)
    (run_dir / "upload_path").mkdir()
    (run_dir / "upload_path" / "plots_results-1.png").write_bytes(b"x" * 2048)
    return run_dir


def test_summarize_exact_text(tmp_path: Path) -> None:
    run_dir = _summary_run(tmp_path)
    expected = f"""\
Neptune offline run
  folder   {run_dir}
  name     demo
  id       abc
  created  2026-01-02T03:04:05+00:00
  tags     baseline, yolo
  log      13 operations, 0 problem(s)

Float series  points  steps  last
  metrics/
    mAP50          2  1..2   0.625
  train/
    box_loss       3  1..3   1

String series  points  steps  last
  logs/
    status          2  -      'done'

Files        file                    size
  plots/
    results  plots_results-1.png  2.0 KiB
  weights/
    best     best.pt              missing
    last     last.pt                 10 B

Fields     count  examples
  params/      4  amp=True, epochs=3, lr=0.125, ...
  (system fields hidden: sys 2; include_system=True shows them)
"""
    assert summarize(read_run(run_dir)) == expected


def test_summarize_include_system_and_problems(tmp_path: Path) -> None:
    run_dir = _summary_run(tmp_path)
    with (run_dir / "data-1.log").open("a") as handle:
        handle.write(_line(_op("Mystery", "q/r")) + "garbage\n")
    text = summarize(read_run(run_dir), include_system=True)
    assert "system fields hidden" not in text
    assert "  sys/         2  failed=False, name='demo'\n" in text
    assert text.endswith("\nNot decoded: Mystery x1\n\nProblems:\n  data-1.log:15: not valid JSON\n")
    assert "  log      14 operations, 1 problem(s)\n" in text


def test_namespaces_groups_by_first_segment() -> None:
    keys = ["train/box_loss", "sys/name", "top", "train/cls_loss", "metrics/mAP50", "a"]
    assert namespaces(keys) == {
        "": ("a", "top"),
        "metrics": ("metrics/mAP50",),
        "sys": ("sys/name",),
        "train": ("train/box_loss", "train/cls_loss"),
    }
    assert namespaces([]) == {}


def test_read_run_rejects_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a Neptune run folder"):
        read_run(tmp_path / "missing")


def test_module_imports_nothing_heavy() -> None:
    spec = importlib.util.find_spec("hooks.runs.neptune.read")
    assert spec is not None and spec.origin is not None
    folder = Path(spec.origin).parent  # hooks/runs/neptune
    # Load the reader and what it imports with empty stand-ins for the packages above them, so that no
    # package __init__ can mask what they import.
    code = (
        "import pathlib, sys, types\n"
        f"root = pathlib.Path({str(folder.parents[1])!r})\n"
        "for name, path in (('hooks', root), ('hooks.runs', root / 'runs'),\n"
        "                   ('hooks.runs.neptune', root / 'runs' / 'neptune'), ('hooks.sinks', root / 'sinks'),\n"
        "                   ('hooks.sinks.neptune', root / 'sinks' / 'neptune')):\n"
        "    sys.modules[name] = types.ModuleType(name)\n"
        "    sys.modules[name].__path__ = [str(path)]\n"
        "import hooks.runs.neptune.read, hooks.runs.neptune.overview\n"
        "print(sorted(m for m in ('neptune', 'matplotlib', 'numpy', 'yaml', 'mlflow') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
