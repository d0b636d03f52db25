"""Repository contracts, run on SQLite and on a real PostgreSQL (the `database` fixture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bosun.server.db import Repositories
from bosun.server.db.records import AgentRecord, ToolServer
from bosun.server.db.sessions import UNOWNED, SessionClaim
from bosun.server.db.tasks import TaskWrite
from bosun.server.errors import AlreadyExists, NotFoundError
from bosun.server.record_writer import RecordWriter, TaskRecord, UsageRecord


async def test_session_create_is_idempotent_per_user_and_taken_for_others(
    repos: Repositories,
) -> None:
    first, created = await repos.sessions.create("alice", session_id="ctx-1")
    assert created and first.id == "ctx-1" and first.agent_name is None
    again, created = await repos.sessions.create(
        "alice", session_id="ctx-1", agent_namespace="default", agent_name="helper", name="Hi"
    )
    assert not created
    assert (again.agent_namespace, again.agent_name, again.name) == ("default", "helper", "Hi")
    with pytest.raises(AlreadyExists):
        await repos.sessions.create("bob", session_id="ctx-1")


async def test_sessions_of_another_user_are_not_found(repos: Repositories) -> None:
    s, _ = await repos.sessions.create("alice", agent_namespace="ns", agent_name="a")
    for call in (
        repos.sessions.get("bob", s.id),
        repos.sessions.rename("bob", s.id, "x"),
        repos.sessions.delete("bob", s.id),
        repos.sessions.add_event("bob", s.id, {"a": 1}),
        repos.sessions.events("bob", s.id),
    ):
        with pytest.raises(NotFoundError):
            await call
    assert [x.id for x in await repos.sessions.list("alice")] == [s.id]
    assert await repos.sessions.list("bob") == []


async def test_trusted_callers_see_every_users_sessions_and_tasks(repos: Repositories) -> None:
    s, _ = await repos.sessions.create("alice", session_id="ctx")
    again, created = await repos.sessions.create("agent-sa", session_id="ctx", scope=None)
    assert not created and again.user_id == "alice"
    event, _ = await repos.sessions.add_event(None, "ctx", {"m": 1})
    assert [e.seq for e in await repos.sessions.events("alice", "ctx")] == [event.seq]
    assert await repos.sessions.owner("ctx") == "alice" and await repos.sessions.owner("x") is None
    await repos.tasks.upsert("alice", "t", session_id="ctx")
    updated, created = await repos.tasks.upsert("agent-sa", "t", state="done", scope=None)
    assert not created and updated.user_id == "alice" and updated.state == "done"
    assert [t.id for t in await repos.tasks.list(None)] == ["t"]
    assert [x.id for x in await repos.sessions.list(None)] == [s.id]


async def test_session_list_filters_by_agent_and_renames(repos: Repositories) -> None:
    a, _ = await repos.sessions.create("u", agent_namespace="ns", agent_name="a")
    await repos.sessions.create("u", agent_namespace="ns", agent_name="b")
    assert [s.id for s in await repos.sessions.list("u", agent_name="a")] == [a.id]
    renamed = await repos.sessions.rename("u", a.id, "Planning")
    assert renamed.name == "Planning" and renamed.updated_at >= a.updated_at
    assert len(await repos.sessions.list("u", limit=1)) == 1


async def test_events_are_ordered_per_session_even_when_appended_concurrently(
    repos: Repositories,
) -> None:
    s1, _ = await repos.sessions.create("u")
    s2, _ = await repos.sessions.create("u")
    await asyncio.gather(
        *(repos.sessions.add_event("u", s1.id, {"i": i}) for i in range(20)),
        *(repos.sessions.add_event("u", s2.id, {"i": i}) for i in range(5)),
    )
    events = await repos.sessions.events("u", s1.id)
    assert [e.seq for e in events] == list(range(1, 21))
    assert sorted(e.data["i"] for e in events) == list(range(20))
    assert [e.seq for e in await repos.sessions.events("u", s2.id)] == [1, 2, 3, 4, 5]
    assert [e.seq for e in await repos.sessions.events("u", s1.id, after=18)] == [19, 20]


async def test_event_ids_make_appends_idempotent(repos: Repositories) -> None:
    s, _ = await repos.sessions.create("u")
    first, created = await repos.sessions.add_event("u", s.id, {"v": 1}, event_id="e1")
    again, created_again = await repos.sessions.add_event("u", s.id, {"v": 2}, event_id="e1")
    assert created and not created_again and again.id == first.id and again.data == {"v": 1}


async def test_deleting_a_session_deletes_its_events(repos: Repositories) -> None:
    s, _ = await repos.sessions.create("u")
    await repos.sessions.add_event("u", s.id, {"x": 1})
    await repos.sessions.delete("u", s.id)
    with pytest.raises(NotFoundError):
        await repos.sessions.events("u", s.id)
    again, created = await repos.sessions.create("u", session_id=s.id)
    assert created and await repos.sessions.events("u", again.id) == []


async def test_task_upsert_merges_writers_and_keeps_owner(repos: Repositories) -> None:
    task, created = await repos.tasks.upsert(
        "u", "t1", session_id="ctx", agent_namespace="ns", agent_name="a", state="working"
    )
    assert created and task.task is None
    full = {"id": "t1", "contextId": "ctx", "status": {"state": "completed"}}
    task, created = await repos.tasks.upsert("u", "t1", data=full, state="completed")
    assert not created
    assert (task.agent_name, task.session_id, task.state, task.task) == (
        "a",
        "ctx",
        "completed",
        full,
    )
    with pytest.raises(NotFoundError):
        await repos.tasks.upsert("intruder", "t1", state="canceled")
    with pytest.raises(NotFoundError):
        await repos.tasks.get("intruder", "t1")
    assert [t.id for t in await repos.tasks.list("u", session_id="ctx")] == ["t1"]
    await repos.tasks.delete("u", "t1")
    with pytest.raises(NotFoundError):
        await repos.tasks.get("u", "t1")


async def test_a_late_write_of_an_earlier_step_does_not_reopen_an_ended_task(
    repos: Repositories,
) -> None:
    # The proxy records the end first; the agent's save of a step before it lands after.
    done = {"id": "t2", "status": {"state": "TASK_STATE_COMPLETED"}, "history": [1, 2]}
    step = {"id": "t2", "status": {"state": "TASK_STATE_WORKING"}, "history": [1]}
    await repos.tasks.upsert("u", "t2", state="TASK_STATE_COMPLETED", data=done)
    await repos.tasks.upsert_many(
        [(TaskWrite("u", "t2", state="TASK_STATE_WORKING", data=step), "u")]
    )
    task, _ = await repos.tasks.upsert("u", "t2", state="working", data=step)
    assert (task.state, task.task) == ("TASK_STATE_COMPLETED", done)
    failed = {"id": "t2", "status": {"state": "TASK_STATE_FAILED"}}
    task, _ = await repos.tasks.upsert("u", "t2", state="TASK_STATE_FAILED", data=failed)
    assert (task.state, task.task) == ("TASK_STATE_FAILED", failed)  # an end replaces an end


async def test_a_late_submitted_write_does_not_hide_a_running_task(repos: Repositories) -> None:
    # A send with returnImmediately: the agent saves "working" before the proxy's record of
    # the "submitted" answer lands; the UI must still show the task running.
    working = {"id": "t3", "status": {"state": "TASK_STATE_WORKING"}}
    submitted = {"id": "t3", "status": {"state": "TASK_STATE_SUBMITTED"}}
    await repos.tasks.upsert("u", "t3", state="TASK_STATE_WORKING", data=working)
    task, _ = await repos.tasks.upsert("u", "t3", state="TASK_STATE_SUBMITTED", data=submitted)
    assert (task.state, task.task) == ("TASK_STATE_WORKING", working)
    paused = {"id": "t3", "status": {"state": "TASK_STATE_INPUT_REQUIRED"}}
    task, _ = await repos.tasks.upsert("u", "t3", state="TASK_STATE_INPUT_REQUIRED", data=paused)
    assert task.state == "TASK_STATE_INPUT_REQUIRED"  # a running task may pause
    task, _ = await repos.tasks.upsert("u", "t3", state="TASK_STATE_WORKING", data=working)
    assert task.state == "TASK_STATE_WORKING"  # and run again once answered


async def test_concurrent_task_upserts_of_one_id_both_succeed(repos: Repositories) -> None:
    results = await asyncio.gather(
        repos.tasks.upsert("u", "same", state="working"),
        repos.tasks.upsert("u", "same", data={"id": "same"}),
    )
    assert sorted(created for _, created in results) == [False, True]
    stored = await repos.tasks.get("u", "same")
    assert stored.state == "working" and stored.task == {"id": "same"}


async def test_toolservers_replace_their_tools(repos: Repositories) -> None:
    server = ToolServer(kind="RemoteMCPServer", namespace="ns", name="gh", url="http://x/mcp")
    await repos.toolservers.upsert(server, [("a", "first"), ("b", "second"), ("a", "dup")])
    assert [(t.name, t.description) for t in await repos.toolservers.tools()] == [
        ("a", "first"),
        ("b", "second"),
    ]
    await repos.toolservers.upsert(server, [("c", "")])
    assert [t.name for t in await repos.toolservers.tools(namespace="ns", server="gh")] == ["c"]
    assert [s.url for s in await repos.toolservers.servers()] == ["http://x/mcp"]
    await repos.toolservers.delete("RemoteMCPServer", "ns", "gh")
    assert await repos.toolservers.tools() == [] and await repos.toolservers.servers() == []


async def test_agents_cache_upserts_and_replaces(repos: Repositories) -> None:
    rec = AgentRecord(namespace="ns", name="a", agent_type="Declarative", ready=False)
    await repos.agents.upsert(rec)
    await repos.agents.upsert(rec.model_copy(update={"ready": True, "url": "http://a"}))
    got = await repos.agents.get("ns", "a")
    assert got is not None and got.ready and got.url == "http://a"
    await repos.agents.replace_all([AgentRecord(namespace="x", name="b", agent_type="BYO")])
    assert [(a.namespace, a.name) for a in await repos.agents.list()] == [("x", "b")]
    assert await repos.agents.delete("x", "b") and not await repos.agents.delete("x", "b")


async def test_feedback_is_listed_per_user(repos: Repositories) -> None:
    await repos.feedback.create("u", is_positive=True, text="great", message_id="m1")
    await repos.feedback.create("u", is_positive=False, issue_type="wrong", session_id="s")
    await repos.feedback.create("other", is_positive=True)
    mine = await repos.feedback.list("u")
    assert [f.is_positive for f in mine] == [False, True]
    assert [f.issue_type for f in await repos.feedback.list("u", session_id="s")] == ["wrong"]


async def test_usage_sums_by_group_over_a_time_range(repos: Repositories) -> None:
    now = datetime.now(UTC)
    rows = [
        ("ns1", "a", "u1", 10, 1, now - timedelta(hours=2)),
        ("ns1", "a", "u2", 20, 2, now - timedelta(minutes=5)),
        ("ns1", "b", "u1", 30, 3, now - timedelta(minutes=4)),
        ("ns2", "a", "u1", 40, 4, now - timedelta(minutes=3)),
    ]
    for ns, agent, user, tin, tout, at in rows:
        await repos.usage.record(
            agent_namespace=ns,
            agent_name=agent,
            user_id=user,
            input_tokens=tin,
            output_tokens=tout,
            created_at=at,
        )
    by_agent = await repos.usage.summary(group_by=["agent"], since=now - timedelta(hours=1))
    assert [(g.agent_namespace, g.agent_name, g.input_tokens, g.turns) for g in by_agent] == [
        ("ns1", "a", 20, 1),
        ("ns1", "b", 30, 1),
        ("ns2", "a", 40, 1),
    ]
    by_user = await repos.usage.summary(group_by=["user"])
    assert [(g.user_id, g.total_tokens) for g in by_user] == [("u1", 88), ("u2", 22)]
    total = await repos.usage.summary(group_by=[], namespace="ns1", until=now)
    assert [(g.turns, g.input_tokens, g.output_tokens) for g in total] == [(3, 60, 6)]
    assert await repos.usage.summary(group_by=[], since=now + timedelta(days=1)) == []


async def test_unowned_records_are_adopted_by_their_user(repos: Repositories) -> None:
    await repos.sessions.create(UNOWNED, session_id="ctx-u", scope=None)
    await repos.tasks.upsert(UNOWNED, "t-u", session_id="ctx-u", state="working", scope=None)
    assert await repos.sessions.list("alice") == [] and await repos.tasks.list("alice") == []
    adopted, created = await repos.sessions.create("alice", session_id="ctx-u")
    assert not created and adopted.user_id == "alice"
    task, _ = await repos.tasks.upsert("alice", "t-u", state="completed")
    assert (task.user_id, task.state) == ("alice", "completed")
    with pytest.raises(AlreadyExists):  # adopted: no longer anyone's to take
        await repos.sessions.create("bob", session_id="ctx-u")


async def test_write_behind_batches_claims_tasks_and_usage(repos: Repositories) -> None:
    writer = RecordWriter(repos, window=0.01)
    writer.start()
    await repos.sessions.create("bob", session_id="taken")
    for i in range(50):
        writer.submit(SessionClaim("alice", f"ctx-{i}", "ns", "agent", "alice"))
        writer.submit(
            TaskRecord(TaskWrite("alice", f"t-{i}", f"ctx-{i}", state="working"), "alice")
        )
        writer.submit(TaskRecord(TaskWrite("alice", f"t-{i}", state="completed"), "alice"))
    writer.submit(SessionClaim("alice", "taken", scope="alice"))  # someone else's: skipped
    usage = {"agent_namespace": "ns", "agent_name": "agent", "user_id": "alice",
             "input_tokens": 3, "output_tokens": 4}  # fmt: skip
    writer.submit(UsageRecord(usage))
    assert writer.pending_owner("ctx-0") == "alice"
    await writer.drain()
    assert writer.pending_owner("ctx-0") is None
    assert len(await repos.sessions.list("alice", limit=1000)) == 50
    tasks = await repos.tasks.list("alice", limit=1000)
    assert len(tasks) == 50 and {t.state for t in tasks} == {"completed"}
    assert (await repos.sessions.get(None, "taken")).user_id == "bob"
    [group] = await repos.usage.summary(group_by=["user"])
    assert (group.user_id, group.total_tokens) == ("alice", 7)
    await writer.close()
