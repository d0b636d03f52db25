"""What the web UI asks the control plane for besides resources: who am I (`/api/me`, in
auth modes none and token) and token usage per hour or day (`/api/usage?bucket=`), on both
databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from server_harness import Plane, control_plane

from bosun.server.db import Database, Repositories


async def test_me_in_auth_mode_none(plane: Plane) -> None:
    me = await plane.http.get("/api/me")
    assert me.status_code == 200
    assert me.json() == {
        "user": "admin@bosun.local",
        "kind": "user",
        "groups": [],
        "admin": True,
        "roles": ["admin"],
        "auth": "none",
    }
    named = await plane.http.get("/api/me", headers={"X-Bosun-User": "alice"})
    assert (named.json()["user"], named.json()["auth"]) == ("alice", "none")


@pytest.fixture
async def token_plane(tmp_path: Path) -> AsyncIterator[Plane]:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'me.db'}")
    tokens = tmp_path / "tokens.csv"
    tokens.write_text('tok-alice,alice\ntok-bob,bob,2,"dev,ops"\n')
    try:
        async with control_plane(
            db, tmp_path, auth="token", token_file=tokens, admins=["group:ops"]
        ) as plane:
            yield plane
    finally:
        await db.close()


async def test_me_in_token_mode(token_plane: Plane) -> None:
    http = token_plane.http
    missing = await http.get("/api/me")
    assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
    assert (await http.get("/api/me", headers={"Authorization": "Bearer nope"})).status_code == 401
    alice = (await http.get("/api/me", headers={"Authorization": "Bearer tok-alice"})).json()
    assert (alice["user"], alice["groups"], alice["admin"], alice["auth"]) == (
        "alice",
        [],
        False,
        "token",
    )
    bob = (await http.get("/api/me", headers={"Authorization": "Bearer tok-bob"})).json()
    assert (bob["user"], bob["groups"], bob["admin"]) == ("bob", ["dev", "ops"], True)
    # Roles (auth/rbac.py): without BOSUN_RBAC admins are admins, everyone else a viewer.
    assert (alice["roles"], bob["roles"]) == (["viewer:*"], ["admin"])
    assert "tok-bob" not in str(bob)


async def test_usage_per_hour_and_day(plane: Plane) -> None:
    usage = Repositories.of(plane.database).usage
    turns = [
        ("helper", 10, datetime(2026, 3, 1, 10, 15, tzinfo=UTC)),
        ("helper", 20, datetime(2026, 3, 1, 10, 45, tzinfo=UTC)),
        ("writer", 5, datetime(2026, 3, 1, 10, 50, tzinfo=UTC)),
        ("helper", 1, datetime(2026, 3, 1, 11, 5, tzinfo=UTC)),
        ("helper", 2, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
    ]
    for agent, tokens, at in turns:
        await usage.record(
            agent_namespace="default",
            agent_name=agent,
            user_id="admin@bosun.local",
            input_tokens=tokens,
            output_tokens=0,
            created_at=at,
        )
    since = "2026-03-01T00:00:00+00:00"
    hourly = await plane.http.get(
        "/api/usage", params={"since": since, "group_by": "agent", "bucket": "hour"}
    )
    assert hourly.status_code == 200, hourly.text
    assert hourly.json()["bucket"] == "hour"
    rows = [(g["bucket"], g["agent_name"], g["total_tokens"]) for g in hourly.json()["groups"]]
    assert rows == [
        ("2026-03-01T10:00:00Z", "helper", 30),
        ("2026-03-01T10:00:00Z", "writer", 5),
        ("2026-03-01T11:00:00Z", "helper", 1),
        ("2026-03-02T09:00:00Z", "helper", 2),
    ]
    daily = await plane.http.get(
        "/api/usage", params={"since": since, "group_by": "namespace", "bucket": "day"}
    )
    rows = [(g["bucket"], g["agent_namespace"], g["turns"]) for g in daily.json()["groups"]]
    assert rows == [("2026-03-01T00:00:00Z", "default", 4), ("2026-03-02T00:00:00Z", "default", 1)]
    plain = (await plane.http.get("/api/usage", params={"since": since})).json()
    assert plain["bucket"] is None and [g["bucket"] for g in plain["groups"]] == [None, None]
    bad = await plane.http.get("/api/usage", params={"bucket": "week"})
    assert bad.status_code == 422 and bad.json()["field"] == "query.bucket"
