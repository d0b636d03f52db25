"""REST: agents, model configs, tool servers, tools, generic resources, namespaces.

Over real HTTP against a running control plane, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import base64
import copy
from typing import Any

from server_harness import Plane
from server_manifests import agent, model_config, ready, remote_server


def error_of(response: Any) -> tuple[int, str | None, str]:
    body = response.json()
    return response.status_code, body.get("field"), body.get("message", "")


async def test_health_version_and_openapi(plane: Plane) -> None:
    assert (await plane.http.get("/health")).json()["status"] == "ok"
    assert (await plane.http.get("/version")).json()["version"]
    paths = (await plane.http.get("/openapi.json")).json()["paths"]
    for path in ("/api/agents", "/api/sessions/{session_id}/events", "/api/usage",
                 "/api/a2a/{namespace}/{name}"):  # fmt: skip
        assert path in paths


async def test_agent_crud_with_status_conditions(plane: Plane) -> None:
    assert (await plane.http.post("/api/modelconfigs", json=model_config())).status_code == 201
    created = await plane.http.post("/api/agents", json=agent())
    assert created.status_code == 201, created.text
    assert created.json()["metadata"]["generation"] == 1
    await plane.store.patch_status("Agent", "default", "helper", ready())
    got = (await plane.http.get("/api/agents/default/helper")).json()
    assert [c["type"] for c in got["status"]["conditions"]] == ["Accepted", "Ready"]
    listed = (await plane.http.get("/api/agents", params={"namespace": "default"})).json()
    assert [a["metadata"]["name"] for a in listed["items"]] == ["helper"]
    assert (await plane.http.get("/api/agents", params={"namespace": "other"})).json() == {
        "items": []
    }
    changed = agent()
    changed["spec"]["description"] = "changed"
    updated = await plane.http.put("/api/agents/default/helper", json=changed)
    assert updated.status_code == 200 and updated.json()["metadata"]["generation"] == 2
    assert updated.json()["status"]["conditions"]  # status survives a spec update
    assert (await plane.http.delete("/api/agents/default/helper")).status_code == 204
    assert (await plane.http.get("/api/agents/default/helper")).status_code == 404
    assert (await plane.http.delete("/api/agents/default/helper")).status_code == 404


async def test_agent_create_runs_the_translator_and_names_the_field(plane: Plane) -> None:
    response = await plane.http.post("/api/agents", json=agent(model="missing-model"))
    status, field, message = error_of(response)
    assert status == 422
    assert field == "spec.declarative.modelConfig"
    assert "missing-model" in message
    tool = {"type": "McpServer", "mcpServer": {"name": "nope", "kind": "RemoteMCPServer"}}
    await plane.http.post("/api/modelconfigs", json=model_config())
    response = await plane.http.post("/api/agents", json=agent(tools=[tool]))
    status, field, message = error_of(response)
    assert (status, field) == (422, "spec.declarative.tools[0].mcpServer") and "nope" in message
    assert (await plane.http.get("/api/agents/default/helper")).status_code == 404


async def test_agent_schema_errors_name_the_field(plane: Plane) -> None:
    bad = agent()
    bad["spec"]["declarative"]["systemMesage"] = "typo"
    status, field, message = error_of(await plane.http.post("/api/agents", json=bad))
    assert (status, field, message) == (422, "spec.declarative.systemMesage", "unknown field")
    bad = agent()
    bad["metadata"]["name"] = "Not_A_Name"
    status, field, _ = error_of(await plane.http.post("/api/agents", json=bad))
    assert (status, field) == (422, "metadata.name")
    for body in ("not json", "[]", "{}"):
        response = await plane.http.post(
            "/api/agents", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, body
        assert response.json()["error"] == "invalid"


async def test_agent_conflicts_and_path_mismatch(plane: Plane) -> None:
    await plane.http.post("/api/modelconfigs", json=model_config())
    first = (await plane.http.post("/api/agents", json=agent())).json()
    again = await plane.http.post("/api/agents", json=agent())
    assert error_of(again)[:2] == (409, "metadata.name")
    other = await plane.http.put("/api/agents/default/other", json=agent())
    assert error_of(other)[:2] == (422, "metadata.name")
    missing = await plane.http.put("/api/agents/default/ghost", json=agent("ghost"))
    assert missing.status_code == 404
    stale = agent(resourceVersion=first["metadata"]["resourceVersion"])
    stale["spec"]["description"] = "one"
    assert (await plane.http.put("/api/agents/default/helper", json=stale)).status_code == 200
    stale["spec"]["description"] = "two"
    conflict = await plane.http.put("/api/agents/default/helper", json=stale)
    assert error_of(conflict)[:2] == (409, "metadata.resourceVersion")
    assert (await plane.http.get("/api/agents/Bad_NS/x")).status_code == 422


async def test_model_config_api_key_goes_to_a_secret_and_never_comes_back(plane: Plane) -> None:
    key = "sk-live-do-not-leak-0123456789"
    body = {**model_config("openai"), "apiKey": key}
    created = await plane.http.post("/api/modelconfigs", json=body)
    assert created.status_code == 201, created.text
    spec = created.json()["spec"]
    assert (spec["apiKeySecret"], spec["apiKeySecretKey"]) == ("openai-api-key", "apiKey")
    secret = await plane.store.get("Secret", "default", "openai-api-key")
    assert base64.b64decode(secret.body["data"]["apiKey"]).decode() == key
    owner = secret.body["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "ModelConfig" and owner["uid"] == created.json()["metadata"]["uid"]
    responses = [
        created,
        await plane.http.get("/api/modelconfigs/default/openai"),
        await plane.http.get("/api/modelconfigs"),
        await plane.http.get("/api/resources/secrets/default/openai-api-key"),
        await plane.http.get("/api/resources/Secret"),
    ]
    for response in responses:
        assert response.status_code == 200 or response.status_code == 201
        assert key not in response.text
        assert base64.b64encode(key.encode()).decode() not in response.text
    assert (await plane.http.get("/api/resources/Secret/default/openai-api-key")).json()[
        "keys"
    ] == ["apiKey"]
    # Rotating the key through an update; deleting the ModelConfig deletes its Secret.
    rotated = {**model_config("openai"), "apiKey": "sk-new"}
    assert (
        await plane.http.put("/api/modelconfigs/default/openai", json=rotated)
    ).status_code == 200
    secret = await plane.store.get("Secret", "default", "openai-api-key")
    assert base64.b64decode(secret.body["data"]["apiKey"]) == b"sk-new"
    assert (await plane.http.delete("/api/modelconfigs/default/openai")).status_code == 204
    assert (await plane.http.get("/api/resources/Secret/default/openai-api-key")).status_code == 404


async def test_model_config_validation(plane: Plane) -> None:
    bad = model_config(provider="Anthropic", openAI={"temperature": "0.2"})
    status, _, message = error_of(await plane.http.post("/api/modelconfigs", json=bad))
    assert status == 422 and "openAI" in message
    missing_secret = model_config(apiKeySecret="nope", apiKeySecretKey="k")
    status, field, message = error_of(
        await plane.http.post("/api/modelconfigs", json=missing_secret)
    )
    assert status == 422 and str(field).startswith("spec") and "nope" in message, message
    empty_key = {**model_config(), "apiKey": ""}
    assert (await plane.http.post("/api/modelconfigs", json=empty_key)).status_code == 422


async def test_tool_servers_and_discovered_tools(plane: Plane) -> None:
    created = await plane.http.post("/api/toolservers", json=remote_server())
    assert created.status_code == 201, created.text
    assert (await plane.http.get("/api/toolservers/default/github")).json()["kind"] == (
        "RemoteMCPServer"
    )
    tools = [{"name": "create_issue", "description": "Opens an issue"}, {"name": "search"}]
    await plane.store.patch_status(
        "RemoteMCPServer", "default", "github", {"discoveredTools": tools}
    )
    for _ in range(200):  # the mirror follows the store's watch
        listed = (await plane.http.get("/api/tools")).json()
        if len(listed) == 2:
            break
        await asyncio.sleep(0.02)
    assert listed[0] == {
        "name": "create_issue",
        "description": "Opens an issue",
        "server_kind": "RemoteMCPServer",
        "server_namespace": "default",
        "server_name": "github",
    }
    assert (await plane.http.get("/api/tools", params={"server": "other"})).json() == []
    bad = remote_server(url="ftp://nope")
    assert error_of(await plane.http.post("/api/toolservers", json=bad))[:2] == (422, "spec.url")
    wrong_kind = {**remote_server(), "kind": "Agent"}
    assert error_of(await plane.http.post("/api/toolservers", json=wrong_kind))[:2] == (422, "kind")
    updated = copy.deepcopy(remote_server())
    updated["spec"]["description"] = "new"
    assert (
        await plane.http.put("/api/toolservers/default/github", json=updated)
    ).status_code == 200
    assert (await plane.http.delete("/api/toolservers/default/github")).status_code == 204
    assert (await plane.http.get("/api/toolservers/default/github")).status_code == 404
    for _ in range(200):
        if (await plane.http.get("/api/tools")).json() == []:
            break
        await asyncio.sleep(0.02)
    assert (await plane.http.get("/api/tools")).json() == []


async def test_generic_apply_of_core_objects_and_namespaces(plane: Plane) -> None:
    meta = {"name": "prompts", "namespace": "team"}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"a": "b"}}
    first = await plane.http.post("/api/resources", json=config_map)
    assert first.status_code == 201, first.text
    config_map["data"] = {"a": "c"}
    assert (await plane.http.post("/api/resources", json=config_map)).status_code == 200
    got = (await plane.http.get("/api/resources/configmaps/team/prompts")).json()
    assert got["data"] == {"a": "c"}
    names = [n["name"] for n in (await plane.http.get("/api/namespaces")).json()]
    assert names == ["default", "team"]
    bad_secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                  "data": {"k": "!!not base64"}}  # fmt: skip
    assert error_of(await plane.http.post("/api/resources", json=bad_secret))[:2] == (422, "data.k")
    unknown = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    assert error_of(await plane.http.post("/api/resources", json=unknown))[:2] == (422, "kind")
    assert (await plane.http.get("/api/resources/pods")).status_code == 422
    assert (await plane.http.delete("/api/resources/ConfigMap/team/prompts")).status_code == 204
