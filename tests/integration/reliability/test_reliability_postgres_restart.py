"""PostgreSQL restarted under load (docs/reliability.md, Processes).

A control plane (in-process, uvicorn on a free port) on a PostgreSQL server of its own
(`stoppable_postgres`); clients keep reading and writing sessions while the server is
stopped (`pg_ctl stop -m fast`: every connection in the pool dies) and started again on
the same port. During the gap every answer is 503 `database_unavailable`, never 500; once
PostgreSQL is back the same control plane answers again, without a restart.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_harness import control_plane

from bosun.server.db import Database

pytestmark = pytest.mark.slow  # a PostgreSQL server of its own, stopped and started


async def load(
    http: httpx.AsyncClient, seen: list[tuple[str, int, Any]], stop: asyncio.Event
) -> None:
    """Reads and writes, one after the other, until told to stop."""
    while not stop.is_set():
        session = str(uuid.uuid4())
        for method, path, body in (
            ("POST", "/api/sessions", {"id": session, "agent": "default/helper"}),
            ("GET", "/api/sessions", None),
            ("POST", f"/api/sessions/{session}/events", {"data": {"kind": "note"}}),
            ("GET", f"/api/sessions/{session}/events", None),
            ("GET", "/api/tasks", None),
        ):
            try:
                response = await http.request(method, path, json=body)
            except httpx.HTTPError as exc:  # status 0: fails the test below
                seen.append((path, 0, repr(exc)))
                continue
            seen.append((path, response.status_code, response.json()))
        await asyncio.sleep(0.01)


async def test_postgres_restart_gives_503_then_the_control_plane_recovers(
    stoppable_postgres: Any, tmp_path: Path
) -> None:
    database = await Database.open(await stoppable_postgres.new_database())
    try:
        async with control_plane(database, tmp_path) as plane:
            seen: list[tuple[str, int, Any]] = []
            stop = asyncio.Event()
            clients = [asyncio.create_task(load(plane.http, seen, stop)) for _ in range(3)]
            await asyncio.sleep(0.3)
            before = len(seen)
            await asyncio.to_thread(stoppable_postgres.stop)
            await asyncio.sleep(1.0)  # requests meet a stopped server
            during = len(seen)
            await asyncio.to_thread(stoppable_postgres.start)
            await asyncio.sleep(1.5)  # and then a started one
            stop.set()
            await asyncio.gather(*clients)

            statuses = Counter(status for _, status, _ in seen)
            # (404: a round whose session was not created in the gap)
            assert not [s for s in seen if s[1] not in (200, 201, 404, 503)], statuses
            assert all(200 <= s[1] < 300 for s in seen[:before]), statuses
            gap = [s for s in seen[before:during] if s[1] == 503]
            assert len(gap) >= 3, statuses
            body = gap[0][2]
            assert body["error"] == "database_unavailable", body
            assert "database unavailable" in body["message"], body
            assert "password" not in str(body).lower()
            # Recovered without a restart: the last round went through whole.
            assert all(200 <= s[1] < 300 for s in seen[-5:]), seen[-10:]
            session = str(uuid.uuid4())
            created = await plane.http.post("/api/sessions", json={"id": session})
            assert created.status_code == 201, created.text
            assert (await plane.http.get(f"/api/sessions/{session}")).status_code == 200
    finally:
        await database.close()


def test_only_connection_problems_are_503() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    from bosun.server.errors import database_unavailable

    duplicate = IntegrityError("INSERT ...", {}, Exception("duplicate key"))
    assert database_unavailable(duplicate) is None  # a bug or a race: stays a 500
    assert database_unavailable(ValueError("no")) is None
    assert database_unavailable(ConnectionRefusedError(111, "refused")) is None  # not the DB's
    locked = OperationalError("UPDATE ...", {}, Exception("database is locked"))
    assert database_unavailable(locked) == "the database is busy (locked)"
    lost = OperationalError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    assert database_unavailable(lost) == "the connection was lost"
