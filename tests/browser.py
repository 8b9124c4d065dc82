"""Debian's Chromium driven by Playwright, for the tests that open a page (the report, the MLflow
UI): never Playwright's own browser download, and nothing that could reach out on a closed machine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "chromium_context"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_context(profile: Path, what: str, viewport: tuple[int, int]) -> Iterator[Any]:
    """A fresh Chromium profile in ``profile``; fails (never skips) when Chromium is absent."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: {what} needs Debian's chromium. "
            "Run `bash scripts/test.sh` as root (it runs `apt-get install chromium`), or install it by hand."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the `playwright` Python package is missing: `.venv/bin/pip install -e '.[test]'`")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        try:
            yield context
        finally:
            context.close()
