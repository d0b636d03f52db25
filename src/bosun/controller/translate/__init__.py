"""The translator: pure functions from resources to config.json, agent card and objects.

No I/O here (import-linter forbids clients): callers hand in every referenced object.
"""

from bosun.controller.translate.interface import (
    AgentOutput,
    MCPServerOutput,
    References,
    TranslateOptions,
    TranslationError,
    TranslationFailed,
)

__all__ = [
    "AgentOutput",
    "MCPServerOutput",
    "References",
    "TranslateOptions",
    "TranslationError",
    "TranslationFailed",
]
