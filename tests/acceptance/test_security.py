"""A preset from a teammate can only read and upload the run's own files, and no config can reach
code, globals or secrets."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

import hooks
from hooks.core.paths import follow, parse_path
from hooks.errors import ConfigError, UnsafePath
from hooks.loader.load import load_config
from hooks.testing import RecordingSink
from hooks.testing.standin import StandInTrainer


class Trainer(StandInTrainer):
    """A stand-in trainer with its run folder (save_dir, weights/, args.yaml) and no callbacks."""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


MALICIOUS_PRESET = """version: 1
description: looks helpful
events:
  on_train_end:
    - files: {glob: ["../../*", "../../../etc/passwd"], to: "Leak/{name}"}
    - files: {glob: "/etc/passwd", to: "Leak/passwd"}
    - files: {glob: "~/.ssh/*", to: "Leak/{name}"}
    - upload: {path: "../secrets.env", to: "Leak/env"}
    - plots: {files: ["/root/.netrc"], to: "Leak/{stem}"}
"""


def test_a_malicious_preset_is_refused_at_load_time_with_every_attempt_listed(tmp_path: Path) -> None:
    write(tmp_path / "team" / "helpful.yaml", MALICIOUS_PRESET)
    mine = write(tmp_path / "mine.yaml", "version: 1\nextends: ./team/helpful.yaml\n")
    with pytest.raises(ConfigError) as e:
        load_config(mine)
    messages = [str(i) for i in e.value.issues]
    assert len(messages) == 6
    assert all("helpful.yaml:" in m and "mine.yaml → " in m for m in messages)
    assert sum("climbs out with '..'" in m for m in messages) == 3
    assert sum("is absolute" in m for m in messages) == 3


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.jpg"
    secret.parent.mkdir()
    secret.write_text("the key to everything")
    return secret


def run_end(config: str, trainer: Trainer, caplog: pytest.LogCaptureFixture) -> tuple[RecordingSink, list[str]]:
    sink = RecordingSink()
    compiled = hooks.loads("version: 1\n" + config, sink=sink)
    compiled["on_train_end"](trainer)
    return sink, [r.getMessage() for r in caplog.records]


def test_a_symlink_inside_the_run_folder_that_leads_out_is_not_followed(
    tmp_path: Path, outside: Path, caplog: pytest.LogCaptureFixture
) -> None:
    save_dir = tmp_path / "run"
    trainer = Trainer(save_dir)
    (save_dir / "ok.jpg").write_text("fine")
    (save_dir / "innocent.jpg").symlink_to(outside)
    (save_dir / "linked-dir").symlink_to(outside.parent, target_is_directory=True)
    sink, messages = run_end(
        "events:\n  on_train_end:\n    - files: {glob: ['*.jpg', 'linked-dir/*'], to: 'F/{file.path}'}\n"
        "    - upload: {path: innocent.jpg, to: 'U/x'}\n",
        trainer,
        caplog,
    )
    assert [(r.path, r.value) for r in sink.of("upload")] == [("F/ok.jpg", save_dir / "ok.jpg")]
    assert sum("leads outside" in m for m in messages) == 2
    assert any("is outside the run's folders" in m for m in messages)


def test_sources_pointing_outside_are_refused(tmp_path: Path, outside: Path, caplog: pytest.LogCaptureFixture) -> None:
    trainer = Trainer(tmp_path / "run")
    trainer.plots = {outside: {}}
    trainer.best = outside
    sink, messages = run_end(
        "events:\n  on_train_end:\n    - plots: {from: plot_registry, to: 'P/{stem}'}\n"
        "    - upload: {from: best, to: 'W/{file.name}'}\n",
        trainer,
        caplog,
    )
    assert sink.of("upload") == []
    assert any("outside the run's folders" in m for m in messages)


def test_an_outside_root_needs_allow_roots_in_the_loaded_config(tmp_path: Path, outside: Path) -> None:
    folder = str(outside.parent)
    action = f"events:\n  on_train_end:\n    - files: {{glob: '*.jpg', root: '{folder}', to: 'Ref/{{name}}'}}\n"
    with pytest.raises(ConfigError, match="list it in `allow_roots:`"):
        hooks.loads("version: 1\n" + action, sink=RecordingSink())
    sink = RecordingSink()
    allowed = hooks.loads(f"version: 1\nallow_roots: ['{folder}']\n" + action, sink=sink)
    allowed["on_train_end"](Trainer(tmp_path / "run"))
    assert [r.path for r in sink.of("upload")] == ["Ref/secret.jpg"]
    # A preset cannot grant itself access: allow_roots in a parent is an error.
    write(tmp_path / "parent.yaml", f"version: 1\nallow_roots: ['{folder}']\n" + action)
    child = write(tmp_path / "child.yaml", "version: 1\nextends: ./parent.yaml\n")
    with pytest.raises(ConfigError, match="only the config you load may allow folders outside"):
        load_config(child)


PRIVATE = "names starting with '_' are private and cannot be read from a config"

# Each refused at load time by the template parser, with the reason it gives.
TEMPLATE_ATTACKS = [
    ("{args.__class__}", "'__class__' starts with '_'; private names cannot be read from a config"),
    ("{args.__class__.__init__.__globals__}", "'__class__' starts with '_'"),
    ("{args[0]}", "'args[0]' is not a plain name (letters, digits and '_' only; no calls or indexing)"),
    ("{args.name!r}", "format specs and conversions are not supported"),
    ("{args.name:{x}}", "fields cannot be nested"),
    ("{args.name:>10}", "format specs and conversions are not supported"),
    ("{args.name()}", "'name()' is not a plain name"),
    ("{args..name}", "'args..name' has an empty part"),
    ("{0}", "'0' is not a plain name"),
    ("{}", "'{}' is empty; name a field"),
    ("{os.environ}", "unknown field 'os'"),
    ("{trainer._private}", "'_private' starts with '_'"),
    ("{args.name.__len__}", "'__len__' starts with '_'"),
    ("{{args.name}", "'}' at character 12 has no opening '{'"),
]

# Each refused at load time by the schema's pattern for `from:` (a named source or
# trainer|validator|predictor|exporter followed by plain names), before any code looks at it: the
# run-time checker (hooks.core.paths.follow) never sees these; the tests below it give it paths
# that pass the pattern.
SOURCE_ATTACKS = [
    ("trainer._private", PRIVATE),
    ("trainer.__dict__", PRIVATE),
    ("trainer.args.__class__", PRIVATE),
    ("trainer.model.forward.__globals__", PRIVATE),
    ("trainer[0]", r"or an attribute path such as trainer\.metrics$"),
    ("trainer.f()", r"or an attribute path such as trainer\.metrics$"),
    ("os.environ", r"or an attribute path such as trainer\.metrics$"),
    ("__import__", PRIVATE),
    ("trainer.", "did you mean 'train_losses'"),
]


@pytest.mark.parametrize(("template", "reason"), TEMPLATE_ATTACKS)
def test_template_attacks_fail_at_load_time(template: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=r"\.upload\.to: .*" + re.escape(reason)):
        hooks.loads(f"version: 1\nevents:\n  on_train_end: [{{upload: {{from: best, to: '{template}'}}}}]\n")


@pytest.mark.parametrize(("source", "reason"), SOURCE_ATTACKS)
def test_source_attacks_fail_at_load_time_on_the_schemas_pattern(source: str, reason: str) -> None:
    pattern = re.escape(f"assign.from: '{source}' is not allowed: must be a named source") + ".*" + reason
    with pytest.raises(ConfigError, match=pattern):
        hooks.loads(f"version: 1\nevents:\n  on_train_end: [{{assign: {{from: '{source}', to: x}}}}]\n")


def _generator() -> Iterator[int]:
    yield 1


def _traceback() -> TracebackType:
    try:
        raise ValueError("x")
    except ValueError as e:
        assert e.__traceback__ is not None
        return e.__traceback__


class CodeHolder:
    """A trainer whose attributes have plain names (they pass the schema's pattern and the load-time
    check) but hold, or lead through, what a config must never touch."""

    def __init__(self) -> None:
        self.data = {"numbers": [1, 2], "nested": {"ok": 1.5}}  # plain data: readable
        self.tool = os  # a module
        self.hook = _generator  # a function
        self.bound = self.method  # a bound method
        self.builtin = len  # a built-in function
        self.kind = Path  # a class
        self.code = _generator.__code__  # a code object
        self.gen = _generator()  # a generator (its frame is one step away)
        self.frame = sys._getframe()  # a frame (its globals are one step away)
        self.tb = _traceback()  # a traceback
        self.table = {"fn": _generator}  # a mapping whose value is a function

    def method(self) -> None:
        pass


RUNTIME_ATTACKS = [
    ("trainer.tool.environ", "'tool' is not plain data"),
    ("trainer.tool", "is not plain data"),
    ("trainer.hook", "is not plain data"),
    ("trainer.hook.globals", "'hook' is not plain data"),
    ("trainer.bound", "is not plain data"),
    ("trainer.bound.self", "'bound' is not plain data"),
    ("trainer.builtin", "is not plain data"),
    ("trainer.kind", "is not plain data"),
    ("trainer.kind.mro", "'kind' is not plain data"),
    ("trainer.code", "is not plain data"),
    ("trainer.gen", "is not plain data"),
    ("trainer.frame", "is not plain data"),
    ("trainer.tb", "is not plain data"),
    ("trainer.table.fn", "is not plain data"),
]


@pytest.mark.parametrize(("path", "reason"), RUNTIME_ATTACKS)
def test_paths_that_pass_load_time_checks_but_reach_code_are_refused_by_follow(path: str, reason: str) -> None:
    # The path passes the schema's pattern and the load-time check …
    hooks.loads(f"version: 1\nevents:\n  on_train_end: [{{assign: {{from: '{path}', to: x}}}}]\n", sink=RecordingSink())
    parts = parse_path(path)
    assert isinstance(parts, tuple) and parts[0] == "trainer"
    # … and only the run-time walk refuses it, naming the step that is not plain data.
    with pytest.raises(UnsafePath, match=re.escape(f"{path}") + ".*" + re.escape(reason)):
        follow(CodeHolder(), parts[1:], path)


def test_follow_reads_plain_data_through_attributes_and_keys() -> None:
    holder = CodeHolder()
    assert follow(holder, ("data", "nested", "ok"), "trainer.data.nested.ok") == 1.5
    assert follow(holder, ("data", "numbers"), "trainer.data.numbers") == [1, 2]


@pytest.mark.parametrize(("path", "reason"), RUNTIME_ATTACKS)
def test_a_source_path_that_reaches_code_logs_nothing_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, path: str, reason: str
) -> None:
    trainer: Any = Trainer(tmp_path / "run")
    trainer.__dict__.update(vars(CodeHolder()))
    sink = RecordingSink()
    compiled = hooks.loads(
        "version: 1\nevents:\n  on_train_end:\n"
        f"    - assign: {{from: '{path}', to: leaked}}\n"
        "    - assign: {from: trainer.data, to: ok}\n",
        sink=sink,
    )
    compiled["on_train_end"](trainer)
    assert [r.path for r in sink.of("assign")] == ["ok"]
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("UnsafePath" in m and reason in m for m in said), said


class Module:
    """Stands for a trainer whose plain-looking attributes lead to code."""


def test_paths_that_look_plain_but_reach_code_are_refused_at_run_time(tmp_path: Path) -> None:
    trainer: Any = Trainer(tmp_path / "run")
    trainer.tool = os  # a module
    trainer.hook = Trainer.label_loss_items  # a function
    sink = RecordingSink()
    compiled = hooks.loads(
        "version: 1\nevents:\n  on_train_end:\n"
        "    - assign: {from: trainer.tool.environ, to: env}\n"
        "    - assign: {from: trainer.hook, to: fn}\n"
        "    - assign: {from: trainer.label_loss_items, to: method}\n"
        "    - assign: {from: trainer.args, to: ok}\n",
        sink=sink,
    )
    compiled["on_train_end"](trainer)
    assert [r.path for r in sink.of("assign")] == ["ok"]
    # and templates render such fields as empty, never as a repr of code
    sink2 = RecordingSink()
    (tmp_path / "run" / "weights").mkdir(parents=True, exist_ok=True)
    trainer.best.write_text("w")
    c2 = hooks.loads(
        "version: 1\nevents:\n  on_train_end: [{upload: {from: best, to: 'w/{trainer.tool|trainer.hook:-none}'}}]\n",
        sink=sink2,
    )
    c2["on_train_end"](trainer)
    assert [r.path for r in sink2.of("upload")] == ["w/none"]


def test_secrets_are_masked_in_assigned_mappings(tmp_path: Path) -> None:
    trainer = Trainer(tmp_path / "run")
    trainer.args.api_key = "sk-123"
    trainer.args.WANDB_TOKEN = "t"
    trainer.args.db_password = "p"
    trainer.args.team_ident = "acme-7"
    trainer.extra = {"nested": {"client_secret": "s", "ok": 1}}
    sink = RecordingSink()
    compiled = hooks.loads(
        "version: 1\nmask_keys: ['*ident*']\nevents:\n  on_pretrain_routine_start:\n"
        "    - assign: {from: hyperparameters, to: hp}\n    - assign: {from: trainer.extra, to: extra}\n",
        sink=sink,
    )
    compiled["on_pretrain_routine_start"](trainer)
    hp, extra = (r.value for r in sink.of("assign"))
    assert hp["api_key"] == hp["WANDB_TOKEN"] == hp["db_password"] == hp["team_ident"] == "****"
    assert hp["name"] == trainer.args.name == "run"
    assert extra == {"nested": {"client_secret": "****", "ok": 1}}
