"""The script format of the fake LLM: rules, their validation, and loading them from a file.

A script is a list of rules tried in order against each LLM request; the first rule that
matches answers it (see docs/mockllm.md). Used by the rule engine (`bosun.mockllm.engine`),
the Python harness (`bosun.mockllm.MockLLM`) and the `bosun mockllm` command, which all
accept a path, a dict, or a bare list of rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

# Names usable as {{name}} in a rule's text and in string values of tool call arguments.
TEMPLATE_NAMES = (
    "last_message",
    "last_user_message",
    "last_tool_result",
    "system",
    "model",
    "turn",
)
TEMPLATE_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class MockScriptError(ValueError):
    """A script that cannot be used. The message names the file, the field and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Match(_Strict):
    """Conditions on a request; all that are given must hold. No condition matches anything."""

    last_message: str | None = None  # the last message's text, exactly
    contains: str | None = None  # substring of the last message's text
    regex: str | None = None  # re.search against the last message's text
    turn: int | None = Field(default=None, ge=0)  # number of assistant messages so far
    tool_result: str | None = None  # the last message is a result of this tool
    system_contains: str | None = None  # substring of the system prompt
    model: str | None = None  # the requested model name; shell-style wildcards allowed
    api: Literal["openai", "anthropic"] | None = None  # which wire protocol the request used

    _regex: re.Pattern[str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _compile_regex(self) -> Match:
        if self.regex is not None:
            try:
                self._regex = re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex {self.regex!r} does not compile: {exc}") from None
        return self

    @property
    def compiled_regex(self) -> re.Pattern[str] | None:
        return self._regex

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_none=True)


class ToolCall(_Strict):
    """A tool call the fake model makes."""

    name: str = Field(min_length=1)
    arguments: dict[str, Any] | str = Field(default_factory=dict)  # a str is sent as-is (raw JSON)
    id: str | None = None  # generated (call_… / toolu_…) when not given


class UsageOverride(_Strict):
    """Token counts to report instead of the estimate (characters / 4)."""

    input_tokens: int | None = Field(default=None, ge=0)
    output_tokens: int | None = Field(default=None, ge=0)


class Rule(_Strict):
    """One rule: when `match` holds, answer with text and/or tool calls, or with an HTTP error."""

    name: str | None = None
    match: Match | None = None
    default: bool = False  # a fallback, tried only after every other rule
    text: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    status: int | None = Field(default=None, ge=400, le=599)
    error: str | None = None
    retry_after: float | None = Field(default=None, gt=0)  # seconds, sent as retry-after headers
    delay: float = Field(default=0.0, ge=0)  # seconds to wait before answering
    stream_chunk_delay: float = Field(default=0.0, ge=0)  # seconds between streamed chunks
    times: int | None = Field(default=None, ge=1)  # use at most this many times, then skip
    # Faults (docs/mockllm.md): close the connection after N body chunks (0 = right after
    # the headers), or send N chunks and then hang until the client gives up.
    cut_after: int | None = Field(default=None, ge=0)
    stall_after: int | None = Field(default=None, ge=0)
    usage: UsageOverride | None = None

    @model_validator(mode="after")
    def _check(self) -> Rule:
        if self.match is None and not self.default:
            raise ValueError(
                "a rule needs `match:` (use `match: {}` or `default: true` for a catch-all)"
            )
        if self.default and self.match is not None and not self.match.is_empty():
            raise ValueError("a `default: true` rule matches everything; drop its `match` fields")
        if self.error is not None and self.status is None:
            self.status = 500
        if self.cut_after is not None and self.stall_after is not None:
            raise ValueError("give `cut_after` or `stall_after`, not both")
        if self.status is not None and (self.cut_after, self.stall_after) != (None, None):
            raise ValueError("an error rule (`status`) cannot also `cut_after`/`stall_after`")
        if self.status is not None:
            if self.text is not None or self.tool_calls:
                raise ValueError("an error rule (`status`) cannot also give `text` or `tool_calls`")
        elif self.text is None and not self.tool_calls:
            raise ValueError("a rule must answer: give `text`, `tool_calls`, or `status`/`error`")
        for template in _templates(self):
            for name in TEMPLATE_RE.findall(template):
                if name not in TEMPLATE_NAMES:
                    raise ValueError(
                        f"unknown template {{{{{name}}}}}; known: {', '.join(TEMPLATE_NAMES)}"
                    )
        return self

    def label(self, index: int) -> str:
        """How logs and errors name this rule: `#2 'weather'`."""
        return f"#{index} {self.name!r}" if self.name else f"#{index}"


def _templates(rule: Rule) -> list[str]:
    found = [rule.text] if rule.text is not None else []
    for call in rule.tool_calls:
        found.extend(_strings(call.arguments))
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


class Script(_Strict):
    """A whole script: rules in order, and optionally the model names GET /v1/models lists."""

    rules: list[Rule] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)

    _source: str = PrivateAttr(default="<inline script>")

    @property
    def source(self) -> str:
        """Where the script came from (a file path or `<inline script>`), quoted in errors."""
        return self._source

    def with_source(self, source: str) -> Script:
        self._source = source
        return self

    def model_names(self) -> list[str]:
        """The models to list: `models`, else plain model names the rules match on."""
        if self.models:
            return list(self.models)
        names = [
            r.match.model
            for r in self.rules
            if r.match and r.match.model and not any(c in r.match.model for c in "*?[")
        ]
        return list(dict.fromkeys(names)) or ["mock-model"]


ScriptLike = Script | Mapping[str, Any] | Sequence[Mapping[str, Any]] | str | Path


def load_script(source: ScriptLike) -> Script:
    """Build a Script from a Script, a dict, a list of rules, or a YAML/JSON file path.

    Raises MockScriptError with every problem found, each as `where: what`.
    """
    if isinstance(source, Script):
        return source
    if isinstance(source, str | Path):
        path = Path(source)
        return _validate(_read(path), str(path))
    return _validate(source, "<inline script>")


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MockScriptError(f"{path}: no such file") from None
    except OSError as exc:
        raise MockScriptError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise MockScriptError(f"{path}: invalid JSON: {exc}") from None
    except yaml.YAMLError as exc:
        raise MockScriptError(f"{path}: invalid YAML: {exc}") from None


def _validate(data: Any, source: str) -> Script:
    if isinstance(data, list):
        data = {"rules": data}
    if not isinstance(data, Mapping):
        raise MockScriptError(
            f"{source}: a script is a mapping with `rules:` (or a list of rules), "
            f"not {type(data).__name__}"
        )
    try:
        script = Script.model_validate(data)
    except ValidationError as exc:
        raise MockScriptError(f"{source}: invalid script:\n{_describe(exc)}") from None
    return script.with_source(source)


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        lines.append(f"  {where.lstrip('.') or '(top)'}: {message}")
    return "\n".join(lines)
