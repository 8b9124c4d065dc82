"""Make a real Ultralytics training run fully offline and self-contained on this machine.

Everything here is demo/test set-up: the product package ``hooks`` never imports it.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import shutil
import socket
import sys
import warnings
from pathlib import Path
from typing import Any

# Audit events that mean "about to reach another host".
NETWORK_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.sendto",
        "socket.sendmsg",
    }
)

# Fonts Ultralytics' check_font() looks for in its config dir before trying to download them.
_ULTRALYTICS_FONTS = ("Arial.ttf", "Arial.Unicode.ttf")


def prepare_offline_env(workdir: Path) -> dict[str, str]:
    """Point every Ultralytics/matplotlib/Neptune state dir into ``workdir`` and switch off network use.

    Must run before ``ultralytics`` is imported: it reads these variables once at import time.
    Returns the variables it set (they are also written to ``os.environ``).
    """
    workdir = Path(workdir).resolve()
    config_dir = workdir / "yolo-config"
    env = {
        # Makes ultralytics.utils.is_online() return False without its DNS probe, so ONLINE=False:
        # disables the analytics events, the pip-update check and every "download if online" branch.
        "YOLO_OFFLINE": "1",
        # check_requirements() would otherwise try `pip install` for a missing optional package.
        "YOLO_AUTOINSTALL": "0",
        # settings.json and the fonts live here instead of ~/.config/Ultralytics.
        "YOLO_CONFIG_DIR": str(config_dir),
        # matplotlib's font cache would otherwise go to ~/.config/matplotlib.
        "MPLCONFIGDIR": str(workdir / "mpl-config"),
        # Neptune offline runs are written under this folder instead of ./.neptune in the cwd.
        "NEPTUNE_DATA_DIRECTORY": str(workdir / ".neptune"),
        # MLflow 3 looks up its usage-telemetry host (config.mlflow-telemetry.io) in the background.
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }
    if "ultralytics" in sys.modules:
        # Too late for the import-time switches; say so rather than pretend they took effect.
        warnings.warn(
            "ultralytics was imported before prepare_offline_env(); its config dir and ONLINE flag "
            "were fixed at that import",
            RuntimeWarning,
            stacklevel=2,
        )
    # matplotlib would fall back to a fresh temp dir (with a warning) if this did not exist.
    Path(env["MPLCONFIGDIR"]).mkdir(parents=True, exist_ok=True)
    _write_fonts(config_dir / "Ultralytics")
    os.environ.update(env)
    return env


def _write_fonts(font_dir: Path) -> None:
    """Copy matplotlib's DejaVuSans.ttf as the Arial fonts, so check_font() never downloads them."""
    spec = importlib.util.find_spec("matplotlib")  # locate without importing (MPLCONFIGDIR not set yet)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is required to provide a TTF font for Ultralytics")
    source = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
    font_dir.mkdir(parents=True, exist_ok=True)
    for name in _ULTRALYTICS_FONTS:
        target = font_dir / name
        if not target.exists():
            shutil.copyfile(source, target)


def configure_ultralytics(workdir: Path) -> Path:
    """Turn off Ultralytics sync and integrations and keep its default dirs inside ``workdir``.

    Imports ultralytics, so call it after ``prepare_offline_env``. Returns the settings file path.
    """
    from ultralytics.utils import SETTINGS, SETTINGS_FILE

    workdir = Path(workdir).resolve()
    SETTINGS.update(
        {
            "sync": False,  # analytics events (also off while ONLINE is False)
            # Integrations that would start their own loggers/uploads if their package were installed.
            "clearml": False,
            "comet": False,
            "dvc": False,
            "mlflow": False,
            "raytune": False,
            "tensorboard": False,
            "wandb": False,
            # Defaults derive from the git root (/work/main/runs, /work/datasets): keep them in workdir.
            "runs_dir": str(workdir / "runs"),
            "datasets_dir": str(workdir / "data"),
            "weights_dir": str(workdir / "weights"),
            "vscode_msg": False,
        }
    )
    return Path(SETTINGS_FILE)


def ensure_torchvision() -> str:
    """Make ``import torchvision`` work here; return ``"native"`` or ``"patched"``.

    The work-around itself is demo/site/yaml_hooks_torchvision.py (scripts/setup.sh also loads it
    at start-up of every .venv interpreter, so that a plain `hooks train` works on this machine).
    """
    site = str(Path(__file__).resolve().parent / "site")
    if site not in sys.path:
        sys.path.insert(0, site)
    import yaml_hooks_torchvision

    yaml_hooks_torchvision.install()
    state = yaml_hooks_torchvision.prepare()
    import torchvision  # noqa: F401  (the first import, now that it can succeed)

    return state


def is_loopback(host: object) -> bool:
    """``host`` (a name or an address) is this machine: localhost or a loopback address."""
    if not isinstance(host, str):
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def forbid_network() -> list[str]:
    """Install an audit hook that blocks and records any attempt to reach another host.

    Returns the (live) list of recorded attempts. Unix-domain sockets are local IPC and allowed, and
    so are TCP connections to this machine (127.0.0.1, ::1, localhost: a local MLflow server) and
    the look-ups of those names. Everything else, UDP to loopback included, is refused.
    The hook raises ``ConnectionRefusedError`` so the attempt fails like it would with no network.
    """
    attempts: list[str] = []

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event not in NETWORK_EVENTS:
            return
        detail = args
        if event in ("socket.connect", "socket.sendto", "socket.sendmsg") and args:
            sock = args[0]
            if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", object()):
                return
            detail = args[1:]  # args[0] is the socket object itself
            address = args[1] if len(args) > 1 else None
            if (
                event == "socket.connect"
                and getattr(sock, "type", None) == socket.SOCK_STREAM
                and isinstance(address, tuple)
                and address
                and is_loopback(address[0])
            ):
                return
        elif event in ("socket.getaddrinfo", "socket.gethostbyname") and args and is_loopback(args[0]):
            return
        attempts.append(f"{event} {detail!r}")
        raise ConnectionRefusedError(f"network access forbidden in this run: {event} {detail!r}")

    sys.addaudithook(hook)
    return attempts
