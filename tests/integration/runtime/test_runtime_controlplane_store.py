"""With BOSUN_URL set, sessions and tasks go through the control plane's REST API (the
routes of docs/runtime.md, served here by a minimal stand-in), so a restarted agent
without any local disk continues the conversation."""

from __future__ import annotations

from typing import Any

from a2a.types import TaskState
from runtime_helpers import base_config, serve_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bosun.mockllm import MockLLM


class StandIn:
    """Just the routes the runtime uses, kept in memory, recording the auth header."""

    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.auth: set[str] = set()

    def app(self) -> Starlette:
        async def create_session(request: Request) -> JSONResponse:
            self.auth.add(request.headers.get("authorization", ""))
            body = await request.json()
            if body["id"] in self.sessions:
                return JSONResponse({"detail": "exists"}, status_code=409)
            self.sessions[body["id"]] = body
            return JSONResponse(body, status_code=201)

        async def events(request: Request) -> JSONResponse:
            self.auth.add(request.headers.get("authorization", ""))
            session = request.path_params["id"]
            if request.method == "POST":
                if session not in self.sessions:
                    return JSONResponse({"detail": "no such session"}, status_code=404)
                items = self.events.setdefault(session, [])
                items.append({"seq": len(items) + 1, "data": (await request.json())["data"]})
                return JSONResponse({"seq": len(items)}, status_code=201)
            after = int(request.query_params.get("after", 0))
            items = [e for e in self.events.get(session, []) if e["seq"] > after]
            return JSONResponse({"items": items})

        async def put_task(request: Request) -> JSONResponse:
            body = await request.json()
            self.tasks[body["id"]] = body
            return JSONResponse(body)

        async def get_task(request: Request) -> JSONResponse:
            found = self.tasks.get(request.path_params["id"])
            if found is None:
                return JSONResponse({"detail": "not found"}, status_code=404)
            return JSONResponse(found)

        async def list_tasks(request: Request) -> JSONResponse:
            context = request.query_params.get("context_id")
            items = [t for t in self.tasks.values() if not context or t["context_id"] == context]
            return JSONResponse({"items": items})

        return Starlette(
            routes=[
                Route("/api/sessions", create_session, methods=["POST"]),
                Route("/api/sessions/{id}/events", events, methods=["GET", "POST"]),
                Route("/api/tasks", put_task, methods=["POST"]),
                Route("/api/tasks", list_tasks, methods=["GET"]),
                Route("/api/tasks/{id}", get_task, methods=["GET"]),
            ]
        )


async def test_sessions_and_tasks_through_the_control_plane(
    start_agent, connect, monkeypatch, tmp_path
) -> None:
    stand_in = StandIn()
    control_plane = await serve_app(stand_in.app())
    monkeypatch.setenv("BOSUN_URL", control_plane.url)
    monkeypatch.setenv("BOSUN_TOKEN", "sa-token")
    script = [
        {"match": {"contains": "remember 42"}, "text": "noted"},
        {"match": {"contains": "what number"}, "text": "the number from before"},
    ]
    try:
        with MockLLM(script) as llm:
            first = await start_agent(base_config(llm), name="one", data_dir=tmp_path / "a")
            hello = await (await connect(first.url)).send("remember 42")
            await first.stop()
            assert stand_in.sessions[hello.context_id]["agent_ref"] == "default/test-agent"
            stored = stand_in.tasks[hello.task_id]
            assert (
                stored["state"] == "TASK_STATE_COMPLETED" and stored["task"]["id"] == hello.task_id
            )

            # Another data dir: nothing local survives, only the control plane has the session.
            second = await start_agent(base_config(llm), name="two", data_dir=tmp_path / "b")
            conversation = await connect(second.url)
            answer = await conversation.send("what number?", context_id=hello.context_id)
            assert answer.final_text() == "the number from before"
            sent = [m["content"] for m in llm.llm_requests()[-1].body["messages"]]
            assert "remember 42" in sent and "noted" in sent
            old = await conversation.get_task(hello.task_id)
            assert old.status.state == TaskState.TASK_STATE_COMPLETED
            assert stand_in.auth == {"Bearer sa-token"}
            # Only the journal of running task ids is local (runtime/store/journal.py): no
            # session, message or task body is kept on the agent's disk.
            local = [p for d in ("a", "b") for p in (tmp_path / d).rglob("*") if p.is_file()]
            assert all(p.relative_to(tmp_path).parts[1] == "running" for p in local), local
            assert not any(b"remember 42" in p.read_bytes() for p in local)
    finally:
        await control_plane.stop()
