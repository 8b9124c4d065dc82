"""An Ultralytics YOLO weights file as an MLflow pyfunc model: MLflow's "models from code" file.

This file is copied into every model yaml-hooks registers (``upload … register:``) and run by
``mlflow.pyfunc.load_model``: it must stay self-contained (it needs mlflow, pandas, pillow and
ultralytics, never yaml-hooks). The weights are the model's artifact ``weights``.

    model = mlflow.pyfunc.load_model("models:/yolo-detector@champion")
    detections = model.predict(pd.DataFrame({"image": ["bus.jpg", base64_png_text]}), params={"conf": 0.25})

Input: a DataFrame with a column ``image``: a path to an image file, or the image file's bytes
base64-encoded (any format Pillow reads). Output: one row per detection, columns ``image`` (the
input row's position), ``class_id``, ``class_name``, ``confidence`` and the box ``x1``, ``y1``,
``x2``, ``y2`` in the image's pixels; no row for an image without detections. A classification
model gives its top class per image, with no box (NaN).
"""

from __future__ import annotations

import base64
import binascii
import io
import os
from typing import Any

import mlflow
import pandas as pd  # type: ignore[import-untyped]
from mlflow.pyfunc.model import PythonModel

COLUMNS = {
    "image": "int64",
    "class_id": "int64",
    "class_name": "object",
    "confidence": "float64",
    "x1": "float64",
    "y1": "float64",
    "x2": "float64",
    "y2": "float64",
}


def read_image(value: Any) -> Any:
    """A Pillow image from a path, from raw bytes, or from base64 text of the bytes."""
    from PIL import Image

    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    elif isinstance(value, str) and len(value) < 4096 and os.path.isfile(value):
        with open(value, "rb") as f:
            data = f.read()
    elif isinstance(value, str):
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as e:
            raise ValueError(f"an image is a path to a file or base64 bytes: {value[:60]!r} is neither") from e
    else:
        raise ValueError(f"an image is a path or base64 text, not {type(value).__name__}")
    image = Image.open(io.BytesIO(data))
    return image.convert("RGB")


class YoloPyfunc(PythonModel):
    """Loads the weights once; each predict runs Ultralytics' own predict on every image."""

    def load_context(self, context: Any) -> None:
        import ultralytics

        self.model: Any = ultralytics.YOLO(context.artifacts["weights"])  # type: ignore[attr-defined]

    # A DataFrame: a type hint MLflow infers no signature from (the signature is given) and warns not about.
    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        params = dict(params or {})
        options: dict[str, Any] = {"verbose": False, "conf": float(params.get("conf", 0.25))}
        if params.get("imgsz"):
            options["imgsz"] = int(params["imgsz"])
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        rows: list[tuple[Any, ...]] = []
        for index, value in enumerate(frame["image"].tolist()):
            result: Any = self.model.predict(read_image(value), **options)[0]
            names = result.names
            boxes = getattr(result, "boxes", None)
            if boxes is not None:
                for (x1, y1, x2, y2), cls, conf in zip(
                    boxes.xyxy.tolist(), boxes.cls.tolist(), boxes.conf.tolist(), strict=True
                ):
                    rows.append((index, int(cls), str(names[int(cls)]), float(conf), x1, y1, x2, y2))
            elif getattr(result, "probs", None) is not None:
                top = int(result.probs.top1)
                nan = float("nan")
                rows.append((index, top, str(names[top]), float(result.probs.top1conf), nan, nan, nan, nan))
        return pd.DataFrame(rows, columns=list(COLUMNS)).astype(COLUMNS)


mlflow.models.set_model(YoloPyfunc())
