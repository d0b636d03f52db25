"""The fake LLM's HTTP server: a Starlette app speaking OpenAI and Anthropic.

Built by `create_app(state)`; run by the harness (bosun.mockllm.harness) in a background
thread for tests, or in the foreground by `bosun mockllm`. Each LLM request is recorded,
turned into a Conversation, answered by the first matching rule of the script, and
logged in one line on the `bosun.mockllm` logger.

Routes: POST /v1/chat/completions (also /chat/completions, /openai/v1/chat/completions and
Azure's /openai/deployments/{deployment}/chat/completions?api-version=...), POST /v1/messages,
POST /v1/messages/count_tokens, POST /v1/embeddings (embeddings.py), GET /v1/models[/{id}],
GET /health, and the control routes
GET|DELETE /_mock/requests and GET|PUT /_mock/script.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from bosun.mockllm import anthropic_wire, openai_wire
from bosun.mockllm.conversation import Api, BadRequest, Conversation, from_anthropic, from_openai
from bosun.mockllm.embeddings import embeddings_route
from bosun.mockllm.engine import RuleBook, estimate_tokens, plan_reply
from bosun.mockllm.recorder import RecordedRequest, Recorder
from bosun.mockllm.script import MockScriptError, Rule, load_script

log = logging.getLogger("bosun.mockllm")

_SHOWN_CHARS = 200  # how much of an unmatched message the error quotes


@dataclass
class MockState:
    """What the app serves from; shared with the harness, which swaps scripts and reads records."""

    rules: RuleBook
    recorder: Recorder


def _error(
    api: Api,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    code: str | None = None,
) -> Response:
    if api == "anthropic":
        body = anthropic_wire.error_body(status, message)
    else:
        body = openai_wire.error_body(status, message, code)
    return JSONResponse(body, status_code=status, headers=headers)


def _shorten(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + f"… ({len(text)} chars)"


def _describe_last(conv: Conversation) -> str:
    last = conv.last
    if last is None:
        return "no messages"
    if last.tool_results:
        names = ", ".join(repr(r.name) for r in last.tool_results)
        return f"last message (tool result of {names}): {_shorten(last.match_text())!r}"
    return f"last message ({last.role}): {_shorten(last.text)!r}"


def _no_rule_message(conv: Conversation, source: str) -> str:
    return (
        f"mockllm: no rule in {source} matched this request "
        f"(api {conv.api}, model {conv.model!r}, turn {conv.turn}); {_describe_last(conv)}. "
        "Add a rule for it, or a catch-all rule (`default: true`)."
    )


async def _wait_or_disconnect(request: Request, seconds: float) -> bool:
    """Sleep, noticing a client that gives up meanwhile (what a cancel test wants to see)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (remaining := deadline - loop.time()) > 0:
        await asyncio.sleep(min(0.05, remaining))
        if await request.is_disconnected():
            return True
    return False


def _summary(rule: Rule) -> str:
    if rule.status is not None:
        return f"error {rule.status}"
    parts = []
    if rule.tool_calls:
        parts.append("tool_calls: " + ", ".join(c.name for c in rule.tool_calls))
    if rule.text is not None:
        parts.append(f"text {_shorten(rule.text)[:60]!r}")
    return "; ".join(parts)


class _Faulty(StreamingResponse):
    """A response that breaks as the rule says: the connection closes after `cut_after`
    body chunks without ending the body (the client sees a cut), or, after `stall_after`
    chunks, nothing more comes until the client gives up (a read timeout mid-stream)."""

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        rule: Rule,
        item: RecordedRequest,
        recorder: Recorder,
        headers: dict[str, str],
        media_type: str | None = None,
    ) -> None:
        headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        super().__init__(chunks, headers=headers, media_type=media_type)
        self.rule, self.item, self.recorder = rule, item, recorder

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        limit = self.rule.cut_after if self.rule.cut_after is not None else self.rule.stall_after
        sent = 0
        async for chunk in self.body_iterator:
            if sent >= (limit or 0):
                break
            data = chunk if isinstance(chunk, bytes) else str(chunk).encode()
            await send({"type": "http.response.body", "body": data, "more_body": True})
            sent += 1
        self.recorder.update(self.item, disconnected=True)
        if self.rule.cut_after is not None:
            log.info("cutting the connection after %d chunks (rule cut_after)", sent)
            return  # returning without the last body message makes the server close it
        log.info("stalling after %d chunks until the client leaves (rule stall_after)", sent)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return


