"""The audit log: who did what to which agent, with what outcome and how many tokens.

One record per LLM turn (`llm`; per LLM call when the gateway forwards it), tool call
(`tool`), A2A call (`a2a`, through the proxy or /mcp), approval decision (`approval`) and
resource change (`resource`, including refused attempts). Each is written as one JSON
line to stdout and/or a file (BOSUN_AUDIT_STDOUT, BOSUN_AUDIT_FILE) and to the `audit`
table (db/audit.py, read by GET /api/audit), in batches by the write-behind
(record_writer.py): recording on a request path is building a small object and a queue put.

Never in a record: secrets, tokens, prompts, answers or tool arguments/results — unless
BOSUN_AUDIT_BODIES=true, and even then values under secret-looking keys (apiKey, token,
password, authorization, secret ...) are replaced by "[redacted]".

Where records come from (audit_tap.py): the control plane derives the agent-side events
(LLM turns, tool calls, approvals) from the A2A traffic it already parses for sessions and
usage, instead of a new runtime -> control plane call: no extra hop, no trust in what an
agent reports about itself beyond what it streams to its user.

The model gateway's records (one `llm` record per request it answers, forwarded or
refused, action `gateway.<api>`) come through its audit port, which
server/governance.py `gateway_audit` maps onto `Auditor.record(kind=..., action=...,
outcome=..., user=..., namespace=..., agent=..., target=..., input_tokens=...,
output_tokens=..., details=...)`; it never raises and never blocks.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bosun.server.auth.base import User
from bosun.server.auth.rbac import require_change
from bosun.server.db import Repositories
from bosun.server.db.audit import AuditRecord
from bosun.server.db.models import utcnow
from bosun.server.errors import Forbidden
from bosun.server.settings import Settings
from bosun.telemetry import controlplane as metrics

if TYPE_CHECKING:
    from bosun.server.context import Context

log = logging.getLogger(__name__)

KINDS = ("llm", "tool", "a2a", "approval", "resource")
SECRET_KEYS = ("apikey", "api_key", "token", "password", "passwd", "secret", "authorization",
               "cookie", "credential", "private_key", "privatekey")  # fmt: skip
REDACTED = "[redacted]"
MAX_TEXT = 4096  # a body field longer than this is cut (bodies on)


def redact(value: Any, depth: int = 0) -> Any:
    """A copy with values under secret-looking keys replaced, long texts cut."""
    if depth > 8:
        return "..."
    if isinstance(value, Mapping):
        out = {}
        for key, inner in value.items():
            lowered = str(key).lower().replace("-", "_")
            if lowered.endswith(SECRET_KEYS):  # `token`, `x_api_key`, not `input_tokens`
                out[str(key)] = REDACTED
            else:
                out[str(key)] = redact(inner, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [redact(v, depth + 1) for v in value[:100]]
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "..."
    return value


class Auditor:
    """Builds records and hands them to the write-behind; `write` is its batch handler."""

    def __init__(self, settings: Settings, repos: Repositories | None = None) -> None:
        self.bodies = settings.audit_bodies
        self._stdout = settings.audit_to_stdout
        self._path: Path | None = settings.audit_file
        self._file: IO[str] | None = None
        self._repos = repos
        self._submit: Any = None  # RecordWriter.submit once started

    def start(self, writer: Any) -> None:
        """Route records through `writer` (a RecordWriter) from now on."""
        writer.handlers[AuditRecord] = self.write
        self._submit = writer.submit
        if self._path is not None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self._path.open("a", encoding="utf-8", buffering=1)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def record(
        self,
        *,
        kind: str,
        action: str,
        outcome: str,
        user: str,
        namespace: str = "",
        agent: str = "",
        target: str = "",
        session_id: str | None = None,
        task_id: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        details: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue one record. `body` (prompt, arguments, results) is kept only when
        BOSUN_AUDIT_BODIES is on; `details` must hold no content (ids, counts, names)."""
        extra: dict[str, Any] = redact(dict(details)) if details else {}
        if body and self.bodies:
            extra["body"] = redact(dict(body))
        # model_construct: the fields are ours and typed; validation would triple the cost
        # on the proxy's request path.
        record = AuditRecord.model_construct(
            id=None,
            at=utcnow(),
            kind=kind[:32],
            action=action[:253],
            outcome=outcome[:64],
            user_id=user[:255],
            namespace=namespace[:63],
            agent=agent[:253],
            target=target[:512],
            session_id=session_id[:255] if session_id else None,
            task_id=task_id[:255] if task_id else None,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            details=extra,
        )
        metrics.audit_records.get(record.kind, record.outcome).inc()
        if self._submit is None:
            log.warning("audit record before start dropped: %s %s", kind, action)
            return
        self._submit(record)

    async def write(self, records: list[AuditRecord]) -> None:
        """The write-behind's handler: JSON lines first (they survive a database outage),
        then the table."""
        if self._stdout or self._file is not None:
            lines = "".join(
                json.dumps({"audit": True, **r.model_dump(mode="json", exclude={"id"})}) + "\n"
                for r in records
            )
            if self._stdout:
                sys.stdout.write(lines)
                sys.stdout.flush()
            if self._file is not None:
                self._file.write(lines)
        if self._repos is not None:
            await self._repos.audit.record_many(records)


def resource_change(
    audit: Auditor,
    user: str,
    action: str,
    kind: str,
    namespace: str,
    name: str,
    outcome: str = "success",
    reason: str | None = None,
) -> None:
    """A create, update, apply or delete of a resource (or an attempt refused)."""
    audit.record(
        kind="resource",
        action=action,
        outcome=outcome,
        user=user,
        namespace=namespace,
        target=f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}",
        details={"reason": reason} if reason else None,
    )


def authorize_change(
    ctx: Context, user: User, action: str, kind: str, namespace: str, name: str
) -> None:
    """The role check of a resource-changing route (auth/rbac.py): 403 naming the role and
    namespace needed, and the refused attempt in the audit log."""
    try:
        require_change(user, kind, namespace, f"{kind} {namespace}/{name}")
    except Forbidden as exc:
        resource_change(ctx.audit, user.id, action, kind, namespace, name, "forbidden",
                        exc.message)  # fmt: skip
        raise


def changed(ctx: Context, user: User, action: str, kind: str, namespace: str, name: str) -> None:
    """A resource-changing route succeeded."""
    resource_change(ctx.audit, user.id, action, kind, namespace, name)
