"""Shipped presets: YAML files in the package's `configs/` folder, found by name."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import final

__all__ = ["Preset", "find_preset", "list_presets", "looks_like_path"]


@final
@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    path: Path
    description: str


def _folder() -> Path:
    # The package is installed as files (no zip import), so the resource is a real folder.
    return Path(str(resources.files("hooks") / "configs"))


def list_presets() -> list[Preset]:
    """Every shipped preset, sorted by name, with its one-line description."""
    out = []
    for path in sorted(_folder().glob("*.yaml")):
        out.append(Preset(path.stem, path, _description(path)))
    return out


def find_preset(name: str) -> Path | None:
    path = _folder() / f"{name}.yaml"
    return path if path.is_file() else None


def looks_like_path(ref: str) -> bool:
    """A reference is a path when it has a folder separator or a YAML suffix; otherwise a preset name."""
    return "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml")) or ref.startswith(".")


def _description(path: Path) -> str:
    # Read the top-level `description:` line without a YAML parse: listing stays cheap.
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("description:"):
            text = line.partition(":")[2].strip()
            if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
                text = text[1:-1]
            return text
    return ""
