"""Policy evaluation in one place: one pure function per decision.

Called by the gateway (`model_decision`, `applicable_limits`, `limit_decision`), the A2A
proxy and /mcp (`invoke_decision`, `a2a_decision`). Every function takes the Policies
of the namespace concerned (already parsed) and returns a `Decision`; nothing here does
I/O, reads a clock or keeps state: counters and the current time are handed in.

Semantics (docs/policy.md):
- Models: every Policy of the namespace that has `models` must admit the model (deny
  wins over allow; `providers`, when set, must list the provider).
- Invokers: the rules that name the agent (agents patterns) are collected over all
  Policies of the namespace; when there are any, the caller must match one of them.
- A2A (a caller that is an agent of another namespace): every Policy of the target
  namespace with `a2a` rules must admit the source namespace: a Deny rule naming it
  refuses; when the Policy has Allow rules, one of them must name it.
- Limits: each limit that applies (by agents pattern) is counted for its subject
  (the namespace, the agent or the user); over any one of them is a refusal (429).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bosun.api.policy import Policy, window_seconds
from bosun.gateway.windows import Window, describe, window_at

SA_PREFIX = "system:serviceaccount:"


@dataclass(frozen=True)
class Caller:
    """Who is asking, as far as policies care."""

    id: str  # the user id; for an agent its ServiceAccount user name
    groups: tuple[str, ...] = ()
    agent_namespace: str | None = None  # set when the caller is an agent (its namespace)
    service_account: str | None = None  # "namespace/name" when it calls as a ServiceAccount

    @staticmethod
    def of_service_account(username: str, groups: Sequence[str] = ()) -> Caller:
        """A caller from a Kubernetes user name such as system:serviceaccount:team-a:helper."""
        rest = username.removeprefix(SA_PREFIX)
        namespace, _, name = rest.partition(":")
        return Caller(username, tuple(groups), namespace or None, f"{namespace}/{name}")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    message: str = ""
    policy: str = ""  # "namespace/name" of the Policy that decided
    rule: str = ""  # field path of the rule, e.g. spec.a2a[0]
    status: Literal[200, 403, 429] = 200
    retry_after: int | None = None  # seconds, for 429
    resets_at: str | None = None  # ISO 8601, for 429
    what: str = ""  # what was refused: model, tokens, requests, invoke, a2a (metrics' reason)

    @property
    def reason(self) -> str:
        return "Allowed" if self.allowed else ("OverLimit" if self.status == 429 else "Forbidden")


ALLOWED = Decision(True)


def _match(value: str, patterns: Iterable[str]) -> str | None:
    """The first pattern (`*` wildcards) that matches value, or None."""
    return next((p for p in patterns if fnmatch.fnmatchcase(value, p)), None)


def _ordered(policies: Iterable[Policy], namespace: str) -> list[Policy]:
    return sorted((p for p in policies if p.namespace == namespace), key=lambda p: p.name)


def _ref(policy: Policy) -> str:
    return f"{policy.namespace}/{policy.name}"


def model_decision(
    policies: Iterable[Policy], namespace: str, provider: str, model: str
) -> Decision:
    """May the agents of `namespace` use `model` of `provider`?"""
    for policy in _ordered(policies, namespace):
        rules = policy.spec.models
        if rules is None:
            continue
        denied = _match(model, rules.deny)
        if denied is not None:
            index = rules.deny.index(denied)
            return _forbidden(
                policy,
                f"spec.models.deny[{index}]",
                f'model "{model}" is denied in namespace {namespace} by Policy {_ref(policy)} '
                f'(spec.models.deny[{index}]: "{denied}")',
                "model",
            )
        if _match(model, rules.allow) is None:
            return _forbidden(
                policy,
                "spec.models.allow",
                f'model "{model}" is not allowed in namespace {namespace} by Policy '
                f"{_ref(policy)} (spec.models.allow: {', '.join(rules.allow) or 'none'})",
                "model",
            )
        if rules.providers and provider not in rules.providers:
            return _forbidden(
                policy,
                "spec.models.providers",
                f"provider {provider} is not allowed in namespace {namespace} by Policy "
                f"{_ref(policy)} (spec.models.providers: {', '.join(rules.providers)})",
                "model",
            )
    return ALLOWED


def _forbidden(policy: Policy, rule: str, message: str, what: str) -> Decision:
    return Decision(False, message, _ref(policy), rule, status=403, what=what)


def _caller_matches(caller: Caller, users: Sequence[str] | None, groups: Sequence[str] | None,
                    service_accounts: Sequence[str] | None) -> bool:  # fmt: skip
    if users and _match(caller.id, users) is not None:
        return True
    if groups and any(_match(g, groups) is not None for g in caller.groups):
        return True
    sa = caller.service_account
    return bool(service_accounts and sa and _match(sa, service_accounts) is not None)


def invoke_decision(
    policies: Iterable[Policy], namespace: str, agent: str, caller: Caller
) -> Decision:
    """May `caller` send tasks to the agent `namespace/agent`?"""
    selecting: list[tuple[Policy, int]] = []
    for policy in _ordered(policies, namespace):
        for i, rule in enumerate(policy.spec.invokers or []):
            if _match(agent, rule.agents) is None:
                continue
            if _caller_matches(caller, rule.users, rule.groups, rule.service_accounts):
                return ALLOWED
            selecting.append((policy, i))
    if not selecting:
        return ALLOWED
    policy, index = selecting[0]
    names = ", ".join(f"{_ref(p)} spec.invokers[{i}]" for p, i in selecting)
    return _forbidden(
        policy,
        f"spec.invokers[{index}]",
        f"{caller.id} may not invoke agent {namespace}/{agent}: no invoker rule admits it "
        f"(rules naming this agent: {names})",
        "invoke",
    )


def a2a_decision(policies: Iterable[Policy], source: str | None, target: str) -> Decision:
    """May an agent of namespace `source` call an agent of namespace `target`?

    `source` None (the caller is not an agent) and calls within one namespace are not
    A2A between namespaces: always allowed here (invokers still apply)."""
    if source is None or source == target:
        return ALLOWED
    for policy in _ordered(policies, target):
        rules = policy.spec.a2a
        if rules is None:
            continue
        for i, rule in enumerate(rules):
            matched = _match(source, rule.namespaces)
            if rule.action == "Deny" and matched is not None:
                return _forbidden(
                    policy,
                    f"spec.a2a[{i}]",
                    f"A2A from namespace {source} to namespace {target} is denied by Policy "
                    f'{_ref(policy)} rule spec.a2a[{i}] (Deny "{matched}")',
                    "a2a",
                )
        allows = [r for r in rules if r.action == "Allow"]
        if allows and not any(_match(source, r.namespaces) for r in allows):
            return _forbidden(
                policy,
                "spec.a2a",
                f"A2A from namespace {source} to namespace {target} is denied by Policy "
                f"{_ref(policy)}: no Allow rule of spec.a2a names namespace {source}",
                "a2a",
            )
    return ALLOWED


@dataclass(frozen=True)
class AppliedLimit:
    """One limit of one Policy, for one subject, in the window that holds `now`."""

    policy: str  # namespace/name
    name: str
    path: str  # spec.limits[i]
    per: str
    subject: str  # the namespace, namespace/agent, or the user id
    window: Window
    tokens: int | None
    requests: int | None

    @property
    def key(self) -> str:
        """The counter's key: which policy's which limit (the subject is stored apart)."""
        return f"{self.policy}/{self.name}"


NO_USER = "-"


def applicable_limits(
    policies: Iterable[Policy], namespace: str, agent: str, user: str | None, now: float
) -> list[AppliedLimit]:
    """The limits a request of `agent` (for `user`) in `namespace` is counted against."""
    out = []
    for policy in _ordered(policies, namespace):
        for i, limit in enumerate(policy.spec.limits or []):
            if _match(agent, limit.agents) is None:
                continue
            subject = {
                "Namespace": namespace,
                "Agent": f"{namespace}/{agent}",
                "User": user or NO_USER,
            }[limit.per]
            out.append(
                AppliedLimit(
                    _ref(policy),
                    limit.name,
                    f"spec.limits[{i}]",
                    limit.per,
                    subject,
                    window_at(window_seconds(limit.window), now),
                    limit.tokens,
                    limit.requests,
                )
            )
    return out


@dataclass(frozen=True)
class Usage:
    """What a counter holds for one limit's subject in the current window."""

    tokens: int = 0
    requests: int = 0  # including the request being decided


