"""Encryption at rest for Secret objects kept in the database (local mode only).

In local mode there is no Kubernetes to hold Secrets, so the DB-backed store keeps them, the
`data` encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key in a file of the data
dir (mode 0600, created on first use). Whoever can read both the key file and the database
can read the secrets: the same trust as a kubeconfig on that machine. Used by store_db.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class SecretBoxError(RuntimeError):
    """The stored data cannot be decrypted (wrong or replaced key file)."""


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def generate(cls) -> SecretBox:
        return cls(Fernet.generate_key())

    @classmethod
    def from_file(cls, path: Path) -> SecretBox:
        """Load the key, creating it (readable by the owner only) if missing."""
        return cls(secret_key(path))

    def seal(self, data: dict[str, str]) -> bytes:
        return self._fernet.encrypt(json.dumps(data, sort_keys=True).encode())

    def open(self, token: bytes) -> dict[str, str]:
        try:
            raw = self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise SecretBoxError(
                "cannot decrypt a stored Secret: the key file is not the one it was written with"
            ) from exc
        data = json.loads(raw)
        return {str(k): str(v) for k, v in data.items()}


def secret_key(path: Path) -> bytes:
    """The control plane's secret key, creating the file (a Fernet key, readable by the
    owner only) if missing. Other keys are derived from it: gateway tokens, push keys."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Fernet.generate_key()
        # O_EXCL: if two processes race, one creates and the other reads its key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(key)
    return path.read_bytes().strip()
