"""API authorization over real HTTP (token mode with BOSUN_RBAC), on SQLite and PostgreSQL:
viewers cannot write (403 naming the role), editors write only in their namespaces, admins
everywhere; reads filtered by role; refused attempts and changes in the audit log."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from server_harness import Plane, control_plane
from server_manifests import model_config

from bosun.server.db import Database

RBAC = {
    "admin": ["group:platform"],
    "editor": {"team-a": ["group:team-a"]},
    "viewer": {"team-a": ["group:*"], "shared": ["victor"]},
}
TOKENS = {"root": "tok-root", "alice": "tok-alice", "victor": "tok-victor", "nora": "tok-nora"}


def as_(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[user]}"}


@pytest.fixture
async def plane(database: Database, tmp_path: Path) -> AsyncIterator[Plane]:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text(
        'tok-root,root,1,"platform"\ntok-alice,alice,2,"team-a"\n'
        "tok-victor,victor,3\ntok-nora,nora,4\n"
    )
    async with control_plane(
        database, tmp_path, auth="token", token_file=tokens, rbac=json.dumps(RBAC)
    ) as running:
        yield running


async def test_roles_on_the_rest_routes(plane: Plane) -> None:
    http = plane.http
    # admin: everywhere
    for ns in ("team-a", "team-b", "shared"):
        created = await http.post(
            "/api/modelconfigs", json=model_config("m", ns), headers=as_("root")
        )
        assert created.status_code == 201, created.text
    # editor: in its namespace only
    mine = await http.post(
        "/api/modelconfigs", json=model_config("a1", "team-a"), headers=as_("alice")
    )
    assert mine.status_code == 201, mine.text
    update = model_config("a1", "team-a", model="gpt-4o")
    assert (
        await http.put("/api/modelconfigs/team-a/a1", json=update, headers=as_("alice"))
    ).status_code == 200
    other = await http.post(
        "/api/modelconfigs", json=model_config("a2", "team-b"), headers=as_("alice")
    )
    assert other.status_code == 403
    body = other.json()
    assert body["error"] == "forbidden"
    assert "editor role in namespace 'team-b'" in body["message"] and "alice" in body["message"]
    applied = await http.post(
        "/api/resources", json=model_config("a3", "team-b"), headers=as_("alice")
    )
    assert applied.status_code == 403 and "'team-b'" in applied.json()["message"]
    deleted = await http.delete("/api/resources/modelconfigs/team-b/m", headers=as_("alice"))
    assert deleted.status_code == 403
    meta = {"name": "s", "namespace": "team-b"}
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "stringData": {"k": "v"}}
    assert (await http.post("/api/resources", json=secret, headers=as_("alice"))).status_code == 403
    # viewer: reads what it may, writes nothing
    refused = await http.post(
        "/api/modelconfigs", json=model_config("v", "team-a"), headers=as_("victor")
    )
    assert refused.status_code == 403
    assert "needs the editor role in namespace 'team-a'" in refused.json()["message"]
    assert "viewer:team-a" in refused.json()["message"]  # says what the caller has
    assert (
        await http.delete("/api/modelconfigs/team-a/a1", headers=as_("victor"))
    ).status_code == 403
    tool_server = {"apiVersion": "kagent.dev/v1alpha2", "kind": "RemoteMCPServer",
                   "metadata": {"name": "t", "namespace": "team-a"},
                   "spec": {"url": "http://t:1/mcp", "description": "t"}}  # fmt: skip
    assert (
        await http.post("/api/toolservers", json=tool_server, headers=as_("victor"))
    ).status_code == 403
    assert (
        await http.post("/api/toolservers", json=tool_server, headers=as_("alice"))
    ).status_code == 201
    listed = await http.get("/api/modelconfigs", headers=as_("victor"))
    assert sorted(o["metadata"]["namespace"] for o in listed.json()["items"]) == [
        "shared", "team-a", "team-a",
    ]  # fmt: skip
    assert (await http.get("/api/modelconfigs/team-b/m", headers=as_("victor"))).status_code == 403
    # no role at all (nora is in no group the mapping names, but group:* covers team-a)
    nora = await http.get("/api/modelconfigs", headers=as_("nora"))
    assert {o["metadata"]["namespace"] for o in nora.json()["items"]} == {"team-a"}
    me = (await http.get("/api/me", headers=as_("alice"))).json()
    assert me["roles"] == ["editor:team-a"]
    assert (await http.get("/api/me", headers=as_("victor"))).json()["roles"] == [
        "viewer:shared", "viewer:team-a",
    ]  # fmt: skip


async def test_audit_log_is_admin_only_and_records_changes(plane: Plane) -> None:
    http = plane.http
    assert (
        await http.post("/api/modelconfigs", json=model_config("x", "team-a"), headers=as_("alice"))
    ).status_code == 201
    assert (
        await http.delete("/api/modelconfigs/team-a/x", headers=as_("victor"))
    ).status_code == 403
    await plane.settle()
    refused = await http.get("/api/audit", headers=as_("alice"))
    assert refused.status_code == 403 and "admin role" in refused.json()["message"]
    records = (await http.get("/api/audit?kind=resource", headers=as_("root"))).json()
    seen = {(r["user_id"], r["action"], r["outcome"], r["target"]) for r in records}
    assert ("alice", "create", "success", "ModelConfig/team-a/x") in seen
    assert ("victor", "delete", "forbidden", "ModelConfig/team-a/x") in seen
    only_victor = (await http.get("/api/audit?user=victor", headers=as_("root"))).json()
    assert {r["user_id"] for r in only_victor} == {"victor"}
    later = (await http.get("/api/audit?since=2999-01-01T00:00:00Z", headers=as_("root"))).json()
    assert later == []
    for token in TOKENS.values():
        assert token not in json.dumps(records)


def _budget(tokens: int) -> dict[str, object]:
    return {"apiVersion": "policy.bosun.dev/v1alpha1", "kind": "Policy",
            "metadata": {"name": "budget", "namespace": "team-a"},
            "spec": {"limits": [{"name": "daily", "window": "24h", "tokens": tokens}]}}  # fmt: skip


async def test_policies_are_changed_by_admins_only(plane: Plane) -> None:
    http = plane.http
    created = await http.post("/api/resources", json=_budget(1000), headers=as_("root"))
    assert created.status_code == 201, created.text
    # The governed team's editor may not lift its own budget, nor delete it, nor add one.
    raised = await http.post("/api/resources", json=_budget(10**9), headers=as_("alice"))
    assert raised.status_code == 403, raised.text
    assert "needs the admin role" in raised.json()["message"], raised.json()
    path = "/api/resources/policies/team-a/budget"
    assert (await http.delete(path, headers=as_("alice"))).status_code == 403
    other = {**_budget(5), "metadata": {"name": "mine", "namespace": "team-a"}}
    assert (await http.post("/api/resources", json=other, headers=as_("alice"))).status_code == 403
    assert (await http.delete(path, headers=as_("victor"))).status_code == 403
    # ... but both may read it, and the budget is unchanged.
    for reader in ("alice", "victor"):
        seen = await http.get(path, headers=as_(reader))
        assert seen.status_code == 200, seen.text
        assert seen.json()["spec"]["limits"][0]["tokens"] == 1000
    # Admins change and delete it.
    assert (
        await http.post("/api/resources", json=_budget(2000), headers=as_("root"))
    ).status_code == 200
    assert (await http.delete(path, headers=as_("root"))).status_code == 204
    await plane.settle()
    records = (await http.get("/api/audit?kind=resource", headers=as_("root"))).json()
    seen_records = {(r["user_id"], r["action"], r["outcome"], r["target"]) for r in records}
    assert ("alice", "apply", "forbidden", "Policy/team-a/budget") in seen_records
    assert ("alice", "delete", "forbidden", "Policy/team-a/budget") in seen_records
