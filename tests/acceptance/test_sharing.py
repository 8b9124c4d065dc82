"""Team presets: extends, ids, remove, versions, installed preset packages, `hooks show`,
`hooks init`, HOOKS_CONFIG and the pre-commit hook."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

import hooks
from hooks.cli import main
from hooks.errors import ConfigError
from hooks.loader.load import load_config
from tests.conftest import REPO, install_fixture_package


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ids(config: object, event: str) -> list[str | None]:
    return [a.id for a in config.events[event]]  # type: ignore[attr-defined]


def test_remove_and_replace_by_id_keep_the_order(tmp_path: Path) -> None:
    child = write(
        tmp_path / "c.yaml",
        "version: 1\nextends: default\nevents:\n  on_train_epoch_end:\n    - remove: mosaic\n"
        "    - scalars: {from: lr, prefix: 'x/', id: lr}\n    - scalars: {from: metrics, id: extra}\n",
    )
    config = load_config(child)
    assert ids(config, "on_train_epoch_end") == ["train-losses", "lr", "extra"]
    assert config.events["on_train_epoch_end"][1].body.prefix == "x/"
    assert config.events["on_train_epoch_end"][1].location.file == str(child)


def test_a_grandchild_can_remove_what_the_grandparent_added(tmp_path: Path) -> None:
    write(tmp_path / "mid.yaml", "version: 1\nextends: default\n")
    leaf = write(
        tmp_path / "leaf.yaml", "version: 1\nextends: ./mid.yaml\nevents:\n  on_train_end:\n    - remove: plots\n"
    )
    assert ids(load_config(leaf), "on_train_end") == ["best-weights"]


def test_version_requirement(tmp_path: Path) -> None:
    ok = write(tmp_path / "ok.yaml", 'version: 1\nrequires: ">=0.1"\n')
    load_config(ok)
    parent = write(tmp_path / "p.yaml", 'version: 1\nrequires: ">=5"\n')
    child = write(tmp_path / "c.yaml", "version: 1\nextends: ./p.yaml\n")
    with pytest.raises(ConfigError) as e:
        load_config(child)
    (issue,) = e.value.issues
    assert issue.location is not None and issue.location.file == str(parent) and issue.location.line == 2
    assert "install it with: pip install 'yaml-hooks>=5'" in issue.message
    assert issue.chain == (str(child), str(parent))


def test_hooks_config_names_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    added: list[str] = []
    model = SimpleNamespace(add_callback=lambda event, fn: added.append(event))
    with pytest.raises(ConfigError, match=r"\$HOOKS_CONFIG is not set"):
        hooks.attach(model)
    monkeypatch.setenv("HOOKS_CONFIG", "minimal")
    compiled = hooks.attach(model)
    assert compiled.config.file == "minimal" and "on_train_epoch_end" in added


THREE_LEVELS = {
    "base/root.yaml": """version: 1
description: root
sink:
  neptune:
    name: "{args.name}"
    tags: [root]
events:
  on_train_epoch_end:
    - scalars: {from: lr, id: lr}
    - scalars: {from: train_losses, id: losses}
""",
    "team/mid.yaml": """version: 1
extends: ../base/root.yaml
sink:
  neptune:
    mode: offline
events:
  on_train_epoch_end:
    - remove: losses
  on_train_end:
    - upload: {from: best, to: "w/{file.name}", id: best}
""",
    "leaf.yaml": """version: 1
description: leaf
extends: ./team/mid.yaml
sink:
  neptune:
    tags: [leaf]
events:
  on_train_epoch_end:
    - scalars: {from: lr, prefix: "x/", id: lr}
