"""Audit records derived from one A2A exchange (a proxied call, or /mcp's invoke_agent).

The proxy already parses every JSON-RPC answer and SSE event to record sessions and usage
(a2a_record.Recorder); the `AuditTap` it carries looks at the same parsed objects (no
second parse) for Bosun's DataParts (runtime/protocol.py, docs/runtime.md):

- `tool_result` -> a `tool` record (tool, status success/error/denied, sub-agent);
- the turn's usage in the final status message's metadata -> an `llm` record (model,
  tokens, number of LLM requests in the turn);
- the user's `decisions` / `answers` in the request -> one `approval` record each (and
  the approvals metric), named by the tool when this exchange shows it;
- and when the exchange ends, one `a2a` record: method, final state, tokens.

v1.0 (`{"statusUpdate": {"status": {"message": {"parts": [{"data": ...}]}}}}`) and v0.3
(`{"kind": "status-update", "status": ..., "parts": [{"kind": "data", "data": ...}]}`)
shapes alike. Bodies (prompt, answer, tool arguments and results) only when audit bodies
are on (audit.py redacts secret-looking keys even then).
"""

from __future__ import annotations

from typing import Any

from bosun.server import metrics
from bosun.server.audit import Auditor

_WRAPPERS = ("task", "message", "statusUpdate", "artifactUpdate")


def _parts(message: Any) -> list[Any]:
    parts = message.get("parts") if isinstance(message, dict) else None
    return parts if isinstance(parts, list) else []  # a caller's garbage is not a crash


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _data_parts(message: Any) -> list[dict[str, Any]]:
    out = []
    for part in _parts(message):
        data = part.get("data") if isinstance(part, dict) else None
        if isinstance(data, dict):
            out.append(data)
    return out


def _texts(message: Any) -> str:
    return "\n".join(
        p["text"] for p in _parts(message) if isinstance(p, dict) and isinstance(p.get("text"), str)
    )


def _int(usage: dict[str, Any], key: str, legacy: str) -> int | None:
    value = usage.get(key, usage.get(legacy))
    return max(0, int(value)) if isinstance(value, int | float) else None


def _state(value: Any) -> str:
    text = str(value or "")
    return text.removeprefix("TASK_STATE_").lower().replace("_", "-")


