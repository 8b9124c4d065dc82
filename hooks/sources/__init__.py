"""Named sources: yaml-hooks' own (builtin.py) and those packages register (registry.py)."""
