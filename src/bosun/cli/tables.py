"""kubectl-like output for `bosun get` and `bosun describe`.

Columns come from each kind's printer columns (`KindInfo.printer_columns`, the same ones
the CRDs give kubectl), so `bosun get agents` and `kubectl get agents` show the same
table. Only the JSONPath forms those columns use are understood: `.a.b`,
`.a[?(@.k=="v")].b` and `.a[*].b`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import yaml

_FILTER = re.compile(r'^(\w+)\[\?\(@\.(\w+)=="([^"]*)"\)\]$')
_ALL = re.compile(r"^(\w+)\[\*\]$")


def json_path(obj: Any, path: str) -> list[Any]:
    """Values at a (simple) JSONPath; [] when absent."""
    values = [obj]
    for part in _split(path):
        found: list[Any] = []
        filtered = _FILTER.match(part)
        every = _ALL.match(part)
        for value in values:
            if not isinstance(value, dict):
                continue
            if filtered:
                field, key, wanted = filtered.groups()
                found += [
                    item
                    for item in value.get(field) or []
                    if isinstance(item, dict) and str(item.get(key)) == wanted
                ]
            elif every:
                found += list(value.get(every.group(1)) or [])
            elif part in value and value[part] is not None:
                found.append(value[part])
        values = found
    return values


def _split(path: str) -> list[str]:
    """'.a[?(@.t=="x.y")].b' -> ['a[?(@.t=="x.y")]', 'b']: dots in brackets are kept."""
    parts: list[str] = []
    current, quoted, depth = "", False, 0
    for ch in path.lstrip("."):
        if ch == '"':
            quoted = not quoted
        elif ch == "[" and not quoted:
            depth += 1
        elif ch == "]" and not quoted:
            depth -= 1
        if ch == "." and not quoted and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current:
        parts.append(current)
    return parts


def age(timestamp: str | None, now: datetime | None = None) -> str:
    """kubectl's AGE: 45s, 12m, 3h4m, 5d."""
    if not timestamp:
        return "<unknown>"
    try:
        then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return "<unknown>"
    seconds = int(((now or datetime.now(UTC)) - then).total_seconds())
    if seconds < 120:
        return f"{max(seconds, 0)}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h{minutes % 60}m" if hours < 3 else f"{hours}h"
    return f"{hours // 24}d"


def cell(obj: dict[str, Any], path: str, type_: str) -> str:
    values = json_path(obj, path)
    if type_ == "date":
        return age(str(values[0]) if values else None)
    if not values:
        return ""
    return ",".join(str(v) for v in values)


def columns_for(kind: str) -> list[tuple[str, str, str]]:
    """(HEADER, jsonpath, type) for a kind: NAME, then its printer columns."""
    from bosun.api import KINDS

    cls = KINDS.get(kind)
    extra: list[tuple[str, str, str]] = []
    if cls is not None:
        extra = [
            (c.name.upper(), c.json_path, c.type)
            for c in cls.info.printer_columns
            if c.priority == 0
        ]
    elif kind in ("Secret", "ConfigMap"):
        extra = [("KEYS", ".keys[*]", "string"), ("AGE", ".metadata.creationTimestamp", "date")]
    return [("NAME", ".metadata.name", "string"), *extra]


def table(rows: list[list[str]]) -> str:
    """Left-aligned columns separated by three spaces, like kubectl."""
    if not rows:
        return ""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["   ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def resource_table(kind: str, items: list[dict[str, Any]], *, all_namespaces: bool) -> str:
    cols = columns_for(kind)
    header = [h for h, _, _ in cols]
    if all_namespaces:
        header = ["NAMESPACE", *header]
    rows = [header]
    for item in items:
        row = [cell(item, path, type_) for _, path, type_ in cols]
        if all_namespaces:
            row = [str((item.get("metadata") or {}).get("namespace", "")), *row]
        rows.append(row)
    return table(rows)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (system messages) as `|` blocks, as people write them."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100)


def as_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": items}


def describe(obj: dict[str, Any]) -> str:
    """kubectl describe-like text: metadata, spec as YAML, status with a conditions table."""
    meta = obj.get("metadata") or {}
    created = meta.get("creationTimestamp")
    lines = [
        f"Name:         {meta.get('name')}",
        f"Namespace:    {meta.get('namespace', 'default')}",
        f"Kind:         {obj.get('kind')}",
        f"API Version:  {obj.get('apiVersion')}",
        f"Created:      {created} ({age(created)} ago)",
        f"Generation:   {meta.get('generation', '')}",
    ]
    for label in ("labels", "annotations"):
        values = meta.get(label) or {}
        text = ", ".join(f"{k}={v}" for k, v in values.items()) or "<none>"
        lines.append(f"{label.capitalize() + ':':<14}{text}")
    if "keys" in obj:
        lines.append(f"Keys:         {', '.join(obj['keys']) or '<none>'}")
    if "data" in obj and obj.get("kind") == "ConfigMap":
        lines += ["Data:", _indent(to_yaml(obj["data"]))]
    if obj.get("spec") is not None:
        lines += ["Spec:", _indent(to_yaml(obj["spec"]))]
    status = dict(obj.get("status") or {})
    conditions = status.pop("conditions", None) or []
    if status or conditions:
        lines.append("Status:")
        for key, value in status.items():
            if key == "discoveredTools":
                names = [str(t.get("name")) for t in value or []]
                lines.append(f"  Discovered Tools ({len(names)}): {', '.join(names)}")
            elif key == "members":  # an AgentTeam's members and their states
                rows = [["MEMBER", "STATE", "MESSAGE"]]
                rows += [
                    [
                        f"{m.get('namespace')}/{m.get('name')}",
                        str(m.get("state", "")),
                        m.get("message") or "",
                    ]
                    for m in value or []
                ]
                lines += ["  Members:", _indent(table(rows), 4)]
            elif not isinstance(value, dict | list):
                lines.append(f"  {key}: {value}")
        if conditions:
            rows = [["TYPE", "STATUS", "REASON", "AGE", "MESSAGE"]]
            for c in conditions:
                rows.append(
                    [
                        str(c.get("type", "")),
                        str(c.get("status", "")),
                        str(c.get("reason", "")),
                        age(c.get("lastTransitionTime")),
                        str(c.get("message", "")),
                    ]
                )
            lines += ["  Conditions:", _indent(table(rows), 4)]
    return "\n".join(lines)


def _indent(text: str, spaces: int = 2) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.rstrip().splitlines())