class AuditTap:
    def __init__(
        self,
        audit: Auditor,
        *,
        user: str,
        namespace: str,
        agent: str,
        method: Any,
        via: str = "proxy",
    ) -> None:
        self._audit = audit
        self._user = user
        self._namespace = namespace
        self._agent = agent
        self._method = metrics.rpc_label(method)
        self._via = via
        self._calls: dict[str, dict[str, Any]] = {}  # call id -> tool_call data
        self._done_calls: set[str] = set()
        self._decisions: dict[str, tuple[str, str | None]] = {}  # id -> decision, reason
        self._prompt = ""
        self.state = ""
        self.context_id: str | None = None
        self.task_id: str | None = None
        self.input_tokens = 0
        self.output_tokens = 0
        self._usage_seen = False
        self._finished = False

    # --- the request -------------------------------------------------------------------
    def request(self, body: Any) -> None:
        params = body.get("params") if isinstance(body, dict) else None
        message = params.get("message") if isinstance(params, dict) else None
        if not isinstance(message, dict):
            return
        self.context_id = _id(message.get("contextId")) or self.context_id
        self.task_id = _id(message.get("taskId")) or self.task_id
        self._prompt = _texts(message)
        for data in _data_parts(message):
            decisions = data.get("decisions")
            for call_id, decision in (decisions if isinstance(decisions, dict) else {}).items():
                if isinstance(decision, dict):
                    approved = decision.get("approved") is True
                    reason = decision.get("reason")
                    self._decisions[str(call_id)] = (
                        "approved" if approved else "rejected",
                        str(reason) if reason else None,
                    )
            answers = data.get("answers")
            for call_id in answers if isinstance(answers, dict) else {}:
                self._decisions[str(call_id)] = ("answered", None)

    # --- what the agent streams back ----------------------------------------------------
    def event(self, result: Any) -> None:
        if not isinstance(result, dict):
            return
        inner = result
        for key in _WRAPPERS:
            if isinstance(result.get(key), dict):
                inner = result[key]
                break
        self.context_id = _id(inner.get("contextId")) or self.context_id
        self.task_id = _id(inner.get("taskId")) or (
            _id(inner.get("id")) if "status" in inner else None
        ) or self.task_id  # fmt: skip
        status = inner.get("status")
        messages: list[Any] = []
        if isinstance(inner.get("history"), list):
            messages += inner["history"]  # a whole Task: its status messages so far
        if isinstance(status, dict):
            if status.get("state"):
                self.state = _state(status.get("state"))
            messages.append(status.get("message"))
        elif "parts" in inner and inner.get("role") not in ("ROLE_USER", "user"):
            messages.append(inner)  # a plain Message answer
        for message in messages:
            if isinstance(message, dict) and message.get("role") in ("ROLE_USER", "user"):
                continue
            for data in _data_parts(message):
                self._data(data)
        if isinstance(status, dict):
            self._usage(status.get("message"))

    def _data(self, data: dict[str, Any]) -> None:
        kind = data.get("type")
        call_id = str(data.get("id", ""))
        if kind == "tool_call" and call_id:
            self._calls[call_id] = data
        elif kind == "tool_result" and call_id and call_id not in self._done_calls:
            self._done_calls.add(call_id)
            call = self._calls.get(call_id, {})
            name = str(data.get("name") or call.get("name") or "")
            self._calls.setdefault(call_id, {"name": name})
            details: dict[str, Any] = {"call_id": call_id, "via": self._via}
            if data.get("agent"):
                details["sub_agent"] = data["agent"]
            if data.get("error"):
                details["error"] = str(data["error"])[:500]
            self._audit.record(
                kind="tool", action=name, outcome=str(data.get("status") or "success"),
                user=self._user, namespace=self._namespace, agent=self._agent, target=name,
                session_id=self.context_id, task_id=self.task_id, details=details,
                body={"arguments": call.get("arguments"), "result": data.get("result")},
            )  # fmt: skip

    def _usage(self, message: Any) -> None:
        metadata = message.get("metadata") if isinstance(message, dict) else None
        usage = metadata.get("usage") if isinstance(metadata, dict) else None
        if not isinstance(usage, dict) or self._usage_seen:
            return
        self._usage_seen = True
        tokens_in = _int(usage, "inputTokens", "input_tokens")
        tokens_out = _int(usage, "outputTokens", "output_tokens")
        self.input_tokens += tokens_in or 0
        self.output_tokens += tokens_out or 0
        model = str(usage.get("model") or "")
        self._audit.record(
            kind="llm", action="chat", outcome="failed" if self.state == "failed" else "success",
            user=self._user, namespace=self._namespace, agent=self._agent, target=model,
            session_id=self.context_id, task_id=self.task_id,
            input_tokens=tokens_in, output_tokens=tokens_out,
            details={"requests": usage.get("requests"), "model": model, "via": self._via},
            body={"answer": _texts(message)},
        )  # fmt: skip

    # --- the end -----------------------------------------------------------------------
    def finish(self, outcome: str | None = None, reason: str | None = None) -> None:
        """Write the approval and a2a records (once). `outcome` overrides the final
        state: `refused`, `unreachable`, `error_502` ..."""
        if self._finished:
            return
        self._finished = True
        for call_id, (decision, why) in self._decisions.items():
            tool = str(self._calls.get(call_id, {}).get("name", ""))
            metrics.approval(self._namespace, self._agent, decision)
            self._audit.record(
                kind="approval", action=decision, outcome=decision, user=self._user,
                namespace=self._namespace, agent=self._agent, target=tool or call_id,
                session_id=self.context_id, task_id=self.task_id,
                details={"call_id": call_id, "tool": tool or None, "via": self._via},
                body={"reason": why},
            )  # fmt: skip
        details: dict[str, Any] = {"via": self._via}
        if reason:
            details["reason"] = reason[:500]
        self._audit.record(
            kind="a2a", action=self._method, outcome=outcome or self.state or "ok",
            user=self._user, namespace=self._namespace, agent=self._agent,
            target=f"{self._namespace}/{self._agent}", session_id=self.context_id,
            task_id=self.task_id,
            input_tokens=self.input_tokens if self._usage_seen else None,
            output_tokens=self.output_tokens if self._usage_seen else None,
            details=details, body={"prompt": self._prompt},
        )  # fmt: skip