def create_app(state: MockState) -> Starlette:
    """The ASGI app. One per server; `state` may be changed while it runs."""
    recorder, rules = state.recorder, state.rules

    async def record(request: Request) -> tuple[RecordedRequest, Any, str | None]:
        raw = await request.body()
        body: Any = None
        problem = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body, problem = raw.decode(errors="replace"), "the request body is not valid JSON"
        item = recorder.add(
            request.method,
            request.url.path,
            dict(request.query_params),
            list(request.headers.items()),
            body,
        )
        return item, body, problem

    async def answer_llm(request: Request, api: Api, model_fallback: str = "") -> Response:
        item, body, problem = await record(request)
        if problem is None and not isinstance(body, dict):
            problem = "the request body must be a JSON object"
        try:
            if problem is not None:
                raise BadRequest(problem)
            if not model_fallback and not body.get("model"):
                raise BadRequest("`model` is required")
            if api == "anthropic" and not isinstance(body.get("max_tokens"), int):
                raise BadRequest("`max_tokens` is required (an integer) by the Messages API")
            conv = from_anthropic(body) if api == "anthropic" else from_openai(body, model_fallback)
        except BadRequest as exc:
            recorder.update(item, api=api, status=400)
            log.info("%s %s -> 400 bad request: %s", request.method, request.url.path, exc)
            return _error(api, 400, f"mockllm: {exc}")
        recorder.update(item, api=api, model=conv.model, stream=conv.stream)
        where = (
            f"{request.method} {request.url.path} {api} model={conv.model} turn={conv.turn}"
            f"{' stream' if conv.stream else ''}"
        )
        picked = rules.pick(conv)
        if picked is None:
            message = _no_rule_message(conv, rules.script.source)
            recorder.update(item, status=400)
            log.warning("%s -> no rule matched; %s", where, _describe_last(conv))
            return _error(api, 400, message, code="mockllm_no_rule")
        index, rule = picked
        recorder.update(item, rule=index, rule_name=rule.name)
        log.info("%s -> rule %s: %s", where, rule.label(index), _summary(rule))
        if rule.delay and await _wait_or_disconnect(request, rule.delay):
            recorder.update(item, status=499, disconnected=True)
            log.info("%s -> client disconnected during the delay", where)
            return Response(status_code=499)
        request_id = "req_" + uuid.uuid4().hex[:24]
        headers = {"x-request-id": request_id, "request-id": request_id}
        if rule.status is not None:
            if rule.retry_after is not None:
                headers["retry-after"] = str(max(1, round(rule.retry_after)))
                headers["retry-after-ms"] = str(int(rule.retry_after * 1000))
            recorder.update(item, status=rule.status)
            message = rule.error or f"mockllm: scripted error from rule {rule.label(index)}"
            return _error(api, rule.status, message, headers)
        reply = plan_reply(rule, conv)
        recorder.update(item, status=200)
        if not conv.stream:
            if api == "anthropic":
                answer = JSONResponse(anthropic_wire.message(reply, conv.model), headers=headers)
            else:
                answer = JSONResponse(openai_wire.completion(reply, conv.model), headers=headers)
            if rule.cut_after is None and rule.stall_after is None:
                return answer

            async def whole() -> AsyncIterator[bytes]:
                yield bytes(answer.body)

            return _Faulty(whole(), rule, item, recorder, headers=dict(answer.headers))
        if api == "anthropic":
            events = anthropic_wire.stream(reply, conv.model, rule.stream_chunk_delay)
        else:
            options = body.get("stream_options") or {}
            include_usage = bool(options.get("include_usage"))
            events = openai_wire.stream(reply, conv.model, include_usage, rule.stream_chunk_delay)
        headers["cache-control"] = "no-cache"
        if rule.cut_after is not None or rule.stall_after is not None:
            return _Faulty(events, rule, item, recorder, headers, media_type="text/event-stream")
        return StreamingResponse(
            _tracked(events, item), media_type="text/event-stream", headers=headers
        )

    async def _tracked(events: AsyncIterator[bytes], item: RecordedRequest) -> AsyncIterator[bytes]:
        finished = False
        try:
            async for chunk in events:
                yield chunk
            finished = True
        finally:
            if not finished:
                recorder.update(item, disconnected=True)

    async def chat_completions(request: Request) -> Response:
        return await answer_llm(request, "openai")

    async def azure_chat_completions(request: Request) -> Response:
        if "api-version" not in request.query_params:
            await record(request)
            return _error(
                "openai", 400, "mockllm: Azure requires the `api-version` query parameter"
            )
        return await answer_llm(request, "openai", request.path_params["deployment"])

    async def messages(request: Request) -> Response:
        return await answer_llm(request, "anthropic")

    async def count_tokens(request: Request) -> Response:
        _, body, _ = await record(request)
        if not isinstance(body, dict):
            return _error("anthropic", 400, "mockllm: the request body must be a JSON object")
        size = len(json.dumps([body.get("system"), body.get("messages"), body.get("tools")]))
        return JSONResponse({"input_tokens": estimate_tokens(size)})

    def model_entry(name: str) -> dict[str, Any]:
        # One object both SDKs accept: OpenAI's fields and Anthropic's side by side.
        return {
            "id": name,
            "object": "model",
            "created": 1700000000,
            "owned_by": "mockllm",
            "type": "model",
            "display_name": name,
            "created_at": "2023-11-14T22:13:20Z",
        }

    async def list_models(request: Request) -> Response:
        await record(request)
        names = rules.script.model_names()
        data = [model_entry(n) for n in names]
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "has_more": False,
                "first_id": names[0],
                "last_id": names[-1],
            }
        )

    async def get_model(request: Request) -> Response:
        await record(request)
        return JSONResponse(model_entry(request.path_params["model_id"]))

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def mock_requests(request: Request) -> Response:
        if request.method == "DELETE":
            recorder.clear()
            return Response(status_code=204)
        return JSONResponse([r.to_json() for r in recorder.snapshot()])

    async def mock_script(request: Request) -> Response:
        if request.method == "PUT":
            try:
                script = load_script(json.loads(await request.body()))
            except ValueError as exc:  # MockScriptError and JSONDecodeError
                text = str(exc) if isinstance(exc, MockScriptError) else f"invalid JSON: {exc}"
                return JSONResponse({"error": {"message": text}}, status_code=400)
            rules.set_script(script)
            log.info("script replaced over HTTP (%d rules)", len(script.rules))
        current = rules.script
        return JSONResponse(
            {
                "source": current.source,
                "script": current.model_dump(mode="json", exclude_none=True),
                "uses": rules.uses(),
            }
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        await record(request)
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        message = (
            f"mockllm: no endpoint {request.method} {request.url.path}. Point OpenAI clients at "
            f"{request.base_url}v1 and Anthropic clients at {request.base_url} (no /v1)."
        )
        log.warning("%s %s -> %d: no such endpoint", request.method, request.url.path, status)
        # Anthropic's error shape: both SDKs read error.message from it.
        return JSONResponse(anthropic_wire.error_body(status, message), status_code=status)

    routes = [
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/chat/completions", chat_completions, methods=["POST"]),
        Route("/openai/v1/chat/completions", chat_completions, methods=["POST"]),
        Route(
            "/openai/deployments/{deployment}/chat/completions",
            azure_chat_completions,
            methods=["POST"],
        ),
        Route("/v1/messages", messages, methods=["POST"]),
        Route("/v1/embeddings", embeddings_route(record), methods=["POST"]),
        Route("/embeddings", embeddings_route(record), methods=["POST"]),
        Route("/v1/messages/count_tokens", count_tokens, methods=["POST"]),
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/models", list_models, methods=["GET"]),
        Route("/v1/models/{model_id:path}", get_model, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/_mock/requests", mock_requests, methods=["GET", "DELETE"]),
        Route("/_mock/script", mock_script, methods=["GET", "PUT"]),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
