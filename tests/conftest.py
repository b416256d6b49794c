"""Shared fixtures: real stores on SQLite and on a real PostgreSQL 15 server.

The PostgreSQL server is started once per test session from the binaries on the machine,
as the ``postgres`` user when the tests run as root (PostgreSQL refuses to run as root), on
a free port with its socket in a private temporary directory, and torn down at the end.
Each test gets a fresh database cloned from a migrated template.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from crimelink.store import StoreHandle, open_store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PG_BIN_CANDIDATES = [Path("/usr/lib/postgresql/15/bin"), Path("/usr/local/pgsql/bin")]


def _pg_bin() -> Path | None:
    for candidate in PG_BIN_CANDIDATES:
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class PostgresServer:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="crimelink-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(self.bin_dir / args[0]), *args[1:]]), check=True, capture_output=True)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres").replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(sql)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL 15 binaries are required in CI")
        pytest.skip("PostgreSQL binaries not found")
    server = PostgresServer(bin_dir)
    server.start()
    try:
        server.admin("CREATE DATABASE crimelink_template")
        open_store(server.url("crimelink_template")).close()
        yield server
    finally:
        server.stop()


def _postgres_store(server: PostgresServer) -> StoreHandle:
    name = f"t_{uuid.uuid4().hex[:12]}"
    server.admin(f"CREATE DATABASE {name} TEMPLATE crimelink_template")
    return open_store(server.url(name))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreHandle]:
    """A fresh, migrated store on each backend: every test that takes it runs on both."""
    if request.param == "sqlite":
        handle = open_store(f"sqlite:///{tmp_path / 'crimelink.sqlite'}")
    else:
        handle = _postgres_store(request.getfixturevalue("postgres_server"))
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[StoreHandle]:
    handle = open_store(f"sqlite:///{tmp_path / 'crimelink.sqlite'}")
    yield handle
    handle.close()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"../shared not found beside the repository ({SHARED})"
    return SHARED
