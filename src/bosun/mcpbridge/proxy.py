"""The MCP server that HTTP clients talk to: every request is forwarded to the one child.

A low-level `mcp` Server whose handlers call the supervisor's current ClientSession, so
any number of HTTP sessions (Streamable HTTP, either protocol era, or legacy SSE) share a
single stdio session; JSON-RPC ids keep concurrent requests apart. Errors from the child
pass through unchanged; a child that is not ready or dies mid-request becomes an error
that says so. The child's progress notifications for a tools/call reach the HTTP client
that asked for them (a progressToken in its request). Not forwarded: the child's other
notifications (logging, list_changed), and server-to-client requests (sampling, elicitation).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import mcp_types as types
from mcp import ClientSession
from mcp.server import Server, ServerRequestContext
from mcp.shared.dispatcher import ProgressFnT
from mcp.shared.exceptions import MCPError
from pydantic import TypeAdapter

from bosun.mcpbridge.supervisor import ChildSupervisor, NotReady, describe_error

T = TypeVar("T")


class ForwardingServer:
    """Builds the forwarding `Server`; `wait_timeout` bounds waiting for a (re)start."""

    def __init__(
        self, supervisor: ChildSupervisor, *, name: str, wait_timeout: float = 15.0
    ) -> None:
        self.supervisor = supervisor
        self.wait_timeout = wait_timeout
        # Input schemas from the last listings, for the 2026 Mcp-Param header check of
        # tools/call: without it the SDK re-lists the tools (a child round trip) per call.
        self._input_schemas: dict[str, dict[str, Any]] = {}
        self.server: Server[Any] = Server(
            name,
            get_tool_input_schema=self._input_schemas.get,
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_list_resources=self.list_resources,
            on_list_resource_templates=self.list_resource_templates,
            on_read_resource=self.read_resource,
            on_list_prompts=self.list_prompts,
            on_get_prompt=self.get_prompt,
            on_completion=self.complete,
        )

    async def _forward(
        self, capability: str | None, call: Callable[[ClientSession], Awaitable[T]]
    ) -> T:
        try:
            session = await self.supervisor.session(self.wait_timeout)
        except NotReady as exc:
            raise MCPError(types.INTERNAL_ERROR, str(exc)) from None
        if capability is not None and not _has(session, capability):
            raise MCPError(
                types.METHOD_NOT_FOUND, f"the stdio MCP server does not offer {capability}"
            )
        try:
            return await call(session)
        except MCPError as exc:
            if exc.code != types.CONNECTION_CLOSED:
                raise  # the child's own answer, passed through as is
            raise MCPError(types.INTERNAL_ERROR, self._died_message()) from None
        except Exception as exc:
            if self.supervisor.status().ready:
                message = f"forwarding to the stdio MCP server failed: {describe_error(exc)}"
            else:
                message = self._died_message()
            raise MCPError(types.INTERNAL_ERROR, message) from None

    def _died_message(self) -> str:
        status = self.supervisor.status()
        return f"the stdio MCP server went away during the request ({status.reason})"

    async def _list_or_empty(
        self, capability: str, empty: T, call: Callable[[ClientSession], Awaitable[T]]
    ) -> T:
        # Clients list every kind of thing a server might have; a child without prompts
        # should answer "none", not an error.
        async def listing(session: ClientSession) -> T:
            return await call(session) if _has(session, capability) else empty

        return await self._forward(None, listing)

    async def list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        result = await self._list_or_empty(
            "tools", types.ListToolsResult(tools=[]), lambda s: s.list_tools(params=params)
        )
        self._input_schemas.update((tool.name, tool.input_schema) for tool in result.tools)
        return result

    async def call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        # send_request, not ClientSession.call_tool: that one validates structured output
        # against the schema (listing the tools first); the HTTP client does it, and a
        # proxy should hand over what the child said. The incoming `_meta` belongs to the
        # HTTP hop (protocol version, capabilities) and is not passed on.
        request = types.CallToolRequest(
            params=types.CallToolRequestParams(
                name=params.name,
                arguments=params.arguments,
                input_responses=params.input_responses,
                request_state=params.request_state,
            )
        )
        progress = _relay_progress(ctx)
        return await self._forward(
            "tools",
            lambda s: s.send_request(request, _CALL_TOOL_RESULT, progress_callback=progress),
        )

    async def list_resources(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return await self._list_or_empty(
            "resources",
            types.ListResourcesResult(resources=[]),
            lambda s: s.list_resources(params=params),
        )

    async def list_resource_templates(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return await self._list_or_empty(
            "resources",
            types.ListResourceTemplatesResult(resource_templates=[]),
            lambda s: s.list_resource_templates(params=params),
        )

    async def read_resource(
        self, ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult | types.InputRequiredResult:
        return await self._forward(
            "resources",
            lambda s: s.read_resource(
                str(params.uri),
                input_responses=params.input_responses,
                request_state=params.request_state,
                allow_input_required=True,
            ),
        )

    async def list_prompts(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        return await self._list_or_empty(
            "prompts", types.ListPromptsResult(prompts=[]), lambda s: s.list_prompts(params=params)
        )

    async def get_prompt(
        self, ctx: ServerRequestContext[Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult | types.InputRequiredResult:
        return await self._forward(
            "prompts",
            lambda s: s.get_prompt(
                params.name,
                params.arguments,
                input_responses=params.input_responses,
                request_state=params.request_state,
                allow_input_required=True,
            ),
        )

    async def complete(
        self, ctx: ServerRequestContext[Any], params: types.CompleteRequestParams
    ) -> types.CompleteResult:
        context = params.context.arguments if params.context is not None else None
        return await self._forward(
            "completions",
            lambda s: s.complete(
                params.ref,
                params.argument.model_dump(),
                context_arguments=context,
            ),
        )


_CALL_TOOL_RESULT: TypeAdapter[types.CallToolResult | types.InputRequiredResult] = TypeAdapter(
    types.CallToolResult | types.InputRequiredResult
)


def _relay_progress(ctx: ServerRequestContext[Any]) -> ProgressFnT | None:
    """A progress callback for the child's request that reports to the HTTP client, when
    that client sent a progressToken (the child gets a token of the bridge's own)."""
    meta = ctx.meta or {}
    if meta.get("progress_token", meta.get("progressToken")) is None:
        return None

    async def relay(progress: float, total: float | None, message: str | None) -> None:
        await ctx.session.report_progress(progress, total, message)

    return relay


def _has(session: ClientSession, capability: str) -> bool:
    capabilities = session.server_capabilities
    return capabilities is not None and getattr(capabilities, capability, None) is not None
