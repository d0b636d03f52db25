"""Collecting translation errors: every builder adds to one `Errors`, nothing raises early.

Users fix manifests faster when they see every problem at once, so builders keep going
after a problem and `translate_*` raises `TranslationFailed` with all of them at the end.
"""

from __future__ import annotations

from bosun.controller.translate.interface import TranslationError, TranslationFailed


def ref_name(kind: str, namespace: str, name: str) -> str:
    """How messages name an object: `RemoteMCPServer "default/github"`."""
    return f'{kind} "{namespace}/{name}"'


class Errors:
    """The problems found so far while translating one resource."""

    def __init__(self) -> None:
        self.items: list[TranslationError] = []

    def add(self, path: str, message: str, missing: tuple[str, str, str] | None = None) -> None:
        self.items.append(TranslationError(path, message, missing))

    def not_found(self, path: str, kind: str, namespace: str, name: str, why: str = "") -> None:
        """A referenced object is absent (a warning under `validate --external-refs`)."""
        suffix = f" ({why})" if why else ""
        self.add(
            path, f"{ref_name(kind, namespace, name)} not found{suffix}", (kind, namespace, name)
        )

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise TranslationFailed(list(self.items))
