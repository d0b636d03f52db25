"""Static bearer tokens (auth mode `token`): a file of `token,user[,uid[,"group1,group2"]]`.

The format of the Kubernetes static token file, so one file (or Secret) can serve both.
Only SHA-256 digests of the tokens are kept in memory; lookups compare digests in constant
time.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from pathlib import Path

from bosun.server.auth.base import User


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class TokenFileError(ValueError):
    pass


class StaticTokens:
    def __init__(self, entries: dict[bytes, User]) -> None:
        self._entries = entries

    @classmethod
    def from_file(cls, path: Path, admins: frozenset[str] = frozenset()) -> StaticTokens:
        try:
            text = path.read_text()
        except OSError as exc:
            raise TokenFileError(f"cannot read token file {path}: {exc.strerror}") from exc
        entries: dict[bytes, User] = {}
        for number, row in enumerate(csv.reader(text.splitlines()), start=1):
            if not row or row[0].strip().startswith("#"):
                continue
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                # Never echo the line: it holds a token.
                raise TokenFileError(f"{path}:{number}: expected `token,user[,uid[,groups]]`")
            user = row[1].strip()
            groups = (
                tuple(g.strip() for g in row[3].split(",") if g.strip()) if len(row) > 3 else ()
            )
            admin = user in admins or any(f"group:{g}" in admins for g in groups)
            entries[_digest(row[0].strip())] = User(user, groups=groups, admin=admin)
        return cls(entries)

    async def authenticate(self, token: str) -> User | None:
        wanted = _digest(token)
        found = None
        for digest, user in self._entries.items():  # no early exit: constant time
            if hmac.compare_digest(digest, wanted):
                found = user
        return found
