"""REST: kagent.dev/v1alpha1 Agent and ModelConfig bodies are converted, or refused by name."""

from __future__ import annotations

from server_harness import Plane

V1 = "kagent.dev/v1alpha1"
MODEL = {
    "apiVersion": V1,
    "kind": "ModelConfig",
    "metadata": {"name": "gpt4-config", "namespace": "default"},
    "spec": {"model": "gpt-4o", "provider": "openai", "baseUrl": "http://127.0.0.1:9/v1"},
    "apiKey": "sk-write-only",
}
AGENT = {
    "apiVersion": V1,
    "kind": "Agent",
    "metadata": {"name": "troubleshooter", "namespace": "default"},
    "spec": {
        "description": "Diagnoses",
        "systemMessage": "You troubleshoot.",
        "modelConfigRef": {"name": "gpt4-config"},
        "memory": {"enabled": True},
    },
}


async def test_v1alpha1_model_config_and_agent_are_stored_as_v1alpha2(plane: Plane) -> None:
    created = await plane.http.post("/api/modelconfigs", json=MODEL)
    assert created.status_code == 201, created.text
    spec = created.json()["spec"]
    assert created.json()["apiVersion"] == "kagent.dev/v1alpha2"
    assert (spec["provider"], spec["openAI"]["baseUrl"]) == ("OpenAI", "http://127.0.0.1:9/v1")
    assert spec["apiKeySecret"] and "sk-write-only" not in created.text

    response = await plane.http.post("/api/agents", json=AGENT)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["spec"]["declarative"]["systemMessage"] == "You troubleshoot."
    annotations = stored["metadata"]["annotations"]
    assert annotations["bosun.dev/converted-from"] == V1
    assert "spec.memory" in annotations["bosun.dev/not-carried-over"]

    changed = {**AGENT, "spec": {**AGENT["spec"], "systemMessage": "Now terser."}}
    updated = await plane.http.put("/api/agents/default/troubleshooter", json=changed)
    assert updated.status_code == 200, updated.text
    assert updated.json()["spec"]["declarative"]["systemMessage"] == "Now terser."

    generic = {**AGENT, "metadata": {"name": "via-apply", "namespace": "default"}}
    applied = await plane.http.post("/api/resources", json=generic)
    assert applied.status_code == 201, applied.text
    assert applied.json()["spec"]["declarative"]["modelConfig"] == "gpt4-config"


async def test_an_invalid_v1alpha1_body_is_refused_naming_the_field(plane: Plane) -> None:
    bad = {**AGENT, "spec": {"systemMessage": "x", "modelConfigRef": {}}}
    for path in ("/api/agents", "/api/resources"):
        response = await plane.http.post(path, json=bad)
        assert response.status_code == 422, response.text
        message = response.json()["message"]
        assert "kagent.dev/v1alpha1 Agent" in message and "modelConfigRef.name" in message
