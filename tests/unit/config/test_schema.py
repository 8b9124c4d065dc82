"""The JSON Schema is generated from the registries (each action kind, named source and tracker
carries its piece), and the committed file is what they generate."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from hooks.actions.registry import KINDS
from hooks.cli import main
from hooks.config.presets import list_presets
from hooks.core.events import EVENTS
from hooks.loader.load import load_config
from hooks.loader.schema import load_schema
from hooks.sinks.registry import SINKS
from hooks.sources import BUILTIN_SOURCES
from hooks.sources.registry import SOURCES
from tests.conftest import REPO


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return load_schema()


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_package_schema_is_the_repository_file(schema: dict[str, Any]) -> None:
    assert json.loads((REPO / "schemas" / "hooks.schema.json").read_text(encoding="utf-8")) == schema


def test_the_schema_is_put_together_from_the_registries(schema: dict[str, Any]) -> None:
    assert list(schema["properties"]["events"]["properties"]) == list(EVENTS)
    assert list(schema["$defs"]["action"]["properties"]) == [*KINDS, "remove"]
    assert all(schema["$defs"][name] == KINDS[name].schema for name in KINDS)
    assert list(schema["properties"]["sink"]["properties"]) == [n for n in SINKS if n in SINKS.builtin]
    builtin = [s for n, s in SOURCES.items() if n in BUILTIN_SOURCES]
    for definition, kind in (("mappingSource", "mapping"), ("fileSource", "file"), ("filesSource", "files")):
        assert schema["$defs"][definition]["anyOf"][0]["enum"] == [s.name for s in builtin if s.kind == kind]


def _objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            found.append(node)
        for value in node.values():
            found += _objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _objects(value)
    return found


def test_every_object_is_closed(schema: dict[str, Any]) -> None:
    objects = _objects(schema)
    assert len(objects) > 8
    for obj in objects:
        assert obj.get("additionalProperties") is False, obj.get("title")


@pytest.mark.parametrize("preset", [p.name for p in list_presets()])
def test_every_shipped_preset_is_valid(preset: str) -> None:
    config = load_config(preset)
    assert config.description
    assert sum(len(a) for a in config.events.values()) >= 3


def test_presets_are_the_ones_promised() -> None:
    assert {p.name for p in list_presets()} == {
        "default",
        "full",
        "minimal",
        "ultralytics-mlflow",
        "ultralytics-neptune",
        "ultralytics-tensorboard",
        "ultralytics-wandb",
        "yolov8-neptune",
    }


@pytest.mark.parametrize("preset", [p.name for p in list_presets()])
def test_presets_start_with_the_schema_modeline(preset: str) -> None:
    first = (REPO / "configs" / f"{preset}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/hooks.schema.json"


def test_every_property_has_a_title_or_description_for_editors(schema: dict[str, Any]) -> None:
    def documented(node: dict[str, Any]) -> bool:
        if "description" in node or "title" in node:
            return True
        ref = node.get("$ref", "")
        return bool(ref) and documented(schema["$defs"][ref.rsplit("/", 1)[1]])

    missing = []
    for obj in _objects(schema):
        missing += [k for k, v in obj["properties"].items() if not documented(v)]
    assert missing == []
    assert schema["$id"] and all(
        "examples" in schema["$defs"][k] for k in ("scalars", "files", "plots", "assign", "upload")
    )


def test_the_committed_schema_is_what_the_registries_generate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--builtin"]) == 0
    generated = capsys.readouterr().out
    committed = (REPO / "schemas" / "hooks.schema.json").read_text(encoding="utf-8")
    assert committed == generated, (
        "schemas/hooks.schema.json is not what the registries generate; regenerate it with "
        "`bash scripts/schema.sh` (or `python -m hooks schema --builtin > schemas/hooks.schema.json`)"
    )
