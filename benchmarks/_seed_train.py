"""Row 9's yardstick: the demo's training (``demo.train``) with the seed's callbacks written by hand
(:func:`benchmarks._handwritten.SeedNeptune`, a Neptune offline run) instead of yaml-hooks, in a
process of its own:

    python -m benchmarks._seed_train --workdir W --name NAME [--epochs 3]

Prints ``TRAIN_SECONDS=`` as ``python -m demo.train`` does. Written as the seed would be, plus the
one import trick yaml-hooks uses (the yardstick pays no more than yaml-hooks does)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)
    from benchmarks._handwritten import SeedNeptune
    from demo.train import train
    from hooks.core.imports import import_jsonschema

    started = time.perf_counter()
    # neptune imported as yaml-hooks' sink imports it (hooks/core/imports.py): without jsonschema's
    # format checkers, about 1 s sooner. A yardstick that paid what yaml-hooks avoids would flatter it.
    import_jsonschema()
    # The client's defaults, as the `yolov8-neptune` preset leaves them; offline, as it is without a token.
    callbacks = SeedNeptune(mode="offline").callbacks()
    train(args.workdir, preset=None, epochs=args.epochs, name=args.name, callbacks=callbacks)
    print(f"TRAIN_SECONDS={time.perf_counter() - started:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
