"""Audit repository: the `audit` table (who did what to which agent, with what outcome).

Written in batches by the write-behind (record_writer.py) through `bosun.server.audit`;
read by GET /api/audit (routes/audit.py). The table lives here rather than in models.py so
that the audit log is one module; it is on the same `Base`, so migrations and the
models-equal-migrations test see it (bosun.server.db imports this module).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import BigInteger, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from bosun.server.db.engine import Database
from bosun.server.db.models import ID, NAME, Base, utcnow


class AuditRow(Base):
    """One audited action: an LLM call, tool call, A2A call, approval or resource change."""

    __tablename__ = "audit"
    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_kind_at", "kind", "at"),
        Index("ix_audit_user_id_at", "user_id", "at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(NAME))
    outcome: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(ID))
    namespace: Mapped[str] = mapped_column(String(63))
    agent: Mapped[str] = mapped_column(String(NAME))
    target: Mapped[str] = mapped_column(String(512))
    session_id: Mapped[str | None] = mapped_column(String(ID))
    task_id: Mapped[str | None] = mapped_column(String(ID))
    input_tokens: Mapped[int | None] = mapped_column(BigInteger)
    output_tokens: Mapped[int | None] = mapped_column(BigInteger)
    details: Mapped[dict[str, Any]] = mapped_column()


class AuditRecord(BaseModel):
    """An audit record as GET /api/audit returns it (and as the JSON lines show it)."""

    model_config = ConfigDict(from_attributes=True)

    id: int | None = None
    at: datetime
    kind: str
    action: str
    outcome: str
    user_id: str
    namespace: str = ""
    agent: str = ""
    target: str = ""
    session_id: str | None = None
    task_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    details: dict[str, Any] = {}


_FIELDS = tuple(AuditRecord.model_fields)


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_many(self, records: Sequence[AuditRecord]) -> None:
        async with self._db.write() as s:
            for record in records:
                s.add(AuditRow(**record.model_dump(exclude={"id"})))

    async def query(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        kind: str | None = None,
        user_id: str | None = None,
        namespace: str | None = None,
        agent: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AuditRecord]:
        """Newest first, within [since, until)."""
        query: Any = select(AuditRow)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        if until is not None:
            query = query.where(AuditRow.at < until)
        if kind is not None:
            query = query.where(AuditRow.kind == kind)
        if user_id is not None:
            query = query.where(AuditRow.user_id == user_id)
        if namespace is not None:
            query = query.where(AuditRow.namespace == namespace)
        if agent is not None:
            query = query.where(AuditRow.agent == agent)
        query = query.order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit).offset(offset)
        async with self._db.sessions() as s:
            rows = (await s.execute(query)).scalars().all()
        return [AuditRecord.model_validate(row) for row in rows]
