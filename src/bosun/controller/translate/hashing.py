"""The config hash: one digest over everything that should restart pods when it changes.

Written to the pod template as the `kagent.dev/config-hash` annotation, so that a new
config.json, agent card, or a rotated Secret (whose content hash is folded in) rolls the
Deployment; nothing else does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def config_hash(parts: Mapping[str, Any], secret_hashes: Mapping[str, str]) -> str:
    """sha256 over canonical JSON of `parts` and the referenced Secrets' content hashes."""
    payload = {"parts": parts, "secrets": dict(sorted(secret_hashes.items()))}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
