"""An expired local agent token: 401 at the model gateway saying so, and not an agent at
the A2A proxy's Policy checks (caller_of)."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from gateway_harness import (
    USAGE_SCRIPT,
    agent,
    chat,
    gateway_plane,
    model_config,
    openai_path,
    secret,
)
from starlette.requests import Request

from bosun.gateway import tokens
from bosun.mockllm.testing import MockLLMFactory, mock_llm  # noqa: F401
from bosun.server.auth import User
from bosun.server.db import Database
from bosun.server.governance import caller_of, token_key


def _request(token: str) -> Request:
    headers = [(b"authorization", f"Bearer {token}".encode())]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers})


async def test_an_expired_token_is_refused_with_when_it_expired(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    llm = mock_llm(USAGE_SCRIPT)
    async with gateway_plane(database, tmp_path) as plane:
        for body in (secret(), model_config(llm.openai_base_url), agent()):
            await plane.store.apply(body)
        key = token_key(plane.settings.secret_key_file)
        expires = int(time.time()) - 5
        expired = tokens.agent_token(key, "default", "helper", expires=expires)
        headers = {"Authorization": f"Bearer {expired}"}
        refused = await plane.http.post(openai_path(), json=chat(), headers=headers)
        assert refused.status_code == 401, refused.text
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
        assert f"the agent's gateway token expired at {when}" in refused.text
        assert llm.llm_requests() == []
        fresh = await plane.http.post(openai_path(), json=chat(), headers=plane.auth())
        assert fresh.status_code == 200, fresh.text

        ctx: Any = SimpleNamespace(settings=plane.settings)
        user = User("admin@bosun.local")
        as_expired = await caller_of(ctx, _request(expired), user)
        assert as_expired.agent_namespace is None and as_expired.service_account is None
        as_fresh = await caller_of(ctx, _request(plane.token()), user)
        assert (as_fresh.agent_namespace, as_fresh.service_account) == (
            "default",
            "default/helper",
        )
