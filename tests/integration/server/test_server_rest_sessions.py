"""REST: sessions, events, tasks, feedback, usage — and that users only see their own.

Auth mode none here: X-Bosun-User names the user (the auth tests cover real tokens). Both
databases.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server_harness import Plane

ALICE = {"X-Bosun-User": "alice"}
BOB = {"X-Bosun-User": "bob"}


async def test_session_lifecycle_with_ordered_events(plane: Plane) -> None:
    created = await plane.http.post(
        "/api/sessions", json={"agent": "default/helper", "name": "First"}, headers=ALICE
    )
    assert created.status_code == 201
    session = created.json()
    assert (session["user_id"], session["agent_name"], session["name"]) == (
        "alice",
        "helper",
        "First",
    )
    sid = session["id"]
    for i in range(3):
        event = await plane.http.post(
            f"/api/sessions/{sid}/events", json={"type": "message", "data": {"i": i}}, headers=ALICE
        )
        assert event.status_code == 201 and event.json()["seq"] == i + 1
    again = await plane.http.post(
        f"/api/sessions/{sid}/events", json={"id": "e-1", "data": {"x": 1}}, headers=ALICE
    )
    duplicate = await plane.http.post(
        f"/api/sessions/{sid}/events", json={"id": "e-1", "data": {"x": 2}}, headers=ALICE
    )
    assert (again.status_code, duplicate.status_code) == (201, 200)
    assert duplicate.json()["seq"] == again.json()["seq"]
    full = (await plane.http.get(f"/api/sessions/{sid}", headers=ALICE)).json()
    assert [e["data"] for e in full["events"]] == [{"i": 0}, {"i": 1}, {"i": 2}, {"x": 1}]
    after = await plane.http.get(f"/api/sessions/{sid}/events", params={"after": 2}, headers=ALICE)
    assert [e["seq"] for e in after.json()] == [3, 4]
    renamed = await plane.http.patch(
        f"/api/sessions/{sid}", json={"name": "Renamed"}, headers=ALICE
    )
    assert renamed.json()["name"] == "Renamed"
    listed = await plane.http.get(
        "/api/sessions", params={"agent": "default/helper"}, headers=ALICE
    )
    assert [s["id"] for s in listed.json()] == [sid]
    assert (await plane.http.delete(f"/api/sessions/{sid}", headers=ALICE)).status_code == 204
    assert (await plane.http.get(f"/api/sessions/{sid}", headers=ALICE)).status_code == 404


async def test_another_users_session_is_not_found(plane: Plane) -> None:
    sid = (await plane.http.post("/api/sessions", json={"id": "ctx-a"}, headers=ALICE)).json()["id"]
    for method, path, body in [
        ("GET", f"/api/sessions/{sid}", None),
        ("PATCH", f"/api/sessions/{sid}", {"name": "mine now"}),
        ("DELETE", f"/api/sessions/{sid}", None),
        ("GET", f"/api/sessions/{sid}/events", None),
        ("POST", f"/api/sessions/{sid}/events", {"data": {"evil": True}}),
        ("GET", f"/api/sessions/{sid}/tasks", None),
    ]:
        response = await plane.http.request(method, path, json=body, headers=BOB)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"] == "not_found"
    assert (await plane.http.get("/api/sessions", headers=BOB)).json() == []
    taken = await plane.http.post("/api/sessions", json={"id": "ctx-a"}, headers=BOB)
    assert taken.status_code == 409
    feedback = {"is_positive": True, "session_id": sid}
    assert (await plane.http.post("/api/feedback", json=feedback, headers=BOB)).status_code == 404
    assert (await plane.http.get(f"/api/sessions/{sid}", headers=ALICE)).status_code == 200
    assert (
        await plane.http.post("/api/sessions", json={"id": "ctx-a"}, headers=ALICE)
    ).status_code == 200


async def test_runtime_payloads_are_accepted(plane: Plane) -> None:
    """The shapes the agent runtime sends (src/bosun/runtime/store/controlplane.py)."""
    # The runtime acts for the user it serves: in auth mode none it may name them.
    session = {"id": "ctx-r", "agent_ref": "default/helper", "user_id": "alice"}
    assert (await plane.http.post("/api/sessions", json=session)).status_code == 201
    assert (await plane.http.post("/api/sessions", json=session)).status_code == 200
    appended = await plane.http.post("/api/sessions/ctx-r/events", json={"data": {"role": "user"}})
    assert appended.json()["seq"] == 1
    events = (await plane.http.get("/api/sessions/ctx-r/events", params={"after": 0})).json()
    assert [(e["seq"], e["data"]) for e in events] == [(1, {"role": "user"})]
    task = {"id": "t-1", "contextId": "ctx-r", "status": {"state": "TASK_STATE_WORKING"}}
    envelope = {"id": "t-1", "context_id": "ctx-r", "agent_ref": "default/helper",
                "state": "TASK_STATE_WORKING", "task": task}  # fmt: skip
    assert (await plane.http.post("/api/tasks", json=envelope)).status_code == 201
    task["status"] = {"state": "TASK_STATE_COMPLETED"}
    assert (await plane.http.post("/api/tasks", json=task)).status_code == 200  # bare A2A Task
    got = (await plane.http.get("/api/tasks/t-1")).json()
    assert got["task"] == task and got["state"] == "TASK_STATE_COMPLETED"
    assert got["user_id"] == "alice"  # the session's owner, not the writer
    listed = await plane.http.get(
        "/api/tasks", params={"context_id": "ctx-r", "agent_ref": "default/helper"}
    )
    assert [t["id"] for t in listed.json()] == ["t-1"]
    assert (await plane.http.get("/api/tasks/t-1", headers=BOB)).status_code == 404
    assert [t["id"] for t in (await plane.http.get("/api/tasks", headers=ALICE)).json()] == ["t-1"]
    assert (await plane.http.get("/api/sessions/ctx-r/tasks", headers=ALICE)).json()[0][
        "id"
    ] == "t-1"
    assert (await plane.http.delete("/api/tasks/t-1", headers=BOB)).status_code == 404
    assert (await plane.http.delete("/api/tasks/t-1", headers=ALICE)).status_code == 204


async def test_bad_inputs_are_4xx_with_the_field(plane: Plane) -> None:
    cases = [
        ("POST", "/api/sessions", {"id": ""}, "id"),
        ("POST", "/api/sessions", {"agent": "Not Valid/x"}, "agent"),
        ("POST", "/api/sessions", {"surprise": 1}, "surprise"),
        ("POST", "/api/sessions/x/events", {"data": "not an object"}, "data"),
        ("POST", "/api/tasks", {"context_id": "c"}, "id"),
        ("POST", "/api/feedback", {"feedback_text": "no verdict"}, "is_positive"),
        ("POST", "/api/usage", {"agent": "a", "input_tokens": -1, "output_tokens": 0},
         "input_tokens"),
        ("GET", "/api/usage?group_by=planet", None, "query.group_by[0]"),
        ("GET", "/api/usage?since=yesterday", None, "query.since"),
        ("GET", "/api/sessions?limit=0", None, "query.limit"),
    ]  # fmt: skip
    for method, path, body, field in cases:
        response = await plane.http.request(method, path, json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert response.json()["field"] == field, (path, response.json())
    assert (await plane.http.get("/api/sessions/nope")).status_code == 404
    assert (await plane.http.get("/api/tasks/nope")).status_code == 404
    assert (await plane.http.get("/api/no/such/route")).status_code == 404


async def test_feedback_and_usage(plane: Plane) -> None:
    sid = (await plane.http.post("/api/sessions", json={}, headers=ALICE)).json()["id"]
    body = {"is_positive": False, "feedback_text": "wrong", "issue_type": "factual",
            "session_id": sid, "message_id": "m-1"}  # fmt: skip
    created = await plane.http.post("/api/feedback", json=body, headers=ALICE)
    assert created.status_code == 201 and created.json()["issue_type"] == "factual"
    assert len((await plane.http.get("/api/feedback", headers=ALICE)).json()) == 1
    assert (await plane.http.get("/api/feedback", headers=BOB)).json() == []
    for user, agent, tokens in [(ALICE, "default/helper", 10), (BOB, "default/helper", 5),
                                (ALICE, "team/writer", 7)]:  # fmt: skip
        turn = {"agent": agent, "input_tokens": tokens, "output_tokens": 1, "model": "gpt"}
        assert (await plane.http.post("/api/usage", json=turn, headers=user)).status_code == 201
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    summary = await plane.http.get(
        "/api/usage", params={"since": since, "group_by": ["namespace", "user"]}
    )
    assert summary.status_code == 200
    groups = [
        (g["agent_namespace"], g["user_id"], g["total_tokens"]) for g in summary.json()["groups"]
    ]
    assert groups == [("default", "alice", 11), ("default", "bob", 6), ("team", "alice", 8)]
    by_agent = (await plane.http.get("/api/usage", params={"namespace": "default"})).json()
    assert [(g["agent_name"], g["input_tokens"]) for g in by_agent["groups"]] == [("helper", 15)]
    until = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert (await plane.http.get("/api/usage", params={"until": until})).json()["groups"] == []
    backwards = await plane.http.get("/api/usage", params={"since": since, "until": until})
    assert backwards.status_code == 422 and backwards.json()["field"] == "query.since"
