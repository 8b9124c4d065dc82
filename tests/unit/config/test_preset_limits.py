"""A teammate's preset (any file the loaded config reaches through `extends`) can leak nothing and
stall nothing at load time: it reads only the environment variables and attribute paths the
loaded config allows, extends only regular files that are configs, and what it expands to is
bounded (issue 12)."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import hooks
from hooks.config import resolve as resolve_module
from hooks.config.builder import MAX_ISSUES, PRESET_PATHS
from hooks.config.presets import list_presets
from hooks.config.read import MAX_BYTES, Document, read_text
from hooks.config.resolve import MAX_ACTIONS, MAX_CHAIN, merge
from hooks.core.templates import MAX_PROBLEMS
from hooks.errors import ConfigError
from hooks.loader.load import load_config
from hooks.runs.neptune.read import find_runs, read_run
from hooks.testing import simulate_training
from tests.conftest import REPO

SECRET = "AKIA-very-secret-0123456789"
TOKEN = "ghp_another_secret_token"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def issues_of(config: Path, **kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load_config(config, **kwargs)
    return [str(i) for i in e.value.issues]


def logged_text(neptune_dir: Path) -> str:
    """Every data file of every offline run under ``neptune_dir``, as text."""
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(neptune_dir.rglob("data-*.log")))


def train(config: Path, tmp_path: Path) -> None:
    simulate_training(dict(hooks.load(config)), tmp_path / "run", epochs=2)


# --- 1. environment variables --------------------------------------------------------------------

ENV_PRESET = """version: 1
description: looks helpful
sink:
  neptune:
    description: "${AWS_SECRET_ACCESS_KEY:-}"
    tags: ["${GITHUB_TOKEN:-}", "${NEPTUNE_PROJECT:-}"]
events:
  on_train_end:
    - upload: {from: best, to: "Results/${HOME}/{name}"}
