"""`import hooks` stays light: no tracker, plotting or deep-learning import until they are used, and
loading a config imports only what it uses (no timings here: benchmarks rows 2 and 2b time them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_import_hooks_imports_nothing_heavy() -> None:
    code = (
        "import sys, hooks; hooks.load\n"
        "names = ('neptune', 'matplotlib', 'ultralytics', 'torch', 'jsonschema', 'yaml')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    # hooks.load brings in the YAML reader and the pipeline, but never the tracker or torch.
    assert set(out.split(",")) - {""} <= {"yaml"}


# What `hooks.load('default')` (Neptune, no `format` in the schema) must not import: the MLflow
# tracker's module and what it brings (urllib.request, http.client), MLflow itself, and the modules
# of jsonschema's format checkers (arrow through isoduration, idna, the rfc3987 grammars, …).
NOT_FOR_DEFAULT = (
    "mlflow",
    "hooks.sinks.mlflow.sink",
    "hooks.sinks.mlflow.sender",
    "urllib.request",
    "http.client",
    "arrow",
    "isoduration",
    "idna",
    "fqdn",
    "rfc3987",
    "rfc3987_syntax",
    "rfc3339_validator",
    "webcolors",
    "jsonpointer",
    "uri_template",
    "neptune",
    "matplotlib",
    "torch",
)


def _imported_by(code: str, names: tuple[str, ...]) -> list[str]:
    code += f"\nimport sys; print(','.join(m for m in {names!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    return [m for m in out.split(",") if m]


def test_loading_a_config_imports_only_the_tracker_it_names() -> None:
    assert _imported_by("import hooks; hooks.load('default')", NOT_FOR_DEFAULT) == []
    # The tracker's own module comes with a config that names it, and only then.
    mlflow = "import hooks; hooks.loads('version: 1\\nsink: {mlflow: {}}\\n')"
    assert _imported_by(mlflow, ("hooks.sinks.mlflow.sink", "hooks.sinks.neptune.sink")) == ["hooks.sinks.mlflow.sink"]


def test_the_full_schema_needs_no_tracker_module() -> None:
    code = "from hooks.loader.schema import full_schema; full_schema(plugins=False)"
    assert _imported_by(code, ("hooks.sinks.mlflow.sink", "hooks.sinks.neptune.sink", "mlflow", "neptune")) == []


def test_no_format_checker_is_used_by_the_schema() -> None:
    """jsonschema's format checkers are kept from loading (their modules cost a third of the first
    load); a `format` in the schema would need one, so there is none."""
    from hooks.loader.schema import full_schema

    assert '"format"' not in json.dumps(full_schema(plugins=False))


def test_bare_import_is_bare() -> None:
    code = "import sys, hooks; print(sorted(m for m in sys.modules if m.startswith('hooks')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "['hooks', 'hooks._version', 'hooks.errors']"


def test_the_package_never_imports_the_demo_or_the_torchvision_work_around() -> None:
    from tests.conftest import REPO

    for path in (REPO / "hooks").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "yaml_hooks_torchvision" not in text and "import demo" not in text and "from demo" not in text, path


def test_every_folder_of_the_package_ships() -> None:
    """setuptools' package finder leaves out a folder without __init__.py: an installed (not
    editable) yaml-hooks would then miss its modules."""
    root = Path(__file__).resolve().parents[2] / "hooks"
    folders = {p.parent for p in root.rglob("*.py") if "__pycache__" not in p.parts}
    assert root / "core" in folders
    assert sorted(str(f.relative_to(root)) for f in folders if not (f / "__init__.py").is_file()) == []
