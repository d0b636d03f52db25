"""translate_team: an AgentTeam and its members in; the team's config.json, card and objects out.

A team is one workload serving A2A like an agent (DESIGN.md §4): the same Deployment,
Service, ServiceAccount and config Secret as a Declarative agent, running `bosun agent
--config /config` on a config.json with a `team` block (bosun.api.teamconfig). Members
are reached at their agent URLs, like agents used as tools. Pure: callers hand in the
members and the selector's ModelConfig as `References`.

`team_references` lists what a team reads (for the operator's dependency index);
`member_states` turns the members' own status into the team's `status.members`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bosun.api.agent import Agent
from bosun.api.config import API_KEY_ENV, agent_card
from bosun.api.mcpserver import parse_duration
from bosun.api.team import AgentTeam, MemberStatus, TerminationCondition, TerminationLeaf
from bosun.api.teamconfig import (
    MemberSettings,
    SelectorSettings,
    TeamConfig,
    TeamSettings,
    TerminationSettings,
)
from bosun.controller.translate.agent import runtime_objects
from bosun.controller.translate.errors import Errors, ref_name
from bosun.controller.translate.hashing import config_hash
from bosun.controller.translate.interface import References, TranslateOptions
from bosun.controller.translate.meta import (
    Obj,
    labels,
    selector,
)
from bosun.controller.translate.model import model_settings
from bosun.controller.translate.references import namespace_allowed
from bosun.controller.translate.service import check_service_name
from bosun.controller.translate.tools import agent_tool_name, agent_url, subagent_url
from bosun.controller.translate.wiring import PodWiring

OWNER_LABEL = "kagent.dev/team"
Ref = tuple[str, str, str]

DEFAULT_SELECTOR_PROMPT = (
    "You choose who speaks next in a team conversation. Read the conversation and pick "
    "the one member best placed to move the task forward."
)


@dataclass(frozen=True)
class TeamOutput:
    config: TeamConfig
    card: dict[str, Any]
    objects: list[Obj]
    config_hash: str
    notes: list[str] = field(default_factory=list)


def _member_key(team: AgentTeam, index: int) -> tuple[str, str]:
    member = team.spec.agents[index]
    return (member.namespace or team.namespace, member.name)


def team_references(team: AgentTeam) -> set[Ref]:
    out: set[Ref] = {("Agent", *_member_key(team, i)) for i in range(len(team.spec.agents))}
    out.add(("Agent", team.namespace, team.name))  # an Agent of the team's name is a clash
    if team.spec.selector is not None:
        out.add(("ModelConfig", team.namespace, team.spec.selector.model_config_))
    return out


def _ready(agent: Agent) -> tuple[bool, str]:
    for cond in agent.status.conditions if agent.status else []:
        if cond.type == "Ready":
            return cond.status == "True", cond.message
    return False, "not reconciled yet"


def member_states(team: AgentTeam, refs: References) -> list[MemberStatus]:
    """Each member's state as the team's status shows it (from the Agents' own status)."""
    states = []
    for i in range(len(team.spec.agents)):
        ns, name = _member_key(team, i)
        agent = refs.agents.get((ns, name))
        if agent is None:
            states.append(MemberStatus(name=name, namespace=ns, state="NotFound"))
            continue
        ready, message = _ready(agent)
        states.append(
            MemberStatus(
                name=name,
                namespace=ns,
                state="Ready" if ready else "NotReady",
                message="" if ready else message,
            )
        )
    return states


def _termination(
    cond: TerminationCondition | TerminationLeaf, conditions: Iterable[TerminationLeaf] = ()
) -> TerminationSettings:
    return TerminationSettings(
        type=cond.type,
        text=cond.text,
        max_messages=cond.max_messages,
        timeout_seconds=parse_duration(cond.timeout) if cond.timeout else None,
        conditions=[_termination(c) for c in conditions],
    )


def _members(
    team: AgentTeam, refs: References, options: TranslateOptions, errors: Errors
) -> list[MemberSettings]:
    spec = team.spec
    names = [m.name for m in spec.agents]
    handoffs: dict[str, list[str]] = {}
    for i, rule in enumerate(spec.swarm.handoffs if spec.swarm else []):
        for j, target in enumerate([rule.agent, *rule.to]):
            if target not in names:
                where = "agent" if j == 0 else f"to[{j - 1}]"
                errors.add(
                    f"spec.swarm.handoffs[{i}].{where}",
                    f'"{target}" is not a member of the team ({", ".join(names)})',
                )
        handoffs[rule.agent] = [t for t in rule.to if t != rule.agent]
    members = []
    seen: set[str] = set()
    for i in range(len(spec.agents)):
        path = f"spec.agents[{i}]"
        ns, name = _member_key(team, i)
        if name in seen:
            errors.add(path, f'"{name}" is listed twice: members are named by their Agent name')
            continue
        seen.add(name)
        agent = refs.agents.get((ns, name))
        if agent is None:
            errors.not_found(path, "Agent", ns, name)
            continue
        if not namespace_allowed(agent.spec.allowed_namespaces, ns, team.namespace, refs):
            errors.add(
                path,
                f"{ref_name('Agent', ns, name)} does not allow namespace {team.namespace} "
                "(its spec.allowedNamespaces)",
            )
            continue
        others = [n for n in names if n != name]
        members.append(
            MemberSettings(
                name=agent_tool_name(ns, name),
                ref=f"{ns}/{name}",
                url=subagent_url(ns, name, options),
                description=agent.spec.description,
                member=name,
                handoffs=handoffs.get(name, others) if spec.team_type == "Swarm" else [],
            )
        )
    return members


def _selector(team: AgentTeam, refs: References, errors: Errors, wiring: PodWiring) -> Any:
    chooser = team.spec.selector
    if chooser is None:
        return None
    path = "spec.selector.modelConfig"
    mc = refs.model_configs.get((team.namespace, chooser.model_config_))
    if mc is None:
        errors.not_found(path, "ModelConfig", team.namespace, chooser.model_config_)
        return None
    model = model_settings(
        mc, refs, errors, wiring, path=path, purpose="model", api_key_env=API_KEY_ENV
    )
    if model is None:
        return None
    return SelectorSettings(
        model=model,
        instruction=chooser.system_message or DEFAULT_SELECTOR_PROMPT,
        allow_repeated_speaker=chooser.allow_repeated_speaker,
        max_retries=chooser.max_retries,
    )


def translate_team(team: AgentTeam, refs: References, options: TranslateOptions) -> TeamOutput:
    """Raises TranslationFailed with every problem found."""
    errors = Errors()
    spec = team.spec
    ns = team.namespace
    check_service_name(team.name, "team", errors)
    if (ns, team.name) in refs.agents:
        errors.add(
            "metadata.name",
            f"{ref_name('Agent', ns, team.name)} exists: a team and an agent of the same "
            "name would share a Service; rename one",
        )
    if spec.team_type in ("Selector", "Swarm") and len(spec.agents) < 2:
        errors.add("spec.agents", f"teamType {spec.team_type} needs at least two members")
    wiring = PodWiring()
    members = _members(team, refs, options, errors)
    chooser = _selector(team, refs, errors, wiring)
    termination = None
    if spec.termination_condition is not None:
        cond = spec.termination_condition
        termination = _termination(cond, cond.conditions or [])
    errors.raise_if_any()

    config = TeamConfig(
        name=f"{ns}/{team.name}",
        description=spec.description,
        stream=spec.stream,
        team=TeamSettings(
            type=spec.team_type,
            members=members,
            termination=termination,
            max_turns=spec.max_turns,
            member_timeout=parse_duration(spec.member_timeout),
            selector=chooser,
        ),
    )
    card = agent_card(
        name=team.name,
        description=spec.description
        or f"{spec.team_type} team of {', '.join(m.member for m in members)}",
        url=agent_url(ns, team.name, options),
        streaming=spec.stream,
        skills=[],
        version=str(team.metadata.generation or 1),
    )
    lbl = labels(team.name, "team", OWNER_LABEL)
    sel = selector(team.name, OWNER_LABEL)
    config_json = config.to_json()
    digest = config_hash({"config": config_json, "card": card}, wiring.secret_hashes)
    objects = runtime_objects(
        team,
        lbl,
        sel,
        deploy=spec.deployment,
        wiring=wiring,
        config_json=config_json,
        card=card,
        config_hash=digest,
        options=options,
    )
    return TeamOutput(config=config, card=card, objects=objects, config_hash=digest)
