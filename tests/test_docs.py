"""What the README and the docs show is true."""

from __future__ import annotations

import re
from pathlib import Path

from hooks.cli import main
from hooks.config.load import load_config

from .conftest import REPO


def test_readme_example_config_is_valid(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.findall(r"```yaml\n(.*?)```", readme, re.S)[0]
    path = tmp_path / "team.yaml"
    path.write_text(example, encoding="utf-8")
    config = load_config(path, env={})
    assert config.description == "Our team's logging"
    assert [a.kind for a in config.events["on_train_end"]] == ["plots", "upload", "upload"]


def test_readme_error_example_is_what_validate_prints(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = next(line for line in readme.splitlines() if line.startswith("team.yaml:4:7:"))
    (tmp_path / "team.yaml").write_text("version: 1\nevents:\n  on_train_epoch_end:\n    - scalar: {from: lr}\n")

    monkeypatch.chdir(tmp_path)
    assert main(["validate", "team.yaml"]) == 1
    assert capsys.readouterr().out.strip() == shown


def test_every_schema_key_is_documented() -> None:
    import json

    doc = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    schema = json.loads((REPO / "schemas" / "hooks.schema.json").read_text(encoding="utf-8"))
    keys: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.get("properties", {}).items():
                if not key.startswith("on_") and key not in ("teardown", "optimizer_step"):
                    keys.add(key)
                walk(value)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert not missing, missing
