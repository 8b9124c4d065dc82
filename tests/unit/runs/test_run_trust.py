"""A run folder from someone else chooses nothing: a crafted Neptune offline run (log lines written
by hand, as an attacker who controls only that folder would) read back by `hooks runs`, `hooks
report` and `hooks export --to mlflow` into a real SQLite store.

- A file the run names outside the folder that holds its data folder (by absolute path, through
  ``..``, through a link inside the run folder or the training's folder, ``/proc/self/environ``,
  a hidden ``.git/config``) and a file set outside it (``$HOME/**``, ``/usr/**``) are never
  uploaded; the training's own files (``runs/detect/train/…``) still are.
- A file set over a big tree is bounded (the limit is named), and finishes.
- An escape sequence in a run's name, id or file names comes out escaped.
- A line nested 100,000 deep is a problem line, never a RecursionError; a deep metadata.json or
  cache entry reads as none.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hooks.cli import main
from hooks.core import untrusted
from hooks.runs import cache
from hooks.runs.neptune.read import find_runs, read_run

SQLITE_IN_PROCESS = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning")
SECRET = b"SECRET-do-not-upload"
ESC = "\x1b[2J\x1b]0;owned\x07"
DEEP = "[" * 100_000 + "]" * 100_000


def _op(op_type: str, path: str, **fields: Any) -> dict[str, Any]:
    return {"type": op_type, "path": path.split("/"), **fields}


def _write_run(root: Path, ops: list[dict[str, Any] | str], name: str = "run__abc12345__999999__x") -> Path:
    """A run folder under ``root/.neptune/offline`` with one data-1.log (a str op is a raw line)."""
    run_dir = root / ".neptune" / "offline" / name
    run_dir.mkdir(parents=True)
    meta = {"mode": "offline", "containerId": name.split("__")[1], "containerType": "run"}
    (run_dir / "metadata.json").write_text(json.dumps({**meta, "createdAt": "2026-01-02T03:04:05+00:00"}))
    lines = [
        op if isinstance(op, str) else json.dumps({"obj": op, "version": i, "at": 1700000000.0 + i})
        for i, op in enumerate(ops, 1)
    ]
    (run_dir / "data-1.log").write_text("\n".join(lines) + "\n")
    return run_dir


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A training's folder (``work``: its outputs, its .neptune) beside a secret outside it and a $HOME."""
    work, outside, home = tmp_path / "work", tmp_path / "outside", tmp_path / "home"
    train = work / "runs" / "detect" / "train"
    (train / "weights").mkdir(parents=True)
    (train / "weights" / "best.pt").write_bytes(b"weights of the training")
    (train / "results.csv").write_bytes(b"epoch,loss\n1,0.5\n")
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET + b" outside")
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_bytes(SECRET + b" ssh")
    (home / "notes.txt").write_bytes(SECRET + b" home")
    (work / ".git").mkdir()
    (work / ".git" / "config").write_bytes(SECRET + b" git")
    (work / "runs" / "linked").symlink_to(outside, target_is_directory=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return {"work": work, "outside": outside, "home": home, "train": train}


def _crafted(planted: dict[str, Path], name: str = "crafted") -> Path:
    work, outside, home, train = planted["work"], planted["outside"], planted["home"], planted["train"]
    run_dir = _write_run(
        work,
        [
            _op("AssignString", "sys/name", value=name),
            _op("UploadFile", "files/best", file_path=str(train / "weights" / "best.pt"), ext="pt"),
            _op("UploadFile", "files/absolute", file_path=str(outside / "secret.txt"), ext="txt"),
            _op("UploadFile", "files/dotdot", file_path=f"{work}/runs/../../outside/secret.txt", ext="txt"),
            _op("UploadFile", "files/link_in_run", tmp_file_name="link.txt", ext="txt"),
            _op("UploadFile", "files/link_in_work", file_path=f"{work}/runs/linked/secret.txt", ext="txt"),
            _op("UploadFile", "files/tmp_climbs", tmp_file_name="../../../../../outside/secret.txt", ext="txt"),
            _op("UploadFile", "files/environ", file_path="/proc/self/environ", ext="txt"),
            _op("UploadFile", "files/git", file_path=str(work / ".git" / "config"), ext="txt"),
            _op("UploadFile", "files/ssh", file_path=str(home / ".ssh" / "id_rsa"), ext="txt"),
            _op("UploadFileSet", "sets/home", file_globs=[f"{home}/**"], reset="False"),
            _op("UploadFileSet", "sets/usr", file_globs=["/usr/**"], reset="False"),
            _op("UploadFileSet", "sets/climb", file_globs=[f"{work}/../outside/*"], reset="False"),
            _op("UploadFileSet", "sets/linked", file_globs=[f"{work}/runs/linked/*"], reset="False"),
            _op("UploadFileSet", "sets/csv", file_globs=[f"{train}/*.csv"], reset="False"),
        ],
    )
    (run_dir / "upload_path").mkdir()
    (run_dir / "upload_path" / "link.txt").symlink_to(outside / "secret.txt")
    return run_dir


def _export(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _artifacts(tmp_path: Path, uri: str) -> Path:
    from mlflow import MlflowClient

    where = tmp_path / "artifacts"
    MlflowClient(tracking_uri=uri).create_experiment("trust", artifact_location=where.as_uri())
    return where


def _uploaded(where: Path) -> dict[str, bytes]:
    return {p.relative_to(where).as_posix(): p.read_bytes() for p in where.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------
# Files a run names by path, and file sets


@SQLITE_IN_PROCESS
def test_export_uploads_no_file_outside_the_training_folder_and_the_trainings_own_files(
    planted: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _crafted(planted)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    where = _artifacts(tmp_path, uri)

    code, out, err = _export(
        str(run_dir), "--to", "mlflow", "--tracking-uri", uri, "--experiment", "trust", capsys=capsys
    )

    assert code == 0, err
    uploaded = _uploaded(where)
    assert not [name for name, data in uploaded.items() if SECRET in data]
    assert not [name for name in uploaded if "environ" in name or "/usr/" in name]
    names = {name.split("/artifacts/", 1)[-1] for name in uploaded}
    assert {"files/best.pt", "sets/csv/results.csv"} <= names, names
    assert uploaded[next(n for n in uploaded if n.endswith("files/best.pt"))] == b"weights of the training"
    for refused in ("files/absolute", "files/dotdot", "files/link_in_run", "files/link_in_work", "files/tmp_climbs"):
        assert f"  missing: {refused} (" in out, refused
    for refused in ("files/environ", "files/git", "files/ssh", "sets/home", "sets/usr", "sets/climb", "sets/linked"):
        assert f"  missing: {refused} (" in out, refused
    assert "climbs out with '..'" in out and "hidden component '.git'" in out and "is a link" in out


def test_the_reader_keeps_a_refused_file_as_missing_with_a_problem_naming_it(planted: dict[str, Path]) -> None:
    run = read_run(_crafted(planted))

    assert run.files["files/best"].exists and run.files["files/best"].size == len(b"weights of the training")
    for key in ("files/absolute", "files/dotdot", "files/link_in_run", "files/link_in_work", "files/environ"):
        assert not run.files[key].exists and run.files[key].size is None, key
        (problem,) = [p for p in run.problems if p.startswith(f"{key}: ")]
        assert "not read" in problem and "--trust DIR" in problem, problem
    assert sum(p.startswith("sets/") for p in run.problems) == 3  # home, usr, climb: outside; linked is walked
    assert planted["work"] in run.roots and run.roots[0] == planted["work"]


@SQLITE_IN_PROCESS
def test_a_folder_the_user_trusts_is_read_with_trust(
    planted: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _crafted(planted)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    where = _artifacts(tmp_path, uri)
    trusted = str(planted["outside"])

    code, out, err = _export(
        str(run_dir),
        "--to",
        "mlflow",
        "--tracking-uri",
        uri,
        "--experiment",
        "trust",
        "--trust",
        trusted,
        capsys=capsys,
    )

    assert code == 0, err
    names = {name.split("/artifacts/", 1)[-1] for name in _uploaded(where)}
    assert "files/absolute.txt" in names and "sets/climb/secret.txt" not in names  # '..' never
    assert "  missing: files/absolute" not in out


def test_a_file_set_over_a_big_tree_stops_at_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    for folder in range(11):
        (tree / str(folder)).mkdir(parents=True)
        for name in range(1000):
            (tree / str(folder) / f"{name}.txt").touch()

    found, cut = untrusted.glob_below(tmp_path, ("tree", "**"))

    assert len(found) == untrusted.MAX_GLOB_FILES
    assert cut == f"stopped at {untrusted.MAX_GLOB_FILES} files (the limit)"
    monkeypatch.setattr(untrusted, "MAX_GLOB_ENTRIES", 500)
    found, cut = untrusted.glob_below(tmp_path, ("tree", "**", "none"))
    assert found == [] and cut == "stopped after looking at 500 entries (the limit)"


def test_a_pattern_over_usr_is_refused_without_being_walked(planted: dict[str, Path]) -> None:
    from hooks.runs.replay import _file_set

    roots = read_run(_crafted(planted)).roots
    found, lost = _file_set(["/usr/**", f"{planted['home']}/**"], roots)

    assert found == []
    why = "not expanded (a run's files are read only inside its own folders; `hooks export --trust DIR` adds one)"
    assert lost == [
        f"the pattern /usr/** is outside the run's folders; {why}",
        f"the pattern {planted['home']}/** is outside the run's folders; {why}",
    ]


# --------------------------------------------------------------------------
# Escape sequences


@SQLITE_IN_PROCESS
def test_escape_sequences_of_a_run_come_out_escaped(
    planted: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = planted["train"]
    (train / f"evil{ESC}.csv").write_bytes(b"a\n")
    run_dir = _write_run(
        planted["work"],
        [
            _op("AssignString", "sys/name", value=f"name{ESC}"),
            _op("AssignString", f"params/key{ESC}", value=f"value{ESC}"),
            _op("UploadFile", f"files/evil{ESC}", file_path=f"/nowhere/{ESC}.txt", ext="txt"),
            _op("UploadFileSet", "sets/evil", file_globs=[f"{train}/evil*.csv", f"/x{ESC}/**"], reset="False"),
        ],
        name="run__\x1b[31m__999999__x",
    )

    capsys.readouterr()
    assert main(["runs", str(planted["work"])]) == 0
    listed = capsys.readouterr()
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    code, out, err = _export(str(run_dir), "--to", "mlflow", "--tracking-uri", uri, capsys=capsys)

    assert code == 0, err
    for text in (listed.out, listed.err, out, err):
        assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[31m" in out  # the run's id, escaped
    assert "missing: files/evil\\x1b[2J\\x1b]0;owned\\x07 (/nowhere/\\x1b[2J" in out
    assert "the pattern /x\\x1b[2J\\x1b]0;owned\\x07/** is outside" in out


def test_hooks_runs_in_a_process_prints_no_raw_escape(planted: dict[str, Path], tmp_path: Path) -> None:
    _write_run(planted["work"], [_op("AssignString", "sys/name", value=f"n{ESC}")], name="run__\x1b[31m__1__x")
    env = {**os.environ, "YAML_HOOKS_CACHE_DIR": str(tmp_path / "cache")}

    done = subprocess.run(
        [sys.executable, "-m", "hooks", "runs", str(planted["work"])], capture_output=True, env=env, timeout=120
    )

    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stdout + done.stderr and b"\\x1b[31m" in done.stdout


def test_shown_escapes_controls_but_newline_and_tab() -> None:
    assert untrusted.shown("a\tb\nc\x1b[0m\x07\x7f\x9b\u202e") == "a\tb\nc\\x1b[0m\\x07\\x7f\\x9b\\u202e"


# --------------------------------------------------------------------------
# Depth and size


@SQLITE_IN_PROCESS
def test_a_line_nested_100000_deep_is_a_problem_in_runs_report_and_export(
    planted: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep_op = json.dumps({"obj": {"type": "AssignString", "path": ["sys", "name"], "value": "x"}})[:-1]
    run_dir = _write_run(
        planted["work"],
        [
            _op("AssignString", "sys/name", value="deep"),
            DEEP,
            deep_op + ', "deep": ' + DEEP + "}",
            _op("AssignFloat", "params/lr", value=0.5),
        ],
    )

    run = read_run(run_dir)
    assert [p for p in run.problems if "data-1.log:2:" in p or "data-1.log:3:" in p] == [
        f"data-1.log:2: nested deeper than the limit of {untrusted.MAX_JSON_DEPTH} levels; not read",
        f"data-1.log:3: nested deeper than the limit of {untrusted.MAX_JSON_DEPTH} levels; not read",
    ]
    assert run.fields["params/lr"] == 0.5 and run.name == "deep"

    capsys.readouterr()
    assert main(["runs", str(planted["work"])]) == 0
    assert main(["report", str(run_dir), "-o", str(tmp_path / "r.html")]) == 0
    report = (tmp_path / "r.html").read_text()
    assert f"nested deeper than the limit of {untrusted.MAX_JSON_DEPTH} levels" in report
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    code, out, err = _export(str(run_dir), "--to", "mlflow", "--tracking-uri", uri, capsys=capsys)
    assert code == 0, err
    assert "problem(s)" in out and "RecursionError" not in out + err


def test_a_deep_or_big_metadata_json_or_a_link_reads_as_none(planted: dict[str, Path]) -> None:
    run_dir = _write_run(planted["work"], [_op("AssignString", "sys/name", value="meta")])
    (run_dir / "metadata.json").write_text('{"createdAt": ' + DEEP + "}")
    assert read_run(run_dir).metadata == {}
    (run_dir / "metadata.json").write_text(json.dumps({"pad": "x" * (2 << 20)}))
    assert read_run(run_dir).metadata == {}
    (run_dir / "metadata.json").unlink()
    (planted["outside"] / "metadata.json").write_text(json.dumps({"containerId": "stolen", "containerType": "run"}))
    (run_dir / "metadata.json").symlink_to(planted["outside"] / "metadata.json")
    assert read_run(run_dir).metadata == {}
    assert find_runs(planted["work"]) == [run_dir]


def test_a_data_file_that_is_a_link_is_not_read(planted: dict[str, Path]) -> None:
    run_dir = _write_run(planted["work"], [_op("AssignString", "sys/name", value="mine")])
    elsewhere = planted["outside"] / "data.log"
    elsewhere.write_text(json.dumps({"obj": _op("AssignString", "stolen", value="theirs")}) + "\n")
    (run_dir / "data-2.log").symlink_to(elsewhere)

    run = read_run(run_dir)

    assert "stolen" not in run.fields and run.name == "mine"


def test_a_deep_or_linked_cache_entry_reads_as_none(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    assert cache.store(folder, "ok", ".state", {"a": [1]})
    assert cache.load(folder, "ok", ".state") == {"a": [1]}
    header = (folder / "ok.state").read_bytes()[: len(b"yaml-hooks run cache\n") + 2]
    # 100,000 nested lists, written as pickle's opcodes (pickle.dumps itself would recurse that deep).
    deep = b"\x80\x04}" + b"\x8c\x01a" + b"]" * 100_000 + b"a" * 99_999 + b"s."
    assert isinstance(pickle.loads(deep), dict)
    (folder / "deep.state").write_bytes(header + deep)
    assert cache.load(folder, "deep", ".state") is None
    (folder / "link.state").symlink_to(folder / "ok.state")
    assert cache.load(folder, "link", ".state") is None


def test_credentials_in_a_runs_values_are_masked_in_what_the_cli_prints(
    planted: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # A run written before masking (or by another tool) with a URI holding user:password@.
    _write_run(
        planted["work"],
        [_op("AssignString", "sys/name", value="from http://me:pa55-LEAK@mlflow.example:5000")],
        name="run__cred__999998__y",
    )
    capsys.readouterr()
    assert main(["runs", str(planted["work"])]) == 0
    out = capsys.readouterr().out
    assert "pa55-LEAK" not in out and "http://***@mlflow.example:5000" in out
