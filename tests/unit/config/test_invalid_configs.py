"""Every file in configs/invalid/ fails with exactly the messages in its .txt, line and column included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hooks.cli import main
from tests.conftest import CONFIGS

INVALID = CONFIGS / "invalid"
CASES = sorted(p.name for p in INVALID.glob("*.yaml"))


@pytest.mark.parametrize("name", CASES)
def test_message_is_exact(name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(INVALID)
    monkeypatch.delenv("HOOKS_TEST_SURELY_UNSET_VARIABLE", raising=False)
    assert main(["validate", name]) == 1
    expected = (INVALID / name).with_suffix(".txt").read_text(encoding="utf-8")
    assert capsys.readouterr().out == expected


@pytest.mark.parametrize("name", CASES)
def test_every_message_points_at_a_line_and_says_what_to_do(name: str) -> None:
    for line in (INVALID / name).with_suffix(".txt").read_text(encoding="utf-8").splitlines():
        file, lineno, col, rest = line.split(":", 3)
        assert file.endswith(".yaml") and int(lineno) >= 1 and int(col) >= 1
        # A fix is named: an alternative, an allowed set, or an instruction.
        assert any(
            w in rest
            for w in (
                "did you mean",
                "allowed",
                "must",
                "give",
                "write",
                "set it",
                "keep",
                "remove",
                "make them",
                "needs",
                "save",
                "unique",
                "a config",
                "add it",
                "check the",
                "indent",
            )
        ), line


def test_cli_exit_codes_in_a_real_process() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "hooks", "validate", "unknown_kind.yaml", "bad_version.yaml"],
        cwd=INVALID,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stdout.count("\n") == 2  # both files' errors, not just the first
    usage = subprocess.run([sys.executable, "-m", "hooks", "validate"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2


def test_errors_in_several_files_are_all_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\n")
    assert main(["validate", str(good), str(INVALID / "unknown_event.yaml"), str(INVALID / "two_kinds.yaml")]) == 1
    out = capsys.readouterr().out
    assert f"{good}: ok" in out
    assert "unknown event 'on_train_epoch_ends'" in out
    assert "an action needs a kind" in out
