"""Every shipped preset, run through a realistic training event sequence against the real Neptune
client in offline mode, read back from the files it writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.runs import SYSTEM_NAMESPACES
from hooks.runs import Run as RunLog
from hooks.runs.neptune.read import find_runs, read_run
from hooks.sinks.neptune.sink import NeptuneSinkFactory
from hooks.testing.standin import simulate_training
from tests.reference_callbacks import QUIET, HandWritten

EPOCHS = 3
# Neptune's own namespaces and yaml-hooks' run identity (yaml_hooks/run_id, /part: tested in
# tests/test_resume.py), which the hand-written originals do not write.
SYSTEM = tuple(f"{ns}/" for ns in SYSTEM_NAMESPACES)


@dataclass
class Logged:
    run: RunLog
    trainer: Any

    @property
    def fields(self) -> dict[str, Any]:
        """Non-system fields; the run's own folder (which differs between runs) reads as <save_dir>."""
        save_dir = str(self.trainer.save_dir)
        return {
            k: v.replace(save_dir, "<save_dir>") if isinstance(v, str) else v
            for k, v in self.run.fields.items()
            if not k.startswith(SYSTEM)
        }

    @property
    def series(self) -> dict[str, list[tuple[float | None, Any]]]:
        return {k: [(p.step, p.value) for p in pts] for k, pts in self.run.series.items() if not k.startswith(SYSTEM)}

    def files(self) -> dict[str, str]:
        """Field → what was uploaded: the file's name, or 'figure WxH' for a rendered figure."""
        out = {}
        for key, ref in self.run.files.items():
            if key.startswith(SYSTEM):
                continue
            assert ref.file_path is not None and ref.exists, key
            if ref.file_path.is_relative_to(self.run.path):
                from PIL import Image

                with Image.open(ref.file_path) as im:
                    out[key] = f"figure {im.size[0]}x{im.size[1]}"
            else:
                out[key] = ref.file_path.name
        return out


def _quiet(preset: str, tmp: Path) -> Path:
    """The preset with Neptune's automatic capture off, so the run holds only what actions log."""
    path = tmp / f"{preset}-quiet.yaml"
    capture = ", ".join(
        f"{k}: false" for k in ("stdout", "stderr", "traceback", "hardware_metrics", "git", "source_code")
    )
    path.write_text(f"version: 1\nextends: {preset}\nsink: {{neptune: {{capture: {{{capture}}}}}}}\n")
    return path


def run_preset(preset: str, tmp: Path, epochs: int = EPOCHS) -> Logged:
    data = tmp / "neptune-data"
    import os

    os.environ["NEPTUNE_DATA_DIRECTORY"] = str(data)
    compiled = hooks.load(_quiet(preset, tmp))
    trainer = simulate_training(dict(compiled), tmp / "runs" / "exp", epochs=epochs)
    (run,) = find_runs(data)
    return Logged(read_run(run), trainer)


def run_reference(variant: str, tmp: Path, epochs: int = EPOCHS) -> tuple[Logged, HandWritten]:
    data = tmp / "neptune-data"
    import os

    os.environ["NEPTUNE_DATA_DIRECTORY"] = str(data)
    ref = HandWritten(variant, mode="offline", **QUIET)
    trainer = simulate_training(ref.callbacks(), tmp / "runs" / "exp", epochs=epochs)
    ref.run.stop()  # the original never stops its run; the interpreter's exit would flush it
    (run,) = find_runs(data)
    return Logged(read_run(run), trainer), ref


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Logged, HandWritten]]:
    return {v: run_reference(v, tmp_path_factory.mktemp(v)) for v in ("yolov8", "ultralytics")}


@pytest.mark.parametrize(("preset", "variant"), [("yolov8-neptune", "yolov8"), ("ultralytics-neptune", "ultralytics")])
def test_faithful_presets_log_exactly_what_the_original_did(
    preset: str, variant: str, tmp_path: Path, reference: dict[str, tuple[Logged, HandWritten]]
) -> None:
    ours = run_preset(preset, tmp_path)
    theirs, ref = reference[variant]
    assert ours.series == theirs.series
    assert ours.fields == theirs.fields
    assert ours.files() == theirs.files()
    assert ours.run.name == theirs.run.name == "exp"
    assert ours.run.tags == theirs.run.tags
    # The project is not written to offline files: compare what each passes to init_run. A preset may
    # not choose where a run goes, so the original's project default is one line in the config you
    # load (the presets' comments say it); named alone, NEPTUNE_PROJECT chooses (None here).
    default = {"yolov8": "YOLOv8", "ultralytics": "Ultralytics"}[variant]
    mine = tmp_path / "mine.yaml"
    mine.write_text(f'version: 1\nextends: {preset}\nsink: {{neptune: {{project: "{{args.project:-{default}}}"}}}}\n')

    def init_kwargs(config: Path | str) -> dict[str, object]:
        sink = hooks.load(config).config.sink
        assert isinstance(sink, NeptuneSinkFactory)
        kwargs = sink.init_kwargs(lambda root: ours.trainer if root == "trainer" else ours.trainer.args)
        return {k: kwargs[k] for k in ("project", "name", "tags")}

    assert init_kwargs(mine) == ref.init_kwargs
    assert init_kwargs(preset) == {**ref.init_kwargs, "project": None}


