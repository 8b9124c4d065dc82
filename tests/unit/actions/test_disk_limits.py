"""A teammate's preset stalls nothing and fills no disk: snapshots of every file at every batch are
refused at load time, a run copies at most its snapshot budget, and nested globs over a large run
folder do not list the whole tree at every event."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.config.model import SNAPSHOT_BUDGET_MB
from hooks.errors import ConfigError
from hooks.runs.neptune.read import find_runs, read_run
from hooks.testing import RecordingSink
from hooks.testing.standin import StandInTrainer, simulate_training

QUIET = "sink: {neptune: {capture: {stdout: false, stderr: false, hardware_metrics: false, traceback: false}}}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_snapshots_of_every_file_at_every_batch_are_a_located_load_error(tmp_path: Path) -> None:
    # 8 batches of this copied 234 MB into the offline run (the checkpoints, every time).
    write(
        tmp_path / "preset.yaml",
        "version: 1\nevents:\n  on_train_batch_end:\n"
        '    - files: {glob: ["*", "weights/*"], to: "Files/{step}/{file.path}", once: false, snapshot: true}\n',
    )
    mine = write(tmp_path / "mine.yaml", "version: 1\nextends: ./preset.yaml\n")
    with pytest.raises(ConfigError) as e:
        hooks.load(mine)
    (issue,) = e.value.issues
    text = str(issue)
    assert "preset.yaml:4:" in text and "snapshot" in text and "every batch" in text
    # On an epoch event, or once per file, it stays allowed.
    for event, once in (("on_fit_epoch_end", "false"), ("on_train_batch_end", "true")):
        action = f"{{glob: '*', to: 'F/{{name}}', once: {once}, snapshot: true}}"
        hooks.loads(f"version: 1\nevents:\n  {event}:\n    - files: {action}\n", sink=RecordingSink())


def _grow(save_dir: Path) -> Any:
    """A callback that writes a 400 KB file per epoch, before yaml-hooks' own see the folder."""

    def grow(trainer: Any) -> None:
        (save_dir / f"big-{trainer.epoch + 1}.bin").write_bytes(os.urandom(400 * 1024))

    return grow


