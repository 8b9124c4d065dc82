"""The W&B sink with W&B's own client, offline (no account, nothing leaves the machine), read back
from the run's `.wandb` log record by record with W&B's own record class
(``wandb.proto.wandb_internal_pb2.Record``, through ``hooks.runs.wandb.log.scan``), not through
yaml-hooks' run reader (tests/unit/runs/test_runs_wandb.py tests that). One stand-in training per
module, logging to Neptune (offline) and W&B at once: W&B's service is slow to start."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.errors import ConfigError, Missing
from hooks.runs.model import Run
from hooks.runs.neptune.read import find_runs as neptune_runs
from hooks.runs.neptune.read import read_run as read_neptune
from hooks.sinks.neptune.sink import storable
from hooks.sinks.wandb.sink import WandbSinkFactory
from hooks.testing import simulate_training
from hooks.testing.standin import StandInTrainer
from tests.faults import STANDIN_TRAINING
from tests.wandb_log import Log, points, read_log

# Neptune's automatic capture off: the Neptune run holds only what the actions log.
QUIET = "{capture: {stdout: false, stderr: false, traceback: false, hardware_metrics: false, git: false}}"
EPOCHS = 3
BATCHES = 2
# A batch series beside the default preset's epoch series (the two kinds of step), and a file that
# is neither an image nor weights (an artifact of type file).
BATCH = (
    '  on_train_batch_end: [{scalars: {from: train_losses, to: batch, include: ["*box*"]}}]\n'
    '  on_train_end: [{files: {glob: "results.csv", to: "Tables/{stem}"}}]\n'
)


def config(wandb: str = "{}", extra: str = "") -> str:
    return f"version: 1\nextends: default\nsink: {{neptune: {QUIET}, wandb: {wandb}}}\nevents:\n{BATCH}{extra}"


def wandb_env(mp: pytest.MonkeyPatch, work: Path) -> None:
    """What conftest's _clean_env sets per test, for a module's fixture (which runs before it)."""
    for name in ("WANDB_API_KEY", "WANDB_PROJECT", "WANDB_ENTITY", "WANDB_BASE_URL", "WANDB_RUN_ID", "WANDB_RESUME"):
        mp.delenv(name, raising=False)
    mp.setenv("WANDB_MODE", "offline")
    mp.setenv("WANDB_SILENT", "true")
    mp.setenv("WANDB_DIR", str(work))
    for name, folder in (("WANDB_DATA_DIR", "data"), ("WANDB_CACHE_DIR", "cache"), ("WANDB_CONFIG_DIR", "config")):
        mp.setenv(name, str(work / ".wandb-home" / folder))
    mp.setenv("NEPTUNE_DATA_DIRECTORY", str(work / ".neptune"))
    for name in ("NEPTUNE_MODE", "NEPTUNE_API_TOKEN", "NEPTUNE_PROJECT"):
        mp.delenv(name, raising=False)


def train(work: Path, text: str, name: str = "exp", **kw: Any) -> StandInTrainer:
    (work / "hooks.yaml").write_text(text)
    return simulate_training(dict(hooks.load(work / "hooks.yaml")), work / "runs" / name, **kw)


def run_folders(work: Path) -> list[Path]:
    return sorted((work / "wandb").glob("offline-run-*"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StandInTrainer, Log, Run]]:
    work = tmp_path_factory.mktemp("wandb-training")
    with pytest.MonkeyPatch.context() as mp:
        wandb_env(mp, work)
        wandb = '{name: "run {args.name}", tags: [yolo, "{args.task}"], group: "g-{args.task}", notes: "n {args.name}"}'
        trainer = train(work, config(wandb), epochs=EPOCHS, batches=BATCHES)
        (folder,) = run_folders(work)
        (neptune,) = neptune_runs(work / ".neptune")
        yield trainer, read_log(folder), read_neptune(neptune)


def user_series(run: Run) -> dict[str, Any]:
    return {k: v for k, v in run.series.items() if not k.startswith(("sys/", "monitoring/", "source_code"))}


def test_every_series_point_is_at_its_step_as_in_neptune(trained: tuple[StandInTrainer, Log, Run]) -> None:
    _, log, neptune = trained
    series = user_series(neptune)
    assert len(series) >= 10 and "batch/train/box_loss" in series and "metrics/mAP50(B)" in series
    for key, expected in series.items():
        assert points(log, key) == [(p.step, p.value) for p in expected], key
    assert not log.problems


def test_batch_and_epoch_series_each_have_their_step_metric_and_wandb_steps_only_grow(
    trained: tuple[StandInTrainer, Log, Run],
) -> None:
    _, log, _ = trained
    assert log.step_metric["batch/train/box_loss"] == "batch"
    assert log.step_metric["train/box_loss"] == "epoch" and log.step_metric["metrics/mAP50(B)"] == "epoch"
    assert [s for s, _ in points(log, "batch/train/box_loss")] == [float(i) for i in range(1, EPOCHS * BATCHES + 1)]
    assert [s for s, _ in points(log, "train/box_loss")] == [float(i) for i in range(1, EPOCHS + 1)]
    # W&B's own step: one per row, only growing; the sink never chose it.
    steps = [row["_step"] for row in log.rows]
    assert steps == list(range(len(steps)))
    # The step metrics are declared (hidden) before any series names them.
    defined = [m.name for m in log.of("metric") if m.name and not m.step_metric]
    assert defined[:3] == ["epoch", "batch", "step"]
    # A row holds one kind of step: never an epoch and a batch at once.
    assert not [row for row in log.rows if "epoch" in row and "batch" in row]


def test_images_are_wandb_images_in_the_runs_media(trained: tuple[StandInTrainer, Log, Run]) -> None:
    trainer, log, neptune = trained
    images = {
        k: v for row in log.rows for k, v in row.items() if isinstance(v, dict) and v.get("_type") == "image-file"
    }
    assert {"Mosaic/train_batch0", "Validation/val_batch0_pred", "Plots/results"} <= set(images)
    # Every image Neptune has as a file is there, with the bytes' size of the file uploaded.
    neptune_images = {k for k, ref in neptune.files.items() if ref.ext in ("jpg", "png")}
    assert neptune_images <= set(images)
    results = images["Plots/results"]
    stored = log.folder / "files" / results["path"]
    assert stored.is_file() and stored.stat().st_size == (trainer.save_dir / "results.png").stat().st_size
    # The mosaic at the epoch that uploaded it (the first: step 1).
    assert points(log, "Mosaic/train_batch0")[0][0] == 1.0


def test_weights_are_a_model_artifact_with_aliases(trained: tuple[StandInTrainer, Log, Run]) -> None:
    trainer, log, _ = trained
    (artifact,) = [a for a in log.of("artifact") if a.type == "model"]
    assert set(artifact.aliases) == {"best", f"epoch-{EPOCHS}", "latest"}
    assert artifact.name == f"run_{artifact.run_id}_weights-exp-best.pt"  # the run's own: its aliases stay its
    assert json.loads(artifact.metadata) == {"yaml_hooks_path": "weights/exp/best.pt"}
    (entry,) = artifact.manifest.contents
    assert entry.path == "best.pt" and entry.size == (trainer.save_dir / "weights" / "best.pt").stat().st_size
    # W&B staged a copy in its data folder (WANDB_DATA_DIR), which `wandb sync` uploads.
    assert Path(entry.local_path).read_bytes() == (trainer.save_dir / "weights" / "best.pt").read_bytes()


def test_other_files_are_file_artifacts(trained: tuple[StandInTrainer, Log, Run]) -> None:
    trainer, log, neptune = trained
    (artifact,) = [a for a in log.of("artifact") if a.type == "file"]
    assert json.loads(artifact.metadata) == {"yaml_hooks_path": "Tables/results"}
    assert artifact.name == f"run_{artifact.run_id}_Tables-results" and "Tables/results" in neptune.files
    (entry,) = artifact.manifest.contents
    assert Path(entry.local_path).read_bytes() == (trainer.save_dir / "results.csv").read_bytes()


def test_the_config_is_the_assigned_values(trained: tuple[StandInTrainer, Log, Run]) -> None:
    _, log, neptune = trained
    hyper = log.config["Configuration/Hyperparameters"]
    assert hyper["epochs"] == EPOCHS and hyper["name"] == "exp"
    assigned = {k: v for k, v in neptune.fields.items() if k.startswith("Configuration/")}
    assert len(assigned) > 50
    for key, value in assigned.items():
        head, _, leaf = key.partition("/")[2].partition("/")
        assert storable(log.config[f"Configuration/{head}"][leaf]) == value, key
    # yaml-hooks' training id, the one the training's save_dir keeps for a resume.
    assert log.config["yaml_hooks"]["part"] == 1 and log.folder.name.endswith(log.config["yaml_hooks"]["run_id"])


def test_the_runs_name_tags_group_and_notes_come_from_templates_and_it_finished(
    trained: tuple[StandInTrainer, Log, Run],
) -> None:
    _, log, _ = trained
    (run,) = log.of("run")
    assert (run.display_name, list(run.tags), run.run_group, run.notes) == (
        "run exp",
        ["yolo", "detect"],
        "g-detect",
        "n exp",
    )
    assert run.project == "Ultralytics"  # args.project unset: Ultralytics' own default
    (end,) = log.of("exit")
    assert end.exit_code == 0
    # The summary holds the final metrics: the last value of every series.
    summary: dict[str, Any] = {}
    for update in log.of("summary"):
        for item in update.update:
            summary["/".join(item.nested_key) or item.key] = json.loads(item.value_json)
    assert summary["metrics/mAP50(B)"] == points(log, "metrics/mAP50(B)")[-1][1]


def test_a_resumed_training_continues_the_same_run(tmp_path: Path) -> None:
    (tmp_path / "hooks.yaml").write_text(config())
    save_dir = tmp_path / "runs" / "exp"
    simulate_training(dict(hooks.load(tmp_path / "hooks.yaml")), save_dir, epochs=EPOCHS, batches=BATCHES)
    time.sleep(1.1)  # W&B names a run's folder by the second it starts: a part in the same second would share it
    # Resumed as Ultralytics does: a new trainer, same save_dir, starting after the last epoch saved.
    trainer = StandInTrainer(save_dir, epochs=EPOCHS, batches=BATCHES, overrides={"resume": True})
    trainer.start_epoch, trainer.resume = 2, True
    for event, callback in dict(hooks.load(tmp_path / "hooks.yaml")).items():
        trainer.add_callback(event, callback)
    trainer.train()
    first, second = (read_log(f) for f in run_folders(tmp_path))
    assert first.of("run")[0].run_id == second.of("run")[0].run_id == first.config["yaml_hooks"]["run_id"]
    assert (first.config["yaml_hooks"]["part"], second.config["yaml_hooks"]["part"]) == (1, 2)
    # The resumed part logs its epochs at their own steps: the third epoch, and the final validation.
    assert [s for s, _ in points(second, "train/box_loss")] == [3.0]
    assert [s for s, _ in points(second, "metrics/mAP50(B)")] == [3.0, 4.0]


def test_a_failed_run_ends_with_exit_code_1(tmp_path: Path) -> None:
    def lookup(name: str) -> Any:
        raise Missing(name)

    sink = WandbSinkFactory(name=None).open(lookup)
    sink.append("loss", 1.0, None)
    sink.append("loss", 0.5, None)
    sink.fail()
    said = sink.stop()
    (folder,) = run_folders(tmp_path)
    assert said.startswith(f"W&B offline run saved in {folder}") and f"wandb sync {folder}" in said
    log = read_log(folder)
    assert log.of("exit")[0].exit_code == 1
    # Points without a step: the series' own counter from 0, against the step metric "step".
    assert log.step_metric["loss"] == "step" and points(log, "loss") == [(0.0, 1.0), (1.0, 0.5)]


# A training whose W&B service process is killed at the end of its first training epoch (in a
# process of its own: the service is one per process). Ultralytics is imported first, as in a real
# training: W&B's import telemetry would otherwise meet the dead service in the stand-in's import.
KILL_SERVICE = """
import os, signal, sys
from pathlib import Path
import ultralytics
import hooks
from hooks.testing import simulate_training

