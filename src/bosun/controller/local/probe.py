"""Is a workload serving yet? Small HTTP checks used by the supervisor for `Ready`.

An agent is Ready when it serves its agent card (as a cluster's readiness probe would
check); an MCP server when its HTTP endpoint answers at all (any status: a bare GET on an
MCP endpoint is allowed to be refused, but something must be listening). The caller hands
in one client for all its probes: a new httpx client loads the CA bundle (~30 ms of CPU),
and `bosun up` probes each starting workload four times a second.
"""

from __future__ import annotations

import httpx

AGENT_CARD_PATH = "/.well-known/agent-card.json"


async def serves_agent_card(
    client: httpx.AsyncClient, base_url: str, seconds: float = 2.0
) -> str | None:
    """None when the card is served; otherwise why not (for the status message)."""
    url = base_url.rstrip("/") + AGENT_CARD_PATH
    try:
        response = await client.get(url, timeout=seconds)
    except httpx.HTTPError as exc:
        return f"{url}: {type(exc).__name__}"
    if response.status_code != 200:
        return f"{url}: HTTP {response.status_code}"
    try:
        card = response.json()
    except ValueError:
        return f"{url}: not JSON"
    if not isinstance(card, dict) or "name" not in card:
        return f"{url}: not an agent card"
    return await _runtime_health(client, base_url, seconds)


async def _runtime_health(client: httpx.AsyncClient, base_url: str, seconds: float) -> str | None:
    """Bosun's runtime serves its card at once and loads its engine in the background;
    /health says when that is done. Agents without /health (BYO) pass on the card alone."""
    url = base_url.rstrip("/") + "/health"
    try:
        response = await client.get(url, timeout=seconds)
    except httpx.HTTPError as exc:
        return f"{url}: {type(exc).__name__}"
    if response.status_code == 404:
        return None
    try:
        body = response.json()
    except ValueError:
        body = {}
    status = body.get("status") if isinstance(body, dict) else None
    if response.status_code == 200 and status in (None, "ok"):
        return None
    if status == "starting":
        return "card served, loading the agent engine"
    detail = body.get("error") if isinstance(body, dict) else None
    return f"{url}: HTTP {response.status_code} {detail or status or ''}".rstrip()


async def answers_ok(client: httpx.AsyncClient, url: str, seconds: float = 2.0) -> str | None:
    """None when GET url is 200 (a health endpoint); otherwise why not."""
    try:
        response = await client.get(url, timeout=seconds)
    except httpx.HTTPError as exc:
        return f"{url}: {type(exc).__name__}"
    return None if response.status_code == 200 else f"{url}: HTTP {response.status_code}"


async def answers_http(client: httpx.AsyncClient, url: str, seconds: float = 2.0) -> str | None:
    """None when something answers HTTP at url (any status); otherwise why not."""
    headers = {"Accept": "text/event-stream, application/json"}
    try:
        async with client.stream("GET", url, headers=headers, timeout=seconds):
            pass  # headers arrived: it is listening (the body of an SSE GET never ends)
    except httpx.HTTPError as exc:
        return f"{url}: {type(exc).__name__}"
    return None
