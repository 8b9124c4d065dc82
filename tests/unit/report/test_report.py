"""`hooks runs` and `hooks report` on real Neptune offline runs: the real training of conftest's
`trained`, and runs written by the neptune client itself for the cases a training never makes
(hostile names, deleted files, a run cut off mid-write). One test opens the report in Debian's
Chromium (driven by Playwright, installed by scripts/test.sh) and looks at what it renders."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from hooks.cli import main
from hooks.report.charts import series_stats
from hooks.report.families import families
from hooks.report.html import write_report
from hooks.runs import SYSTEM_NAMESPACES
from hooks.runs import Run as RunLog
from hooks.runs.neptune.read import find_runs, read_run
from tests.conftest import neptune_run

NASTY_NAME = "<script>alert('name')</script>"
SERIES = "<img src=x onerror=alert('series')>"  # no "/": one series, not a folder


# --------------------------------------------------------------------------
# Reading the HTML back


class Page(HTMLParser):
    """What a test needs from a report: every element's attributes, the chart groups (the id of each
    interactive chart, or the src of each static one), the image figures (every image's src), the
    text of each keyed table row, and the chart data."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.groups: dict[str, list[str]] = {}  # data-group -> chart ids (or static chart srcs)
        self.figures: dict[str, dict[str, Any]] = {}  # data-key -> {"class", "src", "srcs"}
        self.data: dict[str, Any] = {}  # the charts' JSON
        self._json = False
        self.rows: dict[str, dict[str, str]] = {}  # table id -> data-key -> row text
        self.text: dict[str, str] = {}  # tag -> text of its first occurrence (h1, title)
        self._group: str | None = None
        self._figure: str | None = None
        self._tables: list[str] = []
        self._row: tuple[str, str] | None = None
        self._text_of: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        if tag == "section" and "data-group" in a:
            self._group = a["data-group"]
            self.groups[self._group] = []
        elif tag == "figure":
            self._figure = a["data-key"]
            self.figures[self._figure] = {"class": a.get("class", ""), "src": None, "srcs": []}
        elif tag == "img" and self._figure is not None:
            self.figures[self._figure]["src"] = a["src"]
            self.figures[self._figure]["srcs"].append(a["src"])
        elif tag == "img" and self._group is not None:
            self.groups[self._group].append(a["src"])
        elif tag == "div" and self._group is not None and "data-chart" in a:
            self.groups[self._group].append(a["data-chart"])
        elif tag == "script" and a.get("type") == "application/json":
            self._json = True
        elif tag == "table":
            self._tables.append(a.get("id", ""))
        elif tag == "tr" and "data-key" in a and self._tables:
            self._row = (self._tables[-1], a["data-key"])
            self.rows.setdefault(self._tables[-1], {})[a["data-key"]] = ""
        elif tag in ("h1", "title") and tag not in self.text:
            self._text_of = tag
            self.text[tag] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._group = None
        elif tag == "figure":
            self._figure = None
        elif tag == "table" and self._tables:
            self._tables.pop()
        elif tag == "tr":
            self._row = None
        elif tag == self._text_of:
            self._text_of = None

    def handle_data(self, data: str) -> None:
        if self._json:
            self.data = json.loads(data)
            self._json = False
        if self._row is not None:
            table, key = self._row
            self.rows[table][key] += data + " "
        if self._text_of is not None:
            self.text[self._text_of] += data


def decode(src: str) -> tuple[int, int]:
    """Size of the image in a data: URI; raises if it is not a complete, decodable image."""
    head, _, payload = src.partition(",")
    assert head.startswith("data:image/") and head.endswith(";base64"), head[:40]
    with Image.open(io.BytesIO(base64.b64decode(payload, validate=True))) as im:
        im.load()
        return im.size


def assert_no_external_reference(text: str, page: Page) -> None:
    for tag, attrs in page.elements:
        for name in ("src", "href"):
            if name in attrs:
                assert attrs[name].startswith(("data:", "#")), (tag, name, attrs[name][:80])
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)


