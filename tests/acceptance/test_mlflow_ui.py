"""A run moved out of Neptune by `hooks export --to mlflow`, seen where a team will look at it: the
MLflow UI of a real `mlflow server` on 127.0.0.1, opened in Debian's Chromium (driven by Playwright,
as tests/unit/report/test_report.py does)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hooks.runs.neptune.read import find_runs, read_run
from hooks.runs.replay import replay
from hooks.sinks.mlflow.replay import MlflowTarget
from tests.browser import chromium_context
from tests.mlflow_server import MlflowServer

WAIT_MS = 30_000  # the UI is a React app that fetches the run after it loads


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    mlflow_server = MlflowServer(tmp_path_factory.mktemp("mlflow")).start()
    yield mlflow_server
    mlflow_server.stop()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium_context(tmp_path_factory.mktemp("chromium-profile"), "the MLflow UI test", (1400, 1000)) as context:
        yield context


def test_an_exported_run_shows_in_the_mlflow_ui_with_its_metrics(
    neptune_dir: Path, server: MlflowServer, chromium: Any, tmp_path: Path
) -> None:
    import neptune

    quiet = {f"capture_{k}": False for k in ("stdout", "stderr", "hardware_metrics", "traceback")}
    run = neptune.init_run(mode="offline", name="from-neptune", git_ref=False, source_files=[], **quiet)
    for step, value in ((1, 0.125), (2, 0.25), (3, 0.4321)):
        run["metrics/mAP50-95(B)"].append(value, step=step)
    run["Configuration/Hyperparameters/lr0"] = 0.0137
    run.stop()
    (folder,) = find_runs(neptune_dir)
    target = MlflowTarget(tracking_uri=server.uri, experiment="ui")
    result = replay(read_run(folder), target)

    requests: list[str] = []
    errors: list[str] = []
    page = chromium.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.uri}/#/experiments/{target.experiment_id}/runs/{result.copy_id}", wait_until="load")
    try:
        page.get_by_text("from-neptune").first.wait_for(timeout=WAIT_MS)
        metric = page.get_by_text("metrics/mAP50-95B", exact=True).first
        metric.wait_for(timeout=WAIT_MS)
        page.get_by_text("0.4321", exact=True).first.wait_for(timeout=WAIT_MS)  # the last value
        page.get_by_text("Configuration/Hyperparameters/lr0", exact=True).first.wait_for(timeout=WAIT_MS)
        page.get_by_text("0.0137", exact=True).first.wait_for(timeout=WAIT_MS)
    finally:
        page.screenshot(path=str(tmp_path / "mlflow-run.png"), full_page=True)
    assert "metrics/mAP50-95(B)" not in page.inner_text("body")
    assert requests and [u for u in requests if not u.startswith((f"{server.uri}/", "data:", "blob:"))] == []
    assert errors == []
    page.close()