def kill_service(trainer):
    if trainer.epoch != 0:
        return
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"wandb-core" in cmd:
            os.kill(int(pid), signal.SIGKILL)
            print("KILLED", pid, flush=True)

callbacks = {e: [c] for e, c in dict(hooks.load(sys.argv[1])).items()}
callbacks.setdefault("on_train_epoch_end", []).append(kill_service)
simulate_training(callbacks, Path(sys.argv[2]), epochs=int(sys.argv[3]))
print("TRAINED", flush=True)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds W&B's service process in /proc")
def test_a_wandb_service_killed_mid_training_never_stops_it(tmp_path: Path) -> None:
    """One warning per kind of W&B call, the training runs to its end, Neptune gets everything,
    and the end says how many W&B calls failed."""
    (tmp_path / "hooks.yaml").write_text(config())
    argv = [
        sys.executable,
        "-c",
        KILL_SERVICE,
        str(tmp_path / "hooks.yaml"),
        str(tmp_path / "runs" / "exp"),
        str(EPOCHS),
    ]
    # Its own W&B service: WANDB_SERVICE would hand it this process's (W&B sets it for children).
    env = {k: v for k, v in os.environ.items() if k != "WANDB_SERVICE"}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False, env=env)
    out = done.stdout + done.stderr
    assert done.returncode == 0 and "KILLED" in out and "TRAINED" in out, out[-3000:]
    for what in ("logging a series", "logging an image", "logging an artifact", "finishing the run"):
        assert out.count(f"W&B: {what} failed") == 1, what
    assert re.search(r"; \d+ W&B call\(s\) failed \(the first is in the log above\)", out)
    assert "logging failure(s)" not in out  # no action failed: the W&B sink kept its failures to itself
    (neptune,) = neptune_runs(tmp_path / ".neptune")
    run = read_neptune(neptune)
    assert len(run.series["metrics/mAP50(B)"]) == EPOCHS + 1 and "weights/exp/best.pt" in run.files


