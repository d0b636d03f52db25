"""Metering repository of the model gateway: policy counters and metered LLM requests.

- `CountersRepo.add` is one atomic upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING)
  on (limit, subject, window): two control-plane replicas on one PostgreSQL database
  count into the same row, so a budget holds across them. Implements
  `bosun.gateway.ports.Counters`.
- `GatewayRequestsRepo` keeps one row per LLM request the gateway forwarded or refused
  (namespace, agent, user, provider, model, tokens in/out, status) and sums them.
  Implements `bosun.gateway.ports.Meter`. Apart from the `usage` table on purpose: that
  one holds the runtime's per-turn totals, and adding per-request rows to it would count
  every token twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bosun.gateway.policy import Usage
from bosun.gateway.ports import MeteredRequest
from bosun.server.db.engine import Database
from bosun.server.db.models import GatewayRequestRow, PolicyCounterRow, utcnow


class CountersRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

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
        insert = pg_insert if self._db.dialect == "postgresql" else sqlite_insert
        table: Any = PolicyCounterRow.__table__
        statement: Any = insert(table).values(
            limit_key=limit_key[:512],
            subject=subject[:255],
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
        async with self._db.write() as s:
            row = (await s.execute(statement)).one()
        return Usage(tokens=int(row.tokens), requests=int(row.requests))

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
