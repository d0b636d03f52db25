"""Feedback repository: thumbs up/down on an agent's answer, with text and an issue type."""

from __future__ import annotations

import builtins

from sqlalchemy import select

from bosun.server.db.engine import Database
from bosun.server.db.models import FeedbackRow, utcnow
from bosun.server.db.records import Feedback


class FeedbackRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        user_id: str,
        *,
        is_positive: bool,
        text: str = "",
        issue_type: str | None = None,
        session_id: str | None = None,
        message_id: str | None = None,
    ) -> Feedback:
        async with self._db.write() as s:
            row = FeedbackRow(
                user_id=user_id,
                is_positive=is_positive,
                text=text,
                issue_type=issue_type,
                session_id=session_id,
                message_id=message_id,
                created_at=utcnow(),
            )
            s.add(row)
            await s.flush()
            return Feedback.model_validate(row)

    async def list(
        self, user_id: str, *, session_id: str | None = None, limit: int = 100, offset: int = 0
    ) -> builtins.list[Feedback]:
        query = select(FeedbackRow).where(FeedbackRow.user_id == user_id)
        if session_id is not None:
            query = query.where(FeedbackRow.session_id == session_id)
        query = query.order_by(FeedbackRow.id.desc()).limit(limit).offset(offset)
        async with self._db.sessions() as s:
            return [Feedback.model_validate(r) for r in (await s.scalars(query)).all()]