def limit_decision(applied: Sequence[tuple[AppliedLimit, Usage]], now: float) -> Decision:
    """Over budget or over rate? The first exceeded limit decides (429 with Retry-After)."""
    for limit, used in applied:
        over: str | None = None
        if limit.tokens is not None and used.tokens >= limit.tokens:
            over = f"token budget of {limit.tokens} tokens per {describe(limit.window.seconds)}"
            spent, what = f"{used.tokens} used", "tokens"
        elif limit.requests is not None and used.requests > limit.requests:
            over = f"rate of {limit.requests} requests per {describe(limit.window.seconds)}"
            spent, what = f"{used.requests - 1} made", "requests"
        if over is None:
            continue
        who = {"Namespace": "namespace", "Agent": "agent", "User": "user"}[limit.per]
        return Decision(
            False,
            f"{who} {limit.subject} is over the {over} ({spent}): limit {limit.name} of "
            f"Policy {limit.policy} ({limit.path}); the window resets at "
            f"{limit.window.resets_at_iso()} (in {limit.window.retry_after(now)} s)",
            limit.policy,
            limit.path,
            status=429,
            retry_after=limit.window.retry_after(now),
            resets_at=limit.window.resets_at_iso(),
            what=what,
        )
    return ALLOWED


MAX_WINDOW = 31 * 86400


def check_policy(policy: Policy) -> list[tuple[str, str]]:
    """Problems the schema cannot see, as (field, message): the Accepted condition's."""
    problems = []
    for i, limit in enumerate(policy.spec.limits or []):
        if window_seconds(limit.window) > MAX_WINDOW:
            problems.append(
                (f"spec.limits[{i}].window", f"{limit.window} is longer than 31d (the longest)")
            )
    for i, rule in enumerate(policy.spec.a2a or []):
        if policy.namespace in rule.namespaces:
            problems.append(
                (
                    f"spec.a2a[{i}].namespaces",
                    f"names the Policy's own namespace {policy.namespace}: calls within one "
                    "namespace are not governed by a2a rules",
                )
            )
    return problems
