"""What the CLI prints never carries a control character it did not mean: run names, file names,
field values and messages read from a run folder or a store come from someone else, and an escape
sequence among them must reach the terminal as text (``\\x1b[2J``), not as a command to it.

:func:`escaping` puts a writer in front of ``sys.stdout`` and ``sys.stderr`` for the time of one
command: everything written through them has its control characters (C0 but newline and tab,
DEL, C1, the bidi overrides) escaped by :func:`hooks.core.untrusted.shown`, and the
``user:password@`` of any URI in it masked (a tag that holds a tracking URI, an argument's value).
The CLI's own output uses none of them. `hooks train` is left as it is: the training draws its progress bars with them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from ..core.masking import mask_credentials
from ..core.untrusted import shown

__all__ = ["EscapingWriter", "escaping", "shown"]


class EscapingWriter:
    """A text stream that writes to ``inner`` what it is given, its control characters escaped."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(shown(mask_credentials(text)))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.inner.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno …: the inner stream's
        return getattr(self.inner, name)


@contextlib.contextmanager
def escaping() -> Iterator[None]:
    """sys.stdout and sys.stderr escaped while the block runs (see the module's docstring)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = EscapingWriter(out)
    sys.stderr = EscapingWriter(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
