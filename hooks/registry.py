"""One registry class for every extension point that installed packages may extend (named sources,
sinks): yaml-hooks registers its own entries with plain names, a package registers ``package:name``
entries, from Python or through an entry point group whose modules are imported the first time a
config names one of their entries."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Final, Generic, TypeVar, final

from .errors import HooksError

__all__ = ["PLUGIN_NAME", "PluginError", "Registry"]

T = TypeVar("T")
PLUGIN_NAME: Final = re.compile(r"[a-z][a-z0-9_]*:[a-z][a-z0-9_]*")
_PACKAGE: Final = re.compile(r"[a-z][a-z0-9_]*")


class PluginError(HooksError):
    """A package's entry point could not be loaded, or registered a name that is not its own."""


@final
class Registry(Mapping[str, T], Generic[T]):
    """Entries by name. ``group``: the entry point group packages publish theirs in."""

    def __init__(self, what: str, group: str) -> None:
        self.what = what  # "source", "sink": for messages
        self.group = group
        self._entries: dict[str, T] = {}
        self._builtin: set[str] = set()
        self._loaded: set[str] = set()  # entry point names already imported
        self._loading: str | None = None  # the entry point being imported, to check its names

    def add(self, name: str, entry: T, *, builtin: bool = False) -> T:
        """Register ``entry``; yaml-hooks' own are ``builtin`` with plain names, others ``package:name``."""
        if builtin:
            if ":" in name:
                raise ValueError(f"a built-in {self.what} has a plain name, got {name!r}")
            self._builtin.add(name)
        elif not PLUGIN_NAME.fullmatch(name):
            raise ValueError(f"{self.what} names from packages look like 'package:name' (lowercase), got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.what} {name!r} is already registered")
        if self._loading is not None and name.partition(":")[0] != self._loading:
            raise PluginError(
                f"the {self.group} entry point {self._loading!r} registered {self.what} {name!r}; "
                f"its names must start with '{self._loading}:'"
            )
        self._entries[name] = entry
        return entry

    def remove(self, name: str) -> None:
        """Forget a package's entry (a test's, say); yaml-hooks' own stay."""
        if name in self._builtin:
            raise ValueError(f"the built-in {self.what} {name!r} cannot be removed")
        self._entries.pop(name, None)

    @property
    def builtin(self) -> frozenset[str]:
        return frozenset(self._builtin)

    def __getitem__(self, name: str) -> T:
        found = self._entries.get(name)
        if found is None and ":" in name:
            self.load_plugins(name.partition(":")[0])
            found = self._entries.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def load_plugins(self, package: str | None = None) -> None:
        """Import the entry points named ``package`` (every one when None). Raises PluginError."""
        from importlib.metadata import entry_points

        for ep in entry_points(group=self.group):
            if ep.name in self._loaded or (package is not None and ep.name != package):
                continue
            self._loaded.add(ep.name)
            dist = getattr(getattr(ep, "dist", None), "name", "?")
            if not _PACKAGE.fullmatch(ep.name):
                raise PluginError(f"{dist}: the {self.group} entry point {ep.name!r} is not a plain lowercase name")
            self._loading = ep.name
            try:
                ep.load()  # the module registers its entries when imported
            except PluginError:
                raise
            except Exception as e:
                raise PluginError(
                    f"the {self.what}s of {ep.name!r} ({ep.value}, from {dist}) could not be loaded: {e!r}"
                ) from e
            finally:
                self._loading = None
