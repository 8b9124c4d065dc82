"""Stage 1: YAML is read safely, with positions, and hostile input is refused fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hooks.config.read import MAX_BYTES, read_file, read_text
from hooks.errors import ConfigError, Location


def issues(source: str | bytes) -> list[str]:
    with pytest.raises(ConfigError) as e:
        read_text(source, "t.yaml")
    return [str(i) for i in e.value.issues]


def test_keys_and_values_keep_their_positions() -> None:
    doc = read_text("version: 1\nevents:\n  on_train_end:\n    - upload: {from: best}\n", "t.yaml")
    assert doc.keys[("events", "on_train_end")] == Location("t.yaml", 3, 3)
    assert doc.values[("events", "on_train_end", 0)] == Location("t.yaml", 4, 7)
    assert doc.values[("events", "on_train_end", 0, "upload", "from")] == Location("t.yaml", 4, 22)
    assert doc.where(("events", "on_train_end", 0, "upload", "nope")) == Location("t.yaml", 4, 15)


def test_dates_and_plain_scalars() -> None:
    doc = read_text("a: 2026-01-01\nb: yes\nc: 1.5\nd: ~\n", "t.yaml")
    assert doc.data == {"a": "2026-01-01", "b": True, "c": 1.5, "d": None}


def test_duplicate_keys_are_an_error() -> None:
    assert issues("a: 1\nb: 2\na: 3\n") == [
        "t.yaml:3:1: a: duplicate key 'a' (first defined on line 1); keep one of them"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['id']\n",
        "a: !!python/name:os.system\n",
        "a: !custom 1\n",
        "a: !!set {x, y}\n",
        "a: !!binary aGVsbG8=\n",
    ],
)
def test_tags_are_refused(text: str) -> None:
    (msg,) = issues(text)
    assert "is not allowed" in msg and msg.startswith("t.yaml:1:4:")


def test_merge_keys_are_refused() -> None:
    (msg,) = issues("base: &b {x: 1}\nother:\n  <<: *b\n")
    assert "'<<' merge keys are not supported" in msg


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    started = time.perf_counter()
    (msg,) = issues("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2.0
    assert "expands to more than" in msg


def test_deep_nesting_is_refused() -> None:
    (msg,) = issues("a: " + "[" * 200 + "]" * 200 + "\n")
    assert "nested too deeply" in msg


def test_non_utf8_is_refused_with_position() -> None:
    assert issues(b"version: 1\nname: caf\xe9\n") == ["t.yaml:2:10: not UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_huge_files_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_BYTES + b"\n")
    with pytest.raises(ConfigError, match="a config may have at most"):
        read_file(big)


def test_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        read_file(tmp_path / "nope.yaml")
