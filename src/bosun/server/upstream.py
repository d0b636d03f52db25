"""The A2A proxy's pooled HTTP client to agents (aiohttp), opened by app.py's lifespan.

Why not the httpx clients the rest of the server uses: on the bench machine an httpx
request cost the proxy ~1.3 ms of CPU (its pure-Python HTTP parsing, pool bookkeeping and
anyio layers), two thirds of a proxied call; aiohttp, whose parser is C, costs ~0.08 ms
(docs/performance.md). aiohttp is a dependency already (the operator's Kubernetes
client uses it too).

- `Upstream` holds two pools, as the httpx clients did: plain calls (128 connections at
  most) and streams (no limit: an open SSE stream holds its connection while the agent
  works). Timeouts: connect 10 s, waiting for a pooled connection 30 s, and
  `proxy_timeout` between two reads of the answer. No redirects, no proxy settings from
  the environment, no decompression (the SSE tap reads the bytes as sent).
- `send()` returns an `UpstreamResponse` with the few things the proxy and a2a_broken.py
  read of an answer (`status_code`, `headers`, `aiter_raw`/`aiter_bytes`, `aclose`).
- aiohttp's errors are raised as the httpx exception of the same meaning (connect error,
  timeout, connection closed mid-answer), so the proxy's error handling and a2a_broken's
  words for them stay one family: `httpx.HTTPError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx
from yarl import URL

# What aiohttp would add on its own: httpx added none of these to a proxied request.
_SKIP_AUTO = frozenset({"Content-Type", "User-Agent", "Accept"})


@contextmanager
def _as_httpx(url: str) -> Iterator[None]:
    """aiohttp's exceptions as httpx's (see the module docstring)."""
    request = httpx.Request("POST", url)
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "connect timeout", request=request) from exc
    except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise httpx.ReadTimeout(str(exc) or "read timeout", request=request) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(str(exc), request=request) from exc
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
        raise httpx.RemoteProtocolError(str(exc) or "connection closed", request=request) from exc
    except aiohttp.ClientResponseError as exc:
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except (aiohttp.ClientOSError, ConnectionError) as exc:
        raise httpx.ReadError(str(exc) or "connection reset", request=request) from exc
    except aiohttp.ClientError as exc:
        raise httpx.TransportError(str(exc) or type(exc).__name__, request=request) from exc


class UpstreamResponse:
    """An agent's answer, read as it arrives."""

    def __init__(self, response: aiohttp.ClientResponse, url: str) -> None:
        self._response = response
        self._url = url
        self._done = False
        self.status_code = response.status
        self.headers: Mapping[str, str] = response.headers

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body's bytes as they come (chunked framing removed, nothing decoded)."""
        with _as_httpx(self._url):
            async for chunk in self._response.content.iter_any():
                yield chunk
        self._done = True

    aiter_bytes = aiter_raw  # nothing is decompressed: the same bytes

    async def aread(self) -> bytes:
        with _as_httpx(self._url):
            body = await self._response.read()
        self._done = True
        return body

    async def aclose(self) -> None:
        """Back to the pool when read to the end, else closed (the agent sees the caller
        leave: its stream ends)."""
        if self._done:
            self._response.release()
        else:
            self._response.close()


class Upstream:
    def __init__(self, proxy_timeout: float) -> None:
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=30.0, sock_connect=10.0, sock_read=proxy_timeout
        )
        self._plain: aiohttp.ClientSession | None = None
        self._streams: aiohttp.ClientSession | None = None

    def _session(self, limit: int) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=limit, limit_per_host=0, keepalive_timeout=30)
        return aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            auto_decompress=False,
            trust_env=False,
            skip_auto_headers=_SKIP_AUTO,
            raise_for_status=False,
        )

    async def send(
        self,
        method: str,
        url: str,
        *,
        query: bytes = b"",
        headers: Mapping[str, str],
        body: bytes,
        stream: bool = False,
    ) -> UpstreamResponse:
        """Send one request; the answer's body is read from the result. Raises
        httpx.HTTPError subclasses (see the module docstring)."""
        if stream:
            self._streams = self._streams or self._session(0)
            session = self._streams
        else:
            self._plain = self._plain or self._session(128)
            session = self._plain
        target = URL(url + ("?" + query.decode("latin-1") if query else ""), encoded=True)
        with _as_httpx(url):
            response = await session.request(
                method, target, headers=dict(headers), data=body, allow_redirects=False
            )
        return UpstreamResponse(response, url)

    async def aclose(self) -> None:
        for session in (self._plain, self._streams):
            if session is not None:
                await session.close()
        self._plain = self._streams = None


def query_of(scope: Mapping[str, Any]) -> bytes:
    """The raw query string of an ASGI request (forwarded as sent)."""
    return bytes(scope.get("query_string", b""))
