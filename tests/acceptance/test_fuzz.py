"""Property-based fuzzing of the whole load pipeline: whatever comes in, the result is a compiled
config or a ConfigError whose every issue has a file, line and column; never another exception.

HOOKS_FUZZ_EXAMPLES sets the number of examples per property (CI default below)."""

from __future__ import annotations

import os
import random
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks.config.presets import list_presets
from hooks.config.read import read_text
from hooks.errors import ConfigError
from hooks.loader.load import load_config

EXAMPLES = int(os.environ.get("HOOKS_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Words the format uses, so random documents often get deep into validation and building.
WORDS = [
    "version",
    "description",
    "extends",
    "requires",
    "strict",
    "sink",
    "neptune",
    "project",
    "name",
    "tags",
    "mode",
    "capture",
    "events",
    "on_train_epoch_end",
    "on_fit_epoch_end",
    "on_train_end",
    "on_val_end",
    "scalars",
    "files",
    "plots",
    "assign",
    "upload",
    "remove",
    "from",
    "to",
    "glob",
    "root",
    "when",
    "epoch",
    "every",
    "final",
    "id",
    "prefix",
    "include",
    "exclude",
    "step",
    "render",
    "path",
    "once",
    "snapshot",
    "metrics",
    "lr",
    "train_losses",
    "best",
    "plot_registry",
    "hyperparameters",
    "trainer.fitness",
    "first",
    "last",
    "only",
    "figure",
    "file",
    "default",
    "minimal",
    "{stem}",
    "{args.name}",
    "${HOME}",
    "${X:-y}",
    "mask_keys",
    "allow_roots",
    "allow_env",
    "allow_paths",
    "snapshot_budget_mb",
    "ultralytics_builtins",
    "keep",
    "every_batches",
    "/abs",
    "../up",
    "trainer._x",
    "{args.__class__}",
    "validator",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**6),
    st.floats(allow_nan=True),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=8))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=30,
)


def check(source: str | bytes) -> None:
    try:
        load_config(read_text(source, "fuzz.yaml"), env={"HOME": "/home/x"})
    except ConfigError as e:
        assert e.issues
        for issue in e.issues:
            assert issue.location is not None, issue
            assert issue.location.line >= 1 and issue.location.column >= 1, issue
            assert issue.message


@FUZZ
@given(documents)
def test_random_documents(data: Any) -> None:
    check(yaml.safe_dump(data, allow_unicode=True))


@FUZZ
@given(documents.map(lambda d: {"version": 1, "events": d}))
def test_random_event_sections(data: Any) -> None:
    check(yaml.safe_dump(data, allow_unicode=True))


PRESETS = [yaml.safe_load(p.path.read_text()) for p in list_presets(installed=False)]


def _mutate(node: Any, rng: random.Random, replacement: Any) -> Any:
    """One random change somewhere in the tree: drop, rename, retype or re-nest a value."""
    if isinstance(node, dict) and node and rng.random() < 0.7:
        key = rng.choice(list(node))
        op = rng.randrange(5)
        out = dict(node)
        if op == 0:
            del out[key]
        elif op == 1:
            out[key + rng.choice(["s", "_", "x", ""])[:1] or key[:-1]] = out.pop(key)
        elif op == 2:
            out[key] = replacement
        elif op == 3:
            out[key] = [out[key]]
        else:
            out[key] = _mutate(out[key], rng, replacement)
        return out
    if isinstance(node, list) and node and rng.random() < 0.7:
        i = rng.randrange(len(node))
        out_list = list(node)
        out_list[i] = _mutate(out_list[i], rng, replacement) if rng.random() < 0.6 else replacement
        return out_list
    return replacement


@FUZZ
@given(st.sampled_from(range(len(PRESETS))), st.integers(0, 2**32), documents, st.integers(1, 4))
def test_mutated_presets(index: int, seed: int, replacement: Any, times: int) -> None:
    rng = random.Random(seed)
    data = PRESETS[index]
    for _ in range(times):
        data = _mutate(data, rng, replacement)
    check(yaml.safe_dump(data, allow_unicode=True))


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(raw: bytes) -> None:
    check(raw)


PIECES = [*"{}[]:-,&*!|>'\"#%@`\n \t?", "a", "1", "version: 1\n", "- ", "&a ", "*a", "!!str ", "<<: "]


@FUZZ
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_random_yaml_punctuation(text: str) -> None:
    check(text)
