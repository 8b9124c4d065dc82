"""Named sources: yaml-hooks' own (builtin.py, validation.py) and those packages register
(registry.py). Whichever of its modules is asked for, this package is imported first: it makes
the registry, then registers every built-in source in it, before any of them is used."""

from typing import Final

from . import builtin as builtin
from . import registry as registry
from . import validation as validation

BUILTIN_SOURCES: Final = registry.SOURCES.builtin
"""yaml-hooks' own named sources: what Ultralytics' trainer holds, under the names a config uses."""
