"""Does a tracker's server answer at all? One short request, before a client that would wait for
minutes is given the address: MLflow retries a refused connection for minutes, and ``wandb.init``
waits its ``init_timeout`` (90 s) for a server that does not answer. Either would hold a training."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["unreachable"]


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
