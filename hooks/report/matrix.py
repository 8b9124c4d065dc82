"""Confusion matrices uploaded as CSV (the ``confusion_matrix`` source) shown as tables of counts.

A file is one when it is a ``.csv`` upload whose header starts with the source's corner cell
(``predicted \\ true``): rows are predicted classes, columns true ones, ``background`` last. The
diagonal (right) is marked, and a last row gives each column's total: a true class's instances
(the background column: detections of nothing).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.untrusted import Untrusted, read_regular
from ..runs.model import FileRef
from .markup import RunView, esc, num, swatch

__all__ = ["MAX_MATRIX_BYTES", "Matrix", "confusion_tables", "read_matrix"]

MAX_MATRIX_BYTES = 1024 * 1024  # 1,000 classes of counts fit; anything larger is listed, not read
_CORNER = "predicted \\ true"  # the header's first cell the confusion_matrix source writes


@dataclass(frozen=True)
class Matrix:
    true: tuple[str, ...]
    rows: tuple[tuple[str, tuple[float, ...]], ...]  # (predicted class, a count per true class)


def read_matrix(ref: FileRef) -> Matrix | None:
    """The matrix in ``ref``, or None when it is not a readable confusion-matrix CSV."""
    if ref.ext.lower() != "csv" or not ref.exists or (ref.file_path is None and ref.fetch is None):
        return None
    if ref.size is not None and ref.size > MAX_MATRIX_BYTES:
        return None
    local = ref.local()  # a file kept by a server: fetched now
    if local is None:
        return None
    try:
        text = read_regular(local, MAX_MATRIX_BYTES).decode("utf-8")  # never through a link, bounded
    except (OSError, UnicodeDecodeError, Untrusted):
        return None
    lines = list(csv.reader(io.StringIO(text)))
    if not lines or not lines[0] or lines[0][0] != _CORNER:
        return None
    true = tuple(lines[0][1:])
    rows = []
    for line in lines[1:]:
        if len(line) != len(true) + 1:
            return None
        try:
            rows.append((line[0], tuple(float(v) for v in line[1:])))
        except ValueError:
            return None
    return Matrix(true, tuple(rows))


def _table(matrix: Matrix, table_id: str) -> list[str]:
    head = "".join(f"<th>{esc(name)}</th>" for name in matrix.true)
    out = [
        f'<table class="matrix" id="{table_id}"><thead><tr><th>predicted \\ true</th>{head}</tr></thead><tbody>',
    ]
    for predicted, counts in matrix.rows:
        cells = "".join(
            f'<td class="num{" diag" if predicted == true else ""}">{num(c)}</td>'
            for true, c in zip(matrix.true, counts, strict=True)
        )
        out.append(f'<tr data-key="{esc(predicted)}"><th>{esc(predicted)}</th>{cells}</tr>')
    sums = [sum(counts[i] for _, counts in matrix.rows) for i in range(len(matrix.true))]
    totals = "".join(f'<td class="num">{num(total)}</td>' for total in sums)
    out += [f'<tr data-key="(total)"><th>total</th>{totals}</tr>', "</tbody></table>"]
    return out


def confusion_tables(views: Sequence[RunView]) -> list[str]:
    out: list[str] = []
    count = 0
    for view in views:
        for key in sorted(view.run.files):
            matrix = read_matrix(view.run.files[key])
            if matrix is None:
                continue
            who = f"{swatch(view.color)}{esc(view.label)} · " if len(views) > 1 else ""
            out += [
                f"<h3>{who}Confusion matrix <code>{esc(key)}</code> · rows predicted, columns true</h3>",
                *_table(matrix, f"confusion-{view.index}-{count}"),
            ]
            count += 1
    return out
