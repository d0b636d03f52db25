"""The in-memory record of every request the fake LLM received, with credentials redacted.

The server (bosun.mockllm.app) adds an entry when a request arrives and completes it
when the answer is chosen; tests read it through `MockLLM.requests` or
GET /_mock/requests to assert what a provider client sent (parameters, headers, paths).
Credential headers are replaced by `***` (keeping an auth scheme such as `Bearer`); a
short SHA-256 fingerprint of each lets a test check *which* key was sent without the
key ever being stored.
"""

from __future__ import annotations

import copy
import hashlib
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "x-goog-api-key",
        "cookie",
        "x-amz-security-token",
    }
)


def fingerprint(secret: str) -> str:
    """The fingerprint recorded for a credential: 12 hex digits of its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def redact_headers(headers: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """Headers with secret values masked, and the fingerprints of those secrets."""
    shown: dict[str, str] = {}
    prints: dict[str, str] = {}
    for raw_name, value in headers:
        name = raw_name.lower()
        if name in SECRET_HEADERS:
            scheme, _, secret = value.partition(" ")
            if secret and name in ("authorization", "proxy-authorization"):
                shown[name] = f"{scheme} ***"
            else:
                shown[name], secret = "***", value
            prints[name] = fingerprint(secret)
        else:
            shown[name] = value
    return shown, prints


@dataclass
class RecordedRequest:
    """One request as received, and how it was answered."""

    seq: int
    time: float
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names; credential values are "***"
    credentials: dict[str, str]  # header name -> fingerprint() of the secret
    body: Any  # the parsed JSON body, or None
    api: str | None = None  # "openai" | "anthropic" for LLM calls
    model: str | None = None
    stream: bool = False
    rule: int | None = None  # index of the rule that answered
    rule_name: str | None = None
    status: int | None = None  # None while the request is still being answered
    disconnected: bool = False  # the client went away before the answer was complete

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


KEEP = 5000
"""Requests kept: the oldest are dropped beyond this, so a long-running mock (`bosun up
--mock-llm`, a soak) does not grow without bound (bench/soak.py found it: ~9 KB each)."""


class Recorder:
    """Thread-safe list of the last `keep` RecordedRequests (the server thread writes,
    tests read)."""

    def __init__(self, keep: int = KEEP) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []
        self._seq = 0
        self._keep = keep

    def add(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: list[tuple[str, str]],
        body: Any,
    ) -> RecordedRequest:
        shown, prints = redact_headers(headers)
        with self._lock:
            self._seq += 1
            item = RecordedRequest(self._seq, time.time(), method, path, query, shown, prints, body)
            self._items.append(item)
            if len(self._items) > self._keep:
                del self._items[: len(self._items) - self._keep]
        return item

    def update(self, item: RecordedRequest, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(item, key, value)

    def snapshot(self) -> list[RecordedRequest]:
        """Copies, so a test can keep them while the server goes on recording."""
        with self._lock:
            return [copy.deepcopy(item) for item in self._items]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
