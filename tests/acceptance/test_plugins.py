"""Extension points: a tracker and a named source from an installed package (entry points), the
same through the public API in-process, several trackers at once, and the `package:name` rule."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.errors import ConfigError
from hooks.loader.load import load_config
from hooks.plugin import BaseSinkFactory, Builder, SinkFactory
from hooks.testing import RecordingSink, simulate_training
from tests.conftest import REPO, install_fixture_package


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_fixture_package("acme-yolo-plugins", tmp_path_factory.mktemp("acme-plugins"))


def run_with(site: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, check=False)


_TRAIN = """
import hooks
from hooks.testing import simulate_training
simulate_training(dict(hooks.load("team.yaml")), __import__("pathlib").Path("run"), epochs=2)
"""


def test_a_tracker_and_a_source_from_a_package_log_a_simulated_training(plugin_site: Path, tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text(
        "version: 1\n"
        "sink: {acme:stdout: {prefix: '[{args.name}]'}}\n"
        "events:\n"
        "  on_fit_epoch_end:\n"
        "    - scalars: {from: acme:progress, when: {final: false}}\n"
        "  on_train_end:\n"
        "    - upload: {from: best, to: 'weights/{file.name}'}\n",
        encoding="utf-8",
    )
    out = run_with(plugin_site, ["-c", _TRAIN], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "[run] append progress/epoch 1.0 1",
        "[run] append progress/done 0.5 1",
        "[run] append progress/epoch 2.0 2",
        "[run] append progress/done 1.0 2",
        "[run] upload weights/best.pt best.pt",
        "[run] stop",
    ]
    assert "printed to stdout" in out.stderr  # the sink's own sentence, as Neptune's "saved in …"


def test_a_package_trackers_options_are_checked_by_its_schema(plugin_site: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("version: 1\nsink:\n  acme:stdout: {prefx: x}\n", encoding="utf-8")
    out = run_with(plugin_site, ["-m", "hooks", "validate", "bad.yaml"], tmp_path)
    assert out.returncode == 1
    assert "bad.yaml:3:17: sink.acme:stdout.prefx: unknown key 'prefx'; did you mean 'prefix'?" in out.stdout
    schema = run_with(plugin_site, ["-m", "hooks", "schema"], tmp_path).stdout
    assert '"acme:stdout"' in schema
    builtin = run_with(plugin_site, ["-m", "hooks", "schema", "--builtin"], tmp_path).stdout
    assert '"acme:stdout"' not in builtin and builtin == (REPO / "schemas" / "hooks.schema.json").read_text()


def test_an_action_kind_from_a_package_is_checked_by_its_schema_and_runs(plugin_site: Path, tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text(
        "version: 1\n"
        "sink: {acme:stdout: {prefix: '[{args.name}]'}}\n"
        "events:\n"
        "  on_train_end:\n"
        "    - acme:mark: {value: 1, to: markers/end}\n",
        encoding="utf-8",
    )
    out = run_with(plugin_site, ["-c", _TRAIN], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["[run] append markers/end 1.0 2", "[run] stop"]
    (tmp_path / "bad.yaml").write_text(
        "version: 1\nevents:\n  on_train_end:\n    - acme:mark: {value: one, to: m}\n    - acme:mrk: {}\n",
        encoding="utf-8",
    )
    bad = run_with(plugin_site, ["-m", "hooks", "validate", "bad.yaml"], tmp_path)
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[:2] == [
        "bad.yaml:4:26: events.on_train_end[0].acme:mark.value: must be a number, got the text 'one'",
        "bad.yaml:5:7: events.on_train_end[1].acme:mrk: unknown action kind 'acme:mrk'; did you mean 'acme:mark'? "
        "(kinds: acme:mark, assign, files, plots, scalars, upload; or `remove: ID`)",
    ]
    schema = run_with(plugin_site, ["-m", "hooks", "schema"], tmp_path).stdout
    assert '"acme:mark"' in schema and '"#/$defs/acme:mark"' in schema


def test_an_entry_point_may_only_register_its_own_names(plugin_site: Path, tmp_path: Path) -> None:
    (tmp_path / "rogue.yaml").write_text(
        "version: 1\nevents:\n  on_fit_epoch_end:\n    - scalars: {from: rogue:anything}\n", encoding="utf-8"
    )
    out = run_with(plugin_site, ["-m", "hooks", "validate", "rogue.yaml"], tmp_path)
    assert out.returncode == 1
    assert "rogue.yaml:4:23: events.on_fit_epoch_end[0].scalars.from:" in out.stdout
    assert "entry point 'rogue' registered source 'acme:stolen'; its names must start with 'rogue:'" in out.stdout


def test_plugin_names_look_like_package_colon_name() -> None:
    with pytest.raises(ValueError, match="look like 'package:name'"):
        hooks.register_source("gpu", "mapping", "no package")
    with pytest.raises(ValueError, match="look like 'package:name'"):
        hooks.register_sink(hooks.SinkType("stdout", {}, lambda b, o: RecordingSink()))
    hooks.register_sink(hooks.SinkType("test:once", {}, lambda b, o: RecordingSink()))
    with pytest.raises(ValueError, match="sink 'test:once' is already registered"):
        hooks.register_sink(hooks.SinkType("test:once", {}, lambda b, o: RecordingSink()))


# ---------------------------------------------------------------------- in-process, public API
_RECORDERS: dict[str, RecordingSink] = {}


class _Broken(BaseSinkFactory):
    def open(self, lookup: Callable[[str], Any]) -> Any:
        raise ConnectionError("tracker down")

    def describe(self) -> str:
        return "a tracker that never starts"


def _build_recorder(b: Builder, options: Mapping[str, Any]) -> SinkFactory:
    if options.get("broken"):
        return _Broken()
    return _RECORDERS.setdefault(options["key"], RecordingSink())


hooks.register_sink(
    hooks.SinkType(
        "test:rec",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"key": {"type": "string"}, "broken": {"type": "boolean"}},
        },
        _build_recorder,
    )
)


def test_a_tracker_registered_in_python_is_configured_under_its_name(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path / "c.yaml", "sink: {test:rec: {key: a}}\n"))
    assert config.sink is _RECORDERS["a"]
    with pytest.raises(ConfigError, match=r"c2.yaml:2:24: sink.test:rec.key: must be text, got the number 3"):
        load_config(_write(tmp_path / "c2.yaml", "sink: {test:rec: {key: 3}}\n"))


def _write(path: Path, body: str) -> Path:
    path.write_text("version: 1\n" + body, encoding="utf-8")
    return path


def test_several_trackers_each_get_every_action_and_one_down_spoils_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = textwrap.dedent(
        """\
        sink:
          test:rec: {key: b}
          neptune: {mode: offline, capture: {stdout: false, stderr: false, hardware_metrics: false}}
        events:
          on_fit_epoch_end: [{scalars: {from: metrics, include: ['metrics/mAP50(B)']}}]
        """
    )
    os.environ["NEPTUNE_DATA_DIRECTORY"] = str(tmp_path / "nep")  # _clean_env restores the environment
    compiled = hooks.load(_write(tmp_path / "fan.yaml", text))
    assert "RecordingSink" in compiled.config.sink.describe() and "Neptune" in compiled.config.sink.describe()
    trainer = simulate_training(dict(compiled), tmp_path / "run", epochs=2)
    recorded = _RECORDERS["b"].series()["metrics/mAP50(B)"]
    assert [step for step, _ in recorded] == [1, 2, 3]
    from hooks.runs.neptune.read import find_runs, read_run

    (run_dir,) = find_runs(tmp_path / "nep")
    neptune_points = [(p.step, p.value) for p in read_run(run_dir).series["metrics/mAP50(B)"]]
    assert neptune_points == recorded
    assert recorded[-1][1] == pytest.approx(trainer.metrics["metrics/mAP50(B)"])

    broken = hooks.load(_write(tmp_path / "down.yaml", text.replace("{key: b}", "{broken: true}")))
    simulate_training(dict(broken), tmp_path / "run2", epochs=2)
    assert any("the test:rec tracker did not start, the others go on" in r.getMessage() for r in caplog.records)
    assert len(find_runs(tmp_path / "nep")) == 2  # Neptune logged the second training all the same


# ---------------------------------------------------------------------- the optional methods
class _NoPrepare:  # a factory written before prepare() was in the protocol
    def open(self, lookup: Callable[[str], Any]) -> Any:
        return RecordingSink()

    def describe(self) -> str:
        return "no prepare"


class _HalfSink:  # a sink without fail() and register()
    def append(self, path: str, value: float, step: float | None) -> None: ...
    def assign(self, path: str, value: Any) -> None: ...
    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None: ...
    def upload_figure(self, path: str, figure: Any) -> None: ...
    def flush(self) -> None: ...
    def stop(self) -> str:
        return ""


class _OpensHalfSinks(BaseSinkFactory):
    def open(self, lookup: Callable[[str], Any]) -> Any:
        return _HalfSink()

    def describe(self) -> str:
        return "half sinks"


hooks.register_sink(hooks.SinkType("test:noprepare", {"type": "object"}, lambda b, o: _NoPrepare()))
hooks.register_sink(hooks.SinkType("test:half", {"type": "object"}, lambda b, o: _OpensHalfSinks()))


def test_a_factory_or_sink_without_the_optional_methods_is_said_before_the_training(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(_write(tmp_path / "c.yaml", "sink: {test:noprepare: {}}\n"))
    assert str(e.value) == (
        f"{tmp_path / 'c.yaml'}:2:24: sink.test:noprepare: the tracker test:noprepare built a factory that is not a "
        "SinkFactory: _NoPrepare has no prepare(), notes(); subclass hooks.BaseSinkFactory, which has the no-op "
        "defaults of the optional ones"
    )
    with pytest.raises(TypeError, match=r"sink= is not a SinkFactory: _NoPrepare has no prepare\(\)"):
        hooks.load(_write(tmp_path / "d.yaml", ""), sink=_NoPrepare())  # type: ignore[arg-type]
    text = "sink: {test:half: {}}\nevents: {on_train_end: [{assign: {from: hyperparameters, to: hp}}]}\n"
    compiled = hooks.load(_write(tmp_path / "e.yaml", text))
    simulate_training(dict(compiled), tmp_path / "run", epochs=1, write_files=False)
    assert any(
        "the tracker did not start, nothing will be logged: the sink 'half sinks' opened is not a Sink: "
        "_HalfSink has no fail(), register(), event(); subclass hooks.BaseSink" in r.getMessage()
        for r in caplog.records
    )


def test_the_recording_sink_records_the_optional_calls_too(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink()
    compiled = hooks.loads(
        "version: 1\nevents: {on_train_end: [{upload: {from: best, to: w/best.pt, register: yolo}}]}\n", sink=sink
    )
    trainer = simulate_training(dict(compiled), tmp_path / "run", epochs=1)
    ops = [r.op for r in sink.records]
    assert ops[0] == "prepare" and ops[-3:] == ["upload", "register", "stop"]
    (register,) = sink.of("register")
    assert (register.path, register.value, register.model) == ("w/best.pt", Path(trainer.best).resolve(), "yolo")
    assert any("this tracker has no model registry" in r.getMessage() for r in caplog.records)
    session = compiled.session
    session.sink(session.context("on_pretrain_routine_start", "trainer", trainer))
    session.stop(failed=True)
    assert [r.op for r in sink.records][-2:] == ["fail", "stop"]


def test_no_optional_method_of_a_sink_is_looked_up_with_getattr() -> None:
    for path in sorted((REPO / "hooks").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("getattr", "hasattr"):
                names = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
                assert names not in (["prepare"], ["fail"], ["register"]), (path, node.lineno)


# ---------------------------------------------------------------------- Neptune stays in its folder
def _code_strings(tree: ast.AST) -> list[str]:
    """String constants that are not docstrings."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


