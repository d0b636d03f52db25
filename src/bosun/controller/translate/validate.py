"""Checking and translating a whole ManifestSet: what `bosun validate` and `bosun render` run.

Schema problems come from loading (bosun.api.manifests); this adds the cross-reference
problems that only a set shows (a missing ModelConfig, a cycle of agents ...) by running
the translator on every Agent and MCPServer with `references_from_set`. Under
`external_refs`, a reference to an object that is not in the set is a warning: it may
live in the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bosun.api.agent import Agent
from bosun.api.manifests import ManifestSet, Problem
from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.modelconfig import ModelConfig
from bosun.api.team import AgentTeam
from bosun.controller.translate.agent import translate_agent
from bosun.controller.translate.interface import (
    AgentOutput,
    MCPServerOutput,
    TranslateOptions,
    TranslationError,
    TranslationFailed,
)
from bosun.controller.translate.mcpserver import translate_mcpserver
from bosun.controller.translate.model import check_model_config
from bosun.controller.translate.references import references_from_set
from bosun.controller.translate.team import TeamOutput, translate_team
from bosun.controller.translate.tools import check_remote_server

AnyResource = Any


@dataclass
class SetResult:
    problems: list[Problem] = field(default_factory=list)
    outputs: list[tuple[AnyResource, AgentOutput | MCPServerOutput | TeamOutput]] = field(
        default_factory=list
    )

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


def check_set(
    manifests: ManifestSet,
    *,
    external_refs: bool = False,
    options: TranslateOptions | None = None,
) -> SetResult:
    """Every problem in the set (load problems first), and the translation of each
    Agent and MCPServer that translated cleanly."""
    options = options or TranslateOptions()
    refs = references_from_set(manifests)
    present = {r.key for r in manifests.resources}
    present |= {(c.kind, c.namespace, c.name) for c in manifests.core}
    result = SetResult(problems=list(manifests.problems))

    def report(resource: AnyResource, errors: list[TranslationError]) -> None:
        for err in errors:
            warning = external_refs and err.missing is not None and err.missing not in present
            result.problems.append(
                Problem(
                    err.message,
                    err.path,
                    manifests.sources.get(resource.key, ""),
                    f"{resource.kind} {resource.namespace}/{resource.name}",
                    warning=warning,
                )
            )

    for resource in manifests.resources:
        if isinstance(resource, ModelConfig):
            report(resource, check_model_config(resource, refs))
        elif isinstance(resource, RemoteMCPServer):
            report(resource, check_remote_server(resource, refs))
        elif isinstance(resource, Agent):
            try:
                result.outputs.append((resource, translate_agent(resource, refs, options)))
            except TranslationFailed as failed:
                report(resource, failed.errors)
        elif isinstance(resource, MCPServer):
            try:
                result.outputs.append((resource, translate_mcpserver(resource, refs, options)))
            except TranslationFailed as failed:
                report(resource, failed.errors)
        elif isinstance(resource, AgentTeam):
            try:
                result.outputs.append((resource, translate_team(resource, refs, options)))
            except TranslationFailed as failed:
                report(resource, failed.errors)
    return result
