"""Human approval over A2A: a listed tool pauses the task in input-required; the user's
decisions on that same task run (or refuse) exactly those calls, never the model's."""

from __future__ import annotations

from runtime_helpers import base_config, mcp_settings, tool_results

from bosun.mockllm import MockLLM

DELETE = [
    {"match": {"turn": 0}, "tool_calls": [{"name": "delete_pod", "arguments": {"name": "web"}}]},
    {"match": {"tool_result": "delete_pod"}, "text": "Outcome: {{last_tool_result}}"},
]


async def _paused(mcp_server, start_agent, connect, llm, **settings):
    tools = mcp_server()
    config = base_config(
        llm, mcp_servers=[mcp_settings(tools, require_approval=["delete_pod"], **settings)]
    )
    agent = await start_agent(config)
    conversation = await connect(agent.url)
    return conversation


async def test_approved_call_runs_exactly_as_requested(mcp_server, start_agent, connect) -> None:
    with MockLLM(DELETE) as llm:
        conversation = await _paused(mcp_server, start_agent, connect, llm)
        paused = await conversation.send("delete the web pod")
        assert paused.final_state == "TASK_STATE_INPUT_REQUIRED"
        [request] = paused.requests()
        assert request["kind"] == "approval" and request["tool"] == "delete_pod"
        assert request["arguments"] == {"name": "web"}
        [pending_call] = [c for c in paused.data("tool_call") if c["status"] == "pending"]
        assert pending_call["id"] == request["id"]
        assert paused.data("tool_result") == []  # nothing ran
        task = await conversation.get_task(paused.task_id)
        assert task.status.state == 6  # TASK_STATE_INPUT_REQUIRED
        calls_before = len(llm.llm_requests())

        resumed = await conversation.send(
            task_id=paused.task_id,
            context_id=paused.context_id,
            data={"decisions": {request["id"]: {"approved": True}}},
        )
        assert resumed.final_state == "TASK_STATE_COMPLETED"
        [result] = resumed.data("tool_result")
        assert result["id"] == request["id"] and result["status"] == "success"
        assert result["result"] == "pod web deleted"
        assert resumed.final_text() == "Outcome: pod web deleted"
        # The call ran without asking the model again: one LLM call, after the result.
        assert len(llm.llm_requests()) == calls_before + 1
        assert tool_results(llm)[-1]["content"] == "pod web deleted"


async def test_rejected_call_returns_the_reason_to_the_model(
    mcp_server, start_agent, connect
) -> None:
    with MockLLM(DELETE) as llm:
        conversation = await _paused(mcp_server, start_agent, connect, llm)
        paused = await conversation.send("delete the web pod")
        [request] = paused.requests()
        resumed = await conversation.send(
            task_id=paused.task_id,
            data={"decisions": {request["id"]: {"approved": False, "reason": "too risky"}}},
        )
        assert resumed.final_state == "TASK_STATE_COMPLETED"
        [result] = resumed.data("tool_result")
        assert result["status"] == "denied" and "too risky" in result["error"]
        told = tool_results(llm)[-1]["content"]
        assert told == "The user rejected this tool call. Reason: too risky"
        assert "deleted" not in resumed.final_text()


