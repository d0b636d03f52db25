"""Small shared pieces of the routes: path parameter types, list envelopes, paging."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel

from bosun.api.base import DNS1123_LABEL, DNS1123_SUBDOMAIN

NamespacePath = Annotated[str, Path(max_length=63, pattern=DNS1123_LABEL)]
NamePath = Annotated[str, Path(max_length=253, pattern=DNS1123_SUBDOMAIN)]
IdPath = Annotated[str, Path(min_length=1, max_length=255)]
AGENT_REF = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"
"""namespace/name, or name (in namespace default)."""
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


class Items(BaseModel):
    """A list of objects in wire form."""

    items: list[dict[str, Any]]


def split_agent_ref(ref: str) -> tuple[str, str]:
    """'namespace/name' or 'name' (namespace default)."""
    namespace, _, name = ref.rpartition("/")
    return (namespace or "default", name)
