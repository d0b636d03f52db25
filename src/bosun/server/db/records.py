"""What the repositories return: plain pydantic records, also the REST API's response bodies.

JSON keys are snake_case (as kagent's HTTP API); resources keep their camelCase wire form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AgentRecord(Record):
    namespace: str
    name: str
    agent_type: str
    description: str = ""
    model_config_ref: str | None = None
    ready: bool = False
    accepted: bool = False
    status_message: str = ""
    url: str | None = None
    updated_at: datetime | None = None


class Session(Record):
    id: str
    user_id: str
    agent_namespace: str | None = None
    agent_name: str | None = None
    name: str | None = None
    created_at: datetime
    updated_at: datetime


class Event(Record):
    id: int
    session_id: str
    seq: int
    event_id: str | None = None
    type: str = ""
    data: dict[str, Any]
    created_at: datetime


class SessionWithEvents(Session):
    events: list[Event]


class Task(Record):
    id: str
    session_id: str | None = None
    user_id: str
    agent_namespace: str | None = None
    agent_name: str | None = None
    state: str = ""
    task: dict[str, Any] | None = Field(
        default=None, validation_alias="data", description="The A2A Task JSON"
    )
    created_at: datetime
    updated_at: datetime


class ToolServer(Record):
    kind: str
    namespace: str
    name: str
    description: str = ""
    url: str | None = None
    ready: bool = False
    updated_at: datetime | None = None


class Tool(Record):
    name: str
    description: str = ""
    server_kind: str
    server_namespace: str
    server_name: str


class Feedback(Record):
    id: int
    user_id: str
    session_id: str | None = None
    message_id: str | None = None
    is_positive: bool
    text: str = ""
    issue_type: str | None = None
    created_at: datetime


class Usage(Record):
    id: int
    agent_namespace: str
    agent_name: str
    user_id: str
    session_id: str | None = None
    task_id: str | None = None
    model: str | None = None
    input_tokens: int
    output_tokens: int
    created_at: datetime


class UsageGroup(BaseModel):
    """Token totals of one group (the keys asked for in group_by; others are null), and
    with a time bucket asked for, the start of its hour or UTC day."""

    bucket: datetime | None = None
    agent_namespace: str | None = None
    agent_name: str | None = None
    user_id: str | None = None
    model: str | None = None
    turns: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
