"""Resource bodies the control plane tests send (plain dicts, as a client would)."""

from __future__ import annotations

from typing import Any


def model_config(
    name: str = "default-model-config", ns: str = "default", **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "ModelConfig",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"provider": "OpenAI", "model": "gpt-4o-mini", **spec},
    }


def agent(
    name: str = "helper",
    ns: str = "default",
    model: str = "default-model-config",
    tools: list[dict[str, Any]] | None = None,
    **meta: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": ns, **meta},
        "spec": {
            "type": "Declarative",
            "description": f"{name} helps",
            "declarative": {
                "modelConfig": model,
                "systemMessage": "You help.",
                "tools": tools or [],
            },
        },
    }


def remote_server(
    name: str = "github", ns: str = "default", url: str = "http://127.0.0.1:9/mcp"
) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "RemoteMCPServer",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"url": url, "description": "GitHub tools"},
    }


def ready(status: bool = True, message: str = "") -> dict[str, Any]:
    state = "True" if status else "False"
    return {
        "observedGeneration": 1,
        "conditions": [
            {"type": "Accepted", "status": "True", "reason": "Accepted", "message": ""},
            {
                "type": "Ready",
                "status": state,
                "reason": "ProcessReady" if status else "ProcessCrashing",
                "message": message,
            },
        ],
    }
