"""The database tables (SQLAlchemy 2 declarative). One migration per change, in migrations/.

Used only by the repositories in this package. The schema must stay equal to what the
migrations build: a unit test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


# Names and ids are bounded so every column fits an index on PostgreSQL and SQLite alike.
NAME = 253
ID = 255


class AgentRow(Base):
    """Cache of Agents as the controller reconciled them (the store is the source)."""

    __tablename__ = "agents"
    namespace: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME), primary_key=True)
    agent_type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    model_config_ref: Mapped[str | None] = mapped_column(String(NAME))
    ready: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    status_message: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2048))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_updated_at", "updated_at"),)  # retention's scan
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)  # = A2A contextId
    user_id: Mapped[str] = mapped_column(String(ID), index=True)
    agent_namespace: Mapped[str | None] = mapped_column(String(63))
    agent_name: Mapped[str | None] = mapped_column(String(NAME))
    name: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        UniqueConstraint("session_id", "event_id"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("sessions.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str | None] = mapped_column(String(ID))
    type: Mapped[str] = mapped_column(String(128), default="")
    data: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskRow(Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_updated_at", "updated_at"),)  # retention's scan
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    session_id: Mapped[str | None] = mapped_column(String(ID), index=True)
    user_id: Mapped[str] = mapped_column(String(ID), index=True)
    agent_namespace: Mapped[str | None] = mapped_column(String(63))
    agent_name: Mapped[str | None] = mapped_column(String(NAME))
    state: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ToolServerRow(Base):
    __tablename__ = "toolservers"
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    namespace: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2048))
    ready: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ToolRow(Base):
    __tablename__ = "tools"
    __table_args__ = (UniqueConstraint("server_kind", "server_namespace", "server_name", "name"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    server_kind: Mapped[str] = mapped_column(String(64))
    server_namespace: Mapped[str] = mapped_column(String(63))
    server_name: Mapped[str] = mapped_column(String(NAME))
    name: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(Text, default="")


class FeedbackRow(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID), index=True)
    session_id: Mapped[str | None] = mapped_column(String(ID))
    message_id: Mapped[str | None] = mapped_column(String(ID))
    is_positive: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text, default="")
    issue_type: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageRow(Base):
    """Tokens of one turn (one LLM-backed task step) of one agent for one user."""

    __tablename__ = "usage"
    __table_args__ = (Index("ix_usage_created_at", "created_at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    agent_namespace: Mapped[str] = mapped_column(String(63))
    agent_name: Mapped[str] = mapped_column(String(NAME))
    user_id: Mapped[str] = mapped_column(String(ID))
    session_id: Mapped[str | None] = mapped_column(String(ID))
    task_id: Mapped[str | None] = mapped_column(String(ID))
    model: Mapped[str | None] = mapped_column(String(256))
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResourceRow(Base):
    """A resource or core object in local mode (the store of desired state)."""

    __tablename__ = "resources"
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    namespace: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME), primary_key=True)
    uid: Mapped[str] = mapped_column(String(64))
    api_version: Mapped[str] = mapped_column(String(128))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    body: Mapped[dict[str, Any]] = mapped_column()  # everything but metadata and status
    status: Mapped[dict[str, Any] | None] = mapped_column()
    secret_data: Mapped[bytes | None] = mapped_column(LargeBinary)  # Secrets: encrypted data
    generation: Mapped[int] = mapped_column(BigInteger, default=1)
    resource_version: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CounterRow(Base):
    """Named monotonic counters (the store's resourceVersion), bumped under a row lock."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# --- the model gateway (bosun.gateway; repository: metering.py) ---------------------------


class PolicyCounterRow(Base):
    """Tokens and requests counted for one limit of one Policy, for one subject (namespace,
    agent or user), in one fixed window. Updated with one atomic upsert per request, so
    replicas sharing the database share the budget."""

    __tablename__ = "policy_counters"
    limit_key: Mapped[str] = mapped_column(String(512), primary_key=True)  # ns/policy/limit
    subject: Mapped[str] = mapped_column(String(ID), primary_key=True)
    window_seconds: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # epoch seconds
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)


class GatewayRequestRow(Base):
    """One LLM request the model gateway forwarded (or refused): who, model, tokens."""

    __tablename__ = "gateway_requests"
    __table_args__ = (Index("ix_gateway_requests_created_at", "created_at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    agent_namespace: Mapped[str] = mapped_column(String(63))
    agent_name: Mapped[str] = mapped_column(String(NAME))
    user_id: Mapped[str] = mapped_column(String(ID))  # "" when the agent named no user
    provider: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(256))
    api: Mapped[str] = mapped_column(String(32))  # openai | anthropic
    streamed: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int] = mapped_column(Integer)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
