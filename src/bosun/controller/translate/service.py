"""The Service in front of an agent's or MCP server's pods."""

from __future__ import annotations

from bosun.controller.translate.errors import Errors
from bosun.controller.translate.meta import Obj, is_dns1035_label, metadata


def check_service_name(name: str, what: str, errors: Errors) -> None:
    """The workload's name becomes its Service's: it must be a DNS-1035 label.

    `what` ("agent", "team", "server") says whose Service it is in the error.
    """
    if not is_dns1035_label(name):
        errors.add(
            "metadata.name",
            f'"{name}" cannot name the {what}\'s Service: use at most 63 lowercase '
            "letters, digits and '-', starting with a letter",
        )


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
