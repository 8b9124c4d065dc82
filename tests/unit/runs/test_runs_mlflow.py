"""MLflow runs read back (hooks.runs.mlflow) by `hooks runs` and `hooks report`: a real `mlflow
server` (and a SQLite store) holding a run a simulated training logged through `sink.mlflow`;
the report opened in Chromium; a Neptune offline run and an MLflow run on one page; a tracking
URI with credentials never printed as it is."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.cli import main
from hooks.runs import Store, StoreError, mask_uri, reader
from hooks.testing import simulate_training
from tests.conftest import neptune_run
from tests.unit.report.test_report import Opened, Page

QUIET = "{capture: {stdout: false, stderr: false, traceback: false, hardware_metrics: false, git: false}}"
NEPTUNE_WARNINGS = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# What the stand-in training (seed 0, 3 epochs) logs, as its own results.csv has it.
BOX_LOSS = [(1.0, 1.51116), (2.0, 1.13591), (3.0, 1.0413)]
MAP50_95 = [(1.0, 0.35123), (2.0, 0.48468), (3.0, 0.54536)]  # and the final validation's at step 4


def config(uri: str, experiment: str, *, neptune: bool = False) -> str:
    sink = f'mlflow: {{tracking_uri: "{uri}", experiment: {experiment}, drain_seconds: 20}}'
    return f"version: 1\nextends: default\nsink: {{{sink}, neptune: {QUIET if neptune else 'false'}}}\n"


def train(work: Path, text: str) -> Path:
    (work / "hooks.yaml").write_text(text)
    trainer = simulate_training(dict(hooks.load(work / "hooks.yaml")), work / "runs" / "exp", epochs=3)
    return Path(trainer.save_dir)


@dataclass(frozen=True)
class Logged:
    uri: str
    run_id: str
    save_dir: Path


@pytest.fixture(scope="module")
def logged(mlflow_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Logged:
    """A simulated training logged to the session's MLflow server, experiment runs-read."""
    save_dir = train(tmp_path_factory.mktemp("mlflow-logged"), config(mlflow_server.uri, "runs-read"))
    client = mlflow_server.client()
    experiment = client.get_experiment_by_name("runs-read")
    (run,) = client.search_runs([experiment.experiment_id])
    return Logged(mlflow_server.uri, run.info.run_id, save_dir)


