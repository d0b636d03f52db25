"""When a team run ends: the termination condition of config.json, evaluated after each message.

Pure and small, used by bosun.runtime.team_loop. TextMention looks at the newest message
(case-sensitive, as in the v1alpha1 descriptions: "RESOLVED"); MaxMessages counts the
messages of this run, the user's task included; Timeout is measured from the start of
the run (time spent paused for a person's approval is not counted: `elapsed` is what
the loop hands in). `reason` says which condition held, in words a person reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from bosun.api.teamconfig import TerminationSettings


@dataclass(frozen=True)
class RunView:
    """What a condition looks at."""

    last_text: str
    last_source: str
    messages: int  # in this run, the task included
    elapsed: float  # seconds


def _leaf(cond: TerminationSettings, view: RunView) -> str | None:
    text, most, limit = cond.text, cond.max_messages, cond.timeout_seconds
    if cond.type == "TextMention" and text is not None:
        hit = view.last_source != "user" and text in view.last_text
        return f'{view.last_source} mentioned "{text}"' if hit else None
    if cond.type == "MaxMessages" and most is not None:
        hit = view.messages >= most
        return f"{view.messages} messages reached (maxMessages {most})" if hit else None
    if cond.type == "Timeout" and limit is not None:
        return f"timeout of {limit:g} s reached" if view.elapsed >= limit else None
    return None


def reason(cond: TerminationSettings | None, view: RunView) -> str | None:
    """Why the run ends now, or None to go on."""
    if cond is None:
        return None
    if cond.type == "And":
        found = [_leaf(c, view) for c in cond.conditions]
        return " and ".join(r for r in found if r) if all(found) and found else None
    if cond.type == "Or":
        return next((r for r in (_leaf(c, view) for c in cond.conditions) if r), None)
    return _leaf(cond, view)


def deadline(cond: TerminationSettings | None) -> float | None:
    """The shortest Timeout that alone ends the run (a member turn is cut at it)."""
    if cond is None:
        return None
    if cond.type == "Timeout":
        return cond.timeout_seconds
    if cond.type == "Or":
        limits = [c.timeout_seconds for c in cond.conditions if c.type == "Timeout"]
        return min((t for t in limits if t is not None), default=None)
    return None
