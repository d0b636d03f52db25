"""Metering repository of the model gateway: policy counters and metered LLM requests.

- `CountersRepo.add` adds through an atomic upsert (INSERT ... ON CONFLICT DO UPDATE ...
  RETURNING) on (limit, subject, window): two control-plane replicas on one PostgreSQL
  database count into the same row, so a budget holds across them. Adds are group
  committed: those that arrive while a write is in flight go together in the next
  transaction, one upsert per counter, and each caller still gets the totals just after
  its own add (as if the adds had run one by one). On SQLite every statement is a hop to
  the driver's thread, which waits for the GIL while the event loop is busy: one
  transaction per request capped the gateway near 50 limited requests/s. Implements
  `bosun.gateway.ports.Counters`.
- `GatewayRequestsRepo` keeps one row per LLM request the gateway forwarded or refused
  (namespace, agent, user, provider, model, tokens in/out, status) and sums them.
  Implements `bosun.gateway.ports.Meter`. Apart from the `usage` table on purpose: that
  one holds the runtime's per-turn totals, and adding per-request rows to it would count
  every token twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bosun.gateway.policy import Usage
from bosun.gateway.ports import MeteredRequest
from bosun.server.db.engine import Database
from bosun.server.db.models import GatewayRequestRow, PolicyCounterRow, utcnow

_CounterKey = tuple[str, str, int, int]  # limit, subject, window length, window start


@dataclass(frozen=True)
class _Add:
    key: _CounterKey
    tokens: int
    requests: int
    done: asyncio.Future[Usage]


class CountersRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[_Add] = []
        self._writer: asyncio.Task[None] | None = None

    async def add(
        self,
        limit_key: str,
        subject: str,
        window_seconds: int,
        window_start: int,
        *,
        tokens: int = 0,
        requests: int = 0,
    ) -> Usage:
        """Add to the counter (created at zero) and return its totals after the add."""
        key = (limit_key[:512], subject[:255], window_seconds, window_start)
        done: asyncio.Future[Usage] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Add(key, tokens, requests, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="policy counters")
        return await asyncio.shield(done)  # a caller that gives up does not undo its add

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                totals = await self._upsert(batch)
            except Exception as exc:  # every add of the batch fails with it
                for add in batch:
                    if not add.done.done():
                        add.done.set_exception(exc)
                continue
            # Walk back from the totals after the whole batch to each add's own totals.
            for add in reversed(batch):
                tokens, requests = totals[add.key]
                if not add.done.done():
                    add.done.set_result(Usage(tokens=tokens, requests=requests))
                totals[add.key] = (tokens - add.tokens, requests - add.requests)

    async def _upsert(self, batch: Sequence[_Add]) -> dict[_CounterKey, tuple[int, int]]:
        sums: dict[_CounterKey, tuple[int, int]] = {}
        for add in batch:
            tokens, requests = sums.get(add.key, (0, 0))
            sums[add.key] = (tokens + add.tokens, requests + add.requests)
        insert = pg_insert if self._db.dialect == "postgresql" else sqlite_insert
        table: Any = PolicyCounterRow.__table__
        totals: dict[_CounterKey, tuple[int, int]] = {}
        async with self._db.write() as s:
            for key, (tokens, requests) in sums.items():
                limit_key, subject, window_seconds, window_start = key
                statement: Any = insert(table).values(
                    limit_key=limit_key,
                    subject=subject,
                    window_seconds=window_seconds,
                    window_start=window_start,
                    tokens=tokens,
                    requests=requests,
                )
                statement = statement.on_conflict_do_update(
                    index_elements=["limit_key", "subject", "window_seconds", "window_start"],
                    set_={
                        "tokens": table.c.tokens + statement.excluded.tokens,
                        "requests": table.c.requests + statement.excluded.requests,
                    },
                ).returning(table.c.tokens, table.c.requests)
                row = (await s.execute(statement)).one()
                totals[key] = (int(row.tokens), int(row.requests))
        return totals

    async def prune(self, before: int) -> int:
        """Delete counters of windows that ended before `before` (epoch seconds)."""
        table: Any = PolicyCounterRow.__table__
        async with self._db.write() as s:
            result: Any = await s.execute(
                table.delete().where(table.c.window_start + table.c.window_seconds < before)
            )
        return int(result.rowcount or 0)


class GatewayRequestsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, rows: Sequence[MeteredRequest]) -> None:
        if not rows:
            return
        async with self._db.write() as s:
            s.add_all(
                GatewayRequestRow(
                    agent_namespace=r.namespace,
                    agent_name=r.agent,
                    user_id=r.user or "",
                    provider=r.provider,
                    model=r.model,
                    api=r.api,
                    streamed=r.streamed,
                    status_code=r.status_code,
                    input_tokens=r.input_tokens,
                    output_tokens=r.output_tokens,
                    duration_ms=r.duration_ms,
                    created_at=r.at or utcnow(),
                )
                for r in rows
            )

    async def totals(
        self, *, since: datetime | None = None, namespace: str | None = None
    ) -> list[dict[str, Any]]:
        """Requests and tokens per (namespace, agent, user, model), largest first."""
        t = GatewayRequestRow
        query = select(
            t.agent_namespace,
            t.agent_name,
            t.user_id,
            t.model,
            func.count().label("requests"),
            func.coalesce(func.sum(t.input_tokens), 0).label("input_tokens"),
            func.coalesce(func.sum(t.output_tokens), 0).label("output_tokens"),
        ).group_by(t.agent_namespace, t.agent_name, t.user_id, t.model)
        if since is not None:
            query = query.where(t.created_at >= since)
        if namespace is not None:
            query = query.where(t.agent_namespace == namespace)
        async with self._db.sessions() as s:
            rows = (await s.execute(query)).all()
        out = [
            {
                "namespace": r.agent_namespace,
                "agent": r.agent_name,
                "user": r.user_id or None,
                "model": r.model,
                "requests": int(r.requests),
                "input_tokens": int(r.input_tokens),
                "output_tokens": int(r.output_tokens),
            }
            for r in rows
        ]
        return sorted(out, key=lambda g: -(g["input_tokens"] + g["output_tokens"]))