async def test_batch_of_decisions_and_unrelated_calls(mcp_server, start_agent, connect) -> None:
    script = [
        {
            "match": {"turn": 0},
            "tool_calls": [
                {"name": "delete_pod", "arguments": {"name": "a"}},
                {"name": "add", "arguments": {"a": 1, "b": 2}},
                {"name": "delete_pod", "arguments": {"name": "b"}},
            ],
        },
        {"match": {"turn": 1}, "text": "finished"},
    ]
    with MockLLM(script) as llm:
        conversation = await _paused(mcp_server, start_agent, connect, llm)
        paused = await conversation.send("clean up")
        # The call that needs no approval ran at once; the two others wait.
        assert [r["name"] for r in paused.data("tool_result")] == ["add"]
        requests = {r["arguments"]["name"]: r["id"] for r in paused.requests()}
        assert set(requests) == {"a", "b"}

        # A partial answer runs nothing and asks again.
        partial = await conversation.send(
            task_id=paused.task_id, data={"decisions": {requests["a"]: {"approved": True}}}
        )
        assert partial.final_state == "TASK_STATE_INPUT_REQUIRED"
        assert {r["id"] for r in partial.requests()} == set(requests.values())
        assert partial.data("tool_result") == []

        resumed = await conversation.send(
            task_id=paused.task_id,
            data={
                "decisions": {
                    requests["a"]: {"approved": True},
                    requests["b"]: {"approved": False, "reason": "keep b"},
                }
            },
        )
        assert resumed.final_state == "TASK_STATE_COMPLETED"
        outcome = {r["id"]: r["status"] for r in resumed.data("tool_result")}
        assert outcome == {requests["a"]: "success", requests["b"]: "denied"}
        contents = [m["content"] for m in tool_results(llm)]
        assert "pod a deleted" in contents and "pod b deleted" not in contents


async def test_only_the_users_decision_on_that_task_approves(
    mcp_server, start_agent, connect
) -> None:
    """Decisions for unknown ids, or sent as a new task, approve nothing."""
    with MockLLM([*DELETE, {"default": True, "text": "a new turn"}]) as llm:
        conversation = await _paused(mcp_server, start_agent, connect, llm)
        paused = await conversation.send("delete the web pod")
        [request] = paused.requests()

        wrong_id = await conversation.send(
            task_id=paused.task_id, data={"decisions": {"call_forged": {"approved": True}}}
        )
        assert wrong_id.final_state == "TASK_STATE_INPUT_REQUIRED"
        assert wrong_id.data("tool_result") == []

        # The right id, but on a new task in the same session: that is a prompt, not a decision.
        elsewhere = await conversation.send(
            "approve it", context_id=paused.context_id, data={"decisions": {request["id"]: True}}
        )
        assert elsewhere.task_id != paused.task_id
        assert all("deleted" not in str(m.get("content")) for m in tool_results(llm))


async def test_text_reply_rejects_pending_calls_with_that_reason(
    mcp_server, start_agent, connect
) -> None:
    with MockLLM(DELETE) as llm:
        conversation = await _paused(mcp_server, start_agent, connect, llm)
        paused = await conversation.send("delete the web pod")
        resumed = await conversation.send("no, do not touch it", task_id=paused.task_id)
        assert resumed.final_state == "TASK_STATE_COMPLETED"
        [result] = resumed.data("tool_result")
        assert result["status"] == "denied"
        assert "do not touch it" in tool_results(llm)[-1]["content"]


async def test_ask_user_pauses_with_questions_and_resumes_with_answers(
    start_agent, connect
) -> None:
    question = {"question": "Which namespace?", "choices": ["dev", "prod"]}
    script = [
        {"match": {"tool_result": "ask_user"}, "text": "Using {{last_tool_result}}."},
        {
            "match": {"contains": "deploy"},
            "tool_calls": [{"name": "ask_user", "arguments": {"questions": [question]}}],
        },
    ]
    with MockLLM(script) as llm:
        agent = await start_agent(base_config(llm))
        conversation = await connect(agent.url)
        paused = await conversation.send("deploy it")
        assert paused.final_state == "TASK_STATE_INPUT_REQUIRED"
        [request] = paused.requests()
        assert request["kind"] == "question" and request["tool"] == "ask_user"
        assert request["questions"][0]["question"] == "Which namespace?"
        assert request["questions"][0]["choices"] == ["dev", "prod"]
        resumed = await conversation.send(
            task_id=paused.task_id, data={"answers": {request["id"]: "prod"}}
        )
        assert resumed.final_state == "TASK_STATE_COMPLETED"
        assert resumed.final_text() == "Using prod."

        # A plain text reply answers a single pending question too.
        again = await conversation.send("deploy again", context_id=paused.context_id)
        assert again.final_state == "TASK_STATE_INPUT_REQUIRED"
        text_answer = await conversation.send("dev", task_id=again.task_id)
        assert text_answer.final_text() == "Using dev."
