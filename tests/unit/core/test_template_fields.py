"""Template fields are closed sets where they can be known: a typo in `{args.X}`, `{file.X}` or a
head is a located load error with a did-you-mean, never a field that renders empty at run time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from hooks.config.builder import CONTEXT_HEADS, FILE_HEADS
from hooks.config.read import read_text
from hooks.core import ultralytics_args
from hooks.core.suggest import closest, distance
from hooks.core.ultralytics_args import DEFAULT_ARGS, RUNTIME_ARGS, training_args
from hooks.errors import ConfigError
from hooks.loader.load import load_config

ARGS_HINT = "(Ultralytics' training arguments: `yolo cfg` prints them)"
FILE_HINT = "(file fields: name, path, stem, suffix)"
FILE_HERE = "(fields here: args, epoch, event, exporter, file, name, predictor, stem, step, suffix, trainer, validator)"


def errors(text: str) -> list[str]:
    """Every issue of a config given as text, as `hooks validate` prints it."""
    with pytest.raises(ConfigError) as e:
        load_config(read_text(text, "t.yaml"), env={})
    return [str(i) for i in e.value.issues]


def on(event: str, action: str) -> str:
    return f"version: 1\nevents:\n  {event}:\n    - {action}\n"


def test_unknown_training_argument_and_file_field_in_one_to_are_both_reported() -> None:
    assert errors(on("on_train_end", 'upload: {from: best, to: "weights/{args.nmae}/{file.nmae}"}')) == [
        f"t.yaml:4:32: events.on_train_end[0].upload.to: '{{args.nmae}}': unknown training argument 'nmae'; "
        f"did you mean 'name'? {ARGS_HINT}",
        f"t.yaml:4:32: events.on_train_end[0].upload.to: '{{file.nmae}}': unknown file field 'nmae'; "
        f"did you mean 'name'? {FILE_HINT}",
    ]


def test_a_sink_template_is_checked_even_with_strict() -> None:
    text = "version: 1\nstrict: true\nsink:\n  neptune:\n    name: '{args.nmae}'\n    tags: [yolo, '{args.tsak}']\n"
    assert errors(text) == [
        f"t.yaml:5:11: sink.neptune.name: '{{args.nmae}}': unknown training argument 'nmae'; "
        f"did you mean 'name'? {ARGS_HINT}",
        f"t.yaml:6:18: sink.neptune.tags[1]: '{{args.tsak}}': unknown training argument 'tsak'; "
        f"did you mean 'task'? {ARGS_HINT}",
    ]


def test_a_plots_file_field_typo_suggests_the_file_field() -> None:
    assert errors(on("on_train_end", 'plots: {from: plot_registry, to: "Plots/{file.steem}"}')) == [
        f"t.yaml:4:40: events.on_train_end[0].plots.to: '{{file.steem}}': unknown file field 'steem'; "
        f"did you mean 'stem'? {FILE_HINT}"
    ]


def test_stme_in_a_files_action_suggests_stem_not_step() -> None:
    assert errors(on("on_train_epoch_end", 'files: {glob: "*.jpg", to: "Mosaic/{stme}"}')) == [
        f"t.yaml:4:34: events.on_train_epoch_end[0].files.to: '{{stme}}': unknown field 'stme'; "
        f"did you mean 'stem'? {FILE_HERE}"
    ]


def test_a_swap_of_two_letters_is_one_edit() -> None:
    assert distance("stme", "stem") == 1
    assert distance("stme", "step") == 2
    assert distance("nmae", "name") == 1
    assert distance("", "abc") == 3


def test_ties_go_to_the_fields_of_the_place_then_to_the_same_first_letter() -> None:
    # 'ste' is one edit from both stem and step.
    assert closest("ste", FILE_HEADS, prefer=("file", "stem", "name", "suffix")) == "stem"
    assert closest("ste", ["step", "stem"]) == "stem"  # same start, then difflib's ratio, then a-z
    assert closest("xpoch", ["epoch", "event"]) == "epoch"
    assert closest("qqqq", CONTEXT_HEADS) is None


def test_a_word_cut_short_still_finds_its_name() -> None:
    assert closest("hardware", ["git", "hardware_metrics", "stdout"]) == "hardware_metrics"


@pytest.mark.parametrize(
    ("to", "problem"),
    [
        ("{epoch.x}", "epoch is a number and has no fields; write {epoch}"),
        ("{step.x}", "step is a number and has no fields; write {step}"),
        ("{event.name}", "event is text (the event's name) and has no fields; write {event}"),
        ("{stem.upper}", "stem is text and has no fields; write {stem}"),
        ("{file.name.x}", "file.name is text and has no fields; write {file.name}"),
        ("{file}", "write one file field: {file.name}, {file.path}, {file.stem}, {file.suffix}"),
        ("{args}", "write one training argument, such as {args.name}"),
        ("{args.name.x}", "args.name is one value and has no fields; write {args.name}"),
        ("{trainer}", "write one of its attributes, such as {trainer.save_dir}"),
        ("{validator.args.nmae}", f"unknown training argument 'nmae'; did you mean 'name'? {ARGS_HINT}"),
        ("{path}", f"unknown field 'path'; did you mean 'file.path'? {FILE_HERE}"),
    ],
)
def test_fields_that_can_name_nothing_are_refused(to: str, problem: str) -> None:
    assert errors(on("on_train_end", f"upload: {{from: best, to: 'w/{to}'}}")) == [
        f"t.yaml:4:32: events.on_train_end[0].upload.to: '{to}': {problem}"
    ]


def test_file_fields_outside_a_file_upload_are_refused() -> None:
    assert errors(on("on_fit_epoch_end", "assign: {from: metrics, to: 'm/{stem}'}")) == [
        "t.yaml:4:35: events.on_fit_epoch_end[0].assign.to: '{stem}': unknown field 'stem': file fields exist only "
        "where a file is uploaded (the `to:` of files, plots and upload); write one of the fields here: args, epoch, "
        "event, exporter, predictor, step, trainer, validator"
    ]


def test_an_object_the_event_never_passes_is_refused_in_templates_and_sources() -> None:
    assert errors(on("on_train_end", "upload: {from: best, to: 'w/{predictor.save_dir}'}")) == [
        "t.yaml:4:32: events.on_train_end[0].upload.to: '{predictor.save_dir}': on_train_end fires during a "
        "training, where there is no predictor: write a field of trainer or validator"
    ]
    assert errors(on("on_predict_end", "scalars: {from: trainer.metrics}")) == [
        "t.yaml:4:23: events.on_predict_end[0].scalars.from: 'trainer.metrics': on_predict_end fires during a "
        "prediction, outside a training, where trainer is never set; write a field of predictor or args"
    ]
    assert errors(on("on_export_end", "assign: {from: exporter.args, to: 'x/{epoch}'}")) == [
        "t.yaml:4:41: events.on_export_end[0].assign.to: '{epoch}': on_export_end fires during an export, "
        "outside a training, where epoch is never set; write a field of exporter or args"
    ]


def test_a_training_argument_in_an_attribute_path_is_checked() -> None:
    assert errors(on("on_train_end", "scalars: {from: trainer.args.epohcs, to: epochs}")) == [
        "t.yaml:4:23: events.on_train_end[0].scalars.from: 'trainer.args.epohcs': unknown training argument "
        f"'epohcs'; did you mean 'epochs'? {ARGS_HINT}"
    ]


def test_what_can_be_named_still_loads() -> None:
    config = load_config(
        read_text(
            "version: 1\nsink: {neptune: {name: '{args.name}', tags: ['{args.save_dir}', '{event}']}}\nevents:\n"
            "  on_train_end:\n"
            "    - upload: {from: best, to: 'w/{args.name|args.task:-x}/{trainer.any_attribute.deeper}/{file.path}'}\n"
            "    - files: {glob: '*.jpg', to: 'f/{epoch}/{step}/{event}/{stem}{suffix}/{name}/{validator.save_dir}'}\n"
            "    - scalars: {from: trainer.args.epochs, to: 'e/{trainer.args.epochs}'}\n"
            "  on_val_end:\n"
            "    - assign: {from: validator.speed, to: 'v/{trainer.epoch}/{validator.args.conf}'}\n"
            "  on_predict_end:\n"
            "    - scalars: {from: predictor.speed, to: 'p/{predictor.args.conf}/{event}'}\n",
            "t.yaml",
        ),
        env={},
    )
    assert [a.kind for a in config.events["on_train_end"]] == ["upload", "files", "scalars"]


def _default_yaml_keys() -> list[str]:
    spec = importlib.util.find_spec("ultralytics")
    assert spec is not None and spec.submodule_search_locations, "ultralytics is installed in the test environment"
    path = Path(next(iter(spec.submodule_search_locations))) / "cfg" / "default.yaml"
    return [str(k) for k in yaml.safe_load(path.read_text(encoding="utf-8"))]


@pytest.fixture
def ultralytics_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing Ultralytics writes its settings: keep them in tmp_path, and offline."""
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "yolo"))
    monkeypatch.setenv("YOLO_OFFLINE", "1")


