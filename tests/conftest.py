"""Fixtures shared by every test area. Keep this file small; area fixtures live next to tests.

`postgres`: a throwaway PostgreSQL server for the session (per xdist worker), started with
Debian's binaries (`apt-get install postgresql`, found under /usr/lib/postgresql/*/bin) in
a temp dir on a free 127.0.0.1 port. `await postgres.new_database()` gives the URL of a
fresh, empty database. Without the binaries the tests that use it fail when CI is set, and
are skipped with a message otherwise.

`stoppable_postgres`: a server of its own for one test, which the test may `stop()`
(`pg_ctl stop -m fast`) and `start()` again on the same port and data (reliability tests).
"""

from __future__ import annotations

import glob
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

import pytest


def _pg_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
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
def postgres() -> Iterator[PostgresServer]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        message = (
            "PostgreSQL server binaries not found (install Debian's `postgresql` package: "
            "apt-get install -y postgresql)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="bosun-pg-"))
    data = base / "data"
    # initdb refuses to run as root: run the server as the `postgres` account then.
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root and there is no `postgres` user to run PostgreSQL")
        os.chown(base, account.pw_uid, account.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    run = {"check": True, "capture_output": True, "timeout": 120}
    try:
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "bosun", "-A", "trust",
             "--no-sync", "-E", "UTF8"],
            **run,
        )  # fmt: skip
        options = f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off"
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
             "-l", str(base / "log"), "-w", "-t", "60", "start"],
            **run,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr.decode()}\n{log}")
    try:
        yield PostgresServer("127.0.0.1", port, "bosun")
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class StoppablePostgres(PostgresServer):
    """A dedicated server: `stop()` (fast shutdown) and `start()` again, same port and data."""

    bin_dir: Path = Path()
    data: Path = Path()
    prefix: tuple[str, ...] = ()

    def _ctl(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*self.prefix, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        base = self.data.parent
        options = f"-h {self.host} -p {self.port} -k {base} -c fsync=off -c full_page_writes=off"
        self._ctl("-o", options, "-l", str(base / "log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")


@pytest.fixture
def stoppable_postgres() -> Iterator[StoppablePostgres]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        message = "PostgreSQL server binaries not found (apt-get install -y postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="bosun-pg-stoppable-"))
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # initdb refuses to run as root (see `postgres`)
        account = pwd.getpwnam("postgres")
        os.chown(base, account.pw_uid, account.pw_gid)
        prefix = ("runuser", "-u", "postgres", "--")
    server = StoppablePostgres("127.0.0.1", _free_port(), "bosun", bin_dir, base / "data", prefix)
    try:
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(server.data), "-U", "bosun", "-A",
             "trust", "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        server.start()
    except subprocess.CalledProcessError as exc:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr.decode()}\n{log}")
    try:
        yield server
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)
