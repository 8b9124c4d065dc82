"""The page's own CSS and script, and the vendored chart library, read from the package.

uPlot (MIT, https://github.com/leeoniya/uPlot) is vendored unchanged from its npm release in
``assets/`` beside its licence: about 50 KB, no dependencies, canvas drawing, and it runs under a
Content-Security-Policy without ``unsafe-inline`` or ``unsafe-eval`` (it styles elements through
the DOM, never through style attributes or eval). Every inline ``<style>`` and ``<script>`` of a
report is allowed by its SHA-256 hash and nothing else is.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["UPLOT_VERSION", "Assets", "assets", "csp"]

UPLOT_VERSION = "1.6.32"


@dataclass(frozen=True)
class Assets:
    page_css: str
    page_js: str
    uplot_css: str
    uplot_js: str


def _read(name: str) -> str:
    return resources.files("hooks.report").joinpath("assets", name).read_text(encoding="utf-8")


@cache
def assets() -> Assets:
    return Assets(_read("page.css"), _read("page.js"), _read("uPlot.min.css"), _read("uPlot.iife.min.js"))


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def csp(styles: list[str], scripts: list[str]) -> str:
    """A policy that allows ``data:`` images and exactly these inline styles and scripts."""
    style_src = " ".join(_hash(s) for s in styles) or "'none'"
    script_src = " ".join(_hash(s) for s in scripts) or "'none'"
    return (
        f"default-src 'none'; img-src data:; style-src {style_src}; script-src {script_src}; "
        "base-uri 'none'; form-action 'none'"
    )
