"""Usage repository: tokens per turn, summed by agent, namespace, user and model, and
optionally per hour or UTC day (`bucket`, for charts over time)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, literal_column, select

from bosun.server.db.engine import Database
from bosun.server.db.models import UsageRow, utcnow
from bosun.server.db.records import Usage, UsageGroup

GroupKey = Literal["namespace", "agent", "user", "model"]
Bucket = Literal["hour", "day"]
_COLUMNS: dict[str, tuple[str, ...]] = {
    "namespace": ("agent_namespace",),
    "agent": ("agent_namespace", "agent_name"),  # an agent is named within its namespace
    "user": ("user_id",),
    "model": ("model",),
}


class UsageRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self,
        *,
        agent_namespace: str,
        agent_name: str,
        user_id: str,
        input_tokens: int,
        output_tokens: int,
        model: str | None = None,
        session_id: str | None = None,
        task_id: str | None = None,
        created_at: datetime | None = None,
    ) -> Usage:
        async with self._db.write() as s:
            row = UsageRow(
                agent_namespace=agent_namespace,
                agent_name=agent_name,
                user_id=user_id,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                model=model,
                session_id=session_id,
                task_id=task_id,
                created_at=created_at or utcnow(),
            )
            s.add(row)
            await s.flush()
            return Usage.model_validate(row)

    async def record_many(self, turns: Sequence[dict[str, Any]]) -> None:
        """Record many turns (keyword arguments of `record`) in one transaction."""
        async with self._db.write() as s:
            for turn in turns:
                s.add(UsageRow(**{"created_at": utcnow(), **turn}))

    async def summary(
        self,
        *,
        group_by: Sequence[GroupKey] = ("agent",),
        since: datetime | None = None,
        until: datetime | None = None,
        namespace: str | None = None,
        agent: str | None = None,
        user_id: str | None = None,
        bucket: Bucket | None = None,
    ) -> list[UsageGroup]:
        """Totals over [since, until), one row per distinct value of the group_by keys
        (and per hour or UTC day when `bucket` is given, oldest first)."""
        names = list(dict.fromkeys(c for key in group_by for c in _COLUMNS[key]))
        columns: list[Any] = [getattr(UsageRow, n) for n in names]
        if bucket is not None:
            columns.insert(0, self._bucket(bucket))
            names.insert(0, "bucket")
        query: Any = select(
            *columns,
            func.count(UsageRow.id),
            func.coalesce(func.sum(UsageRow.input_tokens), 0),
            func.coalesce(func.sum(UsageRow.output_tokens), 0),
        )
        if since is not None:
            query = query.where(UsageRow.created_at >= since)
        if until is not None:
            query = query.where(UsageRow.created_at < until)
        if namespace is not None:
            query = query.where(UsageRow.agent_namespace == namespace)
        if agent is not None:
            query = query.where(UsageRow.agent_name == agent)
        if user_id is not None:
            query = query.where(UsageRow.user_id == user_id)
        if columns:
            query = query.group_by(*columns).order_by(*columns)
        async with self._db.sessions() as s:
            rows = (await s.execute(query)).all()
        out = []
        for row in rows:
            keys = dict(zip(names, row[: len(names)], strict=True))
            if bucket is not None:
                keys["bucket"] = _as_utc(keys["bucket"])
            turns, tokens_in, tokens_out = (int(v) for v in row[len(names) :])
            if not turns:
                continue  # the empty aggregate of "no group_by" over no rows
            out.append(
                UsageGroup(
                    **keys,
                    turns=turns,
                    input_tokens=tokens_in,
                    output_tokens=tokens_out,
                    total_tokens=tokens_in + tokens_out,
                )
            )
        return out

    def _bucket(self, size: Bucket) -> Any:
        """The start of the row's hour or day, in UTC, as the database computes it."""
        if self._db.dialect == "postgresql":
            utc = UsageRow.created_at.op("AT TIME ZONE")(literal_column("'UTC'"))
            return func.date_trunc(size, utc)
        # SQLite keeps UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' (UTCDateTime converts on write)
        pattern = "%Y-%m-%d %H:00:00" if size == "hour" else "%Y-%m-%d 00:00:00"
        return func.strftime(pattern, UsageRow.created_at)


def _as_utc(value: Any) -> datetime:
    moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
