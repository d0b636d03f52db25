"""Helpers of the A2A conformance tests: schemas, wire-name checks, clients per binding.

- `v1_schema(message)`: a strict JSON schema for an A2A 1.0 message, generated from the
  protobuf descriptor the a2a-sdk ships (compiled from the normative a2a.proto): JSON
  names, REQUIRED field behaviour, enums by name, no properties beyond the message's.
  No JSON schema file of A2A 1.0 ships in a package (the a2a-sdk ships the proto; the
  specification repository's `specification/json/a2a.json` is the 0.2/0.3 one), so the
  schema is derived from the same source the specification's JSON is generated from.
- `v03_card_schema()`: the 0.3 AgentCard schema, from the a2a-sdk's 0.3 models (generated
  from the 0.3 specification's a2a.json).
- `non_camel_keys(value)`: every JSON key that is not camelCase.
- `client(url, binding=..., version=...)`: an official a2a-sdk client for one binding and
  protocol version (the 0.3 transports are the sdk's compat ones).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
from a2a.client import ClientConfig, ClientFactory
from a2a.client.card_resolver import A2ACardResolver
from google.api import field_behavior_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor

CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
_SCALARS = {
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number"},
    FieldDescriptor.TYPE_INT32: {"type": "integer"},
    FieldDescriptor.TYPE_INT64: {"type": ["integer", "string"]},
}
_WELL_KNOWN = {
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.Timestamp": {"type": "string"},
}


def _field_schema(field: FieldDescriptor, defs: dict[str, Any]) -> dict[str, Any]:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        value = field.message_type.fields_by_name["value"]
        return {"type": "object", "additionalProperties": _single(value, defs)}
    single = _single(field, defs)
    if field.is_repeated:
        return {"type": "array", "items": single}
    return single


def _single(field: FieldDescriptor, defs: dict[str, Any]) -> dict[str, Any]:
    if field.enum_type is not None:
        return {"enum": [v.name for v in field.enum_type.values]}
    if field.message_type is not None:
        name = field.message_type.full_name
        if name in _WELL_KNOWN:
            return _WELL_KNOWN[name]
        _define(field.message_type, defs)
        return {"$ref": f"#/$defs/{name}"}
    return _SCALARS.get(field.type, {})


def _define(message: Descriptor, defs: dict[str, Any]) -> None:
    if message.full_name in defs:
        return
    defs[message.full_name] = {}  # placeholder against recursion
    properties, required = {}, []
    for field in message.fields:
        properties[field.json_name] = _field_schema(field, defs)
        behaviours = field.GetOptions().Extensions[field_behavior_pb2.field_behavior]
        if field_behavior_pb2.REQUIRED in behaviours:
            required.append(field.json_name)
    defs[message.full_name] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def v1_schema(message: Any) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    _define(message.DESCRIPTOR, defs)
    return {"$ref": f"#/$defs/{message.DESCRIPTOR.full_name}", "$defs": defs}


def v03_card_schema() -> dict[str, Any]:
    from a2a.compat.v0_3.types import AgentCard as AgentCardV03

    schema: dict[str, Any] = AgentCardV03.model_json_schema(by_alias=True)
    return schema


def non_camel_keys(
    value: Any, path: str = "$", *, skip: frozenset[str] = frozenset()
) -> Iterator[str]:
    """Paths of keys that are not camelCase. Values under a key in `skip` are data, not
    protocol fields (a tool's own argument names), and are not walked."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if not (CAMEL.match(key) or key == "@type"):
                yield f"{path}.{key}"
            if key not in skip:
                yield from non_camel_keys(inner, f"{path}.{key}", skip=skip)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from non_camel_keys(inner, f"{path}[{index}]", skip=skip)


async def client(url: str, http: httpx.AsyncClient, *, binding: str, version: str = "1.0") -> Any:
    """An a2a-sdk client that talks `binding` ("JSONRPC" or "HTTP+JSON") at `version`."""
    card = await A2ACardResolver(http, url).get_agent_card()
    keep = [
        i for i in card.supported_interfaces
        if i.protocol_binding == binding and i.protocol_version == version
    ]  # fmt: skip
    assert keep, f"the card lists no {binding} {version} interface"
    del card.supported_interfaces[:]
    card.supported_interfaces.extend(keep)
    config = ClientConfig(streaming=True, httpx_client=http, supported_protocol_bindings=[binding])
    return ClientFactory(config).create(card)


def sse_payloads(text: str) -> list[str]:
    """The data of each event of an SSE body."""
    found = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].lstrip() for line in block.split("\n") if line.startswith("data:")]
        if data:
            found.append("\n".join(data))
    return found
