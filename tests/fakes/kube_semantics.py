"""Object semantics of kube-apiserver as pure functions, for the emulator (kube_emulator.py).

Patches (RFC 7386 merge, RFC 6902 JSON patch, one field manager's server-side apply),
label selectors, and what the API server does to an object before storing it.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from typing import Any

import aiohttp.web
import kmock
from kmock._internal import references

Obj = dict[str, Any]


def api_error(status: int, reason: str, message: str) -> kmock.KubernetesError:
    return kmock.KubernetesError(status=status, reason=reason, message=message)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: dicts merge recursively, null removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def json_patch(target: Obj, ops: list[Obj]) -> Obj:
    """RFC 6902, the operations clients use: add, remove, replace, test."""
    doc = copy.deepcopy(target)
    for op in ops:
        *parents, last = _pointer(op["path"])
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        kind = op["op"]
        if kind == "test":
            current = node[int(last)] if isinstance(node, list) else node.get(last)
            if current != op.get("value"):
                raise api_error(422, "Invalid", f"test failed at {op['path']}")
        elif kind == "remove":
            del node[int(last) if isinstance(node, list) else last]
        elif kind in ("add", "replace"):
            if isinstance(node, list):
                index = len(node) if last == "-" else int(last)
                if kind == "add":
                    node.insert(index, op["value"])
                else:
                    node[index] = op["value"]
            else:
                node[last] = op["value"]
        else:
            raise api_error(422, "Invalid", f"unsupported JSON patch op {kind!r}")
    return doc


def server_side_apply(current: Obj, previous: Obj | None, applied: Obj) -> Obj:
    """One field manager's apply: drop what it applied before and not now, then set the rest.

    Lists are atomic (replaced whole), as for a single manager that owns them.
    """

    def prune(node: Any, prev: Any, new: Any) -> Any:
        if not isinstance(node, dict) or not isinstance(prev, dict):
            return node
        out = dict(node)
        for key, prev_value in prev.items():
            if not isinstance(new, dict) or key not in new:
                out.pop(key, None)
            else:
                out[key] = prune(out.get(key), prev_value, new[key])
        return out

    def overlay(node: Any, new: Any) -> Any:
        if not isinstance(new, dict) or not isinstance(node, dict):
            return copy.deepcopy(new)
        out = dict(node)
        for key, value in new.items():
            out[key] = overlay(out.get(key), value)
        return out

    base = prune(copy.deepcopy(current), previous, applied) if previous else copy.deepcopy(current)
    result: Obj = overlay(base, applied)
    return result


_SELECTOR_TERM = re.compile(
    r"\s*(?:(?P<neg>!)\s*(?P<nkey>[^,!=\s()]+)"
    r"|(?P<skey>[^,!=\s()]+)\s+(?P<op>in|notin)\s+\((?P<values>[^)]*)\)"
    r"|(?P<key>[^,!=\s()]+)\s*(?P<eq>==|=|!=)\s*(?P<value>[^,\s()]*)"
    r"|(?P<ekey>[^,!=\s()]+))\s*(?:,|$)"
)


def parse_selector(text: str | None) -> Callable[[dict[str, str]], bool]:
    """A label selector as a predicate over labels."""
    if not text:
        return lambda labels: True
    checks: list[Callable[[dict[str, str]], bool]] = []
    pos = 0
    while pos < len(text):
        match = _SELECTOR_TERM.match(text, pos)
        if match is None or match.end() == pos:
            raise api_error(400, "BadRequest", f"unable to parse requirement: {text[pos:]!r}")
        pos = match.end()
        g = match.groupdict()
        if g["neg"]:
            checks.append(lambda labels, k=g["nkey"]: k not in labels)
        elif g["op"]:
            values = {v.strip() for v in g["values"].split(",") if v.strip()}
            if g["op"] == "in":
                checks.append(lambda labels, k=g["skey"], vs=values: labels.get(k) in vs)
            else:
                checks.append(lambda labels, k=g["skey"], vs=values: labels.get(k) not in vs)
        elif g["eq"]:
            if g["eq"] == "!=":
                checks.append(lambda labels, k=g["key"], v=g["value"]: labels.get(k) != v)
            else:
                checks.append(lambda labels, k=g["key"], v=g["value"]: labels.get(k) == v)
        else:
            checks.append(lambda labels, k=g["ekey"]: k in labels)
    return lambda labels: all(check(labels) for check in checks)


def normalize(res: references.resource, obj: Obj) -> Obj:
    """What the API server does before storing: Secret stringData becomes base64 data."""
    if res.group == "" and res.plural == "secrets" and "stringData" in obj:
        data = dict(obj.get("data") or {})
        for key, value in (obj.pop("stringData") or {}).items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data
    return obj


def json_response(obj: Any, status: int = 200) -> aiohttp.web.Response:
    return aiohttp.web.Response(
        body=json.dumps(obj).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def labels_of(obj: Obj) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def without(obj: Obj, *keys: str) -> Obj:
    return {k: v for k, v in obj.items() if k not in keys}
