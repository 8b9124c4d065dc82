"""`hooks runs` counts what the training logged and, apart, Neptune's own entries (sys/,
monitoring/, source_code/), so a run whose report lists only Neptune's fields does not read as
empty; the two numbers add up to what `hooks report` lists."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from hooks.cli import main
from hooks.cli.runs import LEGEND
from hooks.runs import SYSTEM_NAMESPACES, overview_of
from hooks.runs.neptune.read import find_runs, read_run
from hooks.runs.summary import count_cell, split_count
from tests.conftest import neptune_run


def offline_run(name: str, fields: dict[str, str], monitoring_series: bool = False) -> None:
    run = neptune_run(name)
    run["train/box_loss"].append(1.0, step=1)
    if monitoring_series:
        run["monitoring/cpu"].append(50.0)  # where Neptune's hardware metrics go
    for key, value in fields.items():
        run[key] = value
    run.stop()


def table(out: str) -> dict[str, list[str]]:
    """Name → the series, files and fields cells of `hooks runs` (id, date, time, name, tags, status,
    duration, epochs and best hold no spaces; a count cell may: "0 (+7)")."""
    rows = {}
    for line in out.splitlines()[1:]:
        if re.match(r"[0-9a-f]{8}  ", line):
            _, _, _, name, _, _, _, _, _, counts = line.split(None, 9)
            rows[name] = re.findall(r"\d+(?: \(\+\d+\))?", counts)
    return rows


def own(keys: list[str] | dict[str, object]) -> int:
    return sum(1 for k in keys if k.split("/", 1)[0] in SYSTEM_NAMESPACES)


def test_split_count_and_its_cell() -> None:
    keys = ["train/box_loss", "Configuration/name", "sys/name", "sys/failed", "monitoring/a/pid", "source_code/files"]
    assert {"sys", "monitoring", "source_code"} <= set(SYSTEM_NAMESPACES)
    assert split_count(keys) == (2, 4)
    assert count_cell(keys) == "2 (+4)"
    assert count_cell(["train/box_loss"]) == "1"
    assert count_cell([]) == "0"


def test_a_run_with_only_neptunes_fields_shows_them_apart_not_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    offline_run("bare", {}, monitoring_series=True)
    offline_run("assigned", {"Configuration/name": "x", "Configuration/task": "detect"})
    capsys.readouterr()  # the client's own messages
    runs = {read_run(p).name: read_run(p) for p in find_runs(tmp_path / ".neptune")}
    assert own(runs["bare"].fields) > 0 and own(runs["assigned"].fields) > 0  # Neptune writes sys/ fields

    assert main(["runs", str(tmp_path / ".neptune")]) == 0
    out = capsys.readouterr().out
    cells = table(out)

    def cell(logged: int, extra: int) -> str:
        return f"{logged} (+{extra})" if extra else str(logged)

    for name, series, fields in (("bare", 1, 0), ("assigned", 1, 2)):
        run = runs[name]
        files = [*run.files, *run.file_sets]
        assert cells[name] == [
            cell(series, own(run.series)),
            cell(len(files) - own(files), own(files)),
            cell(fields, own(run.fields)),
        ]
    assert cells["bare"][0] == "1 (+1)" and cells["bare"][2].startswith("0 (+")  # not a bare "0"
    assert out.splitlines()[-1] == LEGEND
    assert LEGEND.startswith(
        "(+N): kept by the tracker and yaml-hooks themselves, under mlflow/, monitoring/, source_code/, sys/"
    )

    # `hooks report` lists every field: the training's under Fields, Neptune's own under System, the two
    # numbers of `hooks runs`
    monkeypatch.chdir(tmp_path)
    for name, run in runs.items():
        page = tmp_path / f"{name}.html"
        assert main(["report", str(run.path), "-o", str(page)]) == 0
        text = page.read_text(encoding="utf-8")
        listed = re.search(r'id="field-count">(\d+) fields<', text)
        system = re.search(r'<table id="system-fields">.*?</table>', text, re.S)
        assert system is not None
        logged = int(cells[name][2].split()[0])
        assert int(listed.group(1) if listed else 0) == logged
        assert system.group(0).count("<tr data-key=") == own(run.fields)
        assert logged + own(run.fields) == len(run.fields)


def test_the_legend_is_left_out_when_no_run_has_entries_of_their_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:

    offline_run("plain", {"Configuration/name": "x"})
    capsys.readouterr()
    (folder,) = find_runs(tmp_path / ".neptune")
    run = read_run(folder)

    def mine(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if k.split("/", 1)[0] not in SYSTEM_NAMESPACES}

    bare = dataclasses.replace(
        run, fields=mine(run.fields), series=mine(run.series), files=mine(run.files), file_sets={}
    )
    from hooks.runs.neptune import READER

    monkeypatch.setattr(type(READER), "overview", lambda self, ref, cache=False: overview_of(bare))
    assert main(["runs", str(tmp_path / ".neptune")]) == 0
    out = capsys.readouterr().out
    assert LEGEND not in out and table(out)["plain"] == ["1", "0", "1"]
