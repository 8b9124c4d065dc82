"""What the README and the docs show is true: every YAML example in README.md and docs/format.md
loads (found when the tests run, so examples added later are checked too), and every example
marked as an error demonstration fails with exactly the error the doc shows after it.

Marking an error demonstration: put ``<!-- error example -->`` on the line before its ```` ```yaml````
fence, and the output of ``hooks validate FILE`` (lines ``FILE:LINE:COL: path: message``) in the
next fenced block; the example is checked as the file ``FILE``, verbatim.

A valid example is loaded as it is when it is a whole config (it has ``version``); a mapping
without ``version`` is a part of one (``version: 1`` is added); a list is a list of actions, loaded
under one event (the first of several that takes it) of a config that extends ``default``."""

from __future__ import annotations

import json
import re
import runpy
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from hooks.cli import main
from hooks.cli.init import MODELINE
from hooks.errors import ConfigError
from hooks.loader.load import load_config
from tests.conftest import FIXTURES, REPO

DOCS = ("README.md", "docs/format.md")
ERROR_MARKER = "<!-- error example -->"
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
VALIDATE_LINE = re.compile(r"^(\S+\.ya?ml):\d+:\d+: ")
# Events a list of actions is tried under, in this order: one that takes it makes it valid.
ACTION_EVENTS = ("on_train_end", "on_fit_epoch_end", "on_train_epoch_end", "on_val_end", "on_train_batch_end")


@dataclass(frozen=True)
class Block:
    doc: str  # README.md, docs/format.md
    line: int  # of the opening fence, 1-based
    lang: str
    text: str  # dedented
    marked_error: bool  # ERROR_MARKER on the line before the fence
    following: Block | None = None  # the next fenced block

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def fenced_blocks(doc: str, root: Path = REPO) -> list[Block]:
    """Every fenced block of a Markdown file, in order, each knowing the one after it."""
    lines = (root / doc).read_text(encoding="utf-8").splitlines()
    found: list[tuple[int, str, str, bool]] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        start, lang = i, opening.group(2)
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        before = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        found.append((start + 1, lang, textwrap.dedent("\n".join(body)) + "\n", before == ERROR_MARKER))
        i += 1
    blocks: list[Block] = []
    for line, lang, text, marked in reversed(found):
        blocks.insert(0, Block(doc, line, lang, text, marked, blocks[0] if blocks else None))
    return blocks


def yaml_blocks() -> list[Block]:
    return [b for doc in DOCS for b in fenced_blocks(doc) if b.lang == "yaml"]


YAML_BLOCKS = yaml_blocks()
EXAMPLES = [pytest.param(b, id=b.where) for b in YAML_BLOCKS if not b.marked_error]
ERROR_EXAMPLES = [pytest.param(b, id=b.where) for b in YAML_BLOCKS if b.marked_error]


def test_both_documents_have_yaml_examples() -> None:
    # the discovery itself works: a broken fence parser would find nothing and check nothing
    assert {b.doc for b in YAML_BLOCKS} == set(DOCS)
    assert all(b.text.strip() for b in YAML_BLOCKS)
    for b in YAML_BLOCKS:
        assert b.text == textwrap.dedent(b.text) and "```" not in b.text, b.where


