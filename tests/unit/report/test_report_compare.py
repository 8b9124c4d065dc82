"""`hooks report RUN RUN …`: two real trainings compared on one page, opened in Chromium (hover a
chart and read its values, move an image step slider), and the parts that decide what the page
shows: chart families, images per step, thinning, the fields that differ, logs, per-class tables.
Runs the neptune client writes itself cover what a training never makes (names shared by two runs,
hardware series with one point)."""

from __future__ import annotations

import base64
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest

from hooks.cli import main
from hooks.report.chartdata import MAX_SHOWN, shown
from hooks.report.families import families, per_class_key
from hooks.report.html import write_report
from hooks.report.images import image_slots, step_of
from hooks.runs import FileRef, Point, Run, Series
from hooks.runs import Run as RunLog
from hooks.runs.neptune.read import find_runs, read_run
from tests.conftest import REPO, neptune_run

from .test_report import Opened, Page, png


@pytest.fixture(scope="module")
def pair(trained: tuple[Path, RunLog], per_class_detect: Any) -> tuple[RunLog, RunLog]:
    """Two real trainings: the session's `default` one (2 epochs, imgsz 64) and the `full` one of
    tests/acceptance/test_real_per_class.py (10 epochs, imgsz 128: validation images at epochs 5 and 10,
    per-class series, a confusion matrix)."""
    second: RunLog = per_class_detect.run
    return trained[1], second


def fmt(value: float) -> str:
    """What the page's legend shows for a value (6 significant digits)."""
    return str(int(value)) if value.is_integer() else f"{value:.6g}"


# --------------------------------------------------------------------------
# Two real trainings in Chromium


