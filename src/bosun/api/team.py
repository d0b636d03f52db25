"""The AgentTeam kind (kagent.dev/v1alpha1): several agents answering one request together.

A team is served like an agent (its own A2A server, DESIGN.md §4 "Teams"): the
translator turns it into one workload running the team loop (bosun.runtime.team), which
calls the member Agents over A2A. Team types, as in the v1alpha1 public descriptions:

- RoundRobin: members speak in the order listed, each seeing the shared conversation;
- Selector: an LLM (`selector.modelConfig`) picks the next speaker from the members'
  descriptions;
- Swarm: the active member hands off with a `transfer_to_<agent>` tool
  (`swarm.handoffs` restricts who may hand off to whom).

A run ends when `terminationCondition` holds (TextMention, MaxMessages, Timeout, or And/Or
of those), after `maxTurns` member turns, or when a member fails.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bosun.api.agent import DeclarativeDeploymentSpec, Name, Namespace
from bosun.api.base import (
    CelRule,
    KindInfo,
    PrinterColumn,
    Resource,
    ResourceStatus,
    WireModel,
    cel_config,
    status_columns,
)
from bosun.api.mcpserver import Duration

TeamType = Literal["RoundRobin", "Selector", "Swarm"]
LeafType = Literal["TextMention", "MaxMessages", "Timeout"]
ConditionType = Literal["TextMention", "MaxMessages", "Timeout", "And", "Or"]

DEFAULT_MAX_TURNS = 10


class TeamMember(WireModel):
    name: Name = Field(description="Name of an Agent.")
    namespace: Namespace | None = Field(
        default=None,
        description="Defaults to the team's namespace; another namespace needs the Agent's "
        "allowedNamespaces.",
    )


LEAF_RULES = (
    CelRule(
        rule="self.type != 'TextMention' || has(self.text)",
        message="type TextMention needs text",
    ),
    CelRule(
        rule="self.type != 'MaxMessages' || has(self.maxMessages)",
        message="type MaxMessages needs maxMessages",
    ),
    CelRule(
        rule="self.type != 'Timeout' || has(self.timeout)",
        message="type Timeout needs timeout",
    ),
)
COMBINATION_RULE = CelRule(
    rule="!(self.type == 'And' || self.type == 'Or') || "
    "(has(self.conditions) && size(self.conditions) > 0)",
    message="type And or Or needs at least one entry in conditions",
)
CONDITIONS_ONLY_COMBINED_RULE = CelRule(
    rule="!has(self.conditions) || self.type == 'And' || self.type == 'Or'",
    message="conditions may be set only when type is And or Or",
)


def _check_leaf(kind: str, text: str | None, max_messages: int | None, timeout: str | None) -> None:
    if kind == "TextMention" and text is None:
        raise ValueError(LEAF_RULES[0].message)
    if kind == "MaxMessages" and max_messages is None:
        raise ValueError(LEAF_RULES[1].message)
    if kind == "Timeout" and timeout is None:
        raise ValueError(LEAF_RULES[2].message)


class TerminationLeaf(WireModel):
    """One condition: a text is mentioned, so many messages, or a time limit."""

    model_config = cel_config(*LEAF_RULES)
    type: LeafType
    text: str | None = Field(
        default=None, min_length=1, description="TextMention: end when a message contains this."
    )
    max_messages: int | None = Field(
        default=None, ge=1, description="MaxMessages: end after this many messages (task included)."
    )
    timeout: Duration | None = Field(default=None, description="Timeout: end after this long.")

    @model_validator(mode="after")
    def _fields_of_type(self) -> TerminationLeaf:
        _check_leaf(self.type, self.text, self.max_messages, self.timeout)
        return self


class TerminationCondition(TerminationLeaf):
    """A condition, or And/Or of several (one level: `conditions` holds plain conditions)."""

    model_config = cel_config(*LEAF_RULES, COMBINATION_RULE, CONDITIONS_ONLY_COMBINED_RULE)
    type: ConditionType  # type: ignore[assignment]
    conditions: list[TerminationLeaf] | None = Field(
        default=None, max_length=10, description="And/Or: the combined conditions."
    )

    @model_validator(mode="after")
    def _fields_of_type(self) -> TerminationCondition:
        if self.type in ("And", "Or"):
            if not self.conditions:
                raise ValueError(COMBINATION_RULE.message)
        elif self.conditions is not None:
            raise ValueError(CONDITIONS_ONLY_COMBINED_RULE.message)
        _check_leaf(self.type, self.text, self.max_messages, self.timeout)
        return self


class SelectorSpec(WireModel):
    model_config_: Name = Field(
        alias="modelConfig", description="ModelConfig of the LLM that picks the next speaker."
    )
    system_message: str | None = Field(
        default=None,
        description="Instructions for the selector; the members' names and descriptions and "
        "the conversation are added to it.",
    )
    allow_repeated_speaker: bool = Field(
        default=True, description="Whether the same member may speak twice in a row."
    )
    max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries when the LLM names no member (then fail)."
    )


class Handoff(WireModel):
    agent: Name = Field(description="A member, by name.")
    to: list[Name] = Field(min_length=1, description="The members it may hand off to.")


class SwarmSpec(WireModel):
    handoffs: list[Handoff] = Field(
        default_factory=list,
        description="Who may hand off to whom; a member not listed may hand off to every "
        "other member.",
    )


SELECTOR_RULE = CelRule(
    rule="(self.teamType == 'Selector') == has(self.selector)",
    message="teamType Selector needs selector, and selector is only for teamType Selector",
)
SWARM_RULE = CelRule(
    rule="!has(self.swarm) || self.teamType == 'Swarm'",
    message="swarm may be set only when teamType is Swarm",
)


class AgentTeamSpec(WireModel):
    model_config = cel_config(SELECTOR_RULE, SWARM_RULE)

    description: str = Field(default="", description="What the team does; shown on its card.")
    team_type: TeamType = Field(description="RoundRobin, Selector or Swarm.")
    agents: list[TeamMember] = Field(
        min_length=1, max_length=20, description="The members, in speaking order for RoundRobin."
    )
    termination_condition: TerminationCondition | None = Field(
        default=None,
        description="When a run ends (besides maxTurns): TextMention, MaxMessages, Timeout, "
        "or And/Or of them.",
    )
    max_turns: int = Field(
        default=DEFAULT_MAX_TURNS, ge=1, le=100, description="Member turns at most per run."
    )
    member_timeout: Duration = Field(
        default="5m", description="How long one member turn may take before the run fails."
    )
    selector: SelectorSpec | None = Field(default=None, description="teamType Selector.")
    swarm: SwarmSpec | None = Field(default=None, description="teamType Swarm.")
    stream: bool = Field(default=True, description="Stream members' progress as it happens.")
    deployment: DeclarativeDeploymentSpec | None = Field(
        default=None, description="Pod settings of the team's Deployment."
    )

    @model_validator(mode="after")
    def _blocks_match_type(self) -> AgentTeamSpec:
        if (self.team_type == "Selector") != (self.selector is not None):
            raise ValueError(SELECTOR_RULE.message)
        if self.swarm is not None and self.team_type != "Swarm":
            raise ValueError(SWARM_RULE.message)
        return self


class MemberStatus(WireModel):
    name: str
    namespace: str
    state: Literal["Ready", "NotReady", "NotFound"]
    message: str = ""


class AgentTeamStatus(ResourceStatus):
    members: list[MemberStatus] = Field(default_factory=list)
    members_ready: str | None = Field(default=None, description='e.g. "2/3".')
    url: str | None = None


class AgentTeam(Resource[AgentTeamSpec, AgentTeamStatus]):
    info = KindInfo(
        kind="AgentTeam",
        version="v1alpha1",
        plural="agentteams",
        short_names=("team",),
        description="Agents that answer together: round robin, an LLM selector, or a swarm "
        "with handoffs. Served over A2A like an agent.",
        printer_columns=(
            PrinterColumn("Type", ".spec.teamType"),
            PrinterColumn("Members", ".status.membersReady"),
            *status_columns("Ready", "Accepted"),
        ),
    )
    status: AgentTeamStatus | None = None
