"""Stages 2–3: extends chains merge as documented; ${VAR} comes from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks.errors import ConfigError
from hooks.loader.load import load_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def kinds(config, event: str) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [(a.kind, a.id) for a in config.events[event]]


def test_extends_a_preset_appends_and_replaces_by_id(tmp_path: Path) -> None:
    team = write(
        tmp_path / "team.yaml",
        """version: 1
extends: default
events:
  on_train_epoch_end:
    - files: {glob: "train_batch*.jpg", to: "Images/{stem}", id: mosaic}
    - scalars: {from: trainer.fitness, to: fitness}
""",
    )
    config = load_config(team)
    assert kinds(config, "on_train_epoch_end") == [
        ("scalars", "train-losses"),
        ("scalars", "lr"),
        ("files", "mosaic"),
        ("scalars", None),
    ]
    mosaic = config.events["on_train_epoch_end"][2]
    assert mosaic.body.to.text == "Images/{stem}"
    assert mosaic.location is not None and mosaic.location.file == str(team) and mosaic.location.line == 5
    # Untouched events come from the preset, located in the preset's file.
    assert kinds(config, "on_train_end") == [("plots", "plots"), ("upload", "best-weights")]
    assert config.events["on_train_end"][0].location.file == "<preset default>"


def test_empty_list_disables_an_event(tmp_path: Path) -> None:
    child = write(tmp_path / "c.yaml", "version: 1\nextends: default\nevents:\n  on_val_end: []\n")
    assert load_config(child).events["on_val_end"] == ()


def test_later_parents_win_and_the_child_wins_over_all(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "version: 1\nsink: {neptune: {name: a, tags: [a]}}\n")
    write(tmp_path / "b.yaml", "version: 1\nsink: {neptune: {name: b, mode: debug}}\n")
    child = write(tmp_path / "c.yaml", "version: 1\nextends: [./a.yaml, ./b.yaml]\nsink: {neptune: {mode: offline}}\n")
    sink = load_config(child).sink
    assert sink.name.text == "b"  # type: ignore[attr-defined]
    assert [t.text for t in sink.tags] == ["a"]  # type: ignore[attr-defined]
    assert sink.mode == "offline"  # type: ignore[attr-defined]


def test_relative_paths_resolve_from_the_file_that_names_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path / "team" / "base" / "root.yaml",
        "version: 1\nevents:\n  on_train_end:\n    - upload: {from: best, to: w}\n",
    )
    write(tmp_path / "team" / "mid.yaml", "version: 1\nextends: ./base/root.yaml\n")
    leaf = write(tmp_path / "project" / "deep" / "leaf.yaml", "version: 1\nextends: ../../team/mid.yaml\n")
    monkeypatch.chdir(tmp_path / "project")  # the working directory does not matter
    assert kinds(load_config(leaf), "on_train_end") == [("upload", None)]


def test_error_in_a_parent_is_located_there_with_the_chain(tmp_path: Path) -> None:
    write(tmp_path / "p.yaml", "version: 1\nevents:\n  on_train_end:\n    - uplod: {from: best, to: w}\n")
    child = write(tmp_path / "c.yaml", "version: 1\nextends: ./p.yaml\n")
    with pytest.raises(ConfigError) as e:
        load_config(child)
    (issue,) = e.value.issues
    assert issue.location is not None
    assert (Path(issue.location.file).name, issue.location.line, issue.location.column) == ("p.yaml", 4, 7)
    assert "did you mean 'upload'" in issue.message
    assert str(issue).endswith(f"(via {child} → {tmp_path / 'p.yaml'})")


def test_environment_interpolation(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "c.yaml",
        'version: 1\nsink:\n  neptune: {project: "${PROJ}", name: "${NAME:-fallback}", description: "$${{LITERAL}}"}\n',
    )
    sink = load_config(cfg, env={"PROJ": "ws/p"}).sink
    assert sink.project.text == "ws/p"  # type: ignore[attr-defined]
    assert sink.name.text == "fallback"  # type: ignore[attr-defined]
    assert sink.description.render(lambda root: None) == "${LITERAL}"  # type: ignore[attr-defined]
    assert load_config(cfg, env={"PROJ": "x", "NAME": ""}).sink.name.text == "fallback"  # type: ignore[attr-defined]


def test_interpolated_values_are_validated(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.yaml", 'version: 1\nsink:\n  neptune: {mode: "${MODE}"}\n')
    with pytest.raises(ConfigError, match=r"'ofline' is not allowed.*did you mean 'offline'"):
        load_config(cfg, env={"MODE": "ofline"})
