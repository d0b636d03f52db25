"""The ServiceAccount generated for an agent or MCP server when the user names none."""

from __future__ import annotations

from typing import Protocol

from bosun.controller.translate.meta import Obj, metadata


class AccountSettings(Protocol):
    """What a kind's service-account block sets: serviceAccountConfig, MCP serviceAccount."""

    @property
    def labels(self) -> dict[str, str]: ...

    @property
    def annotations(self) -> dict[str, str]: ...


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


def pod_service_account(
    name: str,
    namespace: str,
    labels: dict[str, str],
    owner: Obj | None,
    *,
    existing: str | None,
    settings: AccountSettings | None,
) -> tuple[str, list[Obj]]:
    """The ServiceAccount a workload's pods run as, and the object to create for it.

    The user's `existing` one (serviceAccountName) is used as it is; else one named after
    the workload is generated with `settings`. Called by the agent, team and MCP server
    translators.
    """
    if existing:
        return existing, []
    account = service_account(
        name,
        namespace,
        labels,
        owner,
        extra_labels=settings.labels if settings else None,
        annotations=settings.annotations if settings else None,
    )
    return name, [account]