def test_two_real_trainings_compared_in_chromium_hover_reads_values_and_the_slider_pages_images(
    pair: tuple[RunLog, RunLog], tmp_path: Path, chromium: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = pair
    out = tmp_path / "compare.html"
    assert main(["report", str(first.path), str(second.path), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    page = Page(out.read_text(encoding="utf-8"))

    # One colour per run, the same on every chart.
    colours: dict[str, set[str]] = {}
    for chart in page.data["charts"].values():
        for line in chart["lines"]:
            colours.setdefault(line["label"], set()).add(line["color"])
    assert set(colours) == {"demo", "detect"}
    assert all(len(c) == 1 for c in colours.values()) and colours["demo"] != colours["detect"]

    # Only the hyperparameters that differ; last and best of both runs side by side.
    differ = page.rows["differs-table"]
    assert differ["Configuration/Hyperparameters/imgsz"].split()[1:] == ["64", "128"]
    assert differ["Configuration/Hyperparameters/epochs"].split()[1:] == ["2", "10"]
    assert "Configuration/Hyperparameters/batch" not in differ and "Configuration/Hyperparameters/task" not in differ
    # The final validation's confusion matrix (`full`), as numbers: the CSV's counts, a row per prediction.
    (csv_key,) = [k for k in second.files if k.endswith("confusion_matrix.csv")]
    csv_path = second.files[csv_key].file_path
    assert csv_path is not None
    lines = [line.split(",") for line in csv_path.read_text(encoding="utf-8").splitlines()]
    matrix = page.rows["confusion-1-0"]
    assert (
        list(matrix)
        == [*(line[0] for line in lines[1:]), "(total)"]
        == ["circle", "square", "triangle", "background", "(total)"]
    )
    for line in lines[1:]:
        assert matrix[line[0]].split() == line
    assert sum(map(float, matrix["(total)"].split()[1:4])) > 0  # the validation set's instances
    box = page.rows["summary-table"]["train/box_loss"].split()
    assert box[1:3] == [fmt(first.series["train/box_loss"][-1].value), "@2"]  # type: ignore[arg-type]
    assert box[5:7] == [fmt(second.series["train/box_loss"][-1].value), "@10"]  # type: ignore[arg-type]

    opened = Opened(chromium, out)
    assert opened.page.evaluate("document.querySelectorAll('#runs-table tbody tr').length") == 2

    # Hover the train/box_loss chart: the legend reads each run's exact value at the step under the
    # cursor, and "–" for a run that has none there.
    chart = opened.page.locator("section[data-group='train|loss'] .plot-box", has_text="box_loss").first
    chart.scroll_into_view_if_needed()
    area = chart.locator(".u-over").bounding_box()
    assert area is not None
    plot = chart.locator(".plot")
    assert plot.get_attribute("data-x-range") == "1 10"
    legend = chart.locator(".u-legend .u-series .u-value")

    def hover(step: int) -> list[str]:
        assert area is not None
        x = area["x"] + area["width"] * (step - 1) / 9  # steps 1..10 across the plot
        opened.page.mouse.move(x, area["y"] + area["height"] / 2, steps=3)
        opened.page.wait_for_function(f"el => el.textContent === '{step}'", arg=legend.first.element_handle())
        return legend.all_inner_texts()[1:3]

    for step, logged_by in ((2, (0, 1)), (7, (1,))):  # epoch 7: only the 10-epoch run has it
        for index, (run, text) in enumerate(zip((first, second), hover(step), strict=True)):
            logged = [p.value for p in run.series["train/box_loss"] if p.step == step]
            if index in logged_by:
                assert float(text) == pytest.approx(logged[0], rel=1e-5), (step, run.name)
            else:
                assert logged == [] and text == "–", (step, run.name)
    # Drag to zoom: the x axis narrows; double-click resets it.
    opened.page.mouse.move(area["x"] + 2, area["y"] + 20)
    opened.page.mouse.down()
    opened.page.mouse.move(area["x"] + area["width"] * 0.5, area["y"] + 20, steps=5)
    opened.page.mouse.up()
    low, high = map(float, str(plot.get_attribute("data-x-range")).split())
    assert 1 <= low < high <= 6
    opened.page.mouse.dblclick(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)
    assert plot.get_attribute("data-x-range") == "1 10"

    # The validation images of epochs 5 and 10 (`full`), one step at a time; the first run has none.
    slot = opened.page.locator("figure[data-key='Validation/epoch-{step}/val_batch0_pred']")
    slider = slot.locator("input.step-slider")
    assert slider.get_attribute("data-steps") == "[5, 10]"
    assert slot.locator(".step-label").inner_text() == "step 10"
    pane = slot.locator(".pane[data-run='1']")

    def visible_src() -> str:
        (src,) = pane.evaluate("p => Array.from(p.querySelectorAll('img:not([hidden])')).map(i => i.src)")
        return str(src)

    def uploaded(epoch: int) -> str:
        ref = second.files[f"Validation/epoch-{epoch}/val_batch0_pred"]
        assert ref.file_path is not None
        return "data:image/jpeg;base64," + base64.b64encode(ref.file_path.read_bytes()).decode("ascii")

    assert visible_src() == uploaded(10)
    slider.fill("0")
    assert slot.locator(".step-label").inner_text() == "step 5" and visible_src() == uploaded(5)
    slider.focus()
    opened.page.keyboard.press("ArrowRight")
    assert slot.locator(".step-label").inner_text() == "step 10" and visible_src() == uploaded(10)
    assert pane.evaluate("p => p.querySelectorAll('img').length") == 2
    assert "no image at step 10" in slot.locator(".pane[data-run='0']").inner_text()

    # Smoothing draws the smoothed line and shows the raw one beside it; log scale redraws.
    opened.page.locator("#smoothing").fill("0.8")
    assert opened.page.inner_text("#smoothing-value") == "0.80"
    assert chart.locator(".plot.smoothed").count() == 1
    chart.locator("input.log-scale").check()
    low = float(str(chart.locator(".plot").get_attribute("data-y-range")).split()[0])
    assert low > 0

    # Per-class metrics of the run that logged them (`full`), a row per class of the dataset.
    # (tests/real_per_class_training.py also logs them under train_end/ and val_end/: a table each)
    assert opened.page.locator("table.per-class").evaluate_all("ts => ts.map(t => t.dataset.prefix)") == [
        "metrics",
        "train_end",
        "val_end",
    ]
    per_class = opened.page.locator("table.per-class[data-prefix='metrics']")
    assert per_class.count() == 1 and str(per_class.get_attribute("id")).startswith("per-class-1-")
    assert sorted(per_class.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")) == [
        "circle",
        "square",
        "triangle",
    ]

    assert opened.dialogs == [] and opened.errors == []
    assert [u for u in opened.requests if not u.startswith(("file:", "data:"))] == []

    if os.environ.get("HOOKS_UPDATE_SCREENSHOT") == "1":  # the README's screenshots
        opened.page.locator("#smoothing").fill("0")
        chart.locator("input.log-scale").uncheck()
        opened.page.set_viewport_size({"width": 1280, "height": 1000})
        opened.page.evaluate("window.scrollTo(0, 0)")
        opened.page.screenshot(path=str(REPO / "docs" / "report-compare.png"))
        section = opened.page.locator("section[data-group='train|loss']")
        section.scroll_into_view_if_needed()
        area = chart.locator(".u-over").bounding_box()
        assert area is not None
        opened.page.mouse.move(area["x"] + area["width"] / 2, area["y"] + area["height"] * 0.3, steps=3)
        section.screenshot(path=str(REPO / "docs" / "report-charts.png"))


# --------------------------------------------------------------------------
# Picking runs


def test_runs_are_picked_by_id_prefix_or_name_and_a_shared_name_lists_its_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("alpha", "beta", "beta"):
        run = neptune_run(name)
        run["train/loss"].append(1.0, step=1)
        run["train/loss"].append(0.5, step=2)
        run.stop()
    runs = [read_run(p) for p in find_runs(tmp_path / ".neptune")]
    alpha = next(r for r in runs if r.name == "alpha")
    betas = [r for r in runs if r.name == "beta"]
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()

    assert main(["report", "alpha", "beta"]) == 1
    err = capsys.readouterr().err
    assert f"2 runs in {tmp_path / '.neptune'} are named 'beta'; name one by its id" in err
    assert all(str(b.run_id)[:8] in err for b in betas) and str(alpha.run_id)[:8] not in err

    assert main(["report", "alpha", str(betas[0].run_id)[:8]]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written == tmp_path / f"hooks-compare-{str(alpha.run_id)[:8]}-{str(betas[0].run_id)[:8]}.html"
    page = Page(written.read_text(encoding="utf-8"))
    assert page.text["h1"] == "2 runs compared"
    # Two runs named alike keep apart on the page: the label adds the start of the id.
    assert set(page.rows["runs-table"]) == {"0", "1"}

    # Every name that does not work is reported at once.
    assert main(["report", "nope", "alpha", "zilch"]) == 1
    err = capsys.readouterr().err
    assert "no run 'nope'" in err and "no run 'zilch'" in err and "nor a run's name" in err

    # Named twice: one run.
    assert main(["report", "alpha", str(alpha.path), "-o", "one.html"]) == 0
    assert Page((tmp_path / "one.html").read_text(encoding="utf-8")).text["h1"] == "alpha"


# --------------------------------------------------------------------------
# What the page is made of


def test_families_keep_losses_metrics_and_learning_rates_off_one_axis() -> None:
    keys = [
        "res/train/box_loss",
        "res/train/cls_loss",
        "res/metrics/mAP50(B)",
        "res/metrics/precision(B)",
        "res/lr/pg0",
        "res/box_loss_sum",
        "res/mAP",
        "train/batch/box_loss",
        "train/box_loss",
        "monitoring/a1b2/cpu",
        "monitoring/c3d4/cpu",
        "monitoring/a1b2/memory",
        "monitoring/a1b2/gpu_0",
        "monitoring/a1b2/gpu_1",
        "monitoring/a1b2/gpu_0_memory",
        "metrics/per_class/circle/mAP50(B)",
    ]
    found = {f.id: f.keys for f in families(keys)}
    assert found == {
        "train|loss": ("train/box_loss",),
        "train/batch|loss": ("train/batch/box_loss",),
        "res|loss": ("res/box_loss_sum",),
        "res|metric": ("res/mAP",),
        "res/lr|lr": ("res/lr/pg0",),
        "res/metrics|metric": ("res/metrics/mAP50(B)", "res/metrics/precision(B)"),
        "res/train|loss": ("res/train/box_loss", "res/train/cls_loss"),
        "monitoring/cpu|system": ("monitoring/a1b2/cpu", "monitoring/c3d4/cpu"),
        "monitoring/gpu|system": ("monitoring/a1b2/gpu_0", "monitoring/a1b2/gpu_1"),
        "monitoring/gpu_memory|system": ("monitoring/a1b2/gpu_0_memory",),
        "monitoring/memory|system": ("monitoring/a1b2/memory",),
    }
    assert [f.id for f in families(keys)][:2] == ["train|loss", "train/batch|loss"]  # Ultralytics' order first
    assert [f.title for f in families(["res/box_loss", "res/mAP"])] == ["res/ losses", "res/ metrics"]
    assert per_class_key("metrics/per_class/circle/mAP50(B)") is not None
    assert per_class_key("metrics/per_class/mAP50(B)") is None  # no class segment


def test_images_with_a_step_in_their_key_become_one_slot_with_a_slider(tmp_path: Path) -> None:
    assert step_of("Validation/epoch-10/val_batch0_pred") == ("Validation/epoch-{step}/val_batch0_pred", 10)
    assert step_of("Images/step_3/x") == ("Images/step_{step}/x", 3)
    assert step_of("Images/12/val_batch1_pred") == ("Images/{step}/val_batch1_pred", 12)
    assert step_of("Validation/val_batch1_pred") is None  # "batch" is not a step
    run = neptune_run("images")
    for epoch in (5, 10):
        for batch in (0, 1):
            run[f"Validation/epoch-{epoch}/val_batch{batch}_pred"].upload(str(png(tmp_path / f"{epoch}-{batch}.png")))
    run["Validation/epoch-5/only_once"].upload(str(png(tmp_path / "once.png")))
    run.stop()
    (path,) = find_runs(tmp_path / ".neptune")
    slots, _ = image_slots([read_run(path)])
    assert {s.key: s.steps for s in slots} == {
        "Validation/epoch-{step}/val_batch0_pred": [5, 10],
        "Validation/epoch-{step}/val_batch1_pred": [5, 10],
        "Validation/epoch-5/only_once": [None],  # one step only: a plain tile
    }


def _points(values: list[float]) -> list[Point]:
    return [Point(float(i), v, None, "float") for i, v in enumerate(values)]


def test_a_long_series_is_thinned_to_logged_points_keeping_every_extreme() -> None:
    values = [
        math.sin(i / 500) + (5.0 if i == 123_457 else 0.0) - (7.0 if i == 400_001 else 0.0) for i in range(500_000)
    ]
    values[250_000] = math.nan
    points = _points(values)
    drawn = shown(points)
    assert drawn.total == 500_000 and drawn.thinned and len(drawn.x) <= MAX_SHOWN
    logged = {p.step: p.value for p in points}
    assert all(y == logged[x] or (y is None and math.isnan(logged[x])) for x, y in zip(drawn.x, drawn.y, strict=True))
    assert drawn.x[0] == 0 and drawn.x[-1] == 499_999  # the ends stay
    assert 123_457 in drawn.x and 400_001 in drawn.x  # a spike and a dip survive
    assert drawn.x == sorted(drawn.x)
    short = shown(_points([1.0, 2.0]))
    assert short.x == [0, 1] and not short.thinned


def test_single_points_and_hardware_series_get_sensible_axes_and_logs_are_text(tmp_path: Path, chromium: Any) -> None:
    run = neptune_run("system")
    run["monitoring/abcd/cpu"].append(87.5, step=1)  # one reading: a number, not a one-dot chart
    run["monitoring/abcd/memory"].append(1.25, step=1)
    run["monitoring/abcd/memory"].append(1.33, step=2)
    run["monitoring/abcd/stdout"].append("epoch 1 <done>\n")
    run["monitoring/abcd/stdout"].append("epoch 2 done\n")
    run["metrics/flat"].append(1.0, step=1)
    run["metrics/flat"].append(1.0, step=2)
    run.stop()
    (path,) = find_runs(tmp_path / ".neptune")
    out = write_report(read_run(path), tmp_path / "report.html")
    page = Page(out.read_text(encoding="utf-8"))
    assert page.groups["monitoring/cpu|system"] == []
    assert "87.5" in page.rows["stats-monitoring/cpu|system"]["monitoring/abcd/cpu"]

    opened = Opened(chromium, out)
    memory = opened.page.locator("section[data-group='monitoring/memory|system'] .plot")
    assert memory.get_attribute("data-y-range", timeout=5000).split()[0] == "0"  # type: ignore[union-attr]
    flat = opened.page.locator("section[data-group='metrics|metric'] .plot")
    assert flat.get_attribute("data-y-range") == "0 1.25"  # a constant: from zero, not 0.95 to 1.05
    log = opened.page.locator("details.log[data-key='monitoring/abcd/stdout']")
    assert not log.evaluate("d => d.open")
    log.locator("summary").click()
    assert log.locator("pre").inner_text() == "epoch 1 <done>\nepoch 2 done"
    assert "stdout" not in "".join(page.groups)  # text is never charted
    assert opened.errors == []


def test_only_differing_fields_are_compared_and_per_class_series_are_a_table(tmp_path: Path) -> None:
    for name, lr, batch in (("a", 0.01, 16), ("b", 0.02, 16)):
        run = neptune_run(name)
        run["params/lr0"] = lr
        run["params/batch"] = batch
        if name == "b":
            run["params/extra"] = "only here"
        for cls, base in (("circle", 0.2), ("square", 0.5), ("tri/angle", 0.1)):
            for step in (1, 2, 3):
                run[f"metrics/per_class/{cls}/mAP50(B)"].append(base * step, step=step)
        run.stop()
    found = {read_run(p).name: read_run(p) for p in find_runs(tmp_path / ".neptune")}
    out = write_report([found["a"], found["b"]], tmp_path / "compare.html")
    page = Page(out.read_text(encoding="utf-8"))
    assert set(page.rows["differs-table"]) == {"params/lr0", "params/extra"}
    assert page.rows["differs-table"]["params/extra"].split() == ["params/extra", "–", "only", "here"]
    table = page.rows["per-class-0-1"]
    # A "/" in a class name is a folder to Neptune: that series is not per-class, and is charted instead.
    assert set(table) == {"circle", "square"}
    assert table["square"].split()[1] == "1.5"
    assert '<svg class="spark"' in out.read_text(encoding="utf-8")
    charted = {line["label"] for chart in page.data["charts"].values() for line in chart["lines"]}
    assert charted == {"a", "b"}  # the one chart: tri/angle's series, a line per run
    assert "metrics/per_class/tri/angle|metric" in page.groups


# --------------------------------------------------------------------------
# What the audit found unnoticed: the bold "better" best, the confusion matrix's totals


def _run(name: str, series: dict[str, list[tuple[float, float]]], files: dict[str, FileRef] | None = None) -> Run:
    return Run(
        tracker="neptune",
        id=f"{name}0000000",
        location=f"/runs/{name}",
        created="2026-01-02T03:04:05+00:00",
        name=name,
        tags=(),
        series={k: Series.of([Point(s, v, None, "float") for s, v in pts]) for k, pts in series.items()},
        fields={},
        files=files or {},
    )


def _cell_classes(text: str, table: str, key: str) -> list[str]:
    """The class of every <td> of the row ``key`` of table ``table``, in order."""
    body = re.search(rf'<table id="{table}".*?</table>', text, re.S)
    assert body is not None
    row = re.search(rf'<tr data-key="{re.escape(key)}">(.*?)</tr>', body.group(0), re.S)
    assert row is not None, key
    return re.findall(r'<td(?: class="([^"]*)")?', row.group(1))


def test_the_bold_better_best_is_the_lower_loss_and_the_higher_metric(tmp_path: Path) -> None:
    # A loss: the lower best wins (a's 0.4, though a's last value is the higher one).
    # A metric: the higher best wins (b's 0.65).
    a = _run(
        "a", {"train/box_loss": [(1, 0.9), (2, 0.4), (3, 0.6)], "metrics/mAP50(B)": [(1, 0.2), (2, 0.5), (3, 0.45)]}
    )
    b = _run(
        "b", {"train/box_loss": [(1, 0.8), (2, 0.7), (3, 0.5)], "metrics/mAP50(B)": [(1, 0.3), (2, 0.65), (3, 0.6)]}
    )
    text = write_report([a, b], tmp_path / "compare.html").read_text(encoding="utf-8")
    better = "num better"
    # cells: series, a's last, a's best, b's last, b's best
    assert _cell_classes(text, "summary-table", "train/box_loss") == ["", "num", better, "num", "num"]
    assert _cell_classes(text, "summary-table", "metrics/mAP50(B)") == ["", "num", "num", "num", better]
    rows = Page(text).rows["summary-table"]
    assert rows["train/box_loss"].split() == ["train/box_loss", "0.6", "@3", "0.4", "@2", "0.5", "@3", "0.5", "@3"]
    assert rows["metrics/mAP50(B)"].split()[7:9] == ["0.65", "@2"]


def test_the_confusion_matrix_total_row_sums_each_true_class_column(tmp_path: Path) -> None:
    csv_path = tmp_path / "confusion_matrix.csv"
    csv_path.write_text(
        "predicted \\ true,circle,square,background\ncircle,5,1,2\nsquare,0,7,3\nbackground,4,0,0\n", encoding="utf-8"
    )
    ref = FileRef(csv_path, "csv", True, csv_path.stat().st_size)
    run = _run("a", {"train/box_loss": [(1, 0.5)]}, {"Validation/confusion_matrix": ref})
    page = Page(write_report([run], tmp_path / "report.html").read_text(encoding="utf-8"))
    matrix = page.rows["confusion-0-0"]
    lines = [line.split(",") for line in csv_path.read_text(encoding="utf-8").splitlines()]
    column_sums = [str(sum(int(line[i]) for line in lines[1:])) for i in (1, 2, 3)]
    assert column_sums == ["9", "8", "5"]  # the row sums would be 8, 10, 4
    assert matrix["(total)"].split() == ["total", *column_sums]
    assert matrix["square"].split() == ["square", "0", "7", "3"]
