"""A real PostgreSQL for the team-server tests: ``pgserver`` (PostgreSQL's own binaries in a pip
wheel) started in a folder of the test's, reached through its Unix socket in that folder (no TCP
port at all), stopped by the test that started it. An MLflow server on it is
``MlflowServer(folder, backend=PostgresServer(...).mlflow_uri("mlflow"), workers=N)``."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

__all__ = ["PostgresServer"]


class PostgresServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._server: Any = None

    def start(self) -> PostgresServer:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset on CI machines
            import pgserver

            self.folder.mkdir(parents=True, exist_ok=True)
            self._server = pgserver.get_server(self.folder, cleanup_mode="stop")
        return self

    def create_database(self, name: str) -> None:
        """A fresh database ``name`` (dropped first if a previous run left it)."""
        self.psql(f'DROP DATABASE IF EXISTS "{name}";')
        self.psql(f'CREATE DATABASE "{name}";')

    def psql(self, sql: str) -> str:
        assert self._server is not None, "start() first"
        return str(self._server.psql(sql))

    def mlflow_uri(self, database: str) -> str:
        """The SQLAlchemy URI MLflow's server takes (``--backend-store-uri``), over the socket."""
        return f"postgresql+psycopg://postgres:@/{database}?host={self.folder}"

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
