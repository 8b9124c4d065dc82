"""Named sources: yaml-hooks' own (builtin.py, validation.py) and those packages register
(registry.py). The registry is imported first, whichever module is asked for: it imports the
built-in modules once it exists, so every built-in source is registered before it is used."""

from . import registry as registry