"""

# Neptune's automatic capture off: the run holds what the actions log, and no hardware probe warns.
QUIET = (
    "capture: {stdout: false, stderr: false, traceback: false, hardware_metrics: false, git: false, source_code: false}"
)
INNOCENT = f"version: 1\nextends: ./team/helpful.yaml\nsink: {{neptune: {{mode: offline, {QUIET}}}}}\n"


def env_message(name: str) -> str:
    return (
        f"a preset may not read the environment variable {name} (only what the config you load lists in "
        f"`allow_env:`), or it could write your secrets into the run; to let it, add {name} to `allow_env:` at "
        "the top of the config you load"
    )


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("NEPTUNE_PROJECT", "team/yolo")


def test_a_presets_environment_references_are_refused_located_without_their_values(
    tmp_path: Path, secrets: None
) -> None:
    preset = write(tmp_path / "team" / "helpful.yaml", ENV_PRESET)
    mine = write(tmp_path / "mine.yaml", INNOCENT)
    via = f"(via {mine} → {preset})"
    messages = issues_of(mine)
    assert messages == [
        f"{preset}:5:18: sink.neptune.description: {env_message('AWS_SECRET_ACCESS_KEY')} {via}",
        f"{preset}:6:12: sink.neptune.tags[0]: {env_message('GITHUB_TOKEN')} {via}",
        f"{preset}:6:33: sink.neptune.tags[1]: {env_message('NEPTUNE_PROJECT')} {via}",
        f"{preset}:9:32: events.on_train_end[0].upload.to: {env_message('HOME')} {via}",
    ]
    assert not any(SECRET in m or TOKEN in m or os.environ["HOME"] in m for m in messages)


def test_a_refused_preset_logs_nothing(tmp_path: Path, secrets: None, neptune_dir: Path) -> None:
    write(tmp_path / "team" / "helpful.yaml", ENV_PRESET)
    mine = write(tmp_path / "mine.yaml", INNOCENT)
    with pytest.raises(ConfigError):
        train(mine, tmp_path)
    assert find_runs(neptune_dir) == [] and SECRET not in logged_text(neptune_dir)


def test_allow_env_in_the_loaded_config_lets_a_preset_read_a_variable_into_the_run(
    tmp_path: Path, secrets: None, neptune_dir: Path
) -> None:
    # The control: what the refusal prevents does reach the run once the loaded config allows it.
    write(tmp_path / "team" / "helpful.yaml", ENV_PRESET)
    mine = write(
        tmp_path / "mine.yaml", INNOCENT + "allow_env: [AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, HOME, NEPTUNE_PROJECT]\n"
    )
    train(mine, tmp_path)
    (run,) = find_runs(neptune_dir)
    log = read_run(run)
    assert log.fields["sys/description"] == SECRET
    assert set(log.tags) == {TOKEN, "team/yolo"}
    assert SECRET in logged_text(neptune_dir)


def test_a_preset_that_would_be_shown_under_the_loaded_files_name_is_still_a_preset(
    tmp_path: Path, secrets: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # team/evil is a symlink: ./evil/../../mine.yaml, from team/, normalizes to "mine.yaml" as
    # text but is elsewhere/mine.yaml on disk, a file of the preset author's choosing.
    write(tmp_path / "elsewhere" / "mine.yaml", 'version: 1\nsink: {neptune: {description: "${GITHUB_TOKEN}"}}\n')
    (tmp_path / "elsewhere" / "deep" / "deeper").mkdir(parents=True)
    write(tmp_path / "team" / "p.yaml", "version: 1\nextends: ./evil/../../mine.yaml\n")
    (tmp_path / "team" / "evil").symlink_to(tmp_path / "elsewhere" / "deep" / "deeper")
    write(tmp_path / "mine.yaml", "version: 1\nextends: ./team/p.yaml\n")
    monkeypatch.chdir(tmp_path)
    other = str((tmp_path / "elsewhere" / "mine.yaml").resolve())
    assert issues_of(Path("mine.yaml")) == [
        f"{other}:2:31: sink.neptune.description: {env_message('GITHUB_TOKEN')} (via mine.yaml → team/p.yaml → {other})"
    ]


def test_the_loaded_config_reads_any_variable_and_a_preset_none(
    tmp_path: Path, secrets: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not even the trackers' own: MLFLOW_TRACKING_URI may hold user:password@, and where a run
    # goes is read by the tracker itself, not through a preset.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://me:{TOKEN}@127.0.0.1:9")
    preset = write(tmp_path / "team" / "p.yaml", 'version: 1\nsink: {neptune: {tags: ["${MLFLOW_TRACKING_URI}"]}}\n')
    mine = write(
        tmp_path / "mine.yaml",
        'version: 1\nextends: ./team/p.yaml\nsink: {neptune: {description: "${AWS_SECRET_ACCESS_KEY}"}}\n',
    )
    assert issues_of(mine) == [
        f"{preset}:2:25: sink.neptune.tags[0]: {env_message('MLFLOW_TRACKING_URI')} (via {mine} → {preset})"
    ]
    mine.write_text(mine.read_text() + "allow_env: [MLFLOW_TRACKING_URI]\n")
    sink = load_config(mine).sink
    assert sink.description.text == SECRET  # type: ignore[attr-defined]


def test_a_preset_cannot_allow_itself_variables_or_paths(tmp_path: Path, secrets: None) -> None:
    preset = write(
        tmp_path / "team" / "helpful.yaml",
        "version: 1\nallow_env: [AWS_SECRET_ACCESS_KEY]\nallow_paths: [trainer.data]\n"
        'sink: {neptune: {description: "${AWS_SECRET_ACCESS_KEY}"}}\n',
    )
    mine = write(tmp_path / "mine.yaml", INNOCENT)
    via = f"(via {mine} → {preset})"
    assert issues_of(mine) == [
        f"{preset}:2:1: allow_env: only the config you load may allow environment variables (a preset must not "
        f"widen what it can read); move `allow_env:` to that config {via}",
        f"{preset}:3:1: allow_paths: only the config you load may allow attribute paths (a preset must not "
        f"widen what it can read); move `allow_paths:` to that config {via}",
        f"{preset}:4:31: sink.neptune.description: {env_message('AWS_SECRET_ACCESS_KEY')} {via}",
    ]


# --- 2. attribute paths ---------------------------------------------------------------------------

PATHS_PRESET = """version: 1
sink:
  neptune:
    name: "{trainer.data.path}"
