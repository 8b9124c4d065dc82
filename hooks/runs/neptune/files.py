"""Which files an offline run may name: a run folder may come from someone else (a teammate's
shared ``.neptune``, a cloned dataset), so what it names is read only where it belongs.

The roots of a run: the folder that holds its Neptune data folder (for ``<root>/.neptune/offline/
run__…``, ``<root>``: the folder the training ran in, where its outputs are), its own folders, and
any folder the user trusts (``RunRef.trusted``: `hooks export --trust DIR`). A file the run names
(an upload by path, an in-memory upload's bytes in ``upload_path/``) is read only when it lies
below a root with no hidden component below it (never ``.ssh``, ``.aws``, ``.env``, ``.git``;
the data folder itself is reached as the run's own folder), no component below the root is a link,
and it is a regular file: else it is kept as a file that does not exist, and a problem says why.
A file set's pattern is expanded only below a root, on the same terms (``hooks.runs.replay``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from ...core.untrusted import Untrusted, confine, open_below, shown
from ..model import FileRef

__all__ = ["HINT", "MAX_NAMED_BYTES", "check_file_sets", "checked_files", "roots_of"]

# Only a file's size is read here; the bound keeps what a report or an export may read of one sane.
MAX_NAMED_BYTES: Final = 4 << 30
HINT: Final = "`hooks export --trust DIR` and `hooks report --trust DIR` add a folder you trust"


def roots_of(parts: Sequence[Path], trusted: Sequence[Path] = ()) -> tuple[Path, ...]:
    """The folders the run of ``parts`` may name files in, the first the one relative names are
    relative to (the training's folder, where the layout tells it; else the run's own folder)."""
    own = [Path(os.path.abspath(p)) for p in parts]
    roots: list[Path] = []
    first = own[0] if own else None
    if first is not None and first.parent.name == "offline":
        working = first.parent.parent.parent
        if working != Path(working.anchor):  # a data folder at / would make the whole disk a root
            roots.append(working)
    roots += own
    roots += [Path(os.path.abspath(t)) for t in trusted]
    return tuple(dict.fromkeys(roots))


def checked_files(files: Mapping[str, FileRef], roots: Sequence[Path]) -> tuple[dict[str, FileRef], list[str]]:
    """The uploads, each looked at on disk again under the rule, and a problem for each refused."""
    out: dict[str, FileRef] = {}
    problems: list[str] = []
    for key, ref in files.items():
        if ref.file_path is None:
            out[key] = ref
            continue
        checked, why = check_file(ref.file_path, ref.ext, roots)
        out[key] = checked
        if why is not None:
            problems.append(f"{shown(key)}: {why}; not read ({HINT})")
    return out, problems


def check_file(path: Path, ext: str, roots: Sequence[Path]) -> tuple[FileRef, str | None]:
    """``path`` as a FileRef (with its size when it may be read), and why it may not (None: it may,
    or it is simply not there)."""
    suffix = ext or path.suffix.lstrip(".")
    where = confine(str(path), roots)
    if isinstance(where, str):
        return FileRef(path, suffix, False, None), where
    root, below = where
    try:
        fd = open_below(root, below, MAX_NAMED_BYTES)
    except FileNotFoundError:
        return FileRef(root.joinpath(*below), suffix, False, None), None
    except Untrusted as e:
        return FileRef(path, suffix, False, None), str(e).removesuffix("; not read")
    except OSError as e:
        return FileRef(root.joinpath(*below), suffix, False, None), f"{shown(path)} cannot be opened ({e.strerror})"
    try:
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    return FileRef(root.joinpath(*below), suffix, True, size), None


# Neptune's own capture of the training's entry script (``capture.source_code``): the script
# seldom lies in the training's folder, so one outside the roots is left out (as any pattern
# outside is) without a problem line, which would be there for nearly every run.
CAPTURED_SOURCE: Final = "source_code/"


def check_file_sets(file_sets: Mapping[str, Sequence[str]], roots: Sequence[Path]) -> list[str]:
    """A problem for each file set pattern that names files outside the roots (never expanded),
    but Neptune's own capture of the entry script (CAPTURED_SOURCE)."""
    problems: list[str] = []
    for key, globs in file_sets.items():
        if key.startswith(CAPTURED_SOURCE):
            continue
        for pattern in globs:
            where = confine(pattern, roots)
            if isinstance(where, str):
                problems.append(f"{shown(key)}: the pattern {where}; not expanded ({HINT})")
    return problems
