"""A real offline CPU training via ``python -m demo.train`` stays in its workdir and off the network."""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# Ultralytics needs a working torchvision import; demo.offline patches it in the subprocess if needed.
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ultralytics") is None,  # find_spec, not import: importing would touch ~/.config
    reason="ultralytics is not installed",
)


def _home_state_dirs() -> list[Path]:
    """Folders a leaky Ultralytics/matplotlib/Neptune run would write to in the user's home."""
    home = Path.home()
    config_home = Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"))
    return [
        config_home / "Ultralytics",
        home / ".config" / "Ultralytics",
        config_home / "matplotlib",
        home / ".cache" / "matplotlib",
        home / ".neptune",
    ]


def _snapshot(folder: Path) -> tuple[bool, list[tuple[str, int, int]]]:
    """Existence plus (relative path, size, mtime_ns) of every file below ``folder``."""
    if not folder.exists():
        return (False, [])
    files = [
        (p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]
    return (True, files)


def _git_status() -> str | None:
    """``git status`` of the repo including ignored paths, or None when there is no git checkout."""
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        return None
    result = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_offline_training_without_hooks(tmp_path: Path) -> None:
    """Two epochs with validation: artefacts exist, no socket was used, nothing written outside tmp_path."""
    workdir = tmp_path / "work"
    home_before = {d: _snapshot(d) for d in _home_state_dirs()}
    git_before = _git_status()

    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the repo from the child's imports
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    # A separate interpreter keeps the env switches and the torchvision patch out of this process.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "demo.train",
            "--no-hooks",
            "--forbid-network",
            "--epochs",
            "2",
            "--workdir",
            str(workdir),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "NETWORK_ATTEMPTS=0" in result.stdout, output[-4000:]

    save_lines = [line for line in result.stdout.splitlines() if line.startswith("SAVE_DIR=")]
    assert save_lines, output[-4000:]
    save_dir = Path(save_lines[-1].removeprefix("SAVE_DIR="))
    assert save_dir.resolve().is_relative_to(tmp_path.resolve())

    for name in ("results.csv", "weights/best.pt", "train_batch0.jpg", "val_batch0_labels.jpg"):
        assert (save_dir / name).is_file(), f"{name} missing; save_dir has {sorted(os.listdir(save_dir))}"
    assert list(save_dir.glob("*curve*.png")), sorted(os.listdir(save_dir))
    with (save_dir / "results.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 2  # one row per epoch

    # Ultralytics' settings file went to the workdir, not the user's config dir.
    assert (workdir / "yolo-config" / "Ultralytics" / "settings.json").is_file()
    for folder, before in home_before.items():
        assert _snapshot(folder) == before, f"{folder} was changed by the training"
    if git_before is not None:
        assert _git_status() == git_before, "the training wrote into the repository"


def test_the_demo_learns_so_its_charts_move(tmp_path: Path) -> None:
    """Quick start 1's main job, as `scripts/demo.sh` runs it: the model learns (mAP above 0 well
    before the last epoch), the run is logged and its report written."""
    from hooks.sinks.neptune.runlog import find_runs, read_run

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("NEPTUNE_DATA_DIRECTORY", None)  # the demo keeps its run under its workdir
    result = subprocess.run(
        [sys.executable, "-m", "demo", "--workdir", str(tmp_path / "work")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert (tmp_path / "work" / "report.html").is_file()
    (folder,) = find_runs(tmp_path / "work" / ".neptune")
    map50 = [p.value for p in read_run(folder).series["metrics/mAP50(B)"]]
    assert len(map50) == 21  # 20 epochs and the final validation
    assert max(map50[:15]) > 0.05 and map50[-1] > 0.2, map50