def test_past_the_snapshot_budget_wandb_is_given_no_more_copies(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """W&B copies every file it is given: those copies count against `snapshot_budget_mb` (0: none),
    while the series go on."""
    (tmp_path / "hooks.yaml").write_text(config().replace("version: 1\n", "version: 1\nsnapshot_budget_mb: 0\n"))
    simulate_training(dict(hooks.load(tmp_path / "hooks.yaml")), tmp_path / "runs" / "exp", epochs=EPOCHS)
    (folder,) = run_folders(tmp_path)
    log = read_log(folder)
    images = [k for row in log.rows for k, v in row.items() if isinstance(v, dict) and v.get("_type") == "image-file"]
    assert images == []
    assert log.of("artifact") == [] and len(points(log, "metrics/mAP50(B)")) == EPOCHS + 1
    said = [r.getMessage() for r in caplog.records if "snapshot budget" in r.getMessage()]
    (warned,) = [m for m in said if m.startswith("W&B: ")]
    assert warned.startswith("W&B: the run's snapshot budget (0.0 MB) is reached")
    # The budget is the run's: the runtime's end counts what W&B was not given.
    assert any("15 snapshot(s) (0.0 MB) were skipped" in m for m in said)
    # Neptune keeps the paths (no copies): it has every file W&B was not given.
    assert len(read_neptune(neptune_runs(tmp_path / ".neptune")[0]).files) == 15


def test_a_config_naming_wandb_without_it_installed_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "wandb", None)  # what importlib finds when it is not installed
    (tmp_path / "hooks.yaml").write_text("version: 1\nextends: minimal\nsink: {wandb: {}}\n")
    with pytest.raises(ConfigError) as e:
        hooks.load(tmp_path / "hooks.yaml")
    assert str(e.value) == (
        f"{tmp_path / 'hooks.yaml'}:3:15: sink.wandb: Weights & Biases is not installed; install it with "
        "`pip install 'yaml-hooks[wandb]'`, or remove `wandb:`"
    )


