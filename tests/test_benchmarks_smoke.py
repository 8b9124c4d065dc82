"""The benchmark suite runs end to end: `benchmarks/run.py --quick` (tiny sizes, no real training)
prints every row of the table and writes valid JSON. The figures themselves are not checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

ROWS = ("1a", "1b", "2", "3a", "3b", "4", "5", "6a", "6b", "7a", "7b", "8")


def test_quick_benchmark_prints_every_row_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    lines = proc.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("row "))
    for name in ("what", "median", "min–max", "baseline median", "ratio / target", "result"):
        assert name in lines[header]
    table = {line.split()[0]: line for line in lines[header + 2 :] if line.strip() and not line.startswith(" ")}
    for row in ROWS:
        assert row in table, f"row {row} missing from:\n{proc.stdout}"
        assert table[row].rstrip().endswith(("PASS", "MISS", "info")), table[row]
    assert "9" not in table  # --quick skips the real training

    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["quick"] is True
    assert [r["row"] for r in report["rows"]] == list(ROWS)
    for r in report["rows"]:
        m = r["measured"]
        assert m["n"] == len(m["samples"]) >= 1
        assert m["min"] <= m["median"] <= m["max"]
        assert r["passed"] in (True, False, None)
        assert r["target"] and r["verdict"]
