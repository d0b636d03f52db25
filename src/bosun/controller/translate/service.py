"""The Service in front of an agent's or MCP server's pods."""

from __future__ import annotations

from bosun.controller.translate.meta import Obj, metadata


def service(
    name: str,
    namespace: str,
    labels: dict[str, str],
    selector: dict[str, str],
    owner: Obj | None,
    *,
    port: int,
    target_port: int | str = "http",
) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name, namespace, labels, owner),
        "spec": {
            "type": "ClusterIP",
            "selector": dict(selector),
            "ports": [{"name": "http", "port": port, "targetPort": target_port, "protocol": "TCP"}],
        },
    }