def table(out: str) -> tuple[list[str], dict[str, list[str]]]:
    """`hooks runs`' header cells and its rows by id (cells split on two spaces or more)."""
    lines = out.splitlines()
    head = re.split(r"\s{2,}", lines[0].strip())
    rows = {}
    for line in lines[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == len(head):
            rows[cells[head.index("id")]] = cells
    return head, rows


# -------------------------------------------------------------------------------- the reader
def test_the_mlflow_reader_gives_series_at_their_steps_params_as_fields_and_artifacts_as_files(
    logged: Logged,
) -> None:
    mlflow = reader("mlflow")
    (ref,) = [r for r in mlflow.find(Store("mlflow", logged.uri)) if r.id == logged.run_id]
    run = mlflow.read(ref)
    assert (run.tracker, run.id, run.name, run.status) == ("mlflow", logged.run_id, "exp", "finished")
    box = run.series["train/box_loss"]
    assert box.steps() == [1.0, 2.0, 3.0]
    assert box.values() == pytest.approx([v for _, v in BOX_LOSS])
    metric = run.series["metrics/mAP50-95B"]  # MLflow's name: parentheses dropped
    assert metric.steps() == [1.0, 2.0, 3.0, 4.0]
    assert metric.values()[:3] == pytest.approx([v for _, v in MAP50_95])
    assert metric.values()[3] == pytest.approx(0.54536, abs=1e-5)  # best.pt validated again
    start, end = run.spans[0] or (0.0, 0.0)
    assert start < end and all(ts is not None and start <= ts <= end for ts in box.timestamps())
    # Params are fields, as text; MLflow's own tags are fields under mlflow/.
    assert run.fields["Configuration/Hyperparameters/epochs"] == "3"
    assert run.fields["Configuration/Hyperparameters/imgsz"] == "64"
    assert run.fields["mlflow/runName"] == "exp"
    # Artifacts are files, fetched only when asked for.
    weights = run.files["weights/exp/best.pt"]
    assert (weights.ext, weights.exists, weights.size) == (
        "pt",
        True,
        (logged.save_dir / "weights" / "best.pt").stat().st_size,
    )
    assert weights.file_path is None and weights.source is not None and weights.source.endswith("weights/exp/best.pt")
    plot = run.files["Plots/results.png"].local()
    assert plot is not None and plot.read_bytes() == (logged.save_dir / "results.png").read_bytes()
    overview = mlflow.overview(ref)
    assert (overview.status, overview.epochs, overview.parts) == ("finished", 3, 1)
    assert overview.best("metrics/mAP50-95B", "max") == pytest.approx(0.54536, abs=1e-5)
    assert mlflow.series_key("metrics/mAP50-95(B)") == "metrics/mAP50-95B"


# --------------------------------------------------------------------------------- hooks runs
def test_hooks_runs_lists_an_mlflow_store_with_status_duration_epochs_and_best(
    logged: Logged, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    capsys.readouterr()
    assert main(["runs", "--tracking-uri", logged.uri]) == 0
    out = capsys.readouterr().out
    head, rows = table(out)
    assert head == [
        "id",
        "created (UTC)",
        "name",
        "tags",
        "status",
        "duration",
        "epochs",
        "best metrics/mAP50-95(B)",
        "series",
        "files",
        "fields",
    ]  # one tracker: no tracker column
    row = rows[logged.run_id[:8]]
    assert row[2:8] == ["exp", "-", "finished", row[5], "3", "0.54536"]
    assert re.fullmatch(r"0:00:0\d", row[5])  # a simulated training takes seconds
    # $MLFLOW_TRACKING_URI names the store as --tracking-uri does.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", logged.uri)
    assert main(["runs"]) == 0
    assert table(capsys.readouterr().out)[1][logged.run_id[:8]] == row


# ------------------------------------------------------------------------------- hooks report
def test_hooks_report_of_an_mlflow_run_shows_a_logged_value_at_a_step_in_chromium(
    logged: Logged, tmp_path: Path, chromium: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mlflow.html"
    assert main(["report", logged.run_id[:8], "--tracking-uri", logged.uri, "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    text = out.read_text(encoding="utf-8")
    page = Page(text)
    assert page.text["h1"] == "exp" and "MLflow run" in page.text["title"]
    # Params are fields; artifacts are files and images (the image's own bytes, embedded).
    assert page.rows["fields-table"]["Configuration/Hyperparameters/epochs"].split() == [
        "Configuration/Hyperparameters/epochs",
        "3",
        "string",  # MLflow keeps params as text
    ]
    png = (logged.save_dir / "results.png").read_bytes()
    assert page.figures["Plots/results.png"]["src"] == "data:image/png;base64," + base64.b64encode(png).decode()
    assert "weights/exp/best.pt" in page.rows["files-table"]

    opened = Opened(chromium, out)
    chart = opened.page.locator("section[data-group='train|loss'] .plot-box", has_text="box_loss").first
    chart.scroll_into_view_if_needed()
    area = chart.locator(".u-over").bounding_box()
    assert area is not None
    assert chart.locator(".plot").get_attribute("data-x-range") == "1 3"
    legend = chart.locator(".u-legend .u-series .u-value")
    for step, value in BOX_LOSS:
        x = area["x"] + 2 + (area["width"] - 4) * (step - 1) / 2  # steps 1..3 across the plot, edges inside
        opened.page.mouse.move(x, area["y"] + area["height"] / 2, steps=3)
        opened.page.wait_for_function(f"el => el.textContent === '{int(step)}'", arg=legend.first.element_handle())
        assert float(legend.all_inner_texts()[1]) == pytest.approx(value, rel=1e-5), step
    assert opened.errors == []
    assert [u for u in opened.requests if not u.startswith(("file:", "data:"))] == []


@NEPTUNE_WARNINGS
def test_a_neptune_run_and_an_mlflow_run_are_listed_together_and_compared_on_one_page(
    mlflow_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    train(tmp_path, config(mlflow_server.uri, "both-trackers", neptune=True))  # one training, to both
    client = mlflow_server.client()
    (mlflow_run,) = client.search_runs([client.get_experiment_by_name("both-trackers").experiment_id])
    (neptune_ref,) = reader("neptune").find(Store("neptune", str(tmp_path / ".neptune")))
    assert neptune_ref.id is not None
    capsys.readouterr()

    assert main(["runs", "--tracking-uri", mlflow_server.uri]) == 0
    head, rows = table(capsys.readouterr().out)
    assert head[0] == "tracker"  # rows of two trackers
    assert rows[neptune_ref.id[:8]][0] == "neptune" and rows[mlflow_run.info.run_id[:8]][0] == "mlflow"
    assert [rows[neptune_ref.id[:8]][i] for i in (5, 7, 8)] == ["finished", "3", "0.54536"]
    assert [rows[mlflow_run.info.run_id[:8]][i] for i in (5, 7, 8)] == ["finished", "3", "0.54536"]

    out = tmp_path / "both.html"
    argv = ["report", neptune_ref.id[:8], mlflow_run.info.run_id[:8], "--tracking-uri", mlflow_server.uri]
    assert main([*argv, "-o", str(out)]) == 0
    page = Page(out.read_text(encoding="utf-8"))
    assert page.text["h1"] == "2 runs compared"
    assert page.text["title"].endswith("Neptune offline and MLflow runs")
    runs = page.rows["runs-table"]
    assert set(runs) == {"0", "1"}
    assert neptune_ref.id in runs["0"] and mlflow_run.info.run_id in runs["1"]
    assert "(resumed)" not in runs["0"] + runs["1"]
    # One chart of train/box_loss with a line per run: the same training's values, at the same steps.
    logged = [[round(v, 5) for _, v in BOX_LOSS]] * 2
    (box,) = [
        c for c in page.data["charts"].values() if [[round(y, 5) for y in ln["y"]] for ln in c["lines"]] == logged
    ]
    assert [ln["x"] for ln in box["lines"]] == [[1, 2, 3]] * 2
    assert [ln["label"] for ln in box["lines"]] == [
        f"exp ({neptune_ref.id[:8]})",
        f"exp ({mlflow_run.info.run_id[:8]})",
    ]
    summary = page.rows["summary-table"]["train/box_loss"].split()
    assert summary[1:3] == ["1.0413", "@3"] and summary[5:7] == ["1.0413", "@3"]
    # MLflow's metrics/mAP50-95B is Neptune's metrics/mAP50-95(B): one row (and chart) for both runs.
    metric = page.rows["summary-table"]["metrics/mAP50-95(B)"].split()
    assert metric[1:3] == ["0.545355", "@4"] and metric[5:7] == ["0.545355", "@4"]  # the final validation
    assert "metrics/mAP50-95B" not in page.rows["summary-table"]


def test_a_sqlite_store_is_listed_and_reported_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    train(tmp_path, config(uri, "local"))
    (ref,) = reader("mlflow").find(Store("mlflow", uri))
    assert ref.id is not None
    capsys.readouterr()
    assert main(["runs", "--tracking-uri", uri]) == 0
    row = table(capsys.readouterr().out)[1][ref.id[:8]]
    assert [row[i] for i in (2, 4, 6, 7)] == ["exp", "finished", "3", "0.54536"]
    assert main(["report", "exp", "--tracking-uri", uri, "-o", str(tmp_path / "r.html")]) == 0
    page = Page((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert page.text["h1"] == "exp"
    lines = [ln for c in page.data["charts"].values() for ln in c["lines"]]
    charted = [[round(y, 5) for y in ln["y"]] for ln in lines if ln["x"] == [1, 2, 3]]
    assert [v for _, v in BOX_LOSS] in charted  # train/box_loss at steps 1, 2, 3
    png = page.figures["Plots/results.png"]["src"]
    assert png == "data:image/png;base64," + base64.b64encode((tmp_path / "runs/exp/results.png").read_bytes()).decode()


def test_a_resumed_training_is_one_mlflow_run_of_two_parts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hooks.testing.standin import StandInTrainer

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    train(tmp_path, config(uri, "resumed"))  # epochs 1..3, then resumed from epoch 3 to 5
    trainer = StandInTrainer(tmp_path / "runs" / "exp", epochs=5, overrides={"resume": True})
    trainer.start_epoch, trainer.resume = 3, True
    for event, callback in dict(hooks.load(tmp_path / "hooks.yaml")).items():
        trainer.add_callback(event, callback)
    trainer.train()
    (ref,) = reader("mlflow").find(Store("mlflow", uri))
    run = reader("mlflow").read(ref)
    assert run.series["train/box_loss"].steps() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert (run.part_count, run.status) == (2, "finished")
    assert ref.id is not None
    capsys.readouterr()
    assert main(["runs", "--tracking-uri", uri]) == 0
    row = table(capsys.readouterr().out)[1][ref.id[:8]]
    assert [row[i] for i in (2, 4, 6)] == ["exp (2 parts: resumed)", "finished", "5"]


# ---------------------------------------------------------------------------------- credentials
def test_a_tracking_uri_with_credentials_is_never_printed_unmasked(
    logged: Logged, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mask_uri("http://alice:s3cret@mlflow:5000/x") == "http://***@mlflow:5000/x"
    assert mask_uri("sqlite:////tmp/mlflow.db") == "sqlite:////tmp/mlflow.db"
    secret = logged.uri.replace("http://", "http://alice:s3cret@")
    capsys.readouterr()
    assert main(["runs", "--tracking-uri", secret]) == 0
    assert main(["report", logged.run_id[:8], "--tracking-uri", secret, "-o", str(tmp_path / "r.html")]) == 0
    printed = capsys.readouterr()
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "s3cret" not in printed.out + printed.err and "s3cret" not in page
    assert logged.uri.replace("http://", "http://***@") in page
    # A server that does not answer: the message names it, masked.
    down = "http://alice:s3cret@127.0.0.1:9"
    assert main(["runs", "--tracking-uri", down]) == 1
    err = capsys.readouterr().err
    assert "http://***@127.0.0.1:9 does not answer" in err and "s3cret" not in err
    with pytest.raises(StoreError, match=re.escape("http://***@127.0.0.1:9")):
        reader("mlflow").find(Store("mlflow", down))


@NEPTUNE_WARNINGS
def test_a_store_that_does_not_answer_is_said_and_the_other_stores_are_still_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = neptune_run("kept")
    run["train/box_loss"].append(0.5, step=1)
    run.stop()
    capsys.readouterr()
    assert main(["runs", "--tracking-uri", "http://127.0.0.1:9"]) == 1  # nothing listens on port 9
    printed = capsys.readouterr()
    assert "hooks: the MLflow tracking server http://127.0.0.1:9 does not answer" in printed.err
    head, rows = table(printed.out)
    assert head[0] == "id" and [row[2] for row in rows.values()] == ["kept"]
    out = tmp_path / "kept.html"
    assert main(["report", "kept", "--tracking-uri", "http://127.0.0.1:9", "-o", str(out)]) == 0
    assert Page(out.read_text(encoding="utf-8")).text["h1"] == "kept"


def test_importing_hooks_runs_imports_no_trackers_client() -> None:
    code = (
        "import sys, hooks.runs; "
        "print(sorted(m for m in ('mlflow', 'neptune', 'hooks.runs.mlflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_reader_is_one_registry_line_imported_when_first_asked_for() -> None:
    from hooks.runs.registry import READERS, UnknownTracker

    assert {name: entry.module for name, entry in READERS.items()} == {
        "neptune": "hooks.runs.neptune",
        "mlflow": "hooks.runs.mlflow",
        "wandb": "hooks.runs.wandb",
        "tensorboard": "hooks.runs.tensorboard",
    }
    code = (
        "import sys\n"
        "from hooks.runs import reader\n"
        "before = 'hooks.runs.mlflow' in sys.modules\n"
        "print(before, reader('mlflow').name, 'hooks.runs.mlflow' in sys.modules, 'mlflow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "mlflow", "True", "False"]  # MLflow itself: when a store is read
    with pytest.raises(UnknownTracker, match="no reader of 'comet' runs; readers: mlflow, neptune, tensorboard, wandb"):
        reader("comet")


def test_a_readers_store_option_is_an_option_of_every_command_that_reads_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A reader registered with its store option: `hooks runs`, `hooks report` and `hooks export`
    take the option, and the environment variable names a store when the option does not."""
    from hooks.cli import main
    from hooks.runs.registry import READERS, StoreOption, add

    option = StoreOption("--acme-dir", "DIR", "an acme log folder", env="ACME_DIR")
    add("acme", "hooks.runs.neptune", option)  # a stand-in module: only the options are looked at here
    try:
        for command in ("runs", "report", "export"):
            with pytest.raises(SystemExit):
                main([command, "--help"])
            assert "--acme-dir DIR" in capsys.readouterr().out
        from hooks.runs.pick import stores

        assert [(s.tracker, s.where, s.named) for s in stores({}, {"ACME_DIR": "/x"})] == [
            ("neptune", ".neptune", False),
            ("wandb", "wandb", False),  # the stores with a default are looked in unnamed; TensorBoard has none
            ("acme", "/x", True),
        ]
        assert [(s.tracker, s.where) for s in stores({"acme": "/y"}, {"ACME_DIR": "/x"})][2] == ("acme", "/y")
        assert [s.tracker for s in stores({}, {"ACME_DIR": "/x"}, ignore_env=("ACME_DIR",))] == ["neptune", "wandb"]
        with pytest.raises(ValueError, match="the option --acme-dir names 'acme' stores already"):
            add("other", "x", option)
    finally:
        del READERS["acme"]


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "a/../../b.png", "a\\..\\b.png", ""])
def test_an_artifact_name_that_is_not_plain_is_never_fetched(tmp_path: Path, path: str) -> None:
    """A run on a shared server names its own artifacts: none may be written outside the download
    folder (nothing is asked of the server: the URI below answers nothing)."""
    from hooks.runs.mlflow.read import _fetch

    assert _fetch("http://127.0.0.1:9", "0123abcd", path, 10, tmp_path) is None
    assert list(tmp_path.rglob("*")) == []
