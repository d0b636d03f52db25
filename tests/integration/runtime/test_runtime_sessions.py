"""Sessions survive a restart: same contextId, history intact, old tasks still readable;
a paused approval can even be answered after the restart."""

from __future__ import annotations

from a2a.types import ListTasksRequest, TaskState
from runtime_helpers import base_config, mcp_settings, tool_results

from bosun.mockllm import MockLLM


async def test_restart_continues_the_same_context_with_history(
    start_agent, connect, tmp_path
) -> None:
    script = [
        {"match": {"contains": "My name is"}, "text": "Nice to meet you."},
        {"match": {"contains": "What is my name"}, "text": "You told me before."},
    ]
    data = tmp_path / "sessions"
    with MockLLM(script) as llm:
        first = await start_agent(base_config(llm), name="first", data_dir=data)
        conversation = await connect(first.url)
        hello = await conversation.send("My name is Ada.")
        assert hello.final_text() == "Nice to meet you."
        await first.stop()

        second = await start_agent(base_config(llm), name="second", data_dir=data)
        again = await connect(second.url)
        answer = await again.send("What is my name?", context_id=hello.context_id)
        assert answer.final_text() == "You told me before."
        sent = llm.llm_requests()[-1].body["messages"]
        assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
        assert sent[1]["content"] == "My name is Ada."
        assert sent[2]["content"] == "Nice to meet you."

        # Tasks from before the restart are still there.
        old = await again.get_task(hello.task_id)
        assert old.status.state == TaskState.TASK_STATE_COMPLETED
        assert old.status.message.parts[0].text == "Nice to meet you."
        listed = await again.client.list_tasks(ListTasksRequest(context_id=hello.context_id))
        assert {t.id for t in listed.tasks} == {hello.task_id, answer.task_id}


async def test_approval_answered_after_a_restart(
    mcp_server, start_agent, connect, tmp_path
) -> None:
    tools = mcp_server()
    script = [
        {"match": {"turn": 0}, "tool_calls": [{"name": "delete_pod", "arguments": {"name": "x"}}]},
        {"match": {"tool_result": "delete_pod"}, "text": "{{last_tool_result}}"},
    ]
    data = tmp_path / "sessions"
    with MockLLM(script) as llm:
        config = base_config(
            llm, mcp_servers=[mcp_settings(tools, require_approval=["delete_pod"])]
        )
        first = await start_agent(config, name="first", data_dir=data)
        paused = await (await connect(first.url)).send("delete x")
        [request] = paused.requests()
        await first.stop()

        second = await start_agent(config, name="second", data_dir=data)
        conversation = await connect(second.url)
        resumed = await conversation.send(
            task_id=paused.task_id,
            context_id=paused.context_id,
            data={"decisions": {request["id"]: {"approved": True}}},
        )
        assert resumed.final_state == "TASK_STATE_COMPLETED"
        assert resumed.final_text() == "pod x deleted"
        assert tool_results(llm)[-1]["content"] == "pod x deleted"
