"""Secrets never leave the process: what looks secret, and values as plain data with it masked.

A name looks secret when one of the mask patterns (``SECRET_KEYS`` and the config's `mask_keys:`,
case-insensitive globs) matches it, or one of its parts between '/' and '.'. A value is masked
when it is read through such a name: a mapping key or an object's attribute anywhere in it, or
a name anywhere in a `from:` attribute path or a template field."""

from __future__ import annotations

import fnmatch
import re
import sys
from collections.abc import Callable, Mapping, Sequence, Set
from functools import lru_cache
from pathlib import PurePath
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from .paths import CODE_TYPES

__all__ = [
    "MASKED",
    "SECRET_KEYS",
    "Secret",
    "mask_credentials",
    "mask_uri",
    "plain",
    "scalar_text",
    "secret_name",
    "secret_path",
]

MASKED: Final = "****"

# Names whose values never leave the process (case-insensitive globs); `mask_keys:` adds to them.
SECRET_KEYS: Final = (
    "*token*",
    "*password*",
    "*passwd*",
    "*secret*",
    "*api_key*",
    "*apikey*",
    "*credential*",
    "*private_key*",
)

_DEPTH: Final = 16  # deeper than this, an object is written as its type's name
# The user-information part of a URI anywhere in a text (``https://user:token@host``, ``postgresql://
# me:pw@db``): a token as a user name is as secret as a password, so all of it goes.
_USERINFO: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#@\s]+@")
_SPLIT: Final = re.compile(r"[/.]")

Secret = Callable[[str], bool]
"""Whether a key or attribute name looks secret."""


@lru_cache(maxsize=8192)
def secret_name(name: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``name`` (or one of its '/'- or '.'-separated parts) matches a mask pattern."""
    low = name.lower()
    parts = {low, *_SPLIT.split(low)}
    return any(fnmatch.fnmatchcase(part, p) for part in parts for p in patterns)


def secret_path(parts: Sequence[str], patterns: tuple[str, ...]) -> bool:
    """Whether a value read through these names (an attribute path, a template field) is secret."""
    return any(secret_name(part, patterns) for part in parts)


def _numeric_scalar(value: Any) -> Any:
    """A numpy or torch scalar (0-d) as the Python number or text it holds; None for anything else.
    Only the types themselves are asked, never an arbitrary object's attributes."""
    numpy = sys.modules.get("numpy")
    if numpy is not None and (
        isinstance(value, numpy.generic) or (isinstance(value, numpy.ndarray) and value.ndim == 0)
    ):
        return value.item()
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor) and value.dim() == 0:
        return value.detach().item()
    return None


def scalar_text(value: Any) -> str | None:
    """The text of a plain scalar (text, a number, a bool, a path, a numpy or torch 0-d scalar);
    None for anything else: no container, and no object's own ``str()``/``repr()`` (which run
    its code) is ever used."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, PurePath):
        return PurePath.__str__(value)
    item = _numeric_scalar(value)
    if item is not None and isinstance(item, (str, bool, int, float)):
        return scalar_text(item)
    return None


def plain(value: Any, secret: Secret = lambda key: False, _depth: int = 0, _seen: frozenset[int] = frozenset()) -> Any:
    """The value as plain data for a sink: text, numbers, booleans and None, in mappings (text
    keys; the values of secret-looking keys are ``****``), lists and tuples. numpy and torch
    scalars become numbers, paths text; an object with attributes (``__dict__``, such as
    Ultralytics' args) becomes the mapping of its public ones, masked the same way. Any other
    object is written as ``<TypeName>``: never its ``str()``, which runs its code and could hold
    anything."""
    if isinstance(value, str):
        return mask_credentials(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, PurePath):
        return mask_credentials(PurePath.__str__(value))
    item = _numeric_scalar(value)
    if item is not None:
        return item
    # Code and globals are never written as data: from them, code is one step away.
    if isinstance(value, CODE_TYPES) or _depth >= _DEPTH or id(value) in _seen:
        return f"<{type(value).__name__}>"
    seen = _seen | {id(value)}
    depth = _depth + 1
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = k if type(k) is str else _key(k)  # _key of a str is the str itself
            if secret(key):
                out[key] = MASKED
            elif v is None or type(v) in _PLAIN_SCALARS:
                out[key] = v  # what plain() returns for them, without the call per value
            elif type(v) is str:
                out[key] = mask_credentials(v)
            else:
                out[key] = plain(v, secret, depth, seen)
        return out
    if isinstance(value, list):
        return [plain(v, secret, depth, seen) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v, secret, depth, seen) for v in value)
    if isinstance(value, Set):
        return [plain(v, secret, depth, seen) for v in value]
    attrs = getattr(value, "__dict__", None)
    if type(attrs) is dict:
        public = {k: v for k, v in attrs.items() if isinstance(k, str) and not k.startswith("_")}
        return plain(public, secret, depth, seen)
    return f"<{type(value).__name__}>"


_PLAIN_SCALARS: Final = (bool, int, float)  # exact types plain() returns as they are


def _key(key: Any) -> str:
    text = scalar_text(key)
    return text if text is not None else f"<{type(key).__name__}>"


def mask_credentials(text: str) -> str:
    """``text`` with the ``user:password@`` of every URI in it replaced by ``***@`` (an argument such
    as ``data=https://me:token@host/set.yaml``, a git remote, a database URI): a value may leave
    the process, its credentials may not."""
    if "://" not in text or "@" not in text:
        return text
    return _USERINFO.sub(r"\1***@", text)


def mask_uri(uri: str) -> str:
    """``uri`` with its credentials (``user:password@``) replaced by ``***@``: what may be printed."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "***" if "@" in uri else uri
    if "@" not in parts.netloc:
        return uri
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))
