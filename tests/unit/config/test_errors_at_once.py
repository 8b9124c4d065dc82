"""One load reports every independent error of every stage (interpolation, schema, templates,
paths, sources, ids), located, in file order; and the messages a first hour meets say how to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks.cli import main
from hooks.config.presets import list_presets
from hooks.config.read import read_text
from hooks.errors import ConfigError
from hooks.loader.load import load_config


def errors(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load_config(read_text(text, "t.yaml"), env=env or {})
    return [str(i) for i in e.value.issues]


SIX_STAGES = """\
version: 1
sink:
  neptune:
    project: "${TEAM_PROJECT}"
    mode: ofline
events:
  on_train_epoch_end:
    - files: {glob: "", to: "Mosaic/{stem}"}
    - files: {glob: "/etc/*.jpg", to: "Images/{args.nmae}", id: images}
    - scalars: {from: predictor.speed, to: speed, id: images}
"""


def test_six_independent_errors_of_six_stages_are_all_reported_located() -> None:
    assert errors(SIX_STAGES) == [
        # interpolation
        "t.yaml:4:14: sink.neptune.project: environment variable TEAM_PROJECT is not set; set it, or give a "
        "default: ${TEAM_PROJECT:-value}",
        # schema (twice: a tracker option and an action option)
        "t.yaml:5:11: sink.neptune.mode: 'ofline' is not allowed: must be one of offline, debug, async, sync, "
        "read-only; did you mean 'offline'?",
        "t.yaml:8:21: events.on_train_epoch_end[0].files.glob: '' is not allowed: must be a glob pattern or a list "
        "of them",
        # path
        "t.yaml:9:21: events.on_train_epoch_end[1].files.glob: '/etc/*.jpg' is absolute; give a path relative to "
        "the run's folder",
        # template
        "t.yaml:9:39: events.on_train_epoch_end[1].files.to: '{args.nmae}': unknown training argument 'nmae'; "
        "did you mean 'name'? (Ultralytics' training arguments: `yolo cfg` prints them)",
        # source
        "t.yaml:10:23: events.on_train_epoch_end[2].scalars.from: 'predictor.speed': on_train_epoch_end fires "
        "during a training, where there is no predictor: write a field of trainer or validator",
        # id
        "t.yaml:10:55: events.on_train_epoch_end[2].scalars.id: id 'images' is already used by action 1 of "
        "on_train_epoch_end; ids are unique per event",
    ]


def test_the_validate_command_prints_them_all_in_its_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TEAM_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)
    Path("team.yaml").write_text(SIX_STAGES, encoding="utf-8")
    assert main(["validate", "team.yaml"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert main(["show", "team.yaml"]) == 1  # `hooks show` checks what a load checks, all at once
    shown = capsys.readouterr().err
    assert [line.split(": ", 1)[0] for line in lines] == [line.split(": ", 1)[0] for line in shown.splitlines()]
    assert [line.split(": ", 1)[0] for line in lines] == [
        "team.yaml:4:14",
        "team.yaml:5:11",
        "team.yaml:8:21",
        "team.yaml:9:21",
        "team.yaml:9:39",
        "team.yaml:10:23",
        "team.yaml:10:55",
    ]


def test_an_unset_variable_does_not_hide_a_schema_typo_and_is_said_once() -> None:
    text = "version: 1\nsink:\n  neptune: {mode: '${MODE}', name: ofline, tags: ['${TAG}']}\nstrict: maybe\n"
    assert errors(text) == [
        "t.yaml:3:19: sink.neptune.mode: environment variable MODE is not set; set it, or give a default: "
        "${MODE:-value}",
        "t.yaml:3:51: sink.neptune.tags[0]: environment variable TAG is not set; set it, or give a default: "
        "${TAG:-value}",
        "t.yaml:4:9: strict: must be true or false, got the text 'maybe'",
    ]


def test_an_unset_variable_in_a_glob_list_is_said_once() -> None:
    text = "version: 1\nevents:\n  on_train_end:\n    - files: {glob: ['${DIR}'], to: 'F/{args.nmae}'}\n"
    assert errors(text) == [
        "t.yaml:4:22: events.on_train_end[0].files.glob[0]: environment variable DIR is not set; set it, or give "
        "a default: ${DIR:-value}",
        "t.yaml:4:37: events.on_train_end[0].files.to: '{args.nmae}': unknown training argument 'nmae'; did you "
        "mean 'name'? (Ultralytics' training arguments: `yolo cfg` prints them)",
    ]


def test_an_action_with_a_schema_error_still_has_its_other_options_checked() -> None:
    text = (
        "version: 1\nevents:\n  on_train_end:\n"
        "    - files: {glob: ['/etc/*', 'ok*.jpg'], to: 'F/{file.nmae}', once: sometimes}\n"
        "    - plots: {files: 3, to: 'P/{stme}'}\n"
    )
    assert errors(text) == [
        "t.yaml:4:22: events.on_train_end[0].files.glob[0]: '/etc/*' is absolute; give a path relative to the "
        "run's folder",
        "t.yaml:4:48: events.on_train_end[0].files.to: '{file.nmae}': unknown file field 'nmae'; did you mean "
        "'name'? (file fields: name, path, stem, suffix)",
        "t.yaml:4:71: events.on_train_end[0].files.once: must be true or false, got the text 'sometimes'",
        # `files: 3` is left out, so "give exactly one of from or files" (its consequence) is not said.
        "t.yaml:5:22: events.on_train_end[1].plots.files: must be a list, got the number 3",
        "t.yaml:5:29: events.on_train_end[1].plots.to: '{stme}': unknown field 'stme'; did you mean 'stem'? "
        "(fields here: args, epoch, event, exporter, file, name, predictor, stem, step, suffix, trainer, "
        "validator)",
    ]


def test_a_missing_required_option_does_not_hide_the_others() -> None:
    text = "version: 1\nevents:\n  on_train_end:\n    - files: {glob: '../x/*.jpg'}\n"
    assert errors(text) == [
        "t.yaml:4:14: events.on_train_end[0].files: missing required key 'to'; add it",
        "t.yaml:4:21: events.on_train_end[0].files.glob: '../x/*.jpg' climbs out with '..'; give a path inside "
        "the run's folder",
    ]


def test_an_unknown_remove_and_a_presets_allow_roots_do_not_stop_the_other_checks(tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text(
        "version: 1\nallow_roots: [/data]\nevents:\n  on_train_end:\n    - upload: {from: best, to: w, id: best}\n"
    )
    child = tmp_path / "child.yaml"
    child.write_text(
        "version: 1\nextends: ./parent.yaml\nevents:\n  on_train_end:\n    - remove: bset\n"
        "    - upload: {from: last, to: 'w/{args.nmae}'}\n"
    )
    with pytest.raises(ConfigError) as e:
        load_config(child)
    parent = str(tmp_path / "parent.yaml")
    assert [str(i) for i in e.value.issues] == [
        f"{child}:5:15: events.on_train_end[0].remove: nothing to remove: no action with id 'bset' in this event "
        "of the configs this one extends; did you mean 'best'? (ids there: best)",
        f"{child}:6:32: events.on_train_end[1].upload.to: '{{args.nmae}}': unknown training argument 'nmae'; "
        "did you mean 'name'? (Ultralytics' training arguments: `yolo cfg` prints them)",
        f"{parent}:2:1: allow_roots: only the config you load may allow folders outside the run (a preset must "
        f"not widen what it can read); move `allow_roots:` to that config (via {child} → {parent})",
    ]


def test_an_unknown_parent_stops_after_the_extends_errors(tmp_path: Path) -> None:
    # What follows would check a config without its parent: errors it cannot mean.
    child = tmp_path / "c.yaml"
    child.write_text("extends: [defualt, ./missing.yaml]\nevents:\n  on_train_end:\n    - remove: best-weights\n")
    with pytest.raises(ConfigError) as e:
        load_config(child)
    messages = [i.message for i in e.value.issues]
    assert len(messages) == 2
    assert messages[0].startswith("unknown preset 'defualt'; did you mean 'default'?")
    assert messages[1] == f"{tmp_path / 'missing.yaml'}: no such file; check the path or name a preset"


def test_options_written_beside_their_kind_say_to_indent_them() -> None:
    text = "version: 1\nevents:\n  on_train_epoch_end:\n    - scalars:\n      from: lr\n"
    assert errors(text) == [
        "t.yaml:5:7: events.on_train_epoch_end[0]: `from:` is not indented under `scalars:`, so YAML reads it as "
        "another key of this action, and `scalars:` as empty; indent it under `scalars:`, further right than "
        "`scalars`"
    ]


def test_keys_beside_their_kind_that_are_not_its_options_are_unknown_kinds() -> None:
    text = "version: 1\nevents:\n  on_train_epoch_end:\n    - scalars:\n      frm: lr\n"
    assert errors(text) == [
        "t.yaml:4:15: events.on_train_epoch_end[0].scalars: must be a mapping, got nothing",
        "t.yaml:5:7: events.on_train_epoch_end[0].frm: unknown action kind 'frm' (kinds: assign, files, plots, "
        "scalars, upload; or `remove: ID`)",
    ]


def test_a_mistyped_preset_reads_as_a_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "defualt"]) == 1
    names = ", ".join(p.name for p in list_presets())
    assert capsys.readouterr().out == (
        f"'defualt' is neither a preset nor a file; did you mean 'default'? (presets: {names})\n"
    )


@pytest.mark.parametrize(
    ("when", "column", "key", "message"),
    [
        ("{epoch: '3'}", 46, "epoch", "'3' is text; write a whole number without quotes: epoch: 3"),
        ("{every: '2'}", 46, "every", "'2' is text; write a whole number without quotes: every: 2"),
        ("{every: two}", 46, "every", "must be a whole number, got the text 'two'"),
    ],
)
def test_numbers_in_quotes_say_to_drop_the_quotes(when: str, column: int, key: str, message: str) -> None:
    text = f"version: 1\nevents:\n  on_fit_epoch_end:\n    - scalars: {{from: metrics, when: {when}}}\n"
    assert errors(text) == [f"t.yaml:4:{column}: events.on_fit_epoch_end[0].scalars.when.{key}: {message}"]


@pytest.mark.parametrize(
    ("action", "column", "key", "message"),
    [
        (
            "files: {glob: 'val_batch[.jpg', to: 'V/{stem}'}",
            21,
            "files.glob",
            "'val_batch[.jpg': '[' at character 10 is never closed; close the set, as in [0-9], or write [[] for a "
            "literal '['",
        ),
        (
            r"files: {glob: 'weights\*.pt', to: 'W/{name}'}",
            21,
            "files.glob",
            r"'weights\*.pt' has a backslash, which escapes nothing in a pattern; write '/' between folders, and "
            "[*], [?] or [[] for a literal *, ? or [",
        ),
        (
            "files: {glob: 'run*/**x/*.jpg', to: 'W/{name}'}",
            21,
            "files.glob",
            "'run*/**x/*.jpg': '**' must be a whole folder name, as in '**/*.jpg'; write '*' within a name",
        ),
        (
            "scalars: {from: metrics, exclude: ['val/[!b']}",
            42,
            "scalars.exclude[0]",
            "'val/[!b': '[' at character 5 is never closed; close the set, as in [0-9], or write [[] for a literal '['",
        ),
        (
            "plots: {from: plot_registry, include: '*[.png', to: 'P/{stem}'}",
            45,
            "plots.include",
            "'*[.png': '[' at character 2 is never closed; close the set, as in [0-9], or write [[] for a literal '['",
        ),
        (
            "plots: {files: [results.png, 'val_batch*.jpg'], to: 'P/{stem}'}",
            36,
            "plots.files[1]",
            "'val_batch*.jpg' looks like a pattern, but `files:` names files exactly; give the file's name, or use "
            "a `files` action with `glob:` to upload by pattern",
        ),
        (
            r"upload: {path: 'weights\best.pt', to: 'W/{name}'}",
            22,
            "upload.path",
            r"'weights\best.pt' has a backslash; write '/' between folders",
        ),
    ],
)
def test_malformed_globs_and_backslashes_are_refused_at_load(action: str, column: int, key: str, message: str) -> None:
    text = f"version: 1\nevents:\n  on_val_end:\n    - {action}\n"
    assert errors(text) == [f"t.yaml:4:{column}: events.on_val_end[0].{key}: {message}"]


def test_well_formed_globs_load() -> None:
    config = load_config(
        read_text(
            "version: 1\nevents:\n  on_val_end:\n"
            "    - files: {glob: ['val_batch[0-9]*.jpg', '**/*.png', 'x[!a]y', '[[]z'], to: 'V/{stem}'}\n"
            "    - scalars: {from: metrics, include: ['metrics/mAP50[(]B)'], exclude: 'val/*'}\n",
            "t.yaml",
        ),
        env={},
    )
    assert config.events["on_val_end"][0].body.globs == ("val_batch[0-9]*.jpg", "**/*.png", "x[!a]y", "[[]z")
