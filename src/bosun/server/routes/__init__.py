"""HTTP routes, one module per area; `ROUTERS` is what app.py mounts (A2A and /mcp apart)."""

from __future__ import annotations

from fastapi import APIRouter

from bosun.server.routes import (
    agents,
    audit,
    auth_config,
    feedback,
    files,
    health,
    me,
    memories,
    modelconfigs,
    push_key,
    resources,
    sessions,
    tasks,
    toolservers,
    usage,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    agents.router,
    modelconfigs.router,
    toolservers.router,
    resources.router,
    sessions.router,
    tasks.router,
    feedback.router,
    usage.router,
    me.router,
    auth_config.router,
    audit.router,
    memories.router,
    files.router,
    push_key.router,
)
