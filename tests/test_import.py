"""`import hooks` stays light: no tracker, plotting or deep-learning import until they are used."""

from __future__ import annotations

import subprocess
import sys


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


def test_bare_import_is_bare() -> None:
    code = "import sys, hooks; print(sorted(m for m in sys.modules if m.startswith('hooks')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "['hooks', 'hooks._version', 'hooks.errors']"


def test_the_package_never_imports_the_demo_or_the_torchvision_work_around() -> None:
    from .conftest import REPO

    for path in (REPO / "hooks").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "yaml_hooks_torchvision" not in text and "import demo" not in text and "from demo" not in text, path
