"""Generic HTTP tools: config.json's `http_tools` (kagent.dev/v1alpha1 Tools of type http).

Built by engine.build_engine, one pydantic-ai tool per entry, with the Tool's parameters
as the JSON schema the LLM sees. A call fills the templates and makes one request:

- `{name}` in the URL is the argument's value, percent-encoded (a value cannot add path
  segments or a query); in the body it is the value, JSON-escaped when the body is JSON
  (the default content type), so it can sit inside a JSON string;
- arguments no template uses go in the query string (GET, DELETE) or as a JSON object
  body (POST, PUT, PATCH without a body template);
- headers are the literal ones plus those from env vars (`headers_from_env`, set from
  Secrets on the pod: runtime/headers.py). Header values are never logged.

The answer's body is the tool result (the truncating toolset bounds it); an HTTP error,
a timeout or an unreachable host is a tool failure the model sees, with the status.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import quote

import httpx
from pydantic_ai import Tool
from pydantic_ai.exceptions import ToolFailed
from pydantic_ai.toolsets import FunctionToolset

from bosun.api.config import HttpToolSettings
from bosun.runtime.headers import resolve_headers

log = logging.getLogger("bosun.runtime")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
ERROR_BODY_CHARS = 2000


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def fill(template: str, args: dict[str, Any], escape: Any) -> tuple[str, set[str]]:
    """The template with `{name}`s of `args` replaced by escape(value); the names used."""
    used: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in args:
            return match.group(0)
        used.add(name)
        return str(escape(_text(args[name])))

    return PLACEHOLDER.sub(replace, template), used


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower().endswith(("/json", "+json"))


def build_request(settings: HttpToolSettings, args: dict[str, Any]) -> dict[str, Any]:
    """httpx.request keyword arguments for one call (headers excluded)."""
    method = settings.method.upper()
    url, used = fill(settings.url, args, lambda v: quote(v, safe=""))
    request: dict[str, Any] = {"method": method, "url": url}
    content_type = settings.content_type or "application/json"
    if settings.body is not None:
        escape = (lambda v: json.dumps(v)[1:-1]) if _is_json(content_type) else (lambda v: v)
        body, used_in_body = fill(settings.body, args, escape)
        used |= used_in_body
        request["content"] = body.encode()
        request["headers"] = {"Content-Type": content_type}
    rest = {k: v for k, v in args.items() if k not in used}
    if rest and method in BODY_METHODS and settings.body is None:
        request["json"] = rest
    elif rest and method not in BODY_METHODS:
        request["params"] = {k: _text(v) for k, v in rest.items()}
    return request


async def call_http_tool(
    settings: HttpToolSettings, args: dict[str, Any], client: httpx.AsyncClient
) -> str:
    request = build_request(settings, args)
    headers = {**resolve_headers(settings), **request.pop("headers", {})}
    try:
        response = await client.request(**request, headers=headers, timeout=settings.timeout)
    except httpx.TimeoutException:
        raise ToolFailed(
            f"{settings.name}: {request['method']} timed out after {settings.timeout:g}s"
        ) from None
    except httpx.HTTPError as exc:
        raise ToolFailed(f"{settings.name}: {request['method']} failed: {exc}") from None
    log.info("http tool %s: %s -> %d", settings.name, request["method"], response.status_code)
    if response.status_code >= 400:
        raise ToolFailed(
            f"{settings.name}: HTTP {response.status_code} {response.reason_phrase}: "
            f"{response.text[:ERROR_BODY_CHARS]}"
        )
    return response.text


def http_toolset(tools: list[HttpToolSettings]) -> FunctionToolset[Any]:
    # One pooled client for the engine's HTTP tools, made at the first call (in the loop
    # that runs the turns): a new httpx client per call loaded the CA bundle each time.
    pool: list[httpx.AsyncClient] = []

    def make(settings: HttpToolSettings) -> Any:
        async def run(**args: Any) -> str:
            if not pool:
                pool.append(httpx.AsyncClient())
            return await call_http_tool(settings, args, pool[0])

        return run

    schema = {"type": "object", "properties": {}}
    return FunctionToolset(
        [
            Tool.from_schema(
                make(t),
                name=t.name,
                description=t.description or f"{t.method} {t.url} (Tool {t.ref})",
                json_schema=t.parameters or schema,
            )
            for t in tools
        ]
    )
