"""The fields yaml-hooks' Neptune sink writes of its own, under ``yaml_hooks/``: the id shared by
every part of a resumed training, which part a folder is, and how the run ended ("running" from
its start, then "finished" when the sink stops it normally, "failed" when the training raised or
was interrupted). The sink writes them; the Neptune reader (``hooks.runs.neptune``) reads them."""

from __future__ import annotations

from typing import Final

__all__ = ["PART_FIELD", "RUN_ID_FIELD", "RUN_NAMESPACE", "STATUS_FIELD"]

RUN_NAMESPACE: Final = "yaml_hooks"
RUN_ID_FIELD: Final = f"{RUN_NAMESPACE}/run_id"
PART_FIELD: Final = f"{RUN_NAMESPACE}/part"
STATUS_FIELD: Final = f"{RUN_NAMESPACE}/status"