# The commands and the report that show Neptune offline runs name Neptune to the user, `hooks init`
# writes an example `sink:`, and the list of built-in trackers names its default. Nothing else may.
_MAY_NAME_NEPTUNE = {
    "hooks/sinks/registry.py",
    "hooks/cli/init.py",
    "hooks/cli/runs.py",
    "hooks/cli/report.py",
    "hooks/report/html.py",
    "hooks/report/sections.py",
    "hooks/cli/export.py",  # moves Neptune offline runs into MLflow
    "hooks/runs/registry.py",  # the readers, one line per tracker
    "hooks/runs/pick.py",  # the stores a command looks in: $NEPTUNE_DATA_DIRECTORY
    "hooks/runs/summary.py",  # a run in words names its tracker
    "hooks/core/integrations.py",  # Ultralytics' own integrations by name and module: its Neptune one too
}


def test_no_module_outside_the_neptune_sink_imports_neptune_or_knows_its_conventions() -> None:
    checked = 0
    for path in sorted((REPO / "hooks").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith(("hooks/sinks/neptune/", "hooks/runs/neptune/")):  # the sink, and the reader
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        checked += 1
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "neptune" for a in node.names), rel
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert (node.module or "").split(".")[0] != "neptune", rel
            if isinstance(node, ast.Name | ast.Attribute | ast.FunctionDef | ast.ClassDef):
                name = getattr(node, "id", None) or getattr(node, "attr", None) or getattr(node, "name", "")
                assert "neptune" not in name.lower() or rel in _MAY_NAME_NEPTUNE, (rel, name)
        if rel not in _MAY_NAME_NEPTUNE:
            named = [s for s in _code_strings(tree) if "neptune" in s.lower() or "stringify" in s.lower()]
            assert not named, (rel, named)
    assert checked > 40
