"""`hooks init` writes a config whose schema modeline works in every clone of the project: the
schema is written beside the config (`hooks.schema.json`), named relatively, and kept as it is
when it is already this yaml-hooks' schema."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from hooks.cli import main
from hooks.loader.load import load_config

MODELINE = "# yaml-language-server: $schema=./hooks.schema.json"


def schema_printed(capsys: pytest.CaptureFixture[str]) -> str:
    """What `hooks schema` prints: the command the docs give to refresh the file after an upgrade."""
    capsys.readouterr()
    assert main(["schema"]) == 0
    return capsys.readouterr().out


def modeline_target(config: Path) -> Path:
    first = config.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    return config.parent / first.split("$schema=", 1)[1]


def test_init_writes_the_schema_beside_the_config_with_a_relative_modeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "project" / "configs" / "team.yaml"
    assert main(["init", "--extends", "minimal", str(config)]) == 0
    out = capsys.readouterr().out
    schema = config.parent / "hooks.schema.json"
    assert f"wrote {schema}" in out and "commit it with the config" in out
    assert config.read_text(encoding="utf-8").splitlines()[0] == MODELINE
    assert modeline_target(config).resolve() == schema.resolve()
    assert schema.read_text(encoding="utf-8") == schema_printed(capsys)
    assert json.loads(schema.read_text(encoding="utf-8"))["title"] == "yaml-hooks config"
    assert load_config(config).events["on_train_epoch_end"]


def test_the_modeline_still_works_in_a_teammates_clone_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "me" / "project"
    assert main(["init", str(mine / "configs" / "hooks.yaml")]) == 0
    # a teammate clones the repository (what is committed: the project folder) somewhere else,
    # at another depth, with another yaml-hooks install or none
    theirs = tmp_path / "elsewhere" / "home" / "teammate" / "src" / "project"
    shutil.copytree(mine, theirs)
    target = modeline_target(theirs / "configs" / "hooks.yaml")
    assert target.is_file()
    assert target.resolve().is_relative_to(theirs.resolve())  # nothing outside the clone
    assert json.loads(target.read_text(encoding="utf-8"))["$id"].startswith("urn:yaml-hooks:")


def test_init_keeps_a_schema_that_is_already_this_versions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "a.yaml")]) == 0
    schema = tmp_path / "hooks.schema.json"
    os.utime(schema, ns=(1_000_000_000, 1_000_000_000))  # a write would move this
    capsys.readouterr()
    assert main(["init", "--extends", "minimal", str(tmp_path / "b.yaml")]) == 0
    assert f"kept {schema}: it is already this yaml-hooks' schema" in capsys.readouterr().out
    assert schema.stat().st_mtime_ns == 1_000_000_000
    assert (tmp_path / "b.yaml").read_text(encoding="utf-8").splitlines()[0] == MODELINE


def test_init_updates_another_yaml_hooks_versions_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "hooks.schema.json"
    schema.write_text(json.dumps({"$id": "urn:yaml-hooks:hooks.schema.json:0", "title": "an older one"}))
    assert main(["init", str(tmp_path / "hooks.yaml")]) == 0
    assert f"updated {schema} to this yaml-hooks' schema" in capsys.readouterr().out
    assert schema.read_text(encoding="utf-8") == schema_printed(capsys)


def test_init_leaves_a_file_of_another_tool_alone_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "hooks.schema.json"
    foreign = '{"title": "the schema of our own git hooks"}\n'
    schema.write_text(foreign)
    assert main(["init", str(tmp_path / "hooks.yaml")]) == 1
    assert "is not a yaml-hooks schema; pass --force" in capsys.readouterr().err
    assert schema.read_text() == foreign and not (tmp_path / "hooks.yaml").exists()  # nothing written
    assert main(["init", "--force", str(tmp_path / "hooks.yaml")]) == 0
    assert schema.read_text(encoding="utf-8") == schema_printed(capsys)