""",
}


def test_show_annotates_every_line_with_its_origin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in THREE_LEVELS.items():
        write(tmp_path / name, text)
    monkeypatch.chdir(tmp_path)
    assert main(["show", "leaf.yaml"]) == 0
    root, mid = "base/root.yaml", "team/mid.yaml"
    lines = [re.sub(r"\s+#", " #", line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        f"# resolved from leaf.yaml, {mid}, {root}",
        "version: 1 # leaf.yaml:1",
        "description: leaf # leaf.yaml:2",
        "sink: # leaf.yaml:4",
        "  neptune: # leaf.yaml:5",
        f"    name: '{{args.name}}' # {root}:5",
        "    tags: # leaf.yaml:6",
        "      - leaf # leaf.yaml:6",
        f"    mode: offline # {mid}:5",
        "events: # leaf.yaml:7",
        "  on_train_epoch_end: # leaf.yaml:8",
        "    - scalars: # leaf.yaml:9",
        "        from: lr # leaf.yaml:9",
        "        prefix: x/ # leaf.yaml:9",
        "        id: lr # leaf.yaml:9",
        f"  on_train_end: # {mid}:9",
        f"    - upload: # {mid}:10",
        f"        from: best # {mid}:10",
        f"        to: w/{{file.name}} # {mid}:10",
        f"        id: best # {mid}:10",
    ]


def test_show_json_has_config_and_provenance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in THREE_LEVELS.items():
        write(tmp_path / name, text)
    monkeypatch.chdir(tmp_path)
    assert main(["show", "--json", "leaf.yaml"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["config"]["events"]["on_train_epoch_end"] == [{"scalars": {"from": "lr", "prefix": "x/", "id": "lr"}}]
    assert out["provenance"]["events.on_train_end[0].upload.from"] == "team/mid.yaml:10:16"
    assert out["provenance"]["sink.neptune.name"].endswith("root.yaml:5:5")


def test_init_writes_a_valid_starter_with_the_modeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cfg" / "team.yaml"
    assert main(["init", "--extends", "minimal", str(target)]) == 0
    text = target.read_text()
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    schema = (target.parent / first.split("$schema=")[1]).resolve()
    assert json.loads(schema.read_text())["title"] == "yaml-hooks config"
    assert load_config(target).events["on_train_epoch_end"]
    assert main(["init", str(target)]) == 1  # never overwrites by accident
    assert "exists" in capsys.readouterr().err
    assert main(["init", "--extends", "defualt", str(tmp_path / "x.yaml")]) == 1
    assert not (tmp_path / "x.yaml").exists()


@pytest.fixture(scope="module")
def acme_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture preset package, really installed, as a team would ship it."""
    return install_fixture_package("acme-yolo-presets", tmp_path_factory.mktemp("acme"))


def hooks_cli(site: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "hooks", *args], capture_output=True, text=True, env=env, cwd=cwd, check=False
    )


def test_installed_package_presets_are_listed_and_extended(acme_site: Path, tmp_path: Path) -> None:
    listing = hooks_cli(acme_site, "presets").stdout.splitlines()
    assert [line.split()[:2] for line in listing if line.startswith("acme:")] == [
        ["acme:base", "acme-yolo-presets"],
        ["acme:detection", "acme-yolo-presets"],
    ]
    write(tmp_path / "team.yaml", "version: 1\nextends: acme:detection\n")
    result = hooks_cli(acme_site, "explain", "team.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Mosaic" not in result.stdout and "Results/{name}" in result.stdout
    unknown = hooks_cli(acme_site, "validate", "acme:detectoin")
    assert unknown.returncode == 1 and "did you mean 'acme:detection'" in unknown.stdout


def test_precommit_hook_runs_its_entry(tmp_path: Path) -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "hooks-validate" and hook["language"] == "python"
    good = write(tmp_path / "configs" / "team.hooks.yaml", "version: 1\nextends: default\n")
    bad = write(tmp_path / "configs" / "hooks.yaml", "version: 1\nevents: {on_train_end: [{uplod: {}}]}\n")
    other = "configs/model.yaml"
    assert [p for p in ("configs/team.hooks.yaml", "configs/hooks.yaml", other) if re.search(hook["files"], p)] == [
        "configs/team.hooks.yaml",
        "configs/hooks.yaml",
    ]
    argv = [*shlex.split(hook["entry"])]
    exe = str(Path(sys.executable).with_name(argv[0]))
    ok = subprocess.run([exe, *argv[1:], str(good)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and ok.stdout == ""
    failed = subprocess.run([exe, *argv[1:], str(good), str(bad)], capture_output=True, text=True, check=False)
    assert failed.returncode == 1
    assert failed.stdout.startswith(f"{bad}:2:26: events.on_train_end[0].uplod: unknown action kind 'uplod'")
