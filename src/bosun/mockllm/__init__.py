"""The scripted fake LLM (`bosun mockllm`): OpenAI and Anthropic APIs answered from rules.

Users test their own agents offline with it, and every Bosun test uses it instead of a
real LLM. A script (YAML/JSON, see docs/mockllm.md) lists rules tried in order; the
first that matches a request answers with text, tool calls, or an HTTP error.

Modules: script (format + validation), conversation (a neutral view of a request),
engine (rule choice, templating, token estimate), openai_wire / anthropic_wire (wire
encodings), recorder (request log with redaction), app (the Starlette server),
harness (MockLLM for tests, serve for the CLI), testing (the pytest fixture).
Importing this package does not import the HTTP stack; starting a server does.
"""

from bosun.mockllm.harness import MockLLM
from bosun.mockllm.recorder import RecordedRequest, fingerprint
from bosun.mockllm.script import Match, MockScriptError, Rule, Script, ToolCall, load_script

__all__ = [
    "Match",
    "MockLLM",
    "MockScriptError",
    "RecordedRequest",
    "Rule",
    "Script",
    "ToolCall",
    "fingerprint",
    "load_script",
]
