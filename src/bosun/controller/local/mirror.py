"""The supervisor's in-memory copy of the store: every object, typed, with change detection.

Filled from `ResourceStore.list` at start and kept current from `ResourceStore.watch`. It
answers the questions the supervisor asks many times per reconcile without I/O: the typed
resources, the decoded data of Secrets and ConfigMaps, and whether an event changed
anything but status (the supervisor's own status writes come back as watch events and must
not trigger another reconcile).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from bosun.api import KINDS
from bosun.api.base import Resource
from bosun.api.store import StoredObject, StoreEvent

AnyResource = Resource[Any, Any]
CORE_KINDS = ("Secret", "ConfigMap")
WATCHED_KINDS = (*KINDS, *CORE_KINDS)
ObjKey = tuple[str, str, str]  # (kind, namespace, name)

_IGNORED_METADATA = ("resourceVersion", "managedFields", "generation", "creationTimestamp", "uid")


def fingerprint(body: Mapping[str, Any]) -> str:
    """Hash of what a reconcile depends on: everything but status and server-set metadata."""
    meta = {k: v for k, v in (body.get("metadata") or {}).items() if k not in _IGNORED_METADATA}
    rest = {k: v for k, v in body.items() if k not in ("status", "metadata")}
    text = json.dumps({"metadata": meta, **rest}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def decode_data(obj: StoredObject) -> dict[str, str]:
    """A Secret's or ConfigMap's data as text: base64 `data` decoded, `stringData` on top."""
    body = obj.body
    out: dict[str, str] = {}
    if obj.kind == "Secret":
        for key, value in (body.get("data") or {}).items():
            try:
                out[key] = base64.b64decode(str(value), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                continue  # binary data cannot be an env var; the reference will say missing
    else:
        out.update({k: str(v) for k, v in (body.get("data") or {}).items()})
    out.update({k: str(v) for k, v in (body.get("stringData") or {}).items()})
    return out


class Mirror:
    def __init__(self) -> None:
        self.objects: dict[ObjKey, StoredObject] = {}
        self._prints: dict[ObjKey, str] = {}
        self._typed: dict[ObjKey, AnyResource | None] = {}
        self.invalid: dict[ObjKey, str] = {}  # stored objects our models reject, and why

    def apply(self, event: StoreEvent) -> bool:
        """Record an event; True when it changed something a reconcile depends on."""
        obj = event.obj
        key = (obj.kind, obj.namespace, obj.name)
        if event.type == "DELETED":
            existed = key in self.objects
            self.objects.pop(key, None)
            self._prints.pop(key, None)
            self._typed.pop(key, None)
            self.invalid.pop(key, None)
            return existed
        known = self.objects.get(key)
        if known is not None and _older(obj.resource_version, known.resource_version):
            return False  # a list taken before a change the watch already delivered
        self.objects[key] = obj
        self._typed.pop(key, None)
        new = fingerprint(obj.body)
        changed = self._prints.get(key) != new
        self._prints[key] = new
        return changed

    def typed(self, key: ObjKey) -> AnyResource | None:
        """The object as its pydantic model, or None (unknown kind, or invalid: see .invalid)."""
        if key not in self._typed:
            obj = self.objects.get(key)
            cls = KINDS.get(key[0])
            parsed: AnyResource | None = None
            if obj is not None and cls is not None:
                try:
                    parsed = cls.model_validate(obj.body)
                    self.invalid.pop(key, None)
                except ValidationError as exc:
                    self.invalid[key] = _first_error(exc)
            self._typed[key] = parsed
        return self._typed[key]

    def of_kind(self, kind: str) -> list[AnyResource]:
        found = (self.typed(k) for k in sorted(self.objects) if k[0] == kind)
        return [r for r in found if r is not None]

    def data(self, kind: str, namespace: str, name: str) -> dict[str, str] | None:
        obj = self.objects.get((kind, namespace, name))
        return None if obj is None else decode_data(obj)

    def status(self, key: ObjKey) -> dict[str, Any]:
        obj = self.objects.get(key)
        return dict((obj.body.get("status") or {}) if obj else {})


def _older(version: str, than: str) -> bool:
    """Is `version` older? Only decidable for counters (the local store); else assume not."""
    return version.isdigit() and than.isdigit() and int(version) < int(than)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else str(err["msg"])
