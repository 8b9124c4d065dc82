"""A W&B offline run's records as W&B's own record class parses them
(``wandb.proto.wandb_internal_pb2.Record``, through ``hooks.runs.wandb.log.scan``), not through
yaml-hooks' run reader: what the W&B tests read back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hooks.runs.wandb.log import Scan, scan

__all__ = ["Log", "points", "read_log"]


@dataclass
class Log:
    """A W&B run folder's records, as W&B's record class parses them."""

    folder: Path
    records: list[Any]
    problems: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    step_metric: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    def of(self, kind: str) -> list[Any]:
        return [getattr(r, kind) for r in self.records if r.WhichOneof("record_type") == kind]


def read_log(folder: Path) -> Log:
    (path,) = folder.glob("run-*.wandb")
    found = Scan(path)
    log = Log(folder, list(scan(path, found)), found.problems)
    for history in log.of("history"):
        row: dict[str, Any] = {}
        for item in history.item:
            keys = list(item.nested_key) or [item.key]
            target = row
            for key in keys[:-1]:
                target = target.setdefault(key, {})
            target[keys[-1]] = json.loads(item.value_json)
        log.rows.append(row)
    log.step_metric = {m.name: m.step_metric for m in log.of("metric") if m.name and m.step_metric}
    # The config given to wandb.init (the run record's), then each later update.
    for update in [run.config for run in log.of("run")] + log.of("config"):
        for item in update.update:
            log.config[item.key or "/".join(item.nested_key)] = json.loads(item.value_json)
    return log


def points(log: Log, key: str) -> list[tuple[float, Any]]:
    """The points of ``key``: at its step metric's value in each row that holds it."""
    metric = log.step_metric[key]
    return [(float(row[metric]), row[key]) for row in log.rows if key in row]
