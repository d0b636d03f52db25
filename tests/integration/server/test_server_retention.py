"""Data retention (server/retention.py, db/retention.py) on SQLite and PostgreSQL: rows past
their window are deleted in bounded batches, newer ones, tasks still going and metering a
live Policy window needs are kept, and the API answers as before afterwards. The clock is
passed in (`run_once(now)`); rows are written with the ages they need."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from server_harness import control_plane
from sqlalchemy import func, select

from bosun.server.db import Database
from bosun.server.db.audit import AuditRow
from bosun.server.db.models import (
    EventRow,
    GatewayRequestRow,
    PolicyCounterRow,
    SessionRow,
    TaskRow,
    UsageRow,
)
from bosun.server.retention import DAY, Retention, Windows

NOW = time.time()
USER = "admin@bosun.local"  # auth mode none


def ago(days: float) -> datetime:
    return datetime.fromtimestamp(NOW, UTC) - timedelta(days=days)


async def add(database: Database, *rows: Any) -> None:
    async with database.write() as s:
        for row in rows:  # in order: a session before its events
            s.add(row)
            await s.flush()


async def count(database: Database, model: Any) -> int:
    async with database.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def ids(database: Database, column: Any) -> set[Any]:
    async with database.sessions() as s:
        return set((await s.execute(select(column))).scalars())


def audit(n: int, days: float) -> AuditRow:
    return AuditRow(
        at=ago(days), kind="a2a", action=f"call-{n}", outcome="ok", user_id=USER,
        namespace="default", agent="helper", target="", details={},
    )  # fmt: skip


def request(days: float) -> GatewayRequestRow:
    return GatewayRequestRow(
        agent_namespace="default", agent_name="helper", user_id=USER, provider="openai",
        model="m", api="openai", status_code=200, created_at=ago(days),
    )  # fmt: skip


def usage(days: float) -> UsageRow:
    return UsageRow(
        agent_namespace="default", agent_name="helper", user_id=USER, input_tokens=1,
        output_tokens=1, created_at=ago(days),
    )  # fmt: skip


def counter(limit: str, window: int, start: float) -> PolicyCounterRow:
    return PolicyCounterRow(
        limit_key=limit, subject="default", window_seconds=window, window_start=int(start),
        tokens=5, requests=1,
    )  # fmt: skip


def task(task_id: str, state: str, days: float, session: str | None = None) -> TaskRow:
    return TaskRow(
        id=task_id, session_id=session, user_id=USER, agent_namespace="default",
        agent_name="helper", state=state, data={"id": task_id}, created_at=ago(days + 1),
        updated_at=ago(days),
    )  # fmt: skip


def session(session_id: str, days: float, events: int = 2) -> list[Any]:
    rows: list[Any] = [
        SessionRow(id=session_id, user_id=USER, created_at=ago(days), updated_at=ago(days))
    ]
    rows += [
        EventRow(session_id=session_id, seq=i + 1, type="message", data={"i": i},
                 created_at=ago(days))
        for i in range(events)
    ]  # fmt: skip
    return rows


def deleted_metric(table: str) -> float:
    return REGISTRY.get_sample_value("bosun_retention_deleted_total", {"table": table}) or 0.0


async def test_rows_past_their_window_go_and_newer_ones_stay(database: Database) -> None:
    await add(database, audit(1, 91), audit(2, 89), request(401), request(399))
    await add(database, usage(401), usage(10))
    await add(
        database,
        task("old-done", "completed", 40, "s-old"),
        task("old-failed", "TASK_STATE_FAILED", 40),
        task("new-done", "completed", 5),
        task("old-working", "TASK_STATE_WORKING", 400, "s-busy"),  # never, however old
        task("old-input", "input-required", 400),
        task("old-submitted", "", 400),
        *session("s-old", 40, events=3),
        *session("s-busy", 400),  # its task is still going
        *session("s-recent-task", 40),
        task("recent", "completed", 1, "s-recent-task"),  # activity in it since
        *session("s-new", 5),
    )
    before = deleted_metric("audit")
    retention = Retention(database, Windows(audit_days=90, metering_days=400, task_days=30))

    deleted = await retention.run_once(NOW)

    assert deleted["audit"] == 1 and await ids(database, AuditRow.action) == {"call-2"}
    assert deleted["gateway_requests"] == 1 and await count(database, GatewayRequestRow) == 1
    assert deleted["usage"] == 1 and await count(database, UsageRow) == 1
    assert await ids(database, TaskRow.id) == {
        "new-done", "old-working", "old-input", "old-submitted", "recent",
    }  # fmt: skip
    assert await ids(database, SessionRow.id) == {"s-busy", "s-recent-task", "s-new"}
    assert await ids(database, EventRow.session_id) == {"s-busy", "s-recent-task", "s-new"}
    assert deleted["tasks"] == 2 and deleted["sessions"] == 1 and deleted["events"] == 3
    assert deleted_metric("audit") == before + 1
    # A second pass (or a second replica's) finds nothing more.
    assert not any((await retention.run_once(NOW)).values())


async def test_keep_forever_and_tasks_by_default(database: Database) -> None:
    await add(database, audit(1, 1000), request(1000), task("t", "completed", 1000, "s"))
    await add(database, *session("s", 1000))
    deleted = await Retention(database, Windows(audit_days=0, metering_days=0)).run_once(NOW)
    assert deleted == {}
    deleted = await Retention(database, Windows()).run_once(NOW)  # the defaults: 90/400/0
    assert deleted == {"audit": 1, "gateway_requests": 1, "policy_counters": 0, "usage": 0}
    assert await count(database, TaskRow) == 1 and await count(database, EventRow) == 2


async def test_metering_a_live_policy_window_needs_stays(database: Database) -> None:
    month = 31 * DAY  # the longest window a Policy may use (gateway/policy.py MAX_WINDOW)
    await add(
        database,
        counter("ns/p/month", month, NOW - 30 * DAY),  # live: resets tomorrow
        counter("ns/p/week", 7 * DAY, NOW - 27 * DAY),  # ended 20 days ago
        counter("ns/p/day", DAY, NOW - 41 * DAY),  # ended 40 days ago
        counter("ns/p/old-month", month, NOW - 70 * DAY),  # ended 39 days ago
        request(20),
        request(40),
    )
    # metering_days=1 asks for less than the longest window: 31 days are kept anyway.
    deleted = await Retention(database, Windows(metering_days=1)).run_once(NOW)
    assert await ids(database, PolicyCounterRow.limit_key) == {"ns/p/month", "ns/p/week"}
    assert deleted["policy_counters"] == 2 and deleted["gateway_requests"] == 1
    assert await count(database, GatewayRequestRow) == 1


async def test_batches_are_bounded_and_the_pass_prunes_everything(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await add(database, *(audit(i, 100) for i in range(23)), audit(99, 1))
    await add(database, *(task(f"t{i}", "completed", 40) for i in range(12)))
    for i in range(4):  # 4 sessions of 9 events: more than a batch each
        await add(database, *session(f"s{i}", 40, events=9))
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            statements.append(statement)

    from sqlalchemy import event

    event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
    try:
        with caplog.at_level(logging.INFO, logger="bosun.server"):
            deleted = await Retention(database, Windows(task_days=30), batch=5).run_once(NOW)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", seen)
    assert deleted["audit"] == 23 and await ids(database, AuditRow.action) == {"call-99"}
    assert deleted["tasks"] == 12 and deleted["events"] == 36 and deleted["sessions"] == 4
    assert await count(database, EventRow) == 0 and await count(database, SessionRow) == 0
    assert len([s for s in statements if "audit" in s]) == 5  # 5+5+5+5+3
    assert all("LIMIT" in s.upper() for s in statements if "audit" in s or "tasks" in s)
    assert "retention: audit pass deleted 23 audit" in caplog.text


async def test_two_replicas_at_once_delete_each_row_once(database: Database) -> None:
    await add(database, *(audit(i, 100) for i in range(40)))
    await add(database, *(task(f"t{i}", "canceled", 40, f"s{i}") for i in range(10)))
    for i in range(10):
        await add(database, *session(f"s{i}", 40, events=3))
    windows = Windows(task_days=30)
    one, two = await asyncio.gather(
        Retention(database, windows, batch=4).run_once(NOW),
        Retention(database, windows, batch=4).run_once(NOW),
    )
    # Either may stop early when the other took its rows; what is left, a next pass takes.
    await Retention(database, windows, batch=4).run_once(NOW)
    assert await count(database, AuditRow) == 0 and await count(database, EventRow) == 0
    assert await count(database, TaskRow) == 0 and await count(database, SessionRow) == 0
    assert one["audit"] + two["audit"] <= 40 and one["events"] + two["events"] <= 30


async def test_a_failed_pass_is_logged_and_the_others_run(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await add(database, audit(1, 100), request(500))
    retention = Retention(database, Windows())

    async def broken(cutoff: datetime) -> int:
        raise RuntimeError("database is locked")

    retention.repo.audit_before = broken  # type: ignore[method-assign]
    deleted = await retention.run_once(NOW)
    assert "audit" not in deleted and deleted["gateway_requests"] == 1
    assert "the audit pass failed; retried at the next interval" in caplog.text
    assert await count(database, AuditRow) == 1


@pytest.mark.slow  # runs the control plane
async def test_the_control_plane_prunes_on_a_schedule_and_answers(
    database: Database, tmp_path: Path
) -> None:
    await add(database, audit(1, 200), audit(2, 1), task("old", "completed", 60, "s-old"))
    await add(database, task("going", "working", 60), task("new", "completed", 1))
    await add(database, *session("s-old", 60))
    async with control_plane(
        database, tmp_path, task_retention_days=30, retention_interval_seconds=0.2
    ) as plane:
        deadline = time.monotonic() + 10
        while await count(database, AuditRow) != 1 or await count(database, TaskRow) != 2:
            assert time.monotonic() < deadline, "the retention pass did not run"
            await asyncio.sleep(0.05)
        await add(database, audit(3, 300))  # a later tick takes this one too
        while await count(database, AuditRow) != 1:
            assert time.monotonic() < deadline, "no later retention pass"
            await asyncio.sleep(0.05)
        tasks = await plane.http.get("/api/tasks")
        assert tasks.status_code == 200, tasks.text
        assert {t["id"] for t in tasks.json()} == {"going", "new"}
        records = await plane.http.get("/api/audit", params={"kind": "a2a"})
        assert records.status_code == 200, records.text
        assert [r["action"] for r in records.json()] == ["call-2"]
        sessions = await plane.http.get("/api/sessions")
        assert sessions.status_code == 200 and sessions.json() == []
