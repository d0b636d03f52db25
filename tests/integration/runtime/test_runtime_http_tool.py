"""A kagent.dev/v1alpha1 Tool of type http, end to end: manifests -> translator -> config.json
-> a running agent (scripted fake LLM) -> a real HTTP server on 127.0.0.1 -> the model.

The Secret's value reaches the agent as the Deployment would give it (an env var set from
the Secret); it is never in config.json, and never in the logs.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from runtime_helpers import openai_model, serve_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bosun.api.manifests import load_text
from bosun.controller.local.envfrom import resolve_env
from bosun.controller.translate import check_set
from bosun.controller.translate.interface import AgentOutput
from bosun.mockllm import MockLLM

TOKEN = "Bearer s3cret-token-value"
MANIFESTS = """
apiVersion: v1
kind: Secret
metadata: {{name: llm, namespace: ops}}
stringData: {{key: sk-test}}
---
apiVersion: v1
kind: Secret
metadata: {{name: status-token, namespace: ops}}
stringData: {{token: "{token}"}}
---
apiVersion: kagent.dev/v1alpha1
kind: ModelConfig
metadata: {{name: gpt4-config, namespace: ops}}
spec: {{model: gpt-4o, apiKeySecretRef: {{name: llm, key: key}}}}
---
apiVersion: kagent.dev/v1alpha1
kind: Tool
metadata: {{name: status-page, namespace: ops}}
spec:
  type: http
  description: Post an incident update to the status page
  parameters:
    service: {{type: string, description: The affected service}}
    message: {{type: string, description: What to say}}
    severity: {{type: string, description: minor or major}}
  http:
    method: POST
    url: "{base}/api/services/{{service}}/updates?source=bosun"
    headers:
    - {{name: Authorization, valueFrom: {{secretKeyRef: {{name: status-token, key: token}}}}}}
    - {{name: X-Source, value: bosun}}
    body: '{{"text": "{{message}}", "severity": "{{severity}}"}}'
    timeout: 5
---
apiVersion: kagent.dev/v1alpha1
kind: Agent
metadata: {{name: communicator, namespace: ops}}
spec:
  description: Keeps the status page current
  systemMessage: You post incident updates.
  modelConfigRef: {{name: gpt4-config}}
  tools: [{{name: status-page}}]
"""


class StatusPage:
    """A real HTTP server that records what arrives and answers as it is told."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 201

    async def handle(self, request: Request) -> JSONResponse:
        self.requests.append(
            {
                "method": request.method,
                "path": request.scope["raw_path"].decode(),
                "query": request.url.query,
                "headers": dict(request.headers),
                "body": (await request.body()).decode(),
            }
        )
        if self.status >= 400:
            return JSONResponse({"error": "status page is down"}, status_code=self.status)
        return JSONResponse({"update": 42, "state": "posted"}, status_code=self.status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.handle, methods=["POST", "GET"])])


def translated(base: str) -> tuple[dict[str, Any], dict[str, str]]:
    """config.json of the agent, and the env the Deployment sets from Secrets (resolved)."""
    manifests = load_text(MANIFESTS.format(base=base, token=TOKEN))
    result = check_set(manifests)
    assert result.errors == [], result.errors
    [(_, output)] = [(r, o) for r, o in result.outputs if isinstance(o, AgentOutput)]
    assert output.config is not None
    data = {(c.kind, c.namespace, c.name): c.data for c in manifests.core}
    [deployment] = [o for o in output.objects if o["kind"] == "Deployment"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    # resolved as the local supervisor does it (a kubelet would do the same)
    env, problems = resolve_env(
        container, namespace="ops", pod_name="communicator", lookup=lambda *key: data.get(key)
    )
    assert problems == []
    from_secrets = {v["name"] for v in container["env"] if "secretKeyRef" in v.get("valueFrom", {})}
    return json.loads(output.config.to_json()), {k: env[k] for k in from_secrets}


@pytest.fixture
async def status_page() -> Any:
    page = StatusPage()
    server = await serve_app(page.app())
    page.url = server.url.rstrip("/")  # type: ignore[attr-defined]
    yield page
    await server.stop()


async def test_the_agent_calls_the_http_tool_with_templates_and_the_secret_header(
    status_page: Any,
    start_agent: Any,
    connect: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config, env = translated(status_page.url)
    assert TOKEN not in json.dumps(config)  # config.json names the env var only
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    arguments = {"service": "api gw/v2", "message": 'down "hard"', "severity": "major"}
    script = [
        {"match": {"turn": 0}, "tool_calls": [{"name": "status-page", "arguments": arguments}]},
        {"match": {"tool_result": "status-page"}, "text": "Posted: {{last_tool_result}}"},
    ]
    caplog.set_level(logging.INFO)
    with MockLLM(script) as llm:
        config["model"] = openai_model(llm)
        agent = await start_agent(config)
        conversation = await connect(agent.url)
        exchange = await conversation.send("the API gateway is down, tell the status page")
        assert exchange.final_state == "TASK_STATE_COMPLETED"
        [request] = status_page.requests
        assert request["method"] == "POST"
        # {service} is percent-encoded: a value cannot add path segments
        assert request["path"] == "/api/services/api%20gw%2Fv2/updates"
        assert request["query"] == "source=bosun"
        assert request["headers"]["authorization"] == TOKEN
        assert request["headers"]["x-source"] == "bosun"
        assert request["headers"]["content-type"] == "application/json"
        # {message} is JSON-escaped inside the body template: the body stays JSON
        assert json.loads(request["body"]) == {"text": 'down "hard"', "severity": "major"}
        assert '"update":42' in exchange.final_text().replace(" ", "")
        offered = {t["function"]["name"]: t for t in llm.llm_requests()[0].body["tools"]}
        schema = offered["status-page"]["function"]["parameters"]
        assert set(schema["required"]) == {"service", "message", "severity"}
    assert TOKEN not in caplog.text and "s3cret" not in caplog.text


async def test_an_http_error_reaches_the_model_as_a_failed_call(
    status_page: Any, start_agent: Any, connect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, env = translated(status_page.url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status_page.status = 503
    arguments = {"service": "db", "message": "slow", "severity": "minor"}
    script = [
        {"match": {"turn": 0}, "tool_calls": [{"name": "status-page", "arguments": arguments}]},
        {"match": {"tool_result": "status-page"}, "text": "Failed: {{last_tool_result}}"},
    ]
    with MockLLM(script) as llm:
        config["model"] = openai_model(llm)
        agent = await start_agent(config)
        conversation = await connect(agent.url)
        exchange = await conversation.send("post it")
        assert exchange.final_state == "TASK_STATE_COMPLETED"
        text = exchange.final_text()
        assert "HTTP 503" in text and "status page is down" in text, text
        [result] = exchange.data("tool_result")
        assert result["status"] != "success", result
