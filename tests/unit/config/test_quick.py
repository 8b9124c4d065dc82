"""The quick validity check (``hooks.config.quick``) against jsonschema itself: whatever it calls
valid, jsonschema calls valid, so a valid config never needs jsonschema imported, and an invalid one
still gets every located error from jsonschema."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from hooks.config.quick import quick_valid
from hooks.loader.schema import full_schema

from ...acceptance.test_fuzz import FUZZ, PRESETS, _mutate, documents

REPO = Path(__file__).resolve().parents[3]
SCHEMA = full_schema(plugins=False)
REFERENCE = jsonschema.Draft202012Validator(SCHEMA)
CONFIGS = sorted(
    [*REPO.glob("configs/*.yaml"), *REPO.glob("tests/configs/**/*.yaml"), *REPO.glob("tests/fixtures/**/*.yaml")]
)


def agrees(document: Any) -> None:
    expected = REFERENCE.is_valid(document)
    assert quick_valid(SCHEMA, document) is expected, (document, [e.message for e in REFERENCE.iter_errors(document)])


def test_the_config_files_the_tests_know_are_judged_as_jsonschema_judges_them() -> None:
    judged = {"valid": 0, "invalid": 0}
    for path in CONFIGS:
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue  # not YAML at all: the reader's own errors (tests/unit/config/test_read.py)
        agrees(document)
        judged["valid" if REFERENCE.is_valid(document) else "invalid"] += 1
    # Both answers are exercised: the shipped presets are valid, tests/configs/invalid is not.
    assert judged["valid"] >= 5 and judged["invalid"] >= 5, judged


@FUZZ
@given(st.sampled_from(range(len(PRESETS))), st.integers(0, 2**32), documents, st.integers(1, 3))
def test_mutated_presets_are_judged_as_jsonschema_judges_them(index: int, seed: int, value: Any, times: int) -> None:
    rng = random.Random(seed)
    data = PRESETS[index]
    for _ in range(times):
        data = _mutate(data, rng, value)
    agrees(data)


@FUZZ
@given(documents.map(lambda d: {"version": 1, "events": d}))
def test_random_event_sections_are_judged_as_jsonschema_judges_them(document: Any) -> None:
    agrees(document)


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"enum": [1, "a"]}, True, False),  # true is not 1
        ({"const": 1}, 1.0, True),  # 1.0 is 1
        ({"type": "integer"}, 2.0, True),
        ({"type": "integer"}, True, False),
        ({"type": "number"}, False, False),
        ({"maxLength": 2}, "ab", True),
        ({"maxLength": 2}, "abc", False),
        ({"pattern": "b"}, "abc", True),  # searched, not matched from the start
        ({"if": {"const": 1}, "then": {"const": 2}}, 1, False),
        ({"if": {"const": 1}, "else": {"const": 2}}, 3, False),
        ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1, False),  # both match
        ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "b": 2}, False),
        ({"$defs": {"x": {"minimum": 3}}, "items": {"$ref": "#/$defs/x"}}, [3, 2], False),
    ],
)
def test_each_keyword_as_jsonschema_reads_it(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert jsonschema.Draft202012Validator(schema).is_valid(instance) is valid  # the expectation is right
    assert quick_valid(schema, instance) is valid


@pytest.mark.parametrize(
    "schema",
    [
        {"format": "email"},
        {"uniqueItems": True},
        {"patternProperties": {"^a": {}}},
        {"$ref": "https://example.com/schema.json"},
        {"properties": {"a": {"$ref": "#/$defs/missing"}}},
    ],
)
def test_a_schema_it_cannot_read_is_left_to_jsonschema(schema: dict[str, Any]) -> None:
    assert quick_valid(schema, {"a": 1}) is None


def test_a_valid_config_loads_without_importing_jsonschema(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys, hooks; hooks.load('default'); print(sorted(m for m in sys.modules if m.startswith('jsonschema')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "value",
    [False, "off", "keep", [], ["mlflow", "wandb"], 0, True, 1, "on", "kep", ["wb"], [0], [False], "mlflow"],
)
def test_ultralytics_builtins_is_judged_as_jsonschema_judges_it(value: Any) -> None:
    """Its schema is an if/then/else over a list or a word, and `off` is YAML's false: 0 is no false."""
    agrees({"version": 1, "ultralytics_builtins": value})
    assert REFERENCE.is_valid({"version": 1, "ultralytics_builtins": value}) is (
        value in ([], ["mlflow", "wandb"], "off", "keep") or value is False
    )