def test_a_run_copies_at_most_its_snapshot_budget(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    write(
        tmp_path / "preset.yaml",
        "version: 1\nevents:\n  on_fit_epoch_end:\n"
        "    - files: {glob: 'big-*.bin', to: 'Big/{stem}', snapshot: true}\n" + QUIET,
    )
    mine = write(tmp_path / "mine.yaml", "version: 1\nextends: ./preset.yaml\nsnapshot_budget_mb: 1\n")
    compiled = dict(hooks.load(mine))
    save_dir = (tmp_path / "run").resolve()
    callbacks: dict[str, Any] = dict(compiled)
    callbacks["on_fit_epoch_end"] = [_grow(save_dir), compiled["on_fit_epoch_end"]]
    simulate_training(callbacks, save_dir, epochs=5)

    (run_dir,) = find_runs(tmp_path / ".neptune")
    run = read_run(run_dir)
    copied = sorted(k for k in run.files if k.startswith("Big/"))
    assert copied == ["Big/big-1", "Big/big-2"]  # 800 KB; the third would pass 1 MB
    on_disk = sum(p.stat().st_size for p in run_dir.rglob("*") if p.is_file())
    assert on_disk < 1.5 * (1 << 20)  # base64 in the log: 4/3 of the bytes copied, plus the run's own
    messages = [r.getMessage() for r in caplog.records]
    reached = [m for m in messages if "snapshot budget (1.0 MB) is reached" in m]
    assert len(reached) == 1 and "big-3.bin" in reached[0]
    (summary,) = [m for m in messages if "skipped in this run" in m]
    assert "4 snapshot(s) (1.6 MB)" in summary  # big-3 to big-5, and big-6 of the final validation


def test_the_snapshot_budget_is_1_gib_and_only_the_loaded_config_sets_it(tmp_path: Path) -> None:
    assert SNAPSHOT_BUDGET_MB == 1024
    assert hooks.loads("version: 1\n", sink=RecordingSink()).session.snapshot_budget == 1 << 30
    write(tmp_path / "preset.yaml", "version: 1\nsnapshot_budget_mb: 100000\n")
    mine = write(tmp_path / "mine.yaml", "version: 1\nextends: ./preset.yaml\n")
    with pytest.raises(ConfigError) as e:
        hooks.load(mine)
    assert "preset.yaml:2:" in str(e.value) and "only the config you load" in str(e.value)
    # The loaded config's own value wins over the preset's, and is the only one that counts.
    ok = write(tmp_path / "ok.yaml", "version: 1\nextends: ./preset.yaml\nsnapshot_budget_mb: 2\n")
    assert hooks.load(ok).session.snapshot_budget == 2 << 20


class _CountListings:
    """Counts directory listings, whoever makes them (pathlib's glob and yaml-hooks' own)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real_scandir, real_listdir = os.scandir, os.listdir

        def scandir(path: Any = ".") -> Any:
            self.count += 1
            return real_scandir(path)

        def listdir(path: Any = ".") -> list[str]:
            self.count += 1
            return real_listdir(path)

        monkeypatch.setattr(os, "scandir", scandir)
        monkeypatch.setattr(os, "listdir", listdir)


def test_nested_globs_list_only_the_folders_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `**` glob over a run folder of 20 folders lists each once, then only one that changed:
    not the whole tree at every event (0.65-0.9 s an event over 50,000 files)."""
    save_dir = tmp_path / "run"
    trainer = StandInTrainer(save_dir, write_files=False)
    past = 1_600_000_000
    for i in range(20):
        folder = save_dir / "crops" / f"class{i}"
        folder.mkdir(parents=True)
        for j in range(30):
            (folder / f"im{j}.jpg").write_bytes(b"x")
        os.utime(folder, (past, past))
    for folder in (save_dir / "crops", save_dir):
        os.utime(folder, (past, past))
    sink = RecordingSink()
    compiled = hooks.loads(
        "version: 1\nevents:\n  on_fit_epoch_end:\n    - files: {glob: '**/*.jpg', to: 'Crops/{file.path}'}\n",
        sink=sink,
    )
    listings = _CountListings(monkeypatch)
    trainer.epoch = 0
    compiled["on_fit_epoch_end"](trainer)
    first = listings.count
    assert len(sink.of("upload")) == 600
    assert first <= 22 + 1  # save_dir, crops, 20 classes (+ the flat folder, had there been flat globs)
    for epoch in range(1, 4):
        trainer.epoch = epoch
        compiled["on_fit_epoch_end"](trainer)
    assert listings.count == first  # nothing changed: nothing listed again
    new = save_dir / "crops" / "class7" / "late.jpg"
    new.write_bytes(b"x")
    os.utime(new.parent, (past + 10, past + 10))
    trainer.epoch = 4
    compiled["on_fit_epoch_end"](trainer)
    assert listings.count == first + 1  # only class7
    assert [r.path for r in sink.of("upload")][-1] == "Crops/crops/class7/late.jpg"


@pytest.mark.parametrize("pattern", ["**/*.jpg", "a/*/x*", "**/b/**/*.txt", "*/*", "a/**", "**/.h*", "a/b/c/y.txt"])
def test_nested_globs_find_what_pathlib_finds(tmp_path: Path, pattern: str) -> None:
    save_dir = tmp_path / "run"
    trainer = StandInTrainer(save_dir, write_files=False)
    for rel in (
        "a/b/x1.jpg",
        "a/b/c/y.txt",
        "a/c/x2.txt",
        "b/z.jpg",
        "b/b/q.txt",
        "a/.hidden.jpg",
        ".h/k.jpg",
        "top.jpg",
    ):
        write(save_dir / rel, "x")
    (save_dir / "a" / "link").symlink_to(save_dir / "b")  # a folder symlink inside the run
    expected = sorted(p.relative_to(save_dir).as_posix() for p in save_dir.glob(pattern) if p.is_file())
    sink = RecordingSink()
    compiled = hooks.loads(
        f"version: 1\nevents:\n  on_train_end:\n    - files: {{glob: '{pattern}', to: 'F/{{file.path}}'}}\n", sink=sink
    )
    compiled["on_train_end"](trainer)
    assert sorted(r.path.removeprefix("F/") for r in sink.of("upload")) == expected
