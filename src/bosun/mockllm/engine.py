"""The rule engine: which rule answers a request, and what the answer says.

The server (bosun.mockllm.app) asks a RuleBook to `pick` a rule for each Conversation and
turns the rule into a provider-neutral Reply with `plan_reply`; the wire modules
(openai_wire, anthropic_wire) then encode that Reply. A RuleBook is shared between the
server thread and the test thread (set_script), hence the lock.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import math
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bosun.mockllm.conversation import Conversation
from bosun.mockllm.script import TEMPLATE_RE, Match, MockScriptError, Rule, Script, load_script

log = logging.getLogger("bosun.mockllm")


@dataclass(frozen=True)
class PlannedCall:
    id: str
    name: str
    arguments: str  # JSON text, as both APIs stream it


@dataclass(frozen=True)
class Reply:
    text: str | None
    tool_calls: list[PlannedCall]
    input_tokens: int
    output_tokens: int


def estimate_tokens(chars: int) -> int:
    """About four characters per token, like the common rule of thumb for English."""
    return max(1, math.ceil(chars / 4))


def matches(match: Match | None, conv: Conversation) -> bool:
    """Whether every condition given in `match` holds for the conversation."""
    if match is None:
        return True
    if match.api is not None and match.api != conv.api:
        return False
    if match.model is not None and not fnmatch.fnmatchcase(conv.model, match.model):
        return False
    if match.turn is not None and match.turn != conv.turn:
        return False
    if match.system_contains is not None and match.system_contains not in conv.system:
        return False
    if match.tool_result is not None:
        results = [r for r in conv.last_tool_results if r.name == match.tool_result]
        # The text conditions then apply to that tool's result: any one of them may satisfy them.
        return any(_text_matches(match, r.text) for r in results)
    return _text_matches(match, conv.last_text)


def _text_matches(match: Match, text: str) -> bool:
    if match.last_message is not None and text != match.last_message:
        return False
    if match.contains is not None and match.contains not in text:
        return False
    regex = match.compiled_regex
    return regex is None or regex.search(text) is not None


class RuleBook:
    """The current script, how often each rule was used, and (optionally) the file to reload.

    When the script came from a file, a changed file is reloaded before the next request
    (counts reset); a broken edit is logged and the previous script stays in use.
    """

    def __init__(self, script: Script, watch: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._script = script
        self._uses = [0] * len(script.rules)
        self._watch = watch
        self._mtime = _mtime(watch)

    @property
    def script(self) -> Script:
        return self._script

    def set_script(self, script: Script, watch: Path | None = None) -> None:
        with self._lock:
            self._script = script
            self._uses = [0] * len(script.rules)
            self._watch = watch
            self._mtime = _mtime(watch)

    def uses(self) -> list[int]:
        with self._lock:
            return list(self._uses)

    def pick(self, conv: Conversation) -> tuple[int, Rule] | None:
        """The first usable rule that matches (fallback `default` rules last), counted as used."""
        self._reload_if_changed()
        with self._lock:
            rules = list(enumerate(self._script.rules))
            ordered = [p for p in rules if not p[1].default] + [p for p in rules if p[1].default]
            for index, rule in ordered:
                if rule.times is not None and self._uses[index] >= rule.times:
                    continue
                if matches(rule.match, conv):
                    self._uses[index] += 1
                    return index, rule
        return None

    def _reload_if_changed(self) -> None:
        watch = self._watch
        if watch is None:
            return
        mtime = _mtime(watch)
        if mtime == self._mtime:
            return
        try:
            script = load_script(watch)
        except MockScriptError as exc:
            self._mtime = mtime  # do not re-log the same broken edit on every request
            log.error("script changed but cannot be used, keeping the previous one: %s", exc)
            return
        self.set_script(script, watch)
        log.info("reloaded %s (%d rules)", watch, len(script.rules))


def _mtime(path: Path | None) -> float | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def render(template: str, conv: Conversation) -> str:
    """Fill {{last_tool_result}}, {{last_user_message}}, ... from the conversation."""
    values = {
        "last_message": conv.last_text,
        "last_user_message": conv.last_user_message,
        "last_tool_result": conv.last_tool_result,
        "system": conv.system,
        "model": conv.model,
        "turn": str(conv.turn),
    }
    return TEMPLATE_RE.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _render_value(value: Any, conv: Conversation) -> Any:
    if isinstance(value, str):
        return render(value, conv)
    if isinstance(value, dict):
        return {k: _render_value(v, conv) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_value(v, conv) for v in value]
    return value


def plan_reply(rule: Rule, conv: Conversation) -> Reply:
    """The answer a (non-error) rule gives to this conversation, with ids and token counts."""
    text = render(rule.text, conv) if rule.text is not None else None
    prefix = "toolu_" if conv.api == "anthropic" else "call_"
    calls = []
    for call in rule.tool_calls:
        arguments = call.arguments
        if isinstance(arguments, str):
            encoded = render(arguments, conv)
        else:
            encoded = json.dumps(_render_value(arguments, conv))
        calls.append(PlannedCall(call.id or prefix + uuid.uuid4().hex[:24], call.name, encoded))
    output_chars = len(text or "") + sum(len(c.name) + len(c.arguments) for c in calls)
    usage = rule.usage
    input_tokens = estimate_tokens(conv.input_chars)
    output_tokens = estimate_tokens(output_chars)
    if usage is not None and usage.input_tokens is not None:
        input_tokens = usage.input_tokens
    if usage is not None and usage.output_tokens is not None:
        output_tokens = usage.output_tokens
    return Reply(text, calls, input_tokens, output_tokens)