def report(run: RunLog, out: Path) -> tuple[str, Page]:
    text = write_report(run, out).read_text(encoding="utf-8")
    return text, Page(text)


# --------------------------------------------------------------------------
# Runs written by the neptune client itself


def png(path: Path, size: tuple[int, int] = (40, 30)) -> Path:
    Image.new("RGB", size, (200, 40, 40)).save(path)
    return path


# --------------------------------------------------------------------------
# Chromium


class Opened:
    """A report loaded in Chromium, with everything the page said and asked for while loading."""

    def __init__(self, context: Any, path: Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri(), wait_until="load")

    def images(self) -> list[tuple[str, bool, int]]:
        js = "Array.from(document.images).map(i => [i.getAttribute('alt'), i.complete, i.naturalWidth])"
        return [tuple(x) for x in self.page.evaluate(js)]


# --------------------------------------------------------------------------
# Reports of the real training


def family_keys(run: RunLog) -> dict[str, tuple[str, ...]]:
    return {family.id: family.keys for family in families(run.float_series())}


def system(key: str) -> bool:
    return "/" in key and key.split("/", 1)[0] in SYSTEM_NAMESPACES


def test_report_of_a_real_training_has_a_chart_per_family_every_image_and_every_field(
    trained: tuple[Path, RunLog], tmp_path: Path
) -> None:
    save_dir, run = trained
    text, page = report(run, tmp_path / "report.html")

    # One chart per family: losses, metrics and learning rates apart, each drawn from the logged points.
    assert {"train|loss", "val|loss", "metrics|metric", "lr|lr"} <= set(page.groups)
    for group, charts in page.groups.items():
        # A family whose series are single points (one CPU reading) is a table, not a one-dot chart.
        keys = family_keys(run)[group]
        assert len(charts) == (1 if any(len(run.series[k]) > 1 for k in keys) else 0), group
    (train,) = page.groups["train|loss"]
    lines = {line["label"]: line for line in page.data["charts"][train]["lines"]}
    assert set(lines) == {"box_loss", "cls_loss", "dfl_loss"}
    assert lines["box_loss"]["y"] == [p.value for p in run.series["train/box_loss"]]
    assert lines["box_loss"]["x"] == [p.step for p in run.series["train/box_loss"]]
    assert len({line["color"] for line in lines.values()}) == 3

    # Every uploaded image, embedded, and the very image Ultralytics wrote (same pixel size).
    images = {k for k, ref in run.files.items() if ref.ext in ("jpg", "png")}
    assert {"Mosaic/train_batch0", "Validation/val_batch0_pred", "Plots/results", "Plots/confusion_matrix"} <= images
    assert set(page.figures) == images
    for key in images:
        ref = run.files[key]
        assert ref.file_path is not None
        with Image.open(ref.file_path) as original:
            assert decode(page.figures[key]["src"]) == original.size, key

    # Other files with their path and size.
    weights = page.rows["files-table"]["weights/demo/best.pt"]
    assert str(save_dir / "weights" / "best.pt") in weights and "MiB" in weights and "missing" not in weights

    # Every field, sorted, with its value: the training's under Fields, Neptune's own under System.
    keys = list(page.rows["fields-table"])
    assert set(keys) == {k for k in run.fields if not system(k)}
    assert keys == sorted(keys, key=lambda k: (k.lower(), k))
    assert set(page.rows["system-fields"]) == {k for k in run.fields if system(k)} >= {"sys/name", "sys/failed"}
    assert page.rows["fields-table"]["Configuration/Hyperparameters/imgsz"].split()[1:] == ["64", "int"]
    assert page.text["h1"] == "demo" and "detect" in text and "neptune 1." in text

    assert_no_external_reference(text, page)
    # And the browser would refuse anything else: images from data: only, no other source at all.
    (csp,) = [
        a["content"] for tag, a in page.elements if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp.startswith("default-src 'none'; img-src data:; style-src 'sha256-")
    assert "unsafe" not in csp


def test_static_charts_are_images_drawn_from_the_same_families(trained: tuple[Path, RunLog], tmp_path: Path) -> None:
    _, run = trained
    text = write_report(run, tmp_path / "static.html", static=True).read_text(encoding="utf-8")
    page = Page(text)
    assert {"train|loss", "val|loss", "metrics|metric", "lr|lr"} <= set(page.groups)
    for group, srcs in page.groups.items():
        keys = family_keys(run)[group]
        assert len(srcs) == (1 if any(len(run.series[k]) > 1 for k in keys) else 0), group
        assert all(decode(src) == (640, 320) for src in srcs), group
    assert page.data == {} and "var uPlot" not in text  # no chart library, no chart data


def test_last_and_best_values_of_a_real_training(trained: tuple[Path, RunLog], tmp_path: Path) -> None:
    _, run = trained
    losses = [p.value for p in run.series["train/box_loss"]]
    assert series_stats("train/box_loss", run.series["train/box_loss"]).best == min(losses)
    metric = run.series["metrics/mAP50-95(B)"]
    stats = series_stats("metrics/mAP50-95(B)", metric)
    assert stats.best == max(p.value for p in metric) and stats.rule == "max"
    assert (stats.last, stats.last_step) == (metric[-1].value, metric[-1].step) == (metric[-1].value, 3)
    assert series_stats("lr/pg0", run.series["lr/pg0"]).best is None  # a schedule has no best
    html = write_report(run, tmp_path / "report.html").read_text(encoding="utf-8")
    last_lr = run.series["lr/pg0"][-1].value
    assert isinstance(last_lr, float)
    assert f'<td><code>pg0</code></td><td class="num">2</td><td class="num">{last_lr:.6g} ' in html


def test_the_report_renders_in_chromium_without_errors(
    trained: tuple[Path, RunLog], tmp_path: Path, chromium: Any
) -> None:
    _, run = trained
    out = write_report(run, tmp_path / "report.html")
    opened = Opened(chromium, out)

    images = opened.images()
    expected = sum(1 for ref in run.files.values() if ref.ext in ("jpg", "png"))
    assert len(images) == expected
    assert [img for img in images if not (img[1] and img[2] > 0)] == []
    # Every chart drawn: a canvas in each holder.
    holders = opened.page.evaluate("document.querySelectorAll('.plot[data-chart]').length")
    drawn = opened.page.evaluate("document.querySelectorAll('.plot[data-chart] canvas').length")
    assert holders >= 4 and drawn == holders
    assert opened.errors == []
    assert [u for u in opened.requests if not u.startswith(("file:", "data:"))] == []

    # The artifact: the whole page.
    opened.page.screenshot(path=str(tmp_path / "report-full.png"), full_page=True)
    with Image.open(tmp_path / "report-full.png") as shot:
        assert shot.size[0] == 1280 and shot.size[1] > 2000

    # Full size on click: the overlay shows the same image at its own resolution; Escape closes it.
    opened.page.click("figure[data-key='Plots/results'] img")
    assert opened.page.evaluate("document.querySelector('#lightbox img').naturalWidth") == 2400
    opened.page.keyboard.press("Escape")
    assert opened.page.query_selector("#lightbox") is None

    # The filter box keeps the matching fields only.
    shown_fields = [k for k in run.fields if not system(k)]
    opened.page.fill("#field-filter", "imgsz")
    visible = opened.page.evaluate(
        "Array.from(document.querySelectorAll('#fields-table tbody tr:not([hidden])')).length"
    )
    assert visible == sum(1 for k in shown_fields if "imgsz" in f"{k} {run.fields[k]}".lower())
    assert opened.page.inner_text("#field-count") == f"{visible} of {len(shown_fields)} fields"

    # Captured stdout is text, collapsed until opened.
    log = opened.page.query_selector("details.log[data-key$='/stdout']")
    assert log is not None and not log.evaluate("d => d.open")
    log.click()
    stdout_key = log.get_attribute("data-key")
    assert stdout_key is not None
    first_line = str(run.series[stdout_key][0].value).strip()
    assert first_line and first_line in log.inner_text()
    assert opened.errors == []


def test_a_run_cut_off_mid_write_still_reports(trained: tuple[Path, RunLog], tmp_path: Path) -> None:
    _, whole = trained
    copy = Path(shutil.copytree(whole.path, tmp_path / whole.path.name))
    last_log = sorted(copy.glob("data-*.log"), key=lambda p: int(p.stem.split("-")[1]))[-1]
    data = last_log.read_bytes()
    last_line_start = data.rstrip(b"\n").rfind(b"\n") + 1
    last_log.write_bytes(data[: last_line_start + (len(data) - last_line_start) // 2])  # half a line, no "\n"

    run = read_run(copy)
    assert run.op_count == whole.op_count - 1
    assert any("incomplete last line" in p for p in run.problems)
    text, page = report(run, tmp_path / "report.html")
    assert 'id="problems"' in text and "incomplete last line" in text
    assert set(page.groups) >= {"train|loss", "metrics|metric"}
    assert set(page.rows["fields-table"]) | set(page.rows["system-fields"]) == set(run.fields)


# --------------------------------------------------------------------------
# Runs from the neptune client: hostile strings, deleted files, several runs


def test_strings_from_the_run_are_escaped_and_inert(tmp_path: Path, chromium: Any) -> None:
    evil_file = png(tmp_path / "<img src=x onerror=alert('file')>.png")
    not_png = tmp_path / "fake.png"
    not_png.write_bytes(b"<script>alert('bytes')</script>")
    run = neptune_run(NASTY_NAME, tags=("<b>tag</b>",))
    run["cfg/<img src=x onerror=alert('key')>"] = "</td></tr></table><script>alert('value')</script>"
    run["train/<i>loss</i>"].append(0.5, step=1)
    run[f"train/{SERIES}"].append(0.5, step=1)
    run[f"train/{SERIES}"].append(0.25, step=2)
    run["Plots/evil"].upload(str(evil_file))
    run["Plots/fake"].upload(str(not_png))
    run.stop()
    (path,) = find_runs(tmp_path / ".neptune")

    text, page = report(read_run(path), tmp_path / "report.html")
    assert text.count("<script") == 3  # the report's own: chart data, chart library, page script
    assert "<img src=x" not in text and "<b>tag" not in text and "<i>loss" not in text
    # In the chart data, the label is JSON with every "<" escaped: the page's script reads it as text.
    assert [line["label"] for chart in page.data["charts"].values() for line in chart["lines"]] == [SERIES]
    assert SERIES not in text and SERIES.replace("<", "\\u003c") in text
    assert page.text["h1"] == NASTY_NAME and page.text["title"].startswith(NASTY_NAME)
    assert "cfg/<img src=x onerror=alert('key')>" in page.rows["fields-table"]
    assert decode(page.figures["Plots/evil"]["src"]) == (40, 30)
    # Named .png, but not an image: listed with the files, never put in an <img>.
    assert "Plots/fake" not in page.figures
    assert "its bytes are not one" in page.rows["files-table"]["Plots/fake"]

    opened = Opened(chromium, tmp_path / "report.html")
    assert opened.dialogs == [] and opened.errors == []
    assert opened.page.evaluate("document.scripts.length") == 3
    assert opened.page.inner_text("h1") == NASTY_NAME
    assert SERIES in opened.page.inner_text(".plot .u-legend")  # the chart's legend shows it as text
    assert all(img[2] > 0 for img in opened.images())


def test_files_deleted_since_the_training_are_shown_as_missing(tmp_path: Path) -> None:
    image = png(tmp_path / "val_batch0_pred.jpg")
    weights = tmp_path / "best.pt"
    weights.write_bytes(b"weights")
    kept = png(tmp_path / "results.png", (64, 48))
    run = neptune_run("missing")
    run["Validation/val_batch0_pred"].upload(str(image))
    run["weights/best.pt"].upload(str(weights))
    run["Plots/results"].upload(str(kept))
    run.stop()
    image.unlink()
    weights.unlink()
    (path,) = find_runs(tmp_path / ".neptune")

    _, page = report(read_run(path), tmp_path / "report.html")
    missing = page.figures["Validation/val_batch0_pred"]
    assert missing["class"].split() == ["slot", "missing-image"] and missing["src"] is None
    assert decode(page.figures["Plots/results"]["src"]) == (64, 48)
    row = page.rows["files-table"]["weights/best.pt"]
    assert "missing" in row and str(weights) in row


def _three_runs() -> None:
    for name, series in (("first", 1), ("second", 2), ("third", 3)):
        run = neptune_run(name, tags=("yolo", name))
        for i in range(series):
            run[f"train/loss{i}"].append(1.0, step=1)
        run["Configuration/name"] = name
        run.stop()


def test_hooks_runs_lists_newest_first_with_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _three_runs()
    capsys.readouterr()  # the client's own messages
    assert main(["runs", str(tmp_path / ".neptune")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        *("id", "created", "(UTC)", "name", "tags", "status", "duration", "epochs", "best", "metrics/mAP50-95(B)"),
        *("series", "files", "fields"),
    ]
    rows = [line.split() for line in lines[1:-2]]
    assert lines[-1].startswith("(+N): kept by the tracker and yaml-hooks themselves, under ")
    assert lines[-2].startswith("ended: not written by yaml-hooks")  # plain Neptune runs, stopped
    assert [r[3] for r in rows] == ["third", "second", "first"]
    assert [r[4] for r in rows] == ["third,yolo", "second,yolo", "first,yolo"]
    assert [(r[5], r[7], r[8]) for r in rows] == [("ended", "1", "-")] * 3  # train/loss0 at step 1; no mAP
    # what each training logged, each followed by "(+N)" where Neptune's own entries (sys/ …) add some
    assert [[c for c in r[9:] if not c.startswith("(+")] for r in rows] == [
        ["3", "0", "1"],
        ["2", "0", "1"],
        ["1", "0", "1"],
    ]
    assert all(r[-1].startswith("(+") for r in rows)  # every run has sys/ fields
    assert re.fullmatch(r"[0-9a-f]{8}", rows[0][0]) and re.fullmatch(r"\d{4}-\d\d-\d\d", rows[0][1])

    # With no DIR: $NEPTUNE_DATA_DIRECTORY, as the client itself.
    assert main(["runs"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == lines[1:]

    monkeypatch.setenv("NEPTUNE_DATA_DIRECTORY", str(tmp_path / "nowhere"))
    assert main(["runs"]) == 1
    err = capsys.readouterr().err
    assert f"no Neptune offline run found in {tmp_path / 'nowhere'}" in err
    assert str(tmp_path / "nowhere" / "offline") in err and "hooks runs demo-work" in err


def test_hooks_report_picks_a_run_by_id_the_latest_or_says_why_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _three_runs()
    runs = {read_run(p).name: read_run(p) for p in find_runs(tmp_path / ".neptune")}
    first = runs["first"].run_id
    assert first is not None
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()  # the client's own messages

    assert main(["report", first[:8]]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written == tmp_path / f"hooks-report-{first[:8]}.html"
    assert Page(written.read_text(encoding="utf-8")).text["h1"] == "first"

    assert main(["report", "--latest", "-o", "sub/latest.html"]) == 0
    assert Page((tmp_path / "sub" / "latest.html").read_text(encoding="utf-8")).text["h1"] == "third"
    assert main(["report", str(runs["second"].path), "-o", "second.html"]) == 0
    assert Page((tmp_path / "second.html").read_text(encoding="utf-8")).text["h1"] == "second"
    capsys.readouterr()

    assert main(["report", "zzzz"]) == 1
    assert "no run 'zzzz'" in capsys.readouterr().err
    assert main(["report", "run__"]) == 1
    assert "matches 3 runs" in capsys.readouterr().err
    assert main(["report", str(tmp_path / ".neptune")]) == 1
    assert "holds 3 runs" in capsys.readouterr().err
    assert main(["report", "--latest", "--dir", str(tmp_path / "empty")]) == 1
    assert "no Neptune offline run found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["report", first, "--latest"])
    assert usage.value.code == 2


def test_the_report_modules_do_not_import_matplotlib_until_a_report_is_drawn() -> None:
    code = "import sys, hooks.report.html, hooks.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