@pytest.fixture
def acme_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The docs' plugin examples (`acme:stdout`, `acme:progress`) are the fixture package's; its
    modules register them for this test only."""
    from hooks.sinks.registry import SINKS
    from hooks.sources.registry import SOURCES

    for registry in (SINKS, SOURCES):
        monkeypatch.setattr(registry, "_entries", dict(registry._entries))
    package = FIXTURES / "acme-yolo-plugins" / "src" / "acme_yolo_plugins"
    for module in ("stdout.py", "sources.py"):
        runpy.run_path(str(package / module))
    yield


def load_example(block: Block, folder: Path) -> None:
    """Load a valid example (see the module's docstring); raises ConfigError."""
    data: Any = yaml.safe_load(block.text)
    path = folder / "example.yaml"
    if isinstance(data, dict) and "version" in data:
        path.write_text(block.text, encoding="utf-8")
        load_config(path, env={})
    elif isinstance(data, dict):
        path.write_text("version: 1\n" + block.text, encoding="utf-8")
        load_config(path, env={})
    elif isinstance(data, list):
        errors: list[str] = []
        for event in ACTION_EVENTS:
            nested = textwrap.indent(block.text, "    ")
            path.write_text(f"version: 1\nextends: default\nevents:\n  {event}:\n{nested}", encoding="utf-8")
            try:
                load_config(path, env={})
                return
            except ConfigError as e:
                errors.append(f"under {event}: {e}")
        raise AssertionError("\n".join(errors))
    else:
        raise AssertionError(f"an example that is neither a config, a part of one, nor actions: {data!r}")


@pytest.mark.parametrize("block", EXAMPLES)
def test_every_yaml_example_in_the_docs_loads(block: Block, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if "acme:" in block.text:
        request.getfixturevalue("acme_plugins")
    modelines = [line for line in block.text.splitlines() if "yaml-language-server" in line]
    # the modeline the docs show is the one `hooks init` writes (the schema beside the config)
    assert all(line.strip() == MODELINE for line in modelines), (block.where, modelines)
    if yaml.safe_load(block.text) is None:  # comments only: the modeline on its own
        assert modelines, f"{block.where}: an example with nothing in it"
        return
    try:
        load_example(block, tmp_path)
    except (ConfigError, AssertionError) as e:
        hint = ""
        if block.following is not None and VALIDATE_LINE.match(block.following.text):
            hint = (
                f"\nIf it is meant to fail (the block after it looks like `hooks validate` output), put "
                f"{ERROR_MARKER} on the line before its ```yaml fence."
            )
        pytest.fail(f"{block.where}: the example does not load:\n{e}{hint}")


@pytest.mark.parametrize("block", ERROR_EXAMPLES)
def test_every_error_example_fails_with_the_error_the_doc_shows(
    block: Block, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shown_block = block.following
    assert shown_block is not None, f"{block.where}: an error example needs the error in the block after it"
    shown = [line.strip() for line in shown_block.text.splitlines() if line.strip()]
    named = VALIDATE_LINE.match(shown[0]) if shown else None
    assert named, f"{block.where}: the block after it should start with FILE:LINE:COL: …, not {shown[:1]}"
    (tmp_path / named.group(1)).write_text(block.text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", named.group(1)]) == 1
    printed = capsys.readouterr().out.splitlines()
    missing = [line for line in shown if line not in printed]
    assert not missing, f"{block.where}: shown but not printed:\n{missing}\nprinted:\n" + "\n".join(printed)


def test_a_marked_error_example_must_really_be_checked(tmp_path: Path) -> None:
    """The discovery of error examples: a marked block is one, with the error block after it."""
    doc = tmp_path / "doc.md"
    doc.write_text(
        "Text.\n\n<!-- error example -->\n```yaml\nversion: 2\n```\n\nprints\n\n"
        "```\nteam.yaml:1:10: version: must be 1\n```\n\n```yaml\nversion: 1\n```\n",
        encoding="utf-8",
    )
    marked, error, valid = fenced_blocks("doc.md", tmp_path)
    assert (marked.lang, marked.marked_error, marked.line) == ("yaml", True, 4)
    assert marked.following is error and error.text == "team.yaml:1:10: version: must be 1\n"
    assert (valid.marked_error, valid.following) == (False, None)


def test_readme_example_config_is_valid(tmp_path: Path) -> None:
    example = next(b for b in fenced_blocks("README.md") if b.lang == "yaml" and not b.marked_error)
    path = tmp_path / "team.yaml"
    path.write_text(example.text, encoding="utf-8")
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
