"""The agent's instruction: systemMessage or systemMessageFrom, rendered as a prompt template.

As in kagent, the system message is a template only when `promptTemplate` is set (so a
prompt that happens to contain `{{` is left alone otherwise). Supported directives:
`{{include "alias/key"}}` (a key of a ConfigMap listed in promptTemplate.dataSources; the
text is inserted as is) and the variables `{{.AgentName}}`, `{{.AgentNamespace}}`,
`{{.Description}}` and `{{.ToolNames}}` (comma-separated). `{{-` and `-}}` trim spaces as
in Go templates. Anything else is an error naming the directive.

A system message read from a Secret cannot be resolved here (the translator only sees
Secret hashes): the key is mounted as a file and config.json names it (instruction_file).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bosun.api.agent import Agent, DeclarativeAgentSpec
from bosun.controller.translate.errors import Errors, ref_name
from bosun.controller.translate.interface import References
from bosun.controller.translate.wiring import PodWiring, config_map_value, secret_key_file

_DIRECTIVE = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.S)
_INCLUDE = re.compile(r'^include\s+"([^"/]+)/([^"]+)"$')
PROMPT_DIR = "/etc/bosun/prompt"
PROMPT_FILE = "system-message"


@dataclass(frozen=True)
class Instruction:
    text: str
    file: str | None = None
    note: str | None = None


def render_template(
    template: str,
    *,
    sources: Mapping[str, Mapping[str, str]],
    variables: Mapping[str, str],
    path: str,
    errors: Errors,
    missing: frozenset[str] = frozenset(),
) -> str:
    """Resolve directives in `template`; `sources` maps alias -> ConfigMap data. Includes
    of a `missing` alias (its ConfigMap not found, already reported) add no error."""

    def _resolve(body: str) -> str:
        if body.startswith("."):
            value = variables.get(body[1:])
            if value is None:
                known = ", ".join("." + v for v in variables)
                errors.add(path, f"unknown template variable {{{{{body}}}}} (known: {known})")
                return ""
            return value
        include = _INCLUDE.match(body)
        if include is None:
            errors.add(
                path,
                f'unsupported template directive {{{{{body}}}}} (use include "alias/key" '
                "or a variable such as .AgentName)",
            )
            return ""
        alias, key = include.groups()
        data = sources.get(alias)
        if data is None and alias in missing:
            return ""
        if data is None:
            known = ", ".join(sorted({*sources, *missing})) or "none"
            errors.add(
                path,
                f'include "{alias}/{key}": unknown alias "{alias}" '
                f"(promptTemplate.dataSources aliases: {known})",
            )
            return ""
        if key not in data:
            known = ", ".join(sorted(data)) or "none"
            errors.add(
                path,
                f'include "{alias}/{key}": alias "{alias}" has no key "{key}" (keys: {known})',
            )
            return ""
        return data[key]

    out: list[str] = []
    pos, trim_next = 0, False
    for m in _DIRECTIVE.finditer(template):
        trim_left, body, trim_right = m.groups()
        literal = template[pos : m.start()]
        literal = literal.lstrip() if trim_next else literal
        out.append(literal.rstrip() if trim_left else literal)
        out.append(_resolve(body))
        pos, trim_next = m.end(), bool(trim_right)
    tail = template[pos:]
    out.append(tail.lstrip() if trim_next else tail)
    return "".join(out)


def _sources(
    agent: Agent, spec: DeclarativeAgentSpec, refs: References, errors: Errors
) -> tuple[dict[str, Mapping[str, str]], frozenset[str]]:
    """alias -> ConfigMap data, and the aliases whose ConfigMap is missing."""
    sources: dict[str, Mapping[str, str]] = {}
    missing: set[str] = set()
    assert spec.prompt_template is not None
    for i, src in enumerate(spec.prompt_template.data_sources):
        path = f"spec.declarative.promptTemplate.dataSources[{i}]"
        alias = src.alias or src.name
        if alias in sources:
            errors.add(path, f'alias "{alias}" is used by two data sources')
            continue
        data = refs.config_maps.get((agent.namespace, src.name))
        if data is None:
            errors.not_found(path, "ConfigMap", agent.namespace, src.name, "prompt data source")
            missing.add(alias)
            continue
        sources[alias] = data
    return sources, frozenset(missing)


def resolve_instruction(
    agent: Agent,
    refs: References,
    errors: Errors,
    wiring: PodWiring,
    *,
    tool_names: list[str],
) -> Instruction:
    spec = agent.spec.declarative
    assert spec is not None
    path = "spec.declarative.systemMessage"
    text = spec.system_message or ""
    source = spec.system_message_from
    if source is not None:
        path = "spec.declarative.systemMessageFrom"
        if source.type == "Secret":
            file = secret_key_file(
                refs,
                errors,
                wiring,
                path=path,
                namespace=agent.namespace,
                name=source.name,
                key=source.key,
                why="system message",
                volume="system-message",
                directory=PROMPT_DIR,
                file=PROMPT_FILE,
            )
            if file is None:
                return Instruction("")
            note = None
            if spec.prompt_template is not None:
                secret = ref_name("Secret", agent.namespace, source.name)
                note = (
                    f"the system message comes from {secret}: the agent reads it at start "
                    "and its template directives are not resolved"
                )
            return Instruction("", file, note)
        value = config_map_value(
            refs,
            errors,
            path=path,
            namespace=agent.namespace,
            name=source.name,
            key=source.key,
            why="system message",
        )
        text = value or ""
    if spec.prompt_template is None:
        return Instruction(text)
    variables = {
        "AgentName": agent.name,
        "AgentNamespace": agent.namespace,
        "Description": agent.spec.description,
        "ToolNames": ", ".join(tool_names),
    }
    sources, missing = _sources(agent, spec, refs, errors)
    return Instruction(
        render_template(
            text, sources=sources, variables=variables, path=path, errors=errors, missing=missing
        )
    )
