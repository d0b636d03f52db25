"""The agent runtime sends the turn's user (X-Bosun-User) only to the model gateway:
a gateway-routed model's HTTP client adds it inside `calls_for_user`, a provider's not."""

from __future__ import annotations

import httpx2

from bosun.api import gateway as contract
from bosun.api.config import OpenAIModel
from bosun.runtime.credential import calls_for_user
from bosun.runtime.models import _http_client


async def _sent_headers(client: httpx2.AsyncClient) -> httpx2.Headers:
    request = client.build_request("POST", "http://gateway.invalid/v1/chat/completions")
    for hook in client.event_hooks["request"]:
        await hook(request)
    return request.headers


async def test_only_gateway_routed_models_send_the_user() -> None:
    routed = OpenAIModel(model="gpt-4o", api_key_env=contract.TOKEN_ENV,
                         api_key_file="/nonexistent/token")  # fmt: skip
    client = _http_client(routed)
    assert client is not None
    async with client:
        assert "x-bosun-user" not in await _sent_headers(client)  # no turn, no user
        with calls_for_user("alice"):
            assert (await _sent_headers(client))["x-bosun-user"] == "alice"
        assert "x-bosun-user" not in await _sent_headers(client)
    direct = OpenAIModel(model="gpt-4o", api_key_env="OPENAI_API_KEY")
    with calls_for_user("alice"):
        assert _http_client(direct) is None  # the SDK's own client: no user header
