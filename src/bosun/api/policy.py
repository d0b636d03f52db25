"""The Policy kind (policy.bosun.dev/v1alpha1): governance of one namespace's agents.

Bosun's own group, not kagent.dev: kagent's kinds stay exactly kagent's (manifests written
for kagent apply unchanged, and ours cannot collide with a kind kagent adds later), and a
separate group lets a platform team grant "edit agents" without "edit policies" in plain
Kubernetes RBAC. A Policy is namespaced and governs the namespace it lives in, the way a
NetworkPolicy does: which models its agents may use, who may call its agents (users,
OIDC groups, ServiceAccounts, agents of other namespaces) and how many tokens and
requests they may spend per window. Evaluation lives in `bosun.gateway.policy`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

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
from bosun.api.modelconfig import Provider

POLICY_GROUP = "policy.bosun.dev"
WINDOW_PATTERN = r"^[1-9][0-9]*(s|m|h|d)$"
_WINDOW_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

Pattern = Annotated[str, Field(min_length=1, max_length=253)]


def window_seconds(window: str) -> int:
    """'24h' -> 86400. The pattern is checked by the model; this only converts."""
    if not re.match(WINDOW_PATTERN, window):
        raise ValueError(f"window {window!r} must be a number and a unit: 30s, 1m, 1h, 24h, 7d")
    return int(window[:-1]) * _WINDOW_SECONDS[window[-1]]


class ModelRules(WireModel):
    """Which models the agents of this namespace may use (through the model gateway)."""

    allow: list[Pattern] = Field(
        default_factory=lambda: ["*"],
        max_length=100,
        description='Model names (a ModelConfig\'s spec.model), * as wildcard: "gpt-4", '
        '"claude-*", "*". Default: any.',
    )
    deny: list[Pattern] = Field(
        default_factory=list,
        max_length=100,
        description="Model names refused even when allow matches them.",
    )
    providers: list[Provider] = Field(
        default_factory=list,
        description="Providers allowed (OpenAI, Anthropic, ...). Empty: any.",
    )


A2A_ACTIONS = Literal["Allow", "Deny"]


class A2ARule(WireModel):
    """Agents of which namespaces may call this namespace's agents (A2A, via the proxy)."""

    namespaces: list[Pattern] = Field(
        min_length=1, max_length=100, description='Source namespaces; "*" for any.'
    )
    action: A2A_ACTIONS = Field(description="Allow or Deny.")


INVOKER_RULE = CelRule(
    rule="has(self.users) || has(self.groups) || has(self.serviceAccounts)",
    message="an invoker rule names at least one of users, groups and serviceAccounts",
)


class InvokerRule(WireModel):
    """Who may invoke (send tasks to) the named agents of this namespace."""

    model_config = cel_config(INVOKER_RULE)
    agents: list[Pattern] = Field(
        default_factory=lambda: ["*"],
        max_length=100,
        description='Agent names in this namespace, "*" as wildcard. Default: all.',
    )
    users: list[Pattern] | None = Field(
        default=None, max_length=200, description='User ids (OIDC subject or email), or "*".'
    )
    groups: list[Pattern] | None = Field(
        default=None, max_length=200, description="OIDC groups (or token-file groups)."
    )
    service_accounts: list[Pattern] | None = Field(
        default=None,
        max_length=200,
        description='ServiceAccounts as "namespace/name" ("team-a/*" for a whole namespace); '
        "agents call as their ServiceAccount.",
    )

    @model_validator(mode="after")
    def _someone(self) -> InvokerRule:
        if self.users is None and self.groups is None and self.service_accounts is None:
            raise ValueError(INVOKER_RULE.message)
        return self


LIMIT_RULE = CelRule(
    rule="has(self.tokens) || has(self.requests)",
    message="a limit sets tokens, requests or both",
)
LimitScope = Literal["Namespace", "Agent", "User"]


class Limit(WireModel):
    """A token budget and/or a request rate over a fixed window, counted at the gateway."""

    model_config = cel_config(LIMIT_RULE)
    name: str = Field(
        min_length=1,
        max_length=63,
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        description="Names the limit in errors and counters (unique within the Policy).",
    )
    per: LimitScope = Field(
        default="Namespace",
        description="Counted for the whole namespace, per agent, or per user.",
    )
    window: str = Field(
        pattern=WINDOW_PATTERN,
        description="Fixed window: 30s, 1m, 1h, 24h, 7d (aligned to the epoch, in UTC).",
    )
    tokens: int | None = Field(
        default=None, ge=1, description="Input plus output tokens allowed per window."
    )
    requests: int | None = Field(default=None, ge=1, description="LLM requests per window.")
    agents: list[Pattern] = Field(
        default_factory=lambda: ["*"],
        max_length=100,
        description="Agents of this namespace the limit applies to. Default: all.",
    )

    @model_validator(mode="after")
    def _something_to_count(self) -> Limit:
        if self.tokens is None and self.requests is None:
            raise ValueError(f"{self.name}: {LIMIT_RULE.message}")
        return self


SPEC_RULE = CelRule(
    rule="has(self.models) || has(self.a2a) || has(self.invokers) || has(self.limits)",
    message="a Policy sets at least one of models, a2a, invokers and limits",
)
UNIQUE_LIMITS_RULE = CelRule(
    rule="!has(self.limits) || self.limits.all(a, self.limits.exists_one(b, b.name == a.name))",
    message="limit names must be unique",
)


class PolicySpec(WireModel):
    model_config = cel_config(SPEC_RULE, UNIQUE_LIMITS_RULE)

    models: ModelRules | None = Field(
        default=None, description="Models and providers this namespace's agents may use."
    )
    a2a: list[A2ARule] | None = Field(
        default=None,
        max_length=50,
        description="Calls from agents of other namespaces: a Deny rule naming the source "
        "namespace refuses; when there are Allow rules, one must name it.",
    )
    invokers: list[InvokerRule] | None = Field(
        default=None,
        max_length=50,
        description="Who may invoke which agents. Agents that no rule names stay open.",
    )
    limits: list[Limit] | None = Field(
        default=None, max_length=32, description="Token budgets and request rate limits."
    )

    @model_validator(mode="after")
    def _rules(self) -> PolicySpec:
        if self.models is None and self.a2a is None and self.invokers is None and not self.limits:
            raise ValueError(SPEC_RULE.message)
        names = [limit.name for limit in self.limits or []]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"{UNIQUE_LIMITS_RULE.message} ({', '.join(duplicates)})")
        return self


class PolicyStatus(ResourceStatus):
    pass


class Policy(Resource[PolicySpec, PolicyStatus]):
    info = KindInfo(
        kind="Policy",
        version="v1alpha1",
        plural="policies",
        short_names=("bpol",),
        group=POLICY_GROUP,
        description="Governance of a namespace's agents: allowed models, who may invoke "
        "them, A2A between namespaces, token budgets and request rate limits.",
        printer_columns=(
            PrinterColumn("Limits", ".spec.limits[*].name", description="limit names"),
            *status_columns("Accepted"),
        ),
    )
    status: PolicyStatus | None = None
