"""What the gateway records about each request it answers: GenAI metrics for forwarded
calls and `bosun_budget_rejections_total` for Policy refusals on the control plane's
/metrics, and one `llm` audit record per request (forwarded, refused, unauthorized) in
GET /api/audit, with who, agent, model, outcome and tokens, and no prompt, key or token."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from gateway_harness import (
    REAL_KEY,
    USAGE_SCRIPT,
    agent,
    chat,
    gateway_plane,
    model_config,
    openai_path,
    policy,
    secret,
)
from prometheus_client.parser import text_string_to_metric_families

from bosun.mockllm.testing import MockLLMFactory, mock_llm  # noqa: F401
from bosun.server.db import Database

PROMPT = "my password is hunter2, summarise it"


async def _sample(http: httpx.AsyncClient, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels` (0 when none)."""
    text = (await http.get("/metrics")).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                total += sample.value
    return total


async def test_gateway_calls_are_measured_and_audited(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    llm = mock_llm(USAGE_SCRIPT)
    ns = f"rec-{database.dialect}"  # metrics are per process: a namespace of this test's own
    genai = {"agent": "helper", "namespace": ns, "gen_ai_provider_name": "openai",
             "gen_ai_request_model": "gpt-4o"}  # fmt: skip
    async with gateway_plane(database, tmp_path) as plane:
        http = plane.http
        for body in (secret(ns=ns), model_config(llm.openai_base_url, ns=ns), agent(ns=ns)):
            await plane.store.apply(body)
        budget = {"name": "hourly", "window": "1h", "tokens": 100}  # two calls of 60
        await plane.store.apply(policy(ns=ns, limits=[budget]))
        path, auth = openai_path(ns=ns), plane.auth(namespace=ns)
        tokens_before = await _sample(
            http, "gen_ai_client_token_usage_sum", **genai, gen_ai_token_type="input"
        )
        rejected_before = await _sample(http, "bosun_budget_rejections_total", namespace=ns)

        ok = await http.post(path, json=chat(PROMPT), headers={**auth, "X-Bosun-User": "alice"})
        assert ok.status_code == 200, ok.text
        streamed = await http.post(path, json=chat(PROMPT, stream=True), headers=auth)
        assert streamed.status_code == 200
        over = await http.post(path, json=chat(PROMPT), headers=auth)
        assert over.status_code == 429, over.text
        await plane.store.apply(policy("models", ns=ns, models={"allow": ["claude-*"]}))
        forbidden = await http.post(path, json=chat(PROMPT), headers=auth)
        assert forbidden.status_code == 403, forbidden.text
        bad = await http.post(path, json=chat(PROMPT), headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401

        # --- /metrics -------------------------------------------------------------------
        tokens = await _sample(
            http, "gen_ai_client_token_usage_sum", **genai, gen_ai_token_type="input"
        )
        assert tokens - tokens_before == 80  # 40 input tokens per forwarded call, streamed too
        calls = await _sample(
            http, "gen_ai_client_operation_duration_seconds_count", **genai, error_type=""
        )
        assert calls >= 2
        rejected = await _sample(http, "bosun_budget_rejections_total", namespace=ns)
        assert rejected - rejected_before == 2
        by_reason = {
            reason: await _sample(http, "bosun_budget_rejections_total", namespace=ns,
                                  agent="helper", policy=f"{ns}/{name}", reason=reason)
            for name, reason in (("governance", "tokens"), ("models", "model"))
        }  # fmt: skip
        assert by_reason == {"tokens": 1, "model": 1}, by_reason

        # --- audit ------------------------------------------------------------------------
        await plane.app.state.ctx.writer.drain()
        listed = await http.get("/api/audit", params={"kind": "llm", "namespace": ns})
        assert listed.status_code == 200, listed.text
        records = [r for r in listed.json() if r["action"] == "gateway.openai"]
    got = sorted((r["outcome"], r["user_id"], r["input_tokens"], r["output_tokens"])
                 for r in records)  # fmt: skip
    caller = f"agent:{ns}/helper"
    assert got == sorted([
        ("success", "alice", 40, 20), ("success", caller, 40, 20),
        ("refused", caller, None, None), ("refused", caller, None, None),
        ("unauthorized", "-", None, None),
    ]), got  # fmt: skip
    assert {r["agent"] for r in records} == {"helper"}
    assert {r["target"] for r in records if r["outcome"] != "unauthorized"} == {"gpt-4o"}
    budget_record = next(r for r in records if r["details"].get("reason") == "tokens")
    assert budget_record["details"]["policy"] == f"{ns}/governance"
    assert budget_record["details"]["rule"] == "spec.limits[0]"
    assert "resets at" in budget_record["details"]["message"]
    streamed_record = [r for r in records if r["details"].get("streamed")]
    assert len(streamed_record) == 1 and streamed_record[0]["details"]["caller"] == caller
    everything = json.dumps(records)
    assert REAL_KEY not in everything and plane.token(namespace=ns) not in everything
    assert "hunter2" not in everything and "nope" not in everything
