"""Reconcile one AgentTeam: translate, apply, prune, write status with its members.

Like an Agent (agent.py): the translator's ServiceAccount, config Secret, Deployment and
Service are applied with the team as controller owner, and the objects of the last good
translation stay while the team is not accepted. Accepted is False naming what is wrong
(`MemberNotFound` when the only problems are absent member Agents, e.g.
`spec.agents[1]: Agent "ns/remediation-agent" not found`). Ready needs the team's
Deployment available *and* every member Ready (`MembersNotReady` lists who is not); the
status also carries `members` (each member's state) and `membersReady` ("2/3").

Members are dependencies in the index (team_references), so a member created, changed or
deleted re-queues the team; triggers.py also re-queues a member's teams when the member's
Ready condition changes (a status write, which re-queues nothing else).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from bosun.api.team import AgentTeam, MemberStatus
from bosun.controller.kube.agent import invalid_spec_message
from bosun.controller.kube.client import KubeError
from bosun.controller.kube.context import Controller, ObjKey
from bosun.controller.kube.gather import gather
from bosun.controller.kube.owned import apply_owned, deployment_state
from bosun.controller.kube.status import (
    ACCEPTED,
    READY,
    Cond,
    build_status,
    ready_condition,
)
from bosun.controller.translate import (
    TeamOutput,
    TranslationFailed,
    member_states,
    team_references,
    translate_team,
)

KIND = "AgentTeam"


def _not_accepted(exc: TranslationFailed) -> Cond:
    members_missing = all(e.missing is not None and e.missing[0] == "Agent" for e in exc.errors)
    reason = "MemberNotFound" if members_missing else "TranslationFailed"
    return Cond(ACCEPTED, False, reason, str(exc))


def _with_members(ready: Cond, states: list[MemberStatus]) -> Cond:
    waiting = [
        f"{s.namespace}/{s.name} ({s.state}{': ' + s.message if s.message else ''})"
        for s in states
        if s.state != "Ready"
    ]
    if not waiting:
        return ready
    message = "waiting for " + ", ".join(waiting)
    if not ready.status:
        message = f"{ready.message}; {message}"
    return Cond(READY, False, "MembersNotReady" if ready.status else ready.reason, message)


async def reconcile_team(ctl: Controller, namespace: str, name: str) -> None:
    key = (KIND, namespace, name)
    body = ctl.cache.get(KIND, namespace, name)
    if body is None:
        ctl.forget(key)
        return
    if (body.get("metadata") or {}).get("deletionTimestamp"):
        return  # going away: Kubernetes deletes the owned objects
    ctl.check_fresh(key, body)
    generation = int(body["metadata"].get("generation") or 0)

    output: TeamOutput | None = None
    states: list[MemberStatus] = []
    try:
        team = AgentTeam.model_validate(body)
    except ValidationError as exc:
        accepted = Cond(ACCEPTED, False, "InvalidSpec", invalid_spec_message(exc))
    else:
        refs = await gather(ctl, team, team_references(team))
        states = member_states(team, refs)
        try:
            output = translate_team(team, refs, ctl.settings.translate)
        except TranslationFailed as exc:
            accepted = _not_accepted(exc)
        else:
            members = ", ".join(m.member for m in output.config.team.members)
            accepted = Cond(
                ACCEPTED, True, "Reconciled", f"AgentTeam reconciled; members {members}"
            )

    apply_error: KubeError | None = None
    answers: dict[ObjKey, dict[str, Any]] = {}
    if output is not None:
        try:
            answers = await apply_owned(ctl, body, output.objects)
        except KubeError as exc:
            if exc.status == 0 or exc.status >= 500:
                raise  # the API server is unwell: retry with backoff, status unchanged
            apply_error = exc
            accepted = Cond(ACCEPTED, False, "ApplyFailed", f"applying objects failed: {exc}")

    deployment = deployment_state(ctl, namespace, name, answers)
    ready = _with_members(ready_condition(namespace, name, deployment), states)
    up = sum(1 for s in states if s.state == "Ready")
    status = build_status(
        body.get("status"),
        [accepted, ready],
        generation,
        members=[s.to_wire() for s in states] if states else None,
        membersReady=f"{up}/{len(states)}" if states else None,
    )
    await ctl.write_status(body, status)
    if apply_error is not None:
        raise apply_error  # retry with backoff: RBAC or quota may be fixed meanwhile
