"""Imports that cost more than they give when done the usual way.

jsonschema, imported plainly, imports the modules of its optional format checkers (arrow through
isoduration, idna, the rfc3987 grammars: ``rfc3987_syntax`` builds one for about 1 s). Nothing
here validates with a FormatChecker, and neither does the neptune client (its bravado layer
imports jsonschema when ``neptune`` is imported): :func:`import_jsonschema` imports it without
them, for config validation and before ``import neptune``."""

from __future__ import annotations

from typing import Any, Final

__all__ = ["FORMAT_CHECKER_MODULES", "import_jsonschema"]

# The modules jsonschema's optional format checkers import when it is imported (jsonschema/_format.py):
# arrow (through isoduration), idna, the rfc3987 grammars (rfc3987_syntax builds one for about 1 s)…
# A config is validated without a FormatChecker, so `format` is an annotation and no checker is ever
# used.
FORMAT_CHECKER_MODULES: Final = (
    "fqdn",
    "idna",
    "isoduration",
    "jsonpointer",
    "rfc3339_validator",
    "rfc3986_validator",
    "rfc3987",
    "rfc3987_syntax",
    "uri_template",
    "webcolors",
)


def import_jsonschema() -> Any:
    """jsonschema, without its format checkers' modules (FORMAT_CHECKER_MODULES): each is made to
    fail fast while jsonschema is imported, and is importable again afterwards."""
    import sys

    if "jsonschema" in sys.modules:
        import jsonschema

        return jsonschema
    saved = {name: sys.modules.get(name) for name in FORMAT_CHECKER_MODULES}
    for name in FORMAT_CHECKER_MODULES:
        sys.modules[name] = None  # type: ignore[assignment]  # makes its import fail fast
    try:
        import jsonschema
    except ImportError:  # a jsonschema that needs one of them: with all of them, then
        for name in [m for m in sys.modules if m == "jsonschema" or m.startswith("jsonschema.")]:
            del sys.modules[name]
    finally:
        for name, module in saved.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module
    import jsonschema

    return jsonschema
