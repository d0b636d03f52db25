"""AgentTeams in local mode: planned and run like a Declarative agent, with member status.

Called by the supervisor (supervisor.py): `plan_team` translates the team (translate_team)
into a Plan the supervisor runs as a `bosun agent` child process on its own port;
`team_status` adds `status.members` / `membersReady` and turns Ready False while a
member is not Ready (a team answers only when all its members can).
"""

from __future__ import annotations

from typing import Any

from bosun.api.team import AgentTeam
from bosun.controller.local.conditions import ACCEPTED, READY, condition
from bosun.controller.local.plans import Plan, agent_base_url
from bosun.controller.translate import member_states, translate_team
from bosun.controller.translate.interface import References, TranslateOptions, TranslationFailed

KIND = "AgentTeam"


def plan_team(team: AgentTeam, refs: References, options: TranslateOptions, port: int) -> Plan:
    generation = team.metadata.generation or 0
    url = agent_base_url(port)
    try:
        out = translate_team(team, refs, options)
    except TranslationFailed as exc:
        failed = condition(ACCEPTED, False, "TranslationFailed", str(exc))
        return Plan(team.key, generation, failed, port, url, keep_previous=True)
    members = ", ".join(m.member for m in out.config.team.members)
    accepted = condition(ACCEPTED, True, "Accepted", f"translated; members {members}")
    plan = Plan(
        team.key,
        generation,
        accepted,
        port,
        url,
        config_hash=out.config_hash,
        objects=list(out.objects),
        health_url=f"{url}/readyz",
    )
    if plan.deployment is None:
        plan.blocked = ("ConfigError", "the translator produced no Deployment")
    return plan


def team_status(
    team: AgentTeam, refs: References, ready: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(extra status fields, the Ready condition) of a running team."""
    states = member_states(team, refs)
    up = sum(1 for s in states if s.state == "Ready")
    extra = {
        "members": [s.to_wire() for s in states],
        "membersReady": f"{up}/{len(states)}",
    }
    waiting = [f"{s.name} ({s.state}{': ' + s.message if s.message else ''})" for s in states]
    waiting = [w for w, s in zip(waiting, states, strict=True) if s.state != "Ready"]
    if ready.get("status") == "True" and waiting:
        ready = condition(READY, False, "MembersNotReady", "waiting for " + ", ".join(waiting))
    return extra, ready
