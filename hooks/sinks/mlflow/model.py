"""Models you can load: what ``upload … register:`` makes of a weights file in MLflow, and the rules
that move a registered model's aliases. Used by the sender (``sender.py``: the background thread of
a training, or `hooks sync`); imports MLflow only when called.

A ``.pt`` file registered becomes an MLflow **pyfunc model** (a folder with an ``MLmodel`` of the
``python_function`` flavour): MLflow's "models from code", the self-contained file
``yolo_pyfunc.py`` (it needs ultralytics, not yaml-hooks) with the weights as its artifact
``weights``, a signature and an input example (a tiny PNG, base64). It is built with
``mlflow.pyfunc.save_model`` in a temporary folder and logged to the run at :func:`model_path`
with the client API (no fluent MLflow state: several runs may be open in one process), and the
version's source is ``runs:/<run_id>/<model_path>``. Any other file is registered as the file
itself, as before.

Alias rules (docs/format.md, "upload"), applied after each version is made (and again on a
resend, so a crash between the version and its aliases loses nothing):
- ``newest``: the alias moves to this version unless the version holding it has a higher number
  (numbers grow with each version made: a spool sent late by `hooks sync` takes it too);
- ``best``: the alias moves to this version when no version holds it (or the one that did is
  gone), or when this version's fitness (the tag ``yaml_hooks.fitness``) is higher than the
  holder's, or the holder has none; a version without a fitness never takes it from one that has
  one, and on a tie the holder keeps it.
Two trainings registering the same model at the same instant may both read the holder before
either moves it: the last to move it wins (MLflow has no compare-and-set on aliases).
"""

from __future__ import annotations

import base64
import io
import math
import tempfile
import threading
import warnings
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, Final

__all__ = [
    "CODE_FILE",
    "FITNESS_TAG",
    "input_example",
    "model_path",
    "move_aliases",
    "pyfunc_weights",
    "save_pyfunc",
]

FITNESS_TAG: Final = "yaml_hooks.fitness"  # on each version: the fitness of its weights, when known
CODE_FILE: Final = Path(__file__).with_name("yolo_pyfunc.py")
_SAVE_LOCK: Final = threading.Lock()  # models from code pass the model through MLflow's global (set_model)


def pyfunc_weights(artifact: str) -> bool:
    """Whether a registered file becomes a pyfunc model (Ultralytics' weights) or stays a file."""
    return artifact.endswith(".pt")


def model_path(artifact: str) -> str:
    """Where the pyfunc model of the weights at ``artifact`` is logged in the run: beside them,
    ``weights/best.pt`` → ``weights/best_model``."""
    folder, _, name = artifact.rpartition("/")
    stem = name[: -len(".pt")] if name.endswith(".pt") else name
    return f"{folder}/{stem}_model" if folder else f"{stem}_model"


def input_example() -> str:
    """A 32×32 grey PNG, base64: the model's input example (one row of its ``image`` column)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (114, 114, 114)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _requirements() -> list[str]:
    """What loading the model needs, pinned to what made it (ultralytics brings torch). Ultralytics
    ships as ``ultralytics`` or ``ultralytics-opencv-headless`` (the same module): the one installed
    is named, so that MLflow finds its version without importing it (and torch) to check."""
    needs = []
    for name in ("mlflow", "ultralytics", "pandas", "pillow"):
        try:
            needs.append(f"{name}=={metadata.version(name)}")
            continue
        except metadata.PackageNotFoundError:
            pass
        dists = metadata.packages_distributions().get(name, [])
        try:
            needs.append(f"{dists[0]}=={metadata.version(dists[0])}" if dists else name)
        except metadata.PackageNotFoundError:
            needs.append(name)
    return needs


def save_pyfunc(weights: Path, folder: Path) -> None:
    """Save the weights as a pyfunc model in ``folder`` (which must not exist yet). MLflow's
    warnings meanwhile (importing mlflow.pyfunc warns about its own agents' type hints, its
    pandas code about pandas' deprecations) are not the user's business: ignored while it saves
    (the filter is the process's, for a few seconds at the registration, usually the training's
    end)."""
    with _SAVE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _save_pyfunc(weights, folder)


def _save_pyfunc(weights: Path, folder: Path) -> None:
    import mlflow.pyfunc
    import pandas as pd  # type: ignore[import-untyped]
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema

    signature = ModelSignature(
        inputs=Schema([ColSpec("string", "image")]),
        outputs=Schema(
            [
                ColSpec("long", "image"),
                ColSpec("long", "class_id"),
                ColSpec("string", "class_name"),
                ColSpec("double", "confidence"),
                ColSpec("double", "x1"),
                ColSpec("double", "y1"),
                ColSpec("double", "x2"),
                ColSpec("double", "y2"),
            ]
        ),
        params=ParamSchema([ParamSpec("conf", "double", 0.25), ParamSpec("imgsz", "long", 0)]),
    )
    # uv_project_path: an empty folder, so that MLflow does not copy the uv.lock and pyproject.toml
    # of whatever folder the training runs in into the model.
    with tempfile.TemporaryDirectory(prefix="yaml-hooks-") as no_uv:
        mlflow.pyfunc.save_model(
            path=str(folder),
            python_model=str(CODE_FILE),
            artifacts={"weights": str(weights)},
            signature=signature,
            input_example=pd.DataFrame({"image": [input_example()]}),
            pip_requirements=_requirements(),
            uv_project_path=no_uv,
        )


def _fitness(tags: Mapping[str, str]) -> float | None:
    try:
        value = float(tags[FITNESS_TAG])
    except (KeyError, ValueError):
        return None
    return value if math.isfinite(value) else None


def move_aliases(client: Any, model: str, version: Any, rules: Mapping[str, str]) -> list[str]:
    """Apply ``rules`` (alias → ``best`` or ``newest``) for ``version`` of ``model``; the aliases moved."""
    from mlflow.exceptions import MlflowException

    moved = []
    number = int(version.version)
    mine = _fitness(version.tags or {})
    for alias, rule in rules.items():
        try:
            holder = client.get_model_version_by_alias(model, alias)
        except MlflowException as e:
            if e.error_code not in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", "INVALID_PARAMETER_VALUE"):
                raise
            holder = None
        if holder is not None and int(holder.version) == number:
            continue
        if holder is None:
            take = True
        elif rule == "newest":
            take = int(holder.version) < number
        else:  # best
            theirs = _fitness(holder.tags or {})
            take = mine is not None and (theirs is None or mine > theirs)
        if take:
            client.set_registered_model_alias(model, alias, str(number))
            moved.append(alias)
    return moved