def test_the_shipped_argument_list_is_the_installed_ultralytics_one(ultralytics_in_tmp: None) -> None:
    assert list(DEFAULT_ARGS) == _default_yaml_keys()
    from ultralytics import __version__

    assert __version__ == ultralytics_args.ULTRALYTICS_VERSION


def test_the_runtime_arguments_are_the_ones_ultralytics_accepts_beyond_default_yaml(ultralytics_in_tmp: None) -> None:
    from ultralytics.cfg import DEFAULT_CFG_DICT, check_dict_alignment

    check_dict_alignment(DEFAULT_CFG_DICT, {key: None for key in RUNTIME_ARGS})  # accepted
    with pytest.raises(SyntaxError):
        check_dict_alignment(DEFAULT_CFG_DICT, {"nmae": None})


@pytest.fixture
def fresh_args() -> object:
    training_args.cache_clear()
    yield
    training_args.cache_clear()


def test_arguments_come_from_the_installed_ultralytics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_args: object
) -> None:
    fake = tmp_path / "ultralytics"
    (fake / "cfg").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "cfg" / "default.yaml").write_text("task: detect\nbrand_new_arg: 1\n")
    for name in [m for m in sys.modules if m == "ultralytics" or m.startswith("ultralytics.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert training_args() == {"task", "brand_new_arg", *RUNTIME_ARGS}
    load_config(read_text(on("on_train_end", "upload: {from: best, to: 'w/{args.brand_new_arg}'}"), "t.yaml"))


def test_without_ultralytics_the_shipped_list_is_used(monkeypatch: pytest.MonkeyPatch, fresh_args: object) -> None:
    for name in [m for m in sys.modules if m == "ultralytics" or m.startswith("ultralytics.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ultralytics", None)  # makes find_spec raise, as when it is absent
    assert training_args() == {*DEFAULT_ARGS, *RUNTIME_ARGS}
    assert errors(on("on_train_end", "upload: {from: best, to: 'w/{args.nmae}'}")) == [
        f"t.yaml:4:32: events.on_train_end[0].upload.to: '{{args.nmae}}': unknown training argument 'nmae'; "
        f"did you mean 'name'? {ARGS_HINT}"
    ]
