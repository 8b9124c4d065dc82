"""Does a tracker's server answer at all? One short request, before a client that would wait for
minutes is given the address: MLflow retries a refused connection for minutes, and ``wandb.init``
waits its ``init_timeout`` (90 s) for a server that does not answer. Either would hold a training."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit, urlunsplit

from ..core.masking import mask_uri
from ..log import logger

__all__ = ["PROBE_SECONDS", "offline_instead", "unreachable"]

PROBE_SECONDS: Final = 3.0  # the most a run's start waits to learn that its tracker's server does not answer


def offline_instead(tracker: str, url: str, wait: str, sync: str) -> bool:
    """Whether a run about to open on the server at ``url`` should log offline instead: True, with
    one warning, when the server does not answer within PROBE_SECONDS (``wait``: the client's wait
    that would hold the training; ``sync``: the command that uploads the offline run later)."""
    reason = unreachable(url, PROBE_SECONDS)
    if reason is None:
        return False
    logger.warning(
        "%s: %s does not answer (%s): logging offline instead, so that %s does not hold the training; `%s` uploads "
        "the run later",
        tracker,
        mask_uri(url),
        reason,
        wait,
        sync,
    )
    return True


def unreachable(url: str, timeout: float, path: str = "") -> str | None:
    """Why ``url`` + ``path`` answers nothing at all, found within ``timeout``; None when it answers,
    even with an error (a server that asks for a login has answered), or when only the client can
    tell (not http(s), a TLS set-up of its own). A URL's ``user:password@`` is left out of the
    probe: urllib would take it for part of the host name."""
    if not url.startswith(("http://", "https://")):
        return None
    import socket
    import urllib.error
    import urllib.request  # here: a config's load imports no HTTP client (tests/acceptance/test_import.py)

    parts = urlsplit(url)
    bare = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    try:
        with urllib.request.urlopen(f"{bare.rstrip('/')}{path}", timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None  # it answered
    except urllib.error.URLError as e:
        reason = e.reason
        return str(reason) if isinstance(reason, (ConnectionError, TimeoutError, socket.gaierror)) else None
    except (ConnectionError, TimeoutError) as e:
        return str(e) or type(e).__name__
    except (OSError, ValueError):
        return None
