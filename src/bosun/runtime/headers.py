"""Headers for outgoing calls (MCP servers, sub-agents): literal ones and secret ones from env.

config.json never holds a secret header value: it names the environment variable that
does (the Deployment fills it from a Secret). Used by toolsets.mcp and toolsets.remote_agent.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Protocol

log = logging.getLogger("bosun.runtime")


class HasHeaders(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def headers_from_env(self) -> Mapping[str, str]: ...


def resolve_headers(settings: HasHeaders) -> dict[str, str]:
    """Literal headers plus those whose values come from environment variables."""
    headers = dict(settings.headers)
    for name, env in settings.headers_from_env.items():
        value = os.environ.get(env)
        if value is None:
            log.warning("%s: header %s not sent, env var %s is not set", settings.name, name, env)
            continue
        headers[name] = value
    return headers
