"""The ServiceAccount generated for an agent or MCP server when the user names none."""

from __future__ import annotations

from bosun.controller.translate.meta import Obj, metadata


def service_account(
    name: str,
    namespace: str,
    labels: dict[str, str],
    owner: Obj | None,
    *,
    extra_labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    """`extra_labels`/`annotations` come from serviceAccountConfig (e.g. IRSA, Workload
    Identity annotations); Bosun's own labels win over user labels of the same name."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(
            name, namespace, {**(extra_labels or {}), **labels}, owner, annotations
        ),
    }
