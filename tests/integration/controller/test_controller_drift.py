"""Owned ServiceAccounts, Roles, RoleBindings and Services edited or deleted by someone else
are put back by the operator (drift), as Deployments are (test_controller_dependencies)."""

from __future__ import annotations

from typing import Any

from controller_harness import Cluster, Operator, eventually

NS = "drift"
SAS = "v1/serviceaccounts"
ROLES = "rbac.authorization.k8s.io/v1/roles"
BINDINGS = "rbac.authorization.k8s.io/v1/rolebindings"
RBAC = "rbac.authorization.k8s.io/v1"
RULES = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
SERVER = {
    "apiVersion": "kagent.dev/v1alpha1",
    "kind": "MCPServer",
    "metadata": {"name": "k8s-tools", "namespace": NS},
    "spec": {
        "transportType": "stdio",
        "deployment": {"cmd": "npx", "args": ["-y", "some-server"], "rbac": {"rules": RULES}},
    },
}
MODEL = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "ModelConfig",
    "metadata": {"name": "m", "namespace": NS},
    "spec": {"provider": "Ollama", "model": "llama3.2", "ollama": {"host": "http://ollama:11434"}},
}
AGENT = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "Agent",
    "metadata": {"name": "watched", "namespace": NS},
    "spec": {"description": "d", "declarative": {"systemMessage": "hi", "modelConfig": "m"}},
}


def owner_uid(obj: dict[str, Any]) -> str:
    refs = obj["metadata"].get("ownerReferences") or []
    return str(refs[0]["uid"]) if refs else ""


async def _server_objects(cluster: Cluster, operator: Operator) -> dict[str, dict[str, Any]]:
    await cluster.apply(SERVER)
    await eventually(
        lambda: all(cluster.exists(r, NS, "k8s-tools") for r in (SAS, ROLES, BINDINGS)),
        what="ServiceAccount, Role and RoleBinding",
    )
    await operator.idle()  # so that only the drift itself can bring anything back
    return {r: cluster.get(r, NS, "k8s-tools") for r in (SAS, ROLES, BINDINGS)}


async def test_deleted_rbac_objects_come_back(cluster: Cluster, operator: Operator) -> None:
    before = await _server_objects(cluster, operator)
    owner = cluster.get("kagent.dev/v1alpha1/mcpservers", NS, "k8s-tools")["metadata"]["uid"]
    for resource, kind, api_version in [
        (SAS, "ServiceAccount", "v1"),
        (ROLES, "Role", RBAC),
        (BINDINGS, "RoleBinding", RBAC),
    ]:
        await cluster.delete(api_version, kind, NS, "k8s-tools")
        assert not cluster.exists(resource, NS, "k8s-tools")
        back = await eventually(
            lambda r=resource: (
                cluster.exists(r, NS, "k8s-tools") and cluster.get(r, NS, "k8s-tools")
            ),
            what=f"{kind} recreated",
        )
        assert back["metadata"]["uid"] != before[resource]["metadata"]["uid"]
        assert owner_uid(back) == owner
    assert cluster.get(ROLES, NS, "k8s-tools")["rules"] == RULES


async def test_edited_rbac_objects_are_reverted(cluster: Cluster, operator: Operator) -> None:
    before = await _server_objects(cluster, operator)
    subjects = before[BINDINGS]["subjects"]
    intruder = [{"kind": "ServiceAccount", "name": "intruder", "namespace": "elsewhere"}]
    await cluster.user.patch(RBAC, "RoleBinding", NS, "k8s-tools", {"subjects": intruder})
    await eventually(
        lambda: cluster.get(BINDINGS, NS, "k8s-tools")["subjects"] == subjects,
        what="RoleBinding subjects restored",
    )
    wider = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
    await cluster.user.patch(RBAC, "Role", NS, "k8s-tools", {"rules": wider})
    await eventually(
        lambda: cluster.get(ROLES, NS, "k8s-tools")["rules"] == RULES, what="Role rules restored"
    )
    # An edit that strips the owner reference still reaches the owner, which puts it back.
    await cluster.user.patch(
        "v1", "ServiceAccount", NS, "k8s-tools", {"metadata": {"ownerReferences": None}}
    )
    await eventually(
        lambda: owner_uid(cluster.get(SAS, NS, "k8s-tools")) == owner_uid(before[SAS]),
        what="owner reference restored",
    )


async def test_agent_service_account_and_service_drift(
    cluster: Cluster, operator: Operator
) -> None:
    await cluster.apply(MODEL, AGENT)
    await eventually(
        lambda: cluster.exists(SAS, NS, "watched") and cluster.exists("v1/services", NS, "watched")
    )
    await operator.idle()  # so that only the drift below can bring anything back
    await cluster.delete("v1", "ServiceAccount", NS, "watched")
    await eventually(lambda: cluster.exists(SAS, NS, "watched"), what="ServiceAccount recreated")
    await operator.idle()
    selector = cluster.get("v1/services", NS, "watched")["spec"]["selector"]
    # A value Bosun set, changed (fields another manager only adds stay, as with real SSA).
    edited = dict.fromkeys(selector, "someone-else")
    await cluster.user.patch("v1", "Service", NS, "watched", {"spec": {"selector": edited}})
    assert cluster.get("v1/services", NS, "watched")["spec"]["selector"] == edited
    await eventually(
        lambda: cluster.get("v1/services", NS, "watched")["spec"]["selector"] == selector,
        what="Service selector restored",
    )


async def test_foreign_service_accounts_are_not_watched(
    cluster: Cluster, operator: Operator
) -> None:
    """Only ServiceAccounts labelled managed-by=bosun reach the operator (server-side)."""
    await operator.idle()
    before = operator.controller.reconciles.processed
    foreign = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": "theirs",
            "namespace": NS,
            "ownerReferences": [
                {"apiVersion": "kagent.dev/v1alpha2", "kind": "Agent", "name": "ghost", "uid": "u"}
            ],
        },
    }
    await cluster.apply(foreign)
    await cluster.delete("v1", "ServiceAccount", NS, "theirs")
    await operator.idle()
    assert operator.controller.reconciles.processed == before
