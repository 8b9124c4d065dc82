"""Stage 1: read a YAML document safely, keeping the line and column of every key and value."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, final

import yaml

from ..errors import ConfigError, Issue, Location

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "Document", "TooLarge", "YPath", "read_file", "read_text"]

YPath = tuple[str | int, ...]

MAX_BYTES: Final = 1_000_000  # a hook config is a page or two; anything this big is a mistake
MAX_NODES: Final = 100_000  # also bounds alias expansion ("billion laughs")
MAX_DEPTH: Final = 64

# Opened without blocking (a FIFO or a terminal would wait for a writer), never inherited.
_OPEN_FLAGS: Final = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_NOT_REGULAR: Final = "is not a regular file (a device, a pipe or a socket); a config is a YAML file"

# What PyYAML's reader refuses (YAML 1.1's printable set), checked first to report a position.
_NON_PRINTABLE: Final = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_PLAIN_TAGS: Final = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_STR: Final = "tag:yaml.org,2002:str"
# Implicitly resolved tags whose Python objects JSON has no type for: keep the text as written.
_AS_TEXT_TAGS: Final = {"tag:yaml.org,2002:timestamp"}
_KEY_TAGS: Final = frozenset(_PLAIN_TAGS | _AS_TEXT_TAGS)  # what a key may be


class TooLarge(ConfigError):
    """A file past the size bounds (bytes, or values once aliases are expanded): nothing after it
    is worth reading."""


@final
@dataclass(frozen=True)
class Document:
    """Plain data (dicts, lists, str, int, float, bool, None) plus where each piece came from."""

    file: str  # as shown in messages
    path: Path | None  # on disk, to resolve relative `extends`; None for text given directly
    data: Any
    values: dict[YPath, Location] = field(default_factory=dict)  # where each value starts
    keys: dict[YPath, Location] = field(default_factory=dict)  # where each mapping key starts

    def where(self, path: YPath, *, key: bool = False) -> Location:
        """The location of ``path``, or of its nearest ancestor that has one (an empty document:
        its first line)."""
        p = tuple(path)
        while True:
            if key and p in self.keys:
                return self.keys[p]
            if p in self.values:
                return self.values[p]
            if not p:
                return Location(self.file, 1, 1)
            p = p[:-1]


def read_file(
    path: Path, display: str | None = None, *, quote: bool = True, budget: tuple[int, str] | None = None
) -> Document:
    """Read a YAML config from disk; raise ConfigError if it is missing, not a regular file, too
    big or malformed. ``quote=False`` (a file reached through `extends`, which may not be a config
    at all): a problem is said by its place and kind only, never by the text found there.
    ``budget``: (at most this many values, the message when there are more), when that is fewer
    than MAX_NODES: reading stops there (raising TooLarge)."""
    name = display or str(path)
    return read_text(_read_bytes(path, name), name, path=path, quote=quote, budget=budget)


def _read_bytes(path: Path, name: str) -> bytes:
    """The bytes of a regular file, at most MAX_BYTES of them. A device (``/dev/zero``,
    ``/dev/stdin``), a pipe or a socket is refused before a byte is read: it could be endless or
    never answer. The check is made again on the opened file (it may have been swapped), opened
    without blocking, and the size is enforced while reading, not trusted from stat."""

    def fail(message: str) -> ConfigError:
        return ConfigError([Issue(None, (), f"{name}: {message}")])

    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise fail("is a folder, not a YAML file")
        if not stat.S_ISREG(mode):
            raise fail(_NOT_REGULAR)
        fd = os.open(path, os.O_RDONLY | _OPEN_FLAGS)
    except FileNotFoundError:
        raise fail("no such file; check the path or name a preset") from None
    except IsADirectoryError:
        raise fail("is a folder, not a YAML file") from None
    except OSError as e:
        raise fail(f"cannot read it: {e.strerror or e}") from e
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise fail("is a folder, not a YAML file")
        if not stat.S_ISREG(mode):
            raise fail(_NOT_REGULAR)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise fail(f"cannot read it: {e.strerror or e}") from e
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise TooLarge(
            [_issue(name, 1, 1, f"file is more than {MAX_BYTES:,} bytes; a config may have at most {MAX_BYTES:,}")]
        )
    return b"".join(chunks)


def read_text(
    source: str | bytes,
    file: str = "<string>",
    *,
    path: Path | None = None,
    quote: bool = True,
    budget: tuple[int, str] | None = None,
) -> Document:
    """Parse one YAML document. Only plain scalars, mappings and lists are accepted. With
    ``quote=False`` no message repeats the text (a key, a value, a tag, a character) found."""
    if isinstance(source, bytes):
        if len(source) > MAX_BYTES:
            raise TooLarge([_issue(file, 1, 1, f"config is {len(source):,} bytes; at most {MAX_BYTES:,} allowed")])
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = source[: e.start].count(b"\n") + 1
            col = e.start - (source.rfind(b"\n", 0, e.start) + 1) + 1
            raise ConfigError(
                [_issue(file, line, col, f"not UTF-8 (byte 0x{source[e.start]:02x}); save the file as UTF-8")]
            ) from None
    else:
        text = source
    bad = _NON_PRINTABLE.search(text)
    if bad:
        # PyYAML refuses these too, but only with a character offset; say where, and what.
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise ConfigError(
            [_issue(file, line, col, f"control character U+{ord(bad.group()):04X} is not allowed in YAML; remove it")]
        )
    fast = getattr(yaml, "CSafeLoader", None)  # libyaml: the same nodes and marks, ~3x faster
    if fast is not None:
        loader = fast(text)
        try:
            node = loader.get_single_node()
        except yaml.YAMLError:
            loader.dispose()
            fast = None  # the pure-Python parser reports the same error, worded for people
    if fast is None:
        loader = yaml.SafeLoader(text)
    try:
        try:
            if fast is None:
                node = loader.get_single_node()
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            msg = " ".join(s for s in (e.context, e.problem) if s) or "malformed YAML"
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            hint = "check the brackets, quotes, colons and indentation here"
            message = f"YAML syntax: {msg}; {hint}" if quote else _UNQUOTED
            raise ConfigError([_issue(file, line, col, message)]) from None
        except yaml.YAMLError as e:
            message = f"YAML syntax: {e}; check the file is plain YAML" if quote else _UNQUOTED
            raise ConfigError([_issue(file, 1, 1, message)]) from None
        except RecursionError:
            raise ConfigError([_issue(file, 1, 1, f"nested too deeply; at most {MAX_DEPTH} levels")]) from None
        builder = _Builder(file, loader, quote, budget)
        data = builder.build(node, (), 0) if node is not None else None
    finally:
        loader.dispose()
    if builder.issues:
        raise ConfigError(builder.issues)
    return Document(file=file, path=path, data=data, values=builder.values, keys=builder.keys)


def _issue(file: str, line: int, col: int, message: str, path: YPath = ()) -> Issue:
    return Issue(Location(file, line, col), path, message)


# A syntax error in a file reached through `extends`, which may be anything: its text is not shown.
_UNQUOTED: Final = "not valid YAML (a syntax error here); run `hooks validate` on this file to see the details"


def _tag_message(tag: str | None) -> str:
    what = f"the tag {tag}" if tag is not None else "a YAML tag"
    return f"{what} is not allowed; a config holds only plain text, numbers, booleans, lists and mappings"


def _loc(file: str, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns the composed node graph into plain data, refusing what a config has no use for."""

    def __init__(
        self, file: str, loader: yaml.SafeLoader, quote: bool = True, budget: tuple[int, str] | None = None
    ) -> None:
        self.file = file
        self.loader = loader
        self.limit = MAX_NODES
        self.too_many: str | None = None  # the message when a budget below MAX_NODES is crossed
        if budget is not None and budget[0] < MAX_NODES:
            self.limit, self.too_many = budget
        self.quote = quote  # False: messages name no key, value or tag of the file
        self.values: dict[YPath, Location] = {}
        self.keys: dict[YPath, Location] = {}
        self.issues: list[Issue] = []
        self.count = 0

    def fail(self, node: yaml.Node, path: YPath, message: str) -> None:
        self.issues.append(Issue(_loc(self.file, node), path if self.quote else (), message))

    def tag(self, tag: str) -> str:
        return _tag_message(tag if self.quote else None)

    def build(self, node: yaml.Node, path: YPath, depth: int) -> Any:
        self.count += 1
        if self.count > self.limit:
            # Raised at once: aliases can make the graph exponentially large.
            message = self.too_many or (
                f"the document expands to more than {MAX_NODES:,} values (aliases?); "
                "write the config out without '*' aliases"
            )
            raise TooLarge([Issue(_loc(self.file, node), path if self.quote else (), message)])
        if depth > MAX_DEPTH:
            where = path if self.quote else ()
            raise ConfigError([Issue(_loc(self.file, node), where, f"nested too deeply; at most {MAX_DEPTH} levels")])
        self.values[path] = _loc(self.file, node)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.fail(node, path, self.tag(node.tag))
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag in _AS_TEXT_TAGS or node.tag == _STR:
            return node.value  # what PyYAML's str constructor returns, without its dispatch
        if node.tag not in _PLAIN_TAGS:
            self.fail(node, path, self.tag(node.tag))
            return None
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as e:
            said = f"cannot read value {node.value!r}: {e}" if self.quote else "a value that cannot be read"
            self.fail(node, path, said)
            return None

    def mapping(self, node: yaml.MappingNode, path: YPath, depth: int) -> dict[str, Any]:
        if node.tag != "tag:yaml.org,2002:map":
            self.fail(node, path, self.tag(node.tag))
        out: dict[str, Any] = {}
        first: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.fail(key_node, path, "'<<' merge keys are not supported; use `extends` to reuse a config")
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _KEY_TAGS:
                self.fail(key_node, path, "a key must be plain text")
                continue
            key = str(key_node.value)
            if key in first:
                prev = first[key].start_mark.line + 1
                said = f"duplicate key '{key}'" if self.quote else "a duplicate key"
                self.fail(key_node, (*path, key), f"{said} (first defined on line {prev}); keep one of them")
                continue
            first[key] = key_node
            self.keys[(*path, key)] = _loc(self.file, key_node)
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out