@pytest.mark.parametrize("option", ["mode: online", "project: elsewhere", "entity: acme", "dir: /tmp/x"])
def test_where_a_run_goes_only_the_loaded_config_chooses(tmp_path: Path, option: str) -> None:
    (tmp_path / "team.yaml").write_text(f"version: 1\nextends: minimal\nsink: {{wandb: {{{option}}}}}\n")
    (tmp_path / "hooks.yaml").write_text("version: 1\nextends: ./team.yaml\n")
    with pytest.raises(ConfigError) as e:
        hooks.load(tmp_path / "hooks.yaml")
    key = option.split(":")[0]
    assert "a preset may not choose" in str(e.value) and f"move `{key}:` there" in str(e.value)
    (tmp_path / "hooks.yaml").write_text(f"version: 1\nextends: minimal\nsink: {{wandb: {{{option}}}}}\n")
    hooks.load(tmp_path / "hooks.yaml")  # the config loaded may


# Run in a subprocess: the stand-in trainer with yaml-hooks' callbacks, and after them one that
# interrupts the training (Ctrl-C) at the STOP_AT-th train batch of the 2nd epoch. (A hard kill is
# no test here: W&B's service buffers its log, so a killed part's log may hold nothing at all.)
STOP_EPOCHS, STOPPED_EPOCH = 4, 1
STOP_SCRIPT = f"""
import sys
import hooks
from hooks.testing.standin import StandInTrainer

config, save_dir, stop_at, start = sys.argv[1:5]
compiled = dict(hooks.load(config))
seen = []

def interrupt(obj):
    if trainer.epoch == {STOPPED_EPOCH}:
        seen.append(1)
        if len(seen) >= int(stop_at) > 0:
            raise KeyboardInterrupt

resume = int(start) > 0
trainer = StandInTrainer(save_dir, epochs={STOP_EPOCHS}, batches={BATCHES}, overrides={{"resume": resume}})
trainer.start_epoch, trainer.resume = int(start), resume
for e, c in compiled.items():
    trainer.add_callback(e, c)
trainer.add_callback("on_train_batch_end", interrupt)
try:
    trainer.train()
except KeyboardInterrupt:
    sys.exit(3)
"""


