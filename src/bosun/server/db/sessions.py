"""Sessions repository: conversations (id = A2A contextId) and their ordered events.

Every read and write takes a `scope`: the user whose sessions the caller may see, or None
for trusted callers (agents persisting for whichever user they serve). A session outside
the scope is reported as not found (never "forbidden"), so other users' ids cannot be
probed.
"""

from __future__ import annotations

import builtins
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bosun.server.db.engine import Database, retry_on_integrity
from bosun.server.db.models import EventRow, SessionRow, utcnow
from bosun.server.db.records import Event, Session
from bosun.server.errors import AlreadyExists, NotFoundError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionClaim:
    """A session to record for `user_id`, unless it exists outside `scope`."""

    user_id: str
    session_id: str
    agent_namespace: str | None = None
    agent_name: str | None = None
    scope: str | None = None


UNOWNED = ""
"""Owner of what an agent recorded before anyone said whose it is (the proxy's claim is
written behind). The first user-scoped write adopts it; until then only trusted callers
see it."""


def _not_found(session_id: str) -> NotFoundError:
    return NotFoundError(f"session {session_id!r} not found", "session_id")


class SessionsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _owned(self, s: AsyncSession, scope: str | None, session_id: str) -> SessionRow:
        row = await s.get(SessionRow, session_id)
        if row is None or (scope is not None and row.user_id != scope):
            raise _not_found(session_id)
        return row

    async def create(
        self,
        user_id: str,
        *,
        session_id: str | None = None,
        agent_namespace: str | None = None,
        agent_name: str | None = None,
        name: str | None = None,
        scope: str | Literal[True] | None = True,
    ) -> tuple[Session, bool]:
        """Create a session owned by `user_id`, or return the existing one with that id
        when it is within `scope` (default: the owner's own sessions).

        Idempotent so that the proxy and the agent runtime can both record a contextId.
        Returns (session, created). An id outside the scope is a conflict.
        """
        sid = session_id or str(uuid.uuid4())
        visible = user_id if scope is True else scope

        async def attempt() -> tuple[Session, bool]:
            return await self._create(user_id, visible, sid, agent_namespace, agent_name, name)

        return await retry_on_integrity(attempt)

    async def _create(
        self,
        user_id: str,
        scope: str | None,
        session_id: str,
        agent_namespace: str | None,
        agent_name: str | None,
        name: str | None,
    ) -> tuple[Session, bool]:
        async with self._db.write() as s:
            row, created = await self._create_in(
                s, user_id, scope, session_id, agent_namespace, agent_name, name
            )
            return Session.model_validate(row), created

    async def _create_in(
        self,
        s: AsyncSession,
        user_id: str,
        scope: str | None,
        session_id: str,
        agent_namespace: str | None,
        agent_name: str | None,
        name: str | None,
    ) -> tuple[SessionRow, bool]:
        claim = SessionClaim(user_id, session_id, agent_namespace, agent_name, scope)
        row, created = self._claim(s, await s.get(SessionRow, session_id), claim, name)
        await s.flush()
        return row, created

    @staticmethod
    def _claim(
        s: AsyncSession, row: SessionRow | None, c: SessionClaim, name: str | None = None
    ) -> tuple[SessionRow, bool]:
        """Create the session, or fill in what an earlier, less informed writer did not
        know (checks come before any change)."""
        if row is not None:
            if row.user_id == UNOWNED and c.user_id != UNOWNED:
                row.user_id = c.user_id  # an agent recorded it first; its user adopts it
            elif c.scope is not None and row.user_id != c.scope:
                raise AlreadyExists(f"session id {c.session_id!r} is taken", "id")
            if row.agent_name is None and c.agent_name is not None:
                row.agent_namespace, row.agent_name = c.agent_namespace, c.agent_name
            if row.name is None and name is not None:
                row.name = name
            return row, False
        now = utcnow()
        row = SessionRow(
            id=c.session_id,
            user_id=c.user_id,
            agent_namespace=c.agent_namespace,
            agent_name=c.agent_name,
            name=name,
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        return row, True

    async def create_many(self, claims: builtins.list[SessionClaim]) -> None:
        """Record many sessions in one transaction with one read (the proxy's
        write-behind). A claim outside its scope is skipped (logged); a race with another
        writer retries the claims one by one."""
        try:
            async with self._db.write() as s:
                ids = {c.session_id for c in claims}
                found = await s.scalars(select(SessionRow).where(SessionRow.id.in_(ids)))
                rows: dict[str, SessionRow] = {r.id: r for r in found.all()}
                for c in claims:
                    try:
                        rows[c.session_id], _ = self._claim(s, rows.get(c.session_id), c)
                    except AlreadyExists:
                        log.warning(
                            "session %s belongs to another user; not recorded", c.session_id
                        )
        except IntegrityError:
            for c in claims:
                try:
                    await self.create(
                        c.user_id, session_id=c.session_id, agent_namespace=c.agent_namespace,
                        agent_name=c.agent_name, scope=c.scope,
                    )  # fmt: skip
                except AlreadyExists:
                    log.warning("session %s belongs to another user; not recorded", c.session_id)

    async def get(self, scope: str | None, session_id: str) -> Session:
        async with self._db.sessions() as s:
            return Session.model_validate(await self._owned(s, scope, session_id))

    async def list(
        self,
        scope: str | None,
        *,
        agent_namespace: str | None = None,
        agent_name: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Session]:
        query = select(SessionRow)
        if scope is not None:
            query = query.where(SessionRow.user_id == scope)
        if agent_namespace is not None:
            query = query.where(SessionRow.agent_namespace == agent_namespace)
        if agent_name is not None:
            query = query.where(SessionRow.agent_name == agent_name)
        query = query.order_by(SessionRow.updated_at.desc(), SessionRow.id)
        async with self._db.sessions() as s:
            rows = (await s.scalars(query.limit(limit).offset(offset))).all()
            return [Session.model_validate(r) for r in rows]

    async def rename(self, scope: str | None, session_id: str, name: str) -> Session:
        async with self._db.write() as s:
            row = await self._owned(s, scope, session_id)
            row.name = name
            row.updated_at = utcnow()
            await s.flush()
            return Session.model_validate(row)

    async def delete(self, scope: str | None, session_id: str) -> None:
        async with self._db.write() as s:
            await self._owned(s, scope, session_id)
            # Explicit rather than relying on ON DELETE CASCADE being enabled.
            await s.execute(delete(EventRow).where(EventRow.session_id == session_id))
            await s.execute(delete(SessionRow).where(SessionRow.id == session_id))

    async def add_event(
        self,
        scope: str | None,
        session_id: str,
        data: dict[str, Any],
        *,
        type: str = "",
        event_id: str | None = None,
    ) -> tuple[Event, bool]:
        """Append an event; returns (event, created). A repeated event_id is not re-added."""
        async with self._db.write() as s:
            # Touch the session first: the write lock (row lock on PostgreSQL, the database
            # write lock on SQLite) serialises appends, so seq numbers never collide.
            where = [SessionRow.id == session_id]
            if scope is not None:
                where.append(SessionRow.user_id == scope)
            touched = await s.execute(update(SessionRow).where(*where).values(updated_at=utcnow()))
            if not touched.rowcount:  # type: ignore[attr-defined]
                raise _not_found(session_id)
            if event_id is not None:
                existing = await s.scalar(
                    select(EventRow).where(
                        EventRow.session_id == session_id, EventRow.event_id == event_id
                    )
                )
                if existing is not None:
                    return Event.model_validate(existing), False
            last = await s.scalar(
                select(func.max(EventRow.seq)).where(EventRow.session_id == session_id)
            )
            row = EventRow(
                session_id=session_id,
                seq=(last or 0) + 1,
                event_id=event_id,
                type=type,
                data=data,
                created_at=utcnow(),
            )
            s.add(row)
            await s.flush()
            return Event.model_validate(row), True

    async def owner(self, session_id: str) -> str | None:
        """Who owns the session (None if there is none): for trusted writers."""
        async with self._db.sessions() as s:
            row = await s.get(SessionRow, session_id)
            return row.user_id if row else None

    async def events(
        self, scope: str | None, session_id: str, *, after: int = 0, limit: int = 1000
    ) -> builtins.list[Event]:
        """Events in order of seq, those after seq `after` (0: from the start)."""
        async with self._db.sessions() as s:
            await self._owned(s, scope, session_id)
            rows = await s.scalars(
                select(EventRow)
                .where(EventRow.session_id == session_id, EventRow.seq > after)
                .order_by(EventRow.seq)
                .limit(limit)
            )
            return [Event.model_validate(r) for r in rows.all()]
