"""Which run a command means: a run folder, the start of a run id or folder name, or a run name.

Used by `hooks report` and `hooks export`. A run is a tuple of folders, several for a resumed
training (oldest first). What matches is tried in this order, so an id never loses to a name:

1. an existing folder: one run folder (with the other parts of its training), or a folder that
   holds exactly one run;
2. the start of a run id or of a run folder's name, as `hooks runs` shows them;
3. a run name (``sys/name``), exactly; a name several runs share is refused with the list of them.
"""

from __future__ import annotations

from pathlib import Path

from ..sinks.neptune.runlog import (
    early_string,
    find_run_groups,
    find_runs,
    load_metadata,
    no_runs_message,
    parse_iso,
)

__all__ = ["NotFound", "pick", "pick_many"]


class NotFound(Exception):
    """The words name no run, or several; the message says what to do."""


def _matches(path: Path, spec: str) -> bool:
    # Folder names are run__<id>__<pid>__<random>; the id alone is what `hooks runs` shows.
    parts = path.name.split("__")
    run_id = parts[1] if len(parts) > 1 else ""
    return path.name.startswith(spec) or (bool(run_id) and run_id.startswith(spec))


def run_name(folder: Path) -> str | None:
    """The name the client gave the run (``sys/name``, written when the run starts)."""
    return early_string(folder, "sys/name")


def _created(folder: Path) -> str:
    when = parse_iso(load_metadata(folder).get("createdAt"))
    return when.strftime("%Y-%m-%d %H:%M:%S") if when else "?"


def _listing(groups: list[tuple[Path, ...]]) -> str:
    lines = []
    for group in groups:
        parts = group[-1].name.split("__")
        run_id = parts[1][:8] if len(parts) > 1 else group[-1].name
        lines.append(f"  {run_id}  {_created(group[0])}  {run_name(group[0]) or '-'}")
    return "\n".join(lines)


def pick(spec: str | None, where: Path, command: str = "report") -> tuple[Path, ...]:
    """The folders of one run (several for a resumed training, oldest first); the newest run
    when ``spec`` is None."""
    if spec is not None:
        path = Path(spec)
        if path.is_dir():
            if find_runs(path) == [path]:  # one run folder: with the other parts of its training
                groups = find_run_groups(path.parent)
                return next((g for g in groups if path in g), (path,))
            inside = find_run_groups(path)
            if len(inside) == 1:
                return inside[0]
            if len(inside) > 1:
                raise NotFound(
                    f"hooks: {path} holds {len(inside)} runs; name one (`hooks runs {path}` lists them) "
                    f"or take the newest with `hooks {command} --latest --dir {path}`"
                )
    found = find_run_groups(where)
    if not found:
        raise NotFound(no_runs_message(where))
    if spec is None:
        return found[0]
    matches = [g for g in found if any(_matches(p, spec) for p in g)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        names = ", ".join(g[0].name for g in matches)
        raise NotFound(f"hooks: {spec!r} matches {len(matches)} runs in {where} ({names}); give more of the id")
    named = [g for g in found if run_name(g[0]) == spec]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise NotFound(
            f"hooks: {len(named)} runs in {where} are named {spec!r}; name one by its id (newest first):\n"
            + _listing(named)
        )
    raise NotFound(
        f"hooks: no run {spec!r} in {where} (neither a run folder, nor the start of a run id or folder name, "
        f"nor a run's name); `hooks runs {where}` lists the runs there"
    )


def pick_many(specs: list[str], where: Path, command: str = "report") -> list[tuple[Path, ...]]:
    """One run per spec, in the order given; a run named twice is kept once. Every spec that
    names no run, or several, is reported, all at once."""
    picked: list[tuple[Path, ...]] = []
    errors: list[str] = []
    for spec in specs:
        try:
            run = pick(spec, where, command)
        except NotFound as e:
            errors.append(str(e))
            continue
        if run not in picked:
            picked.append(run)
    if errors:
        raise NotFound("\n".join(errors))
    return picked