def test_a_training_interrupted_mid_epoch_and_resumed_has_one_value_per_step(tmp_path: Path) -> None:
    """Issue 21: a resumed run has one value per step in every tracker. The interrupted part's
    unfinished epoch is never handed to W&B (rows are held until their epoch ends, and dropped when
    the training fails); the resumed part logs that epoch again: across both parts' logs (what
    `wandb sync` joins into one run), every step once."""
    (tmp_path / "hooks.yaml").write_text(config())
    save_dir = tmp_path / "runs" / "exp"
    for stop_at, start, code in ((BATCHES, 0, 3), (0, STOPPED_EPOCH, 0)):
        argv = [
            sys.executable,
            "-c",
            STOP_SCRIPT,
            str(tmp_path / "hooks.yaml"),
            str(save_dir),
            str(stop_at),
            str(start),
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert done.returncode == code, done.stderr[-3000:]
        time.sleep(1.1)  # W&B names a run folder by the second it starts
    logs = [read_log(folder) for folder in run_folders(tmp_path)]
    assert len(logs) == 2 and [len(log.of("exit")) for log in logs] == [1, 1]
    for key, steps in (
        ("train/box_loss", range(1, STOP_EPOCHS + 1)),
        ("batch/train/box_loss", range(1, STOP_EPOCHS * BATCHES + 1)),
    ):
        each = [points(log, key) if key in log.step_metric else [] for log in logs]
        assert sorted(step for part in each for step, _ in part) == [float(s) for s in steps], (key, each)


def test_online_without_a_key_logs_offline_and_no_login_prompt_holds_the_training(tmp_path: Path) -> None:
    """No API key, and a W&B server that answers (a local HTTP server; the probe lets it through):
    W&B would ask for a key in the terminal and hold the training until answered."""
    import pty
    import select
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class NotFound(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # an answer, whatever it is
            self.send_error(404)

        def log_message(self, *args: Any) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), NotFound) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        (tmp_path / "hooks.yaml").write_text(config(f"{{mode: online, base_url: '{url}'}}"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "PYTEST_"))}
        env.update({"HOME": str(tmp_path / "home"), "WANDB_DIR": str(tmp_path), "NETRC": str(tmp_path / "no-netrc")})
        env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[3]), env.get("PYTHONPATH", "")])
        master, slave = pty.openpty()
        # Under a terminal (a pseudo-terminal as stdin, stdout and stderr): where W&B would ask for a key.
        argv = [sys.executable, "-c", STANDIN_TRAINING, str(tmp_path / "hooks.yaml"), str(tmp_path / "runs" / "exp")]
        proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp_path)
        os.close(slave)
        out, deadline = b"", time.monotonic() + 90
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                if select.select([master], [], [], 0.5)[0]:
                    try:
                        out += os.read(master, 65536)
                    except OSError:  # the terminal closed with the process
                        break
        finally:
            if proc.poll() is None:
                proc.kill()  # held by a prompt: what must not happen
            proc.wait()
            os.close(master)
            server.shutdown()
    text = out.decode(errors="replace")
    assert proc.returncode == 0 and "TRAINED" in text, text[-3000:]
    assert "Enter your choice" not in text and f"no API key for {url} " in text, text[-3000:]
    (folder,) = run_folders(tmp_path)  # logged offline: `wandb sync` uploads it later
    assert read_log(folder).rows


def test_online_to_a_server_that_does_not_answer_logs_offline_and_no_wait_for_it_holds_the_training(
    tmp_path: Path,
) -> None:
    """An API key, and a W&B server that takes connections but never answers (a listening socket
    nobody accepts from): `wandb.init` would wait its init_timeout (90 s) for it. The training runs
    at once, offline, with one warning naming the server; the subprocess's 60 s limit is far from
    what a healthy start takes (a few seconds) and under W&B's 90 s."""
    from tests.faults import silent_server, standin_training

    with silent_server() as url:
        (tmp_path / "hooks.yaml").write_text(config(f"{{mode: online, base_url: '{url}'}}"))
        env = {"HOME": str(tmp_path / "home"), "WANDB_DIR": str(tmp_path), "WANDB_API_KEY": "a" * 40}
        done = standin_training(tmp_path / "hooks.yaml", tmp_path / "runs" / "exp", env, drop=("WANDB_",))
    text = done.stdout + done.stderr
    assert done.returncode == 0 and "TRAINED" in done.stdout, text[-3000:]
    assert f"W&B: {url} does not answer (timed out): logging offline instead" in text, text[-3000:]
    (folder,) = run_folders(tmp_path)
    assert read_log(folder).rows
