"""Presets: the ones shipped in the package's `configs/`, and those that installed packages publish
through the `yaml_hooks.presets` entry point group (referred to as ``package:preset``)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final, final

from ..errors import ConfigError, Issue

__all__ = ["ENTRY_POINT_GROUP", "Preset", "find_preset", "list_presets", "looks_like_path", "shown_name"]

ENTRY_POINT_GROUP: Final = "yaml_hooks.presets"


@final
@dataclass(frozen=True, slots=True)
class Preset:
    name: str  # "default", or "acme:detection" for an installed package's preset
    path: Path
    description: str
    package: str  # the distribution that ships it


def shown_name(name: str) -> str:
    """How a preset's file is named in messages and provenance."""
    return f"<preset {name}>"


def _folder() -> Path:
    # The package is installed as files (no zip import), so the resource is a real folder.
    return Path(str(resources.files("hooks") / "configs"))


def _entry_points() -> list[tuple[str, str, str]]:
    """(name, module, distribution) of every `yaml_hooks.presets` entry point."""
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        out.append((ep.name, ep.value, dist.name if dist is not None else "?"))
    return sorted(set(out))


def _package_folder(module: str) -> Path:
    try:
        return Path(str(resources.files(module)))
    except (ImportError, TypeError, ValueError) as e:
        raise ConfigError([Issue(None, (), f"the preset package {module!r} cannot be loaded: {e}")]) from e


def list_presets(*, installed: bool = True) -> list[Preset]:
    """Every shipped preset, then every installed one, with its one-line description."""
    out = [Preset(p.stem, p, _description(p), "yaml-hooks") for p in sorted(_folder().glob("*.yaml"))]
    if installed:
        for name, module, dist in _entry_points():
            try:
                folder = _package_folder(module)
            except ConfigError:
                continue  # listing goes on; using it reports the error
            out += [Preset(f"{name}:{p.stem}", p, _description(p), dist) for p in sorted(folder.glob("*.yaml"))]
    return out


def find_preset(name: str) -> Path | None:
    """The file of a preset (``default`` or ``package:preset``), or None when there is none."""
    namespace, sep, stem = name.partition(":")
    if not sep:
        path = _folder() / f"{name}.yaml"
        return path if path.is_file() else None
    for ep_name, module, _ in _entry_points():
        if ep_name == namespace:
            path = _package_folder(module) / f"{stem}.yaml"
            return path if path.is_file() else None
    return None


def looks_like_path(ref: str) -> bool:
    """A reference is a path when it has a folder separator or a YAML suffix; otherwise a preset."""
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
