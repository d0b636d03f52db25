"""A throwaway PostgreSQL server that has pgvector, for the memory search tests.

Debian bookworm ships no `postgresql-NN-pgvector`, so the server comes from the PyPI wheel
`pgserver` (a dev dependency: PostgreSQL 16 with pgvector 0.6), started like the shared
`postgres` fixture (tests/conftest.py): initdb + pg_ctl in a temp dir on a free 127.0.0.1
port, as the `postgres` account when running as root (initdb refuses root). Import the
fixture into a test module: `from memory_pgvector_server import pgvector_postgres`.
Skipped with the reason when the wheel is missing or the server cannot start (a failure
when CI is set, as for `postgres`).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest


def _bin_dir() -> Path | None:
    # Only the wheel's bundled binaries are used (importing pgserver is not needed).
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        return None
    found = Path(spec.origin).parent / "pginstall" / "bin"
    return found if (found / "initdb").exists() and (found / "pg_ctl").exists() else None


def _unavailable(reason: str) -> NoReturn:
    """CI installs the wheel (uv sync), so there a missing server is a failure."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _reachable(bin_dir: Path, prefix: list[str], base: Path) -> Path:
    """The binaries where `postgres` can run them: the venv may sit under a folder only
    root can enter (a clone in /root), and then a copy goes into the server's temp dir."""
    probe = subprocess.run([*prefix, "test", "-x", str(bin_dir / "initdb")], timeout=30)
    if probe.returncode == 0:
        return bin_dir
    # The binaries find their libraries at $ORIGIN/../../../pgserver.libs: keep that layout.
    site = bin_dir.parents[2]
    copy = base / "site"
    shutil.copytree(site / "pgserver" / "pginstall", copy / "pgserver" / "pginstall", symlinks=True)
    shutil.copytree(site / "pgserver.libs", copy / "pgserver.libs", symlinks=True)
    return copy / "pgserver" / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgvectorServer:
    host: str
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://{self.user}@{self.host}:{self.port}/{database}"

    async def new_database(self) -> str:
        import asyncpg

        name = f"t_{uuid.uuid4().hex[:16]}"
        conn = await asyncpg.connect(
            host=self.host, port=self.port, user=self.user, database="postgres"
        )
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url(name)


@pytest.fixture(scope="session")
def pgvector_postgres() -> Iterator[PgvectorServer]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        _unavailable("the `pgserver` wheel (PostgreSQL with pgvector) is not installed: uv sync")
    base = Path(tempfile.mkdtemp(prefix="bosun-pgvector-"))
    data = base / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            _unavailable("running as root and there is no `postgres` account to run PostgreSQL")
        os.chown(base, account.pw_uid, account.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
        bin_dir = _reachable(bin_dir, prefix, base)
    port = _free_port()
    try:
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "bosun", "-A", "trust",
             "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        options = f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off"
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
             "-l", str(base / "log"), "-w", "-t", "60", "start"],
            check=True, capture_output=True, timeout=90,
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        stderr = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(base, ignore_errors=True)
        _unavailable(f"pgserver's PostgreSQL did not start: {exc} {stderr.decode()}\n{log}")
    try:
        yield PgvectorServer("127.0.0.1", port, "bosun")
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)
