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

REPO_ROOT = Path(__file__).resolve().parents[2]

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
    from hooks.runs.neptune.read import find_runs, read_run

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


# A fresh interpreter: an audit hook, once installed, stays for the life of the process.
_NETWORK_PROBE = """
import os, socket
from demo.offline import forbid_network, prepare_offline_env
prepare_offline_env(os.environ["PROBE_WORKDIR"])
print("TELEMETRY", os.environ.get("MLFLOW_DISABLE_TELEMETRY"))
attempts = forbid_network()
server = socket.create_server(("127.0.0.1", 0))
port = server.getsockname()[1]
for host in ("127.0.0.1", "localhost"):
    with socket.create_connection((host, port), timeout=5):
        print("LOOPBACK_OK", host)
for target in (("192.0.2.1", 80), ("example.com", 443)):
    try:
        socket.create_connection(target, timeout=1)
    except OSError as e:
        print("REFUSED", target[0], type(e).__name__)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    udp.sendto(b"x", ("127.0.0.1", 53))
except OSError as e:
    print("REFUSED udp", type(e).__name__)
print("ATTEMPTS", len(attempts))
"""


def test_forbid_network_lets_a_local_server_through_and_nothing_else(tmp_path: Path) -> None:
    """--forbid-network allows TCP to this machine (a local MLflow server) and refuses and records
    any other host (and UDP, DNS included); the offline env switches MLflow's telemetry off."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_DISABLE_TELEMETRY"}
    env.update(PROBE_WORKDIR=str(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-c", _NETWORK_PROBE], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "TELEMETRY true" in lines
    assert "LOOPBACK_OK 127.0.0.1" in lines and "LOOPBACK_OK localhost" in lines
    assert "REFUSED 192.0.2.1 ConnectionRefusedError" in lines
    assert "REFUSED example.com ConnectionRefusedError" in lines
    assert "REFUSED udp ConnectionRefusedError" in lines
    assert "ATTEMPTS 3" in lines


def test_the_tracker_flags_write_a_fan_out_config_and_say_how_to_look(tmp_path: Path) -> None:
    """`--mlflow [URI]`, `--tensorboard`, `--wandb`: a config that extends the preset and adds the
    trackers (all of them), the no-URI default is a SQLite file in the workdir, and what opens each."""
    import hooks
    from demo.train import main, mlflow_ui, mlflow_uri, tensorboard_command, write_trackers_config

    uri = mlflow_uri(tmp_path)
    assert (
        uri == f"sqlite:///{tmp_path.resolve()}/mlflow.db" and mlflow_uri(tmp_path, "http://h:5000") == "http://h:5000"
    )
    assert mlflow_ui(uri) == f"mlflow ui --backend-store-uri {uri}"
    assert mlflow_ui("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    trackers = {"mlflow": {"tracking_uri": uri}, "tensorboard": {}, "wandb": {"mode": "offline", "dir": str(tmp_path)}}
    described = hooks.load(write_trackers_config(tmp_path, "default", trackers)).config.sink.describe()
    assert "a Neptune run" in described and f"an MLflow run (tracking URI {uri}" in described
    assert "TensorBoard event files in the run's folder" in described and "a W&B run (mode offline" in described
    assert tensorboard_command(tmp_path / "runs" / "demo") == f"tensorboard --logdir {tmp_path / 'runs'}"
    for flag in ("--mlflow", "--tensorboard", "--wandb"):
        with pytest.raises(SystemExit) as exit_:
            main(["--workdir", str(tmp_path), "--no-hooks", flag])
        assert exit_.value.code == 2