events:
  on_fit_epoch_end:
    - assign: {from: trainer.data, to: Leak/data}
    - scalars: {from: trainer.validator.metrics, to: "x/{validator.dataloader.dataset.labels}"}
    - assign: {from: trainer.train_loader.dataset, to: Leak/labels}
    - scalars: {from: trainer.fitness, to: "fit/{trainer.args.name}"}
"""


def path_message(path: str) -> str:
    return (
        f"a preset may read only the run's arguments, metrics and timings ({', '.join(PRESET_PATHS)}), "
        "or what the config you load lists in `allow_paths:`; to let it read this, add "
        f"{path} to `allow_paths:` at the top of the config you load"
    )


def test_a_presets_attribute_paths_outside_the_runs_metrics_are_refused_located(tmp_path: Path) -> None:
    preset = write(tmp_path / "team" / "helpful.yaml", PATHS_PRESET)
    mine = write(tmp_path / "mine.yaml", INNOCENT)
    via = f"(via {mine} → {preset})"
    assert issues_of(mine) == [
        f"{preset}:4:11: sink.neptune.name: '{{trainer.data.path}}': {path_message('trainer.data.path')} {via}",
        f"{preset}:7:22: events.on_fit_epoch_end[0].assign.from: 'trainer.data': {path_message('trainer.data')} {via}",
        f"{preset}:8:54: events.on_fit_epoch_end[1].scalars.to: '{{validator.dataloader.dataset.labels}}': "
        f"{path_message('validator.dataloader.dataset.labels')} {via}",
        f"{preset}:9:22: events.on_fit_epoch_end[2].assign.from: 'trainer.train_loader.dataset': "
        f"{path_message('trainer.train_loader.dataset')} {via}",
    ]


def test_allow_paths_in_the_loaded_config_lets_a_preset_read_them_into_the_run(
    tmp_path: Path, neptune_dir: Path
) -> None:
    write(tmp_path / "team" / "helpful.yaml", PATHS_PRESET)
    mine = write(
        tmp_path / "mine.yaml",
        INNOCENT + "allow_paths: [trainer.data, validator.dataloader, trainer.train_loader.dataset]\n",
    )
    train(mine, tmp_path)
    (run,) = find_runs(neptune_dir)
    log = read_run(run)
    assert str(log.fields["Leak/data/path"]).endswith("standin-data")  # what was refused without it
    assert log.name is not None and log.name.endswith("standin-data")


def test_the_loaded_config_reads_any_attribute_path(tmp_path: Path) -> None:
    mine = write(tmp_path / "mine.yaml", PATHS_PRESET)
    assert len(load_config(mine).events["on_fit_epoch_end"]) == 4


@pytest.mark.parametrize("name", [p.name for p in list_presets(installed=False)])
def test_every_shipped_preset_loads_when_extended(tmp_path: Path, name: str) -> None:
    mine = write(tmp_path / "mine.yaml", f"version: 1\nextends: {name}\n")
    load_config(mine)


# --- 5, 6. what `extends` may name ----------------------------------------------------------------


def in_thread(fn: Callable[[], Any], seconds: float = 20) -> BaseException | None:
    """Run ``fn`` in a daemon thread; what it raised, or fail if it is still running."""
    got: list[BaseException | None] = []

    def target() -> None:
        try:
            fn()
            got.append(None)
        except BaseException as e:
            got.append(e)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert got, f"still running after {seconds} s"
    return got[0]


NOT_REGULAR = "is not a regular file (a device, a pipe or a socket); a config is a YAML file"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/stdin", "fifo"])
def test_device_files_and_pipes_are_refused_without_reading_them(tmp_path: Path, device: str) -> None:
    if device == "fifo":
        device = str(tmp_path / "fifo")
        os.mkfifo(device)  # nobody writes: reading it would wait forever
    elif not Path(device).exists():
        pytest.skip(f"no {device} here")
    mine = write(tmp_path / "mine.yaml", f"version: 1\nextends: {device}\n")
    error = in_thread(lambda: load_config(mine))
    assert isinstance(error, ConfigError)
    assert [str(i) for i in error.issues] == [f"{mine}:2:10: extends: {device}: {NOT_REGULAR} (via {mine} → {device})"]


def test_the_size_limit_holds_while_reading_whatever_stat_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # /proc files are regular files of size 0 that read as much as they hold, and a file can grow
    # while it is read: only what is read counts, and no more than the limit and one byte is read.
    big = write(tmp_path / "big.yaml", "version: 1\n" + "#" * 3 * MAX_BYTES + "\n")

    class Empty:
        def __init__(self, st: os.stat_result) -> None:
            self.st = st

        def __getattr__(self, name: str) -> Any:
            return 0 if name == "st_size" else getattr(self.st, name)

    stat, fstat, read = os.stat, os.fstat, os.read
    total = [0]

    def counting_read(fd: int, n: int) -> bytes:
        got = read(fd, n)
        total[0] += len(got)
        return got

    monkeypatch.setattr(os, "stat", lambda *a, **k: Empty(stat(*a, **k)))
    monkeypatch.setattr(os, "fstat", lambda fd: Empty(fstat(fd)))
    monkeypatch.setattr(os, "read", counting_read)
    mine = write(tmp_path / "mine.yaml", "version: 1\nextends: ./big.yaml\n")
    assert issues_of(mine) == [
        f"{big}:1:1: file is more than 1,000,000 bytes; a config may have at most 1,000,000 (via {mine} → {big})"
    ]
    assert total[0] == MAX_BYTES + 1 + len(mine.read_bytes())


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        (  # /etc/passwd, ~/.ssh/id_rsa: one long plain scalar
            f"root:x:0:0:{SECRET}:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n",
            "1:1",
            "not a yaml-hooks config: it is a single value, not a mapping",
        ),
        (f"aws_secret_access_key: {SECRET}\n", "1:1", "not a yaml-hooks config: it has no `version: 1`"),
        (f"version: {SECRET}\n", "1:1", "not a yaml-hooks config: its `version` is not 1"),
        (f"- {SECRET}\n", "1:1", "not a yaml-hooks config: it is a list, not a mapping"),
        ("", "1:1", "not a yaml-hooks config: it is empty"),
    ],
)
def test_a_parent_that_is_not_a_config_is_an_error_that_does_not_show_it(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    other = write(tmp_path / "other" / "file.txt", text)
    mine = write(tmp_path / "mine.yaml", "version: 1\nextends: ./other/file.txt\n")
    messages = issues_of(mine)
    assert messages == [
        f"{other}:{where}: {problem}; `extends` names configs only (a mapping that starts with `version: 1`) "
        f"(via {mine} → {other})"
    ]


UNQUOTED = "not valid YAML (a syntax error here); run `hooks validate` on this file to see the details"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (f"version: 1\nkey: *{SECRET}\n", "2:6", UNQUOTED),
        (f"version: 1\nkey: '{SECRET}\n", "3:1", UNQUOTED),
        (
            f"version: 1\n{SECRET}: 1\n{SECRET}: 2\n",
            "3:1",
            "a duplicate key (first defined on line 2); keep one of them",
        ),
        (
            f"version: 1\nkey: !{SECRET} 1\n",
            "2:6",
            "a YAML tag is not allowed; a config holds only plain text, numbers, booleans, lists and mappings",
        ),
        (f"version: 1\nkey: \x00{SECRET}\n", "2:6", "control character U+0000 is not allowed in YAML; remove it"),
    ],
)
def test_a_parent_that_cannot_be_read_is_said_by_place_and_kind_only(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    other = write(tmp_path / "other.yaml", text)
    mine = write(tmp_path / "mine.yaml", "version: 1\nextends: ./other.yaml\n")
    assert issues_of(mine) == [f"{other}:{where}: {message} (via {mine} → {other})"]


# --- 3, 4. fan-out, wide parents, long chains -----------------------------------------------------


def fan_out(folder: Path, levels: int, width: int, *, ids: bool) -> Path:
    """Files on ``levels`` levels, each extending every file of the level below; one action each."""
    for level in reversed(range(levels)):
        for i in range(width):
            below = [f"./l{level + 1}_{j}.yaml" for j in range(width)] if level < levels - 1 else []
            action = f"{{from: lr, to: 'l{level}_{i}'" + (f", id: a{level}_{i}}}" if ids else "}")
            write(
                folder / f"l{level}_{i}.yaml",
                "version: 1\n"
                + (f"extends: [{', '.join(below)}]\n" if below else "")
                + f"events:\n  on_train_epoch_end:\n    - scalars: {action}\n",
            )
    return write(folder / "top.yaml", f"version: 1\nextends: [{', '.join(f'./l0_{j}.yaml' for j in range(width))}]\n")


def test_each_file_is_read_once_per_load_however_many_files_extend_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = fan_out(tmp_path, levels=8, width=3, ids=True)
    reads: list[str] = []
    read_file = resolve_module.read_file
    monkeypatch.setattr(
        resolve_module, "read_file", lambda path, *a, **k: reads.append(path) or read_file(path, *a, **k)
    )
    config = load_config(top)
    assert len(reads) == len(set(reads)) == 8 * 3
    assert len(config.events["on_train_epoch_end"]) == 8 * 3


def test_extends_that_multiply_actions_are_refused_at_the_file_that_crosses_the_bound(tmp_path: Path) -> None:
    # Without ids every level doubles what the one below holds: 2**12 actions from 25 tiny files.
    # A file on level i holds 2**(12 - i) - 1; the first merge past 1,000 is level 2's (2 × 511).
    top = fan_out(tmp_path, levels=12, width=2, ids=False)
    crossed = tmp_path / "l2_0.yaml"
    chain = " → ".join(str(p) for p in (top, tmp_path / "l0_0.yaml", tmp_path / "l1_0.yaml", crossed))
    assert issues_of(top) == [
        f"{crossed}:2:10: extends: what this file extends merges into 1,022 actions (at most {MAX_ACTIONS:,}): "
        "the same presets extended over and over? extend each preset once, and give repeated actions an `id` "
        f"so that they replace each other (via {chain})"
    ]


def test_a_template_says_its_first_ten_unknown_fields_and_how_many_more(tmp_path: Path) -> None:
    fields = " ".join(f"{{args.zz{i}}}" for i in range(40_000))
    write(tmp_path / "p.yaml", f'version: 1\nsink: {{neptune: {{description: "{fields}"}}}}\n')
    mine = write(tmp_path / "mine.yaml", "version: 1\nextends: ./p.yaml\n")
    messages = issues_of(mine)
    assert len(messages) == MAX_PROBLEMS + 1
    assert sum("unknown training argument" in m for m in messages) == MAX_PROBLEMS
    assert any(
        f"the {40_000 - MAX_PROBLEMS:,} fields after these {MAX_PROBLEMS} problems are not checked" in m
        for m in messages
    )


def test_past_the_problem_cap_names_are_no_longer_checked_and_that_is_said_once(tmp_path: Path) -> None:
    rows = "".join(f'    - scalars: {{from: lr, to: "x/{{args.q{i}}}"}}\n' for i in range(3 * MAX_ISSUES))
    write(tmp_path / "p.yaml", f"version: 1\nevents:\n  on_train_epoch_end:\n{rows}")
    mine = write(tmp_path / "mine.yaml", "version: 1\nextends: ./p.yaml\n")
    messages = issues_of(mine)
    assert sum("unknown training argument" in m for m in messages) == MAX_ISSUES
    (capped,) = [m for m in messages if f"more than {MAX_ISSUES} problems" in m]
    assert f"events.on_train_epoch_end[{MAX_ISSUES}].scalars.to" in capped and len(messages) == MAX_ISSUES + 1


def test_a_merge_of_exactly_the_action_bound_loads_and_one_more_is_refused(tmp_path: Path) -> None:
    def actions(name: str, count: int) -> str:
        rows = "".join(f"    - scalars: {{from: lr, prefix: '{name}{i}/'}}\n" for i in range(count))
        return write(tmp_path / f"{name}.yaml", f"version: 1\nevents:\n  on_train_epoch_end:\n{rows}").name

    half = MAX_ACTIONS // 2
    a, b, c = actions("a", half), actions("b", MAX_ACTIONS - half), actions("c", 1)
    exact = write(tmp_path / "exact.yaml", f"version: 1\nextends: [./{a}, ./{b}]\n")
    assert len(load_config(exact).events["on_train_epoch_end"]) == MAX_ACTIONS
    over = write(tmp_path / "over.yaml", f"version: 1\nextends: [./{a}, ./{b}, ./{c}]\n")
    assert issues_of(over) == [
        f"{over}:2:10: extends: what this file extends merges into {MAX_ACTIONS + 1:,} actions (at most "
        f"{MAX_ACTIONS:,}): the same presets extended over and over? extend each preset once, and give repeated "
        "actions an `id` so that they replace each other"
    ]


@pytest.mark.parametrize("length", [MAX_CHAIN + 1, 1000])
def test_a_chain_longer_than_the_bound_is_refused_at_the_file_that_crosses_it(tmp_path: Path, length: int) -> None:
    for i in range(length):
        more = f"extends: ./c{i + 1}.yaml\n" if i < length - 1 else ""
        write(tmp_path / f"c{i}.yaml", f"version: 1\n{more}")
    chain = [tmp_path / f"c{i}.yaml" for i in range(MAX_CHAIN)]
    assert issues_of(chain[0]) == [
        f"{chain[-1]}:2:10: extends: extends chain too long: this file is number {MAX_CHAIN} of its chain, and a "
        f"chain may have at most {MAX_CHAIN} files; extend a preset nearer the top, or merge some of these files "
        f"(via {' → '.join(map(str, chain))})"
    ]


class Counting(dict[Any, Any]):
    """A location map that counts the entries merging looks at."""

    seen = 0

    def items(self) -> Any:
        Counting.seen += len(self)
        return super().items()

    def get(self, key: Any, default: Any = None) -> Any:
        Counting.seen += 1
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        Counting.seen += 1
        return super().__contains__(key)


def counted(doc: Document) -> Document:
    return Document(doc.file, doc.path, doc.data, Counting(doc.values), Counting(doc.keys))


def test_merging_one_action_onto_a_wide_parent_looks_at_each_location_a_few_times() -> None:
    n = 3000
    actions = "".join(f"    - scalars: {{from: lr, to: 'x{i}', id: a{i}}}\n" for i in range(n))
    parent = counted(read_text(f"version: 1\nevents:\n  on_train_epoch_end:\n{actions}", "parent.yaml"))
    child = counted(
        read_text("version: 1\nevents:\n  on_train_epoch_end:\n    - scalars: {from: lr, id: new}\n", "c.yaml")
    )
    Counting.seen = 0
    merged = merge(parent, child)
    assert len(merged.data["events"]["on_train_epoch_end"]) == n + 1
    locations = len(parent.values) + len(parent.keys)
    assert Counting.seen < 4 * locations  # it was locations × actions: every copy scanned them all


# --- 7. the attack corpus -------------------------------------------------------------------------


def attack_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("attack_load_times", REPO / "scripts" / "attack_load_times.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_attack_of_the_corpus_is_refused_or_loads(tmp_path: Path, secrets: None) -> None:
    script = attack_script()
    results = script.run_corpus(tmp_path)
    assert len(results) >= 15
    wrong = [(r.name, r.outcome, r.expected) for r in results if r.outcome != r.expected]
    assert not wrong
    assert not any(SECRET in r.detail or TOKEN in r.detail for r in results)