def test_faithful_presets_cover_every_kind_of_data(reference: dict[str, tuple[Logged, HandWritten]]) -> None:
    logged, _ = reference["ultralytics"]
    series = logged.series
    assert [s for s, _ in series["train/box_loss"]] == [1, 2, 3]
    assert [s for s, _ in series["lr/pg0"]] == [1, 2, 3]
    assert [s for s, _ in series["metrics/mAP50(B)"]] == [1, 2, 3, 4]  # the final validation adds step 4
    assert [s for s, _ in series["val/box_loss"]] == [1, 2, 3]
    files = logged.files()
    assert {k for k in files if k.startswith("Mosaic/")} == {
        "Mosaic/train_batch0",
        "Mosaic/train_batch1",
        "Mosaic/train_batch2",
    }
    from PIL import Image

    with Image.open(logged.trainer.save_dir / "BoxPR_curve.png") as im:
        original = f"figure {im.size[0]}x{im.size[1]}"
    # The original re-draws every plot into a default-size matplotlib figure: not the file's own size.
    assert files["Plots/BoxPR_curve"].startswith("figure ") and files["Plots/BoxPR_curve"] != original
    assert files["weights/exp/best.pt"] == "best.pt"
    assert set(logged.fields) >= {"Configuration/Model/model/parameters", "Configuration/Model/model/GFLOPs"}


def test_default_fixes_the_flaws_and_keeps_the_fields(
    tmp_path: Path, reference: dict[str, tuple[Logged, HandWritten]]
) -> None:
    ours = run_preset("default", tmp_path)
    theirs, _ = reference["ultralytics"]
    assert ours.series == theirs.series
    assert ours.fields == theirs.fields
    files, their_files = ours.files(), theirs.files()
    assert set(files) == set(their_files)
    # Plots are the files themselves, at their own size, not 640x480 re-draws.
    plots = {k: v for k, v in files.items() if k.startswith("Plots/")}
    assert plots and all(v == k.removeprefix("Plots/") + Path(v).suffix for k, v in plots.items())
    assert ours.run.tags == ("detect", "yolo")


def test_default_logs_the_mosaic_of_a_one_epoch_run(tmp_path: Path) -> None:
    ours = run_preset("default", tmp_path, epochs=1)
    assert {k for k in ours.files() if k.startswith("Mosaic/")} == {
        "Mosaic/train_batch0",
        "Mosaic/train_batch1",
    }


def test_minimal_logs_numbers_only(tmp_path: Path, reference: dict[str, tuple[Logged, HandWritten]]) -> None:
    ours = run_preset("minimal", tmp_path)
    assert ours.series == reference["ultralytics"][0].series
    assert ours.files() == {} and ours.fields == {}


def test_full_adds_results_args_last_weights_fitness_and_periodic_validation(tmp_path: Path) -> None:
    ours = run_preset("full", tmp_path, epochs=5)
    files = ours.files()
    assert files["Results/results.csv"] == "results.csv"
    assert files["Configuration/args.yaml"] == "args.yaml"
    assert files["weights/exp/last.pt"] == "last.pt"
    assert files["Results/confusion_matrix.csv"] == "confusion_matrix.csv"
    assert [s for s, _ in ours.series["metrics/fitness"]] == [1, 2, 3, 4, 5]
    per_class = {k for k in ours.series if k.startswith("metrics/per_class/")}
    metrics = ("precision(B)", "recall(B)", "mAP50(B)", "mAP50-95(B)")
    assert per_class == {f"metrics/per_class/{c}/{m}" for c in ("cat", "dog") for m in metrics}
    assert all([s for s, _ in ours.series[k]] == [1, 2, 3, 4, 5, 6] for k in per_class)  # 6: the final validation
    # Validation images at epoch 5 only (every 5, not the final validation): Ultralytics would
    # draw none then; they are snapshots (copied at the time), not paths read later.
    periodic = {k: v for k, v in ours.run.files.items() if k.startswith("Validation/")}
    assert set(periodic) == {
        "Validation/epoch-5/val_batch0_labels",
        "Validation/epoch-5/val_batch0_pred",
        "Validation/val_batch0_labels",  # the final validation's, from `default`
        "Validation/val_batch0_pred",
    }
    for key, ref in periodic.items():
        if "epoch-" not in key:
            continue
        assert ref.file_path is not None and ref.file_path.is_relative_to(ours.run.path), key
        assert ref.file_path.read_bytes()[:3] == b"\xff\xd8\xff", key  # a JPEG
    lines = (ours.trainer.save_dir / "results.csv").read_text().splitlines()
    assert len(lines) == 6


def test_ultralytics_builtin_neptune_is_switched_off_once_per_training(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Ultralytics ≤ 8.4.131 adds its own Neptune callbacks after the model's; only ours may log."""
    calls: list[str] = []

    def builtin(event: str) -> Any:
        def callback(obj: Any) -> None:
            calls.append(event)

        callback.__module__ = "ultralytics.utils.callbacks.neptune"
        return callback

    compiled = hooks.load(_quiet("minimal", tmp_path))
    events = ("on_pretrain_routine_start", "on_train_epoch_end", "on_fit_epoch_end", "on_val_end", "on_train_end")
    callbacks = {e: [*([compiled[e]] if e in compiled else []), builtin(e)] for e in events}
    for _ in range(2):  # two trainings in one process: one line each
        simulate_training(callbacks, tmp_path / "runs" / f"exp{_}", epochs=2)
    assert calls == []
    said = [r.getMessage() for r in caplog.records if "Ultralytics' own" in r.getMessage()]
    assert [m.split(" switched off")[0] for m in said] == ["Ultralytics' own neptune integration is"] * 2
