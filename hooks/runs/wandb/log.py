"""A W&B run's ``.wandb`` log, scanned record by record, bounded: the file may be someone else's.

The log is W&B's transaction log (LevelDB's log format with W&B's header): a 7-byte header
(``:W&B``, magic 0xBEE1, version 0), then 32 KiB blocks of chunks, each a 7-byte header (CRC-32 of
its type byte and data, length, type: full, first, middle, last) and its data; a record is one
full chunk or a first, middles and a last. W&B 0.31's Python package no longer scans it (the
``DataStore`` that did is gone, its service reads it in Go), so the chunks are read here and each
record is parsed with W&B's own record class, ``wandb.proto.wandb_internal_pb2.Record``.

Bounds: the file is a regular file opened without following a link, of at most ``MAX_LOG_BYTES``;
at most ``MAX_RECORDS`` records of at most ``MAX_RECORD_BYTES`` each. A chunk whose CRC does not
match, a record that does not parse, a chunk that runs past its block: a problem line each (at most
``MAX_PROBLEMS``, then a count), never an exception. A last record cut short is what a run being
written (or killed while writing) ends with, and is passed over in silence.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ...core.untrusted import Untrusted, open_regular, shown

__all__ = ["MAX_LOG_BYTES", "MAX_RECORDS", "MAX_RECORD_BYTES", "Scan", "scan"]

MAX_LOG_BYTES: Final = 4 << 30  # a long training with media logs some hundred MB
MAX_RECORDS: Final = 20_000_000
MAX_RECORD_BYTES: Final = 64 << 20
MAX_PROBLEMS: Final = 20

_HEADER: Final = struct.Struct("<4sHB")
_CHUNK: Final = struct.Struct("<IHB")
_IDENT: Final = b":W&B"
_MAGIC: Final = 0xBEE1
_BLOCK: Final = 32768
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
_TYPE_CRC: Final = {t: zlib.crc32(bytes([t])) for t in (_FULL, _FIRST, _MIDDLE, _LAST)}


@dataclass
class Scan:
    """What a scan found besides its records: problem lines, and how many records it read."""

    path: Path
    problems: list[str] = field(default_factory=list)
    records: int = 0
    _more: int = 0

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{shown(self.path)}: {text}")
        else:
            self._more += 1

    def close(self) -> None:
        if self._more:
            self.problems.append(f"{shown(self.path)}: {self._more} more problem(s) like these")
            self._more = 0


def scan(path: Path, found: Scan) -> Iterator[Any]:
    """The records of the log at ``path`` (``wandb_internal_pb2.Record``), in order; problems go
    to ``found`` (see the module's docstring)."""
    from wandb.proto import wandb_internal_pb2 as pb

    for data in _chunks(path, found):
        record = pb.Record()  # type: ignore[attr-defined]  # W&B's generated module has no stubs
        try:
            record.ParseFromString(data)
        except Exception as e:  # protobuf's DecodeError, or a nesting too deep
            found.problem(f"record {found.records + 1} does not parse ({type(e).__name__}); passed over")
            continue
        found.records += 1
        yield record
    found.close()


def _chunks(path: Path, found: Scan) -> Iterator[bytes]:
    try:
        fd = open_regular(path, MAX_LOG_BYTES)
    except (OSError, Untrusted) as e:
        found.problem(str(e) if isinstance(e, Untrusted) else f"cannot be read ({e.strerror})")
        return
    with os.fdopen(fd, "rb") as f:
        head = f.read(_HEADER.size)
        if len(head) < _HEADER.size:
            found.problem("is empty or cut short before its header; not a W&B run log")
            return
        ident, magic, version = _HEADER.unpack(head)
        if ident != _IDENT or magic != _MAGIC or version != 0:
            found.problem("has no W&B log header (:W&B, 0xBEE1, version 0); not read")
            return
        offset = _HEADER.size  # the header is in the first block
        parts: list[bytes] | None = None
        size = 0
        total = _HEADER.size
        count = 0
        while True:
            block = f.read(_BLOCK - offset)
            if not block:
                return
            total += len(block)
            if total > MAX_LOG_BYTES:
                found.problem(f"grew past the limit of {MAX_LOG_BYTES} bytes while read; the rest is not read")
                return
            pos = 0
            while pos + _CHUNK.size <= len(block):
                crc, length, kind = _CHUNK.unpack_from(block, pos)
                start = pos + _CHUNK.size
                if kind == 0 and length == 0:  # the zeros a writer pads a block's end with
                    break
                if start + length > len(block):
                    if len(block) == _BLOCK - offset:  # a chunk never runs past its block
                        found.problem(f"a chunk at byte {total - len(block) + pos} runs past its block; passed over")
                    break  # else the file ends here: the last chunk is being written, or was cut short
                data = block[start : start + length]
                pos = start + length
                if kind not in _TYPE_CRC:
                    found.problem(f"a chunk of unknown type {kind}; passed over")
                    parts = None
                    continue
                if zlib.crc32(data, _TYPE_CRC[kind]) & 0xFFFFFFFF != crc:
                    found.problem(f"a chunk at byte {total - len(block) + start} fails its checksum; passed over")
                    parts = None
                    continue
                if kind == _FULL:
                    parts, record = None, data
                elif kind == _FIRST:
                    parts, size = [data], len(data)
                    continue
                elif parts is None:
                    found.problem("a record's continuation without its start; passed over")
                    continue
                else:
                    parts.append(data)
                    size += len(data)
                    if size > MAX_RECORD_BYTES:
                        found.problem(f"a record over the limit of {MAX_RECORD_BYTES} bytes; passed over")
                        parts = None
                        continue
                    if kind == _MIDDLE:
                        continue
                    record, parts = b"".join(parts), None
                count += 1
                if count > MAX_RECORDS:
                    found.problem(f"has more than {MAX_RECORDS} records; the rest is not read")
                    return
                yield record
            offset = 0
